// The provider daemon against the whole devnet: real anvil L2, the Babylon devnet over CometBFT RPC and
// ABCI queries, the finality contract through CosmJS. Three providers with different stakes, registered
// with MsgCreateFinalityProvider by startDevnetSystem; two run in process, the third as an operator runs
// it — `op-btc-finality provider start` in a child process — so that it can be SIGKILLed, SIGTERMed and
// SIGINTed. Every vote is checked in the contract's block_voters; equivocation is watched for on chain.
//
// OBF_PROVIDER_E2E_SECONDS sets how long the undisturbed voting phase lasts (default 15 s).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import { CosmWasmClient } from "@cosmjs/cosmwasm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FinalityContractQueryClient } from "../../contracts/finality/client.ts";
import { runProviderCommand } from "../../provider/cli.ts";
import { providerPaths } from "../../provider/daemon.ts";
import { inspectJournal } from "../../provider/sign-guard.ts";
import { type FinalityGrid, nextCheckedHeight } from "../../src/core/finality/grid.ts";
import { type DevnetSystem, startDevnetSystem } from "../../src/devnet/system.ts";
import { type LogLine, ProviderProcess } from "../provider/cli-process.ts";

const SECONDS = Number(process.env.OBF_PROVIDER_E2E_SECONDS ?? "15");
// Activation far enough ahead that all three providers have randomness committed before it.
const GRID: FinalityGrid = { activationHeight: 21n, interval: 3n };
/** The passphrase startDevnetSystem encrypts every provider's keys with. */
const PASSPHRASE = "devnet-passphrase";
const CLI = 2; // the provider run through the CLI
/** Contract errors that would mean a vote was refused for a bad proof, signature or grid position. */
const BAD_VOTE =
  /Failed to verify signature|EOTS error|Merkle error|inclusion proof for height|public randomnesses in the proof|not at scheduled height|BSN not activated|Invalid signature length|Public randomness not found|does not match this key/i;

let dir: string;
let system: DevnetSystem;
let query: FinalityContractQueryClient;
let cosm: CosmWasmClient;
let child: ProviderProcess | undefined;
let metricsPort = 0;
const inProcessLog: LogLine[] = [];
const childLog: LogLine[] = [];
const slashEvents: string[] = [];
/** height → hashes that were canonical there before a forced reorg */
const replaced = new Map<bigint, string[]>();
/** heights where the CLI provider must stay silent (its journalled hash was reorged away before it broadcast) */
const silentForCli = new Set<bigint>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pks = () => system.providers.map((p) => p.btcPkHex);
const cli = () => system.providers[CLI]!;

async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(200);
  }
}

async function admin(path: string, body: unknown = {}): Promise<Record<string, unknown>> {
  const res = await fetch(`${system.devnet.info.adminUrl}${path}`, {
    method: body === null ? "GET" : "POST",
    ...(body === null ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

const l2Tip = () => system.devnet.anvil!.blockNumber();
async function hashAt(h: bigint): Promise<string> {
  const b = await system.devnet.anvil!.rpc<{ hash: string }>("eth_getBlockByNumber", [
    `0x${h.toString(16)}`,
    false,
  ]);
  return b.hash.toLowerCase();
}
async function votersAt(h: bigint, hashHex: string): Promise<string[]> {
  const voters = await query.blockVoters(h, Buffer.from(hashHex.replace(/^0x/, ""), "hex"));
  return (voters ?? []).map((v) => v.fp_btc_pk_hex);
}
const highest = (pk: string) => query.highestVotedHeight(pk);
async function lowestHighest(): Promise<bigint> {
  let low: bigint | null = null;
  for (const pk of pks()) {
    const h = (await highest(pk)) ?? -1n;
    if (low === null || h < low) low = h;
  }
  return low ?? -1n;
}
function checked(from: bigint, to: bigint): bigint[] {
  const out: bigint[] = [];
  for (let h = nextCheckedHeight(from, GRID); h <= to; h += GRID.interval) out.push(h);
  return out;
}
const lastCheckedAtOrBelow = (h: bigint) =>
  GRID.activationHeight + ((h - GRID.activationHeight) / GRID.interval) * GRID.interval;
const journalHighest = () =>
  inspectJournal(providerPaths(cli().home, system.devnet.info.bsnId, cli().btcPkHex).journal)?.highest ??
  null;

function startCli(): ProviderProcess {
  child = ProviderProcess.start(cli().home, { OBF_PROVIDER_PASSPHRASE: PASSPHRASE }, childLog);
  return child;
}
const started = (p: ProviderProcess) =>
  p.waitForLog("start", (l) => l.msg === "finality provider started", 90_000);

async function cliMetrics(): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  return res.text();
}
const metric = (text: string, name: string) => {
  const m = new RegExp(`^${name.replace(/[{}"=]/g, "\\$&")} (\\S+)$`, "m").exec(text);
  return m === null ? 0 : Number(m[1]);
};

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Kills the CLI provider right after it journals a new height, while every Babylon RPC reply takes 2 s:
 * after journalling, the account query and the simulation come before the broadcast, so the kill lands
 * before anything of that batch was sent. Returns the journal's highest height.
 */
async function killAfterJournalling(): Promise<bigint> {
  await admin("/faults", { latencyMs: 2000 });
  try {
    const before = journalHighest() ?? -1n;
    const after = await waitFor(
      "the CLI provider to journal a new height",
      async () => {
        const j = journalHighest();
        return j !== null && j > before ? j : undefined;
      },
      45_000,
    );
    expect((await child!.stop("SIGKILL")).signal).toBe("SIGKILL");
    return after;
  } finally {
    await admin("/faults", { latencyMs: 0 });
    // a request the dead process sent earlier is still answered (and acted on) after the delay
    await sleep(2500);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "provider-devnet-"));
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split("\n"))
        if (l.trim() !== "") inProcessLog.push(JSON.parse(l) as LogLine);
      cb();
    },
  });
  system = await startDevnetSystem({
    dir,
    log: pino({ level: "info" }, sink),
    providers: [{ stakeSat: 500_000n }, { stakeSat: 300_000n }, { stakeSat: 200_000n, online: false }],
    providerPollMs: 200,
    devnet: {
      blockIntervalMs: 250,
      btcBlockIntervalMs: 1_000,
      activationHeight: GRID.activationHeight,
      finalitySignatureInterval: GRID.interval,
      l2: { blockTimeSec: 1 },
    },
  });
  system.devnet.chain.onBlock((b) => {
    for (const e of [...b.finalizeEvents, ...b.results.flatMap((r) => r.events)])
      if (/EventSlashedFinalityProvider/.test(e.type)) slashEvents.push(e.type);
  });
  cosm = await CosmWasmClient.connect(system.devnet.info.babylon.rpcUrl);
  query = new FinalityContractQueryClient(cosm, system.devnet.info.contractAddress);
  metricsPort = await freePort();
  const info = system.devnet.info;
  writeFileSync(
    join(cli().home, "provider.toml"),
    [
      `bsn_id = "${info.bsnId}"`,
      `[l2]\nrpc_url = "${info.l2!.rpcUrl}"`,
      `[babylon]\nrpc_url = "${info.babylon.rpcUrl}"\nchain_id = "${info.babylon.chainId}"`,
      `[contract]\naddress = "${info.contractAddress}"`,
      `[randomness]\nbatch = 500\nlook_ahead = 200`,
      `[voting]\npoll_interval_ms = 200`,
      `[server]\nlisten = "127.0.0.1:${metricsPort}"`,
    ].join("\n"),
  );
  await started(startCli());
  console.log(`[provider devnet] all three providers running at L2 height ${await l2Tip()}`);
}, 180_000);

afterAll(async () => {
  if (child?.running) await child.stop("SIGKILL").catch(() => undefined);
  cosm?.disconnect();
  await system?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe("provider daemons on the devnet", () => {
  it(
    `three providers with different stakes vote on every checked L2 block for ${SECONDS} s`,
    async () => {
      await waitFor(
        "the L2 to reach the activation height",
        async () => (await l2Tip()) >= GRID.activationHeight,
        90_000,
      );
      const t0 = Date.now();
      await sleep(SECONDS * 1000);
      for (const pk of pks())
        expect((await query.firstPubRandCommit(pk))!.start_height).toBeLessThanOrEqual(GRID.activationHeight);
      const through = await lowestHighest();
      const heights = checked(GRID.activationHeight, through);
      // about one checked height per 3 s of L2 blocks, and every provider keeps up
      expect(heights.length).toBeGreaterThanOrEqual(Math.floor(SECONDS / 6));
      for (const h of heights) {
        const voters = await votersAt(h, await hashAt(h));
        for (const pk of pks())
          expect(
            voters.filter((v) => v === pk),
            `height ${h}`,
          ).toHaveLength(1);
      }
      const bad = [...inProcessLog, ...childLog].filter((l) => BAD_VOTE.test(JSON.stringify(l)));
      expect(bad).toEqual([]);
      expect([...inProcessLog, ...childLog].filter((l) => l.msg === "missed a checked height")).toEqual([]);
      // the CLI daemon counts them as confirmed once CosmJS sees the inclusion (it polls every few seconds)
      await waitFor(
        "the CLI provider to count its votes confirmed",
        async () => metric(await cliMetrics(), "obf_provider_votes_confirmed_total") >= heights.length,
        15_000,
      );
      expect(metric(await cliMetrics(), 'obf_provider_errors_total{kind="submit"}')).toBe(0);
      console.log(
        `[provider devnet] ${heights.length} checked heights (${GRID.activationHeight}…${through}) voted by all 3 providers in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
    },
    (SECONDS + 150) * 1000,
  );

  it("a forced L2 reorg under running providers never makes one sign a second block at a signed height", async () => {
    await admin("/l2/pause");
    const tip = await l2Tip();
    const lastChecked = lastCheckedAtOrBelow(tip);
    await waitFor(
      "every provider to vote through the tip",
      async () => (await lowestHighest()) >= lastChecked,
    );
    const depth = 7n;
    const old = new Map<bigint, string>();
    for (let h = tip - depth + 1n; h <= tip; h++) old.set(h, await hashAt(h));
    await admin("/l2/reorg", { depth: Number(depth) });
    const reorged = checked(tip - depth + 1n, tip);
    expect(reorged.length).toBeGreaterThanOrEqual(2);
    for (const h of reorged) {
      expect(await hashAt(h)).not.toBe(old.get(h));
      replaced.set(h, [old.get(h)!]);
    }
    await admin("/l2/resume");
    const past = tip + 3n * GRID.interval;
    await waitFor("votes past the reorg", async () => ((await lowestHighest()) >= past ? true : undefined));

    for (const h of reorged) {
      expect(await votersAt(h, old.get(h)!)).toEqual(expect.arrayContaining(pks()));
      // the new block at a signed height gets no vote from anyone: all three had signed the old one
      expect(await votersAt(h, await hashAt(h)), `height ${h}`).toEqual([]);
    }
    for (const h of checked(tip + 1n, past)) {
      const voters = await votersAt(h, await hashAt(h));
      expect(voters.sort()).toEqual([...pks()].sort());
    }
    for (const pk of pks()) expect(system.devnet.babylon.finality.evidenceOf(pk)).toEqual([]);
    expect(slashEvents).toEqual([]);
  }, 120_000);

  it("SIGKILL between broadcast and confirmation, then restart: the vote lands once", async () => {
    await admin("/babylon/pause"); // broadcast_tx_sync is accepted into the mempool; inclusion waits
    let killedAt: bigint;
    try {
      // Inclusion is frozen, so the contract's highest vote is too: a journalled height above it is signed
      // and, a moment later, broadcast (or was broadcast before the pause and waits in the mempool).
      const onChain = (await highest(cli().btcPkHex)) ?? -1n;
      killedAt = await waitFor(
        "a journalled height above the contract's",
        async () => {
          const j = journalHighest();
          return j !== null && j > onChain ? j : undefined;
        },
        45_000,
      );
      await sleep(1500); // past CheckTx: the provider now waits for inclusion
      expect((await child!.stop("SIGKILL")).signal).toBe("SIGKILL");
      expect(((await highest(cli().btcPkHex)) ?? -1n) < killedAt).toBe(true);
    } finally {
      await admin("/babylon/resume");
    }
    // the dead process's transaction is included: it was broadcast
    await waitFor(
      "the killed provider's vote to be included",
      async () => ((await highest(cli().btcPkHex)) ?? -1n) >= killedAt,
    );
    const p = startCli();
    await started(p);
    await waitFor(
      "the restarted provider to vote past the kill",
      async () => ((await highest(cli().btcPkHex)) ?? -1n) > killedAt + 2n * GRID.interval,
    );
    for (const h of checked(killedAt - 3n * GRID.interval, killedAt + 2n * GRID.interval)) {
      const voters = await votersAt(h, await hashAt(h));
      expect(
        voters.filter((v) => v === cli().btcPkHex),
        `height ${h}`,
      ).toHaveLength(1);
    }
  }, 150_000);

  it("SIGKILL between journalling and broadcast, then restart: the journalled vote is sent, once", async () => {
    const killedAt = await killAfterJournalling();
    const onChain = (await highest(cli().btcPkHex)) ?? -1n;
    expect(onChain).toBeLessThan(killedAt);
    expect(await votersAt(killedAt, await hashAt(killedAt))).not.toContain(cli().btcPkHex);
    const p = startCli();
    const init = await p.waitForLog(
      "voter initialised",
      (l) => l.msg.startsWith("voter initialised"),
      90_000,
    );
    expect(init.toResend).toBeGreaterThanOrEqual(1);
    await waitFor(
      "the journalled vote to land",
      async () => ((await highest(cli().btcPkHex)) ?? -1n) >= killedAt,
    );
    for (const h of checked(onChain - 2n * GRID.interval, killedAt)) {
      const voters = await votersAt(h, await hashAt(h));
      expect(
        voters.filter((v) => v === cli().btcPkHex),
        `height ${h}`,
      ).toHaveLength(1);
    }
  }, 150_000);

  it("SIGKILL after journalling, then an L2 reorg of the journalled heights: the restarted provider stays silent there", async () => {
    const killedAt = await killAfterJournalling();
    const onChain = (await highest(cli().btcPkHex)) ?? -1n;
    const unsent = checked(onChain + 1n, killedAt);
    expect(unsent.length).toBeGreaterThanOrEqual(1);
    await admin("/l2/pause");
    const tip = await l2Tip();
    const from = unsent[0]!;
    const old = new Map<bigint, string>();
    for (const h of checked(from, tip)) old.set(h, await hashAt(h));
    await admin("/l2/reorg", { depth: Number(tip - from + 1n) });
    for (const [h, hash] of old) {
      replaced.set(h, [...(replaced.get(h) ?? []), hash]);
      expect(await hashAt(h)).not.toBe(hash);
    }
    for (const h of unsent) silentForCli.add(h);
    await admin("/l2/resume");

    const p = startCli();
    const refusal = await p.waitForLog(
      "the double-sign refusal",
      (l) => l.event === "double-sign-refused",
      90_000,
    );
    expect(refusal.critical).toBe(true);
    await waitFor(
      "the provider to vote again above the reorg",
      async () => ((await highest(cli().btcPkHex)) ?? -1n) > tip,
    );
    for (const h of unsent) {
      for (const hash of [old.get(h)!, await hashAt(h)])
        expect(await votersAt(h, hash), `height ${h}`).not.toContain(cli().btcPkHex);
    }
    const m = await cliMetrics();
    expect(metric(m, "obf_provider_double_sign_refusals_total")).toBe(unsent.length);
    expect(metric(m, 'obf_provider_missed_heights_total{reason="reorg-conflict"}')).toBe(unsent.length);
    const health = (await (await fetch(`http://127.0.0.1:${metricsPort}/health`)).json()) as {
      missed: { height: string; reason: string }[];
    };
    expect(health.missed).toEqual(unsent.map((h) => ({ height: h.toString(), reason: "reorg-conflict" })));
    expect(system.devnet.babylon.finality.evidenceOf(cli().btcPkHex)).toEqual([]);
    expect(slashEvents).toEqual([]);
  }, 150_000);

  it("offline for several checked heights: exits cleanly on SIGTERM, catches up after restart and reports it", async () => {
    expect(await child!.stop("SIGTERM")).toEqual({ code: 0, signal: null });
    const lastVoted = (await highest(cli().btcPkHex)) ?? -1n;
    expect(lastVoted).toBeGreaterThanOrEqual(GRID.activationHeight);
    const missedN = 5n;
    await waitFor("the L2 to move on", async () => (await l2Tip()) >= lastVoted + missedN * GRID.interval);
    const p = startCli();
    const init = await p.waitForLog(
      "voter initialised",
      (l) => l.msg.startsWith("voter initialised"),
      90_000,
    );
    expect(init.resumeHeight).toBe((lastVoted + GRID.interval).toString());
    const m = /catching up on (\d+) checked heights/.exec(init.msg);
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(Number(missedN));
    const tipAtRestart = BigInt(init.l2Tip as string);
    await waitFor(
      "catch-up",
      async () => ((await highest(cli().btcPkHex)) ?? -1n) >= lastCheckedAtOrBelow(tipAtRestart),
    );
    for (const h of checked(lastVoted + 1n, tipAtRestart)) {
      const voters = await votersAt(h, await hashAt(h));
      expect(
        voters.filter((v) => v === cli().btcPkHex),
        `height ${h}`,
      ).toHaveLength(1);
    }
    // the status command reports the caught-up range through the running daemon's /health
    const stdout = new PassThrough();
    let out = "";
    stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const code = await runProviderCommand(["--home", cli().home, "status"], {
      stdout,
      stderr: new PassThrough(),
      env: {},
      interactive: false,
    });
    expect(code).toBe(0);
    expect(out).toContain("daemon: healthy");
    const health = JSON.parse(out.slice(out.indexOf("{"))) as { catchUp: { from: string; to: string } };
    expect(health.catchUp).toEqual({
      from: (lastVoted + GRID.interval).toString(),
      to: tipAtRestart.toString(),
    });
  }, 150_000);

  it("start exits cleanly on SIGINT; over the whole run nobody equivocated and every vote was accepted", async () => {
    expect(await child!.stop("SIGINT")).toEqual({ code: 0, signal: null });
    expect(child!.lines.some((l) => l.msg === "finality provider started")).toBe(true);

    const through = await lowestHighest();
    for (const h of checked(GRID.activationHeight, through)) {
      const hashes = [await hashAt(h), ...(replaced.get(h) ?? [])];
      const count = new Map<string, number>();
      for (const hash of hashes)
        for (const v of await votersAt(h, hash)) count.set(v, (count.get(v) ?? 0) + 1);
      for (const pk of pks()) {
        const expected = pk === cli().btcPkHex && silentForCli.has(h) ? 0 : 1;
        expect(count.get(pk) ?? 0, `height ${h} provider ${pk.slice(0, 8)}`).toBe(expected);
      }
    }
    const providers = (await admin("/providers", null)) as unknown as { slashedBabylonHeight: string }[];
    expect(providers.map((p) => p.slashedBabylonHeight)).toEqual(["0", "0", "0"]);
    for (const pk of pks()) expect(system.devnet.babylon.finality.evidenceOf(pk)).toEqual([]);
    expect(slashEvents).toEqual([]);
    expect([...inProcessLog, ...childLog].filter((l) => BAD_VOTE.test(JSON.stringify(l)))).toEqual([]);
  }, 120_000);
});
