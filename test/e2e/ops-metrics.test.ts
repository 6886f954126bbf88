// Every metric the dashboards and alert rules in ops/ reference exists on what a running gadget and a running
// provider daemon serve on /metrics, so a renamed or removed metric cannot leave a panel or an alert silently
// empty.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProvider } from "../../provider/daemon.ts";
import { createLogger } from "../../src/log.ts";
import { usingPostgres } from "../helpers/database.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

const ops = fileURLToPath(new URL("../../ops/", import.meta.url));
const METRIC = /\b(?:finality_gadget|obf_provider)_[a-z0-9_]+/g;

/** Metric names in the dashboards' queries and the rules' expressions (not in help texts or annotations). */
function referencedMetrics(): Set<string> {
  const exprs: string[] = [];
  for (const file of readdirSync(`${ops}grafana/dashboards`)) {
    const dashboard = JSON.parse(readFileSync(`${ops}grafana/dashboards/${file}`, "utf8")) as {
      panels: { targets: { expr: string }[] }[];
      templating: { list: { query?: string }[] };
    };
    exprs.push(...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)));
    exprs.push(...dashboard.templating.list.map((v) => v.query ?? ""));
  }
  const rules = readFileSync(`${ops}prometheus/alerts.yml`, "utf8");
  exprs.push(...[...rules.matchAll(/expr: (\|\n(?:\s{10}.*\n)+|.*)/g)].map((m) => m[1]!));
  return new Set(exprs.flatMap((e) => e.match(METRIC) ?? []));
}

/** Series names a /metrics text exposes, a histogram's _bucket/_sum/_count included, labelled or not yet. */
function exposedMetrics(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const typed = /^# TYPE (\S+) (\S+)/.exec(line);
    if (typed) {
      names.add(typed[1]!);
      if (typed[2] === "histogram") for (const s of ["_bucket", "_sum", "_count"]) names.add(typed[1]! + s);
    } else if (line && !line.startsWith("#")) {
      names.add(line.split(/[{ ]/)[0]!);
    }
  }
  return names;
}

describe("metrics referenced in ops/", () => {
  let t: TestSystem;
  let stopProvider: (() => Promise<void>) | undefined;
  let providerMetricsUrl = "";

  beforeAll(async () => {
    t = await startTestSystem([{ stakeSat: 100_000n }, { stakeSat: 100_000n, online: false }]);
    // The second provider runs here with its HTTP server on, the way an operator runs the daemon.
    const p = t.system.providers[1]!;
    const runtime = await startProvider(
      p.home,
      { ...p.config, server: { ...p.config.server, listen: "127.0.0.1:0" } },
      "devnet-passphrase",
      createLogger("silent"),
    );
    stopProvider = () => runtime.stop();
    providerMetricsUrl = `${runtime.server!.url}/metrics`;
  }, 180_000);
  afterAll(async () => {
    await stopProvider?.();
    await t?.stop();
  });

  it("all exist on a running gadget's or provider's /metrics", async () => {
    await t.waitFor("a BTC-finalized block", async () => (await t.finalizedHeight()) > 0n, 90_000);
    const gadget = await (await fetch(`${t.service.httpUrl}/metrics`)).text();
    const provider = await (await fetch(providerMetricsUrl)).text();
    const exposed = new Set([...exposedMetrics(gadget), ...exposedMetrics(provider)]);
    const referenced = referencedMetrics();
    // Only a Postgres pool has connections to count; embedded PGlite has none.
    if (!usingPostgres) referenced.delete("finality_gadget_db_pool_connections");
    expect(referenced.size).toBeGreaterThan(20);
    expect([...referenced].filter((m) => !exposed.has(m))).toEqual([]);
    // and the values the alerts depend on are set, not just declared
    expect(gadget).toMatch(/^finality_gadget_head_height\{source="l2"\} [1-9]/m);
    expect(gadget).toMatch(/^finality_gadget_ingested_height\{source="babylon"\} [1-9]/m);
    expect(gadget).toMatch(/^finality_gadget_fp_latest_voting_power\{fp_pubkey="[0-9a-f]{64}"\} [1-9]/m);
    if (usingPostgres) expect(gadget).toMatch(/^finality_gadget_db_pool_connections\{state="idle"\} \d/m);
    expect(provider).toMatch(/^obf_provider_account_balance\{denom="[a-z]+"\} [1-9]/m);
  }, 120_000);

  it("reports each ingester's catch-up progress in /ready and syncStatus", async () => {
    type Progress = {
      ingester: string;
      height: string;
      target: string;
      percent: number;
      catchingUp: boolean;
    };
    // The service samples cursors and heads every 2 s: an ingester appears at the first sample after it has both.
    const progress = await t.waitFor("progress of both ingesters", async () => {
      const ready = (await (await fetch(`${t.service.httpUrl}/ready`)).json()) as { progress: Progress[] };
      return ready.progress.length === 2 ? ready.progress : undefined;
    });
    expect(progress.map((p) => p.ingester)).toEqual(["babylon", "l2"]);
    for (const p of progress) {
      expect(BigInt(p.height)).toBeGreaterThan(0n);
      expect(p).toMatchObject({ percent: 100, catchingUp: false }); // a devnet keeps up
    }
    const res = await fetch(`${t.service.httpUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: "{ syncStatus { progress { ingester height target percent catchingUp } } }",
      }),
    });
    const body = (await res.json()) as { data: { syncStatus: { progress: { ingester: string }[] } } };
    expect(body.data.syncStatus.progress.map((p) => p.ingester)).toEqual(["babylon", "l2"]);
  });
});
