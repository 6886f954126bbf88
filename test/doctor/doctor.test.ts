// `op-btc-finality doctor` against a real devnet: everything passes on a healthy configuration, and each fault
// it looks for (wrong chain id, missing contract, wrong BSN id, database down, wrong L2) is one failed line with
// a fix, and a non-zero exit from the compiled command.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keystore } from "../../provider/keystore.ts";
import { loadConfig } from "../../src/config.ts";
import { openDatabase } from "../../src/db/database.ts";
import type { Devnet } from "../../src/devnet/devnet.ts";
import { startDevnet } from "../../src/devnet/index.ts";
import { type CheckResult, runDoctor } from "../../src/doctor/index.ts";
import { createTestDatabaseUrl, usingPostgres } from "../helpers/database.ts";

const bin = fileURLToPath(new URL("../../bin/op-btc-finality.js", import.meta.url));

describe("doctor", () => {
  let devnet: Devnet;
  let databaseUrl = "";
  let dropDb: (() => Promise<void>) | undefined;
  let flags: Record<string, string>;

  beforeAll(async () => {
    devnet = await startDevnet({ blockIntervalMs: 200 });
    if (usingPostgres) {
      ({ url: databaseUrl, drop: dropDb } = await createTestDatabaseUrl());
      await (await openDatabase({ url: databaseUrl })).close(); // migrated, as after a first start
    }
    const info = devnet.info;
    flags = {
      "database.url": databaseUrl,
      "l2.rpc_url": info.l2!.rpcUrl,
      "babylon.rpc_url": info.babylon.rpcUrl,
      "babylon.chain_id": info.babylon.chainId,
      "babylon.contract_address": info.contractAddress,
    };
  }, 120_000);
  afterAll(async () => {
    await devnet?.stop();
    await dropDb?.();
  });

  const doctor = (
    overrides: Record<string, string> = {},
    options: { bsnId?: string; l2ChainId?: number } = {},
  ) =>
    runDoctor({
      config: loadConfig({ env: {}, flags: { ...flags, ...overrides } }),
      bsnId: options.bsnId ?? devnet.info.bsnId,
      l2ChainId: options.l2ChainId ?? devnet.info.l2!.chainId,
      timeoutMs: 3_000,
    });
  const failed = (results: CheckResult[]) => results.filter((r) => r.status === "fail");

  it("passes every check on a healthy devnet", async () => {
    const results = await doctor();
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["database", "ok"],
      ["l2", "ok"],
      ["babylon", "ok"],
      ["babylon ws", "ok"],
      ["contract", "ok"],
      ["activation", "ok"],
      ["bsn", "ok"],
    ]);
    expect(results.find((r) => r.name === "contract")!.detail).toContain(`BSN ${devnet.info.bsnId}`);
    expect(results.find((r) => r.name === "activation")!.detail).toContain(
      `activation height ${devnet.info.activationHeight}`,
    );
  });

  it("fails on a wrong Babylon chain id and names the one the node serves", async () => {
    const [f, ...rest] = failed(await doctor({ "babylon.chain_id": "bbn-wrong-9" }));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ name: "babylon" });
    expect(f!.detail).toBe(
      `babylon.chain_id is "bbn-wrong-9" but ${devnet.info.babylon.rpcUrl} serves "${devnet.info.babylon.chainId}"`,
    );
    expect(f!.hint).toContain(`babylon.chain_id = "${devnet.info.babylon.chainId}"`);
  });

  it("fails on a wrong L2 chain id", async () => {
    const [f, ...rest] = failed(await doctor({}, { l2ChainId: 1 }));
    expect(rest).toEqual([]);
    expect(f!.name).toBe("l2");
    expect(f!.detail).toContain(`serves chain id ${devnet.info.l2!.chainId}, expected 1`);
  });

  it("fails when no contract is at the address", async () => {
    const account = devnet.info.accounts[0]!.address; // an account, not a contract
    const [f, ...rest] = failed(await doctor({ "babylon.contract_address": account }));
    expect(rest).toEqual([]);
    expect(f!.name).toBe("contract");
    expect(f!.detail).toContain(`no contract at ${account}`);
    expect(f!.hint).toContain("babylon.contract_address");
  });

  it("fails when the contract serves another BSN", async () => {
    const [f, ...rest] = failed(await doctor({}, { bsnId: "op-stack-l2-other" }));
    expect(rest).toEqual([]);
    expect(f!.name).toBe("bsn");
    expect(f!.detail).toBe(
      `the contract serves BSN "${devnet.info.bsnId}" but --bsn-id says "op-stack-l2-other"`,
    );
  });

  it("fails when the database is down", async () => {
    const [f, ...rest] = failed(await doctor({ "database.url": "postgres://postgres@127.0.0.1:9/none" }));
    expect(rest).toEqual([]);
    expect(f!.name).toBe("database");
    expect(f!.detail).toMatch(/^cannot connect to Postgres: .*ECONNREFUSED/);
    expect(f!.hint).toContain("DATABASE_URL");
  });

  it("checks a provider home: its BSN id against the contract's, and its keys readable", async () => {
    const home = mkdtempSync(join(tmpdir(), "obf-doctor-provider-"));
    try {
      writeFileSync(join(home, "provider.toml"), `bsn_id = "${devnet.info.bsnId}"\n`);
      const keystore = new Keystore({ home, scryptLogN: 15 });
      keystore.create("default", "pass", "eots");
      const config = loadConfig({ env: {}, flags });
      const missing = failed(await runDoctor({ config, providerHome: home, timeoutMs: 3_000 }));
      expect(missing.map((f) => f.name)).toEqual(["provider keys"]);
      expect(missing[0]!.detail).toContain(
        `provider key account is not readable at ${home}/keys/account.json`,
      );
      keystore.create("account", "pass", "account");
      const results = await runDoctor({ config, providerHome: home, timeoutMs: 3_000 });
      expect(failed(results)).toEqual([]);
      expect(results.find((r) => r.name === "bsn")!.detail).toContain("as provider.toml");
      writeFileSync(join(home, "provider.toml"), `bsn_id = "op-stack-l2-other"\n`);
      const [f] = failed(await runDoctor({ config, providerHome: home, timeoutMs: 3_000 }));
      expect(f!.detail).toBe(
        `the contract serves BSN "${devnet.info.bsnId}" but provider.toml says "op-stack-l2-other"`,
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it("prints one line per check and exits 1 from the compiled command when a check fails", async () => {
    const args = Object.entries(flags).map(([k, v]) => `--${k}=${v}`);
    const run = (extra: string[]) =>
      promisify(execFile)(process.execPath, [bin, "doctor", ...args, ...extra], { encoding: "utf8" }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    const ok = await run([`--bsn-id=${devnet.info.bsnId}`]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok {4}contract /m);
    expect(ok.stdout).toContain("all checks passed");
    const bad = await run(["--bsn-id=op-stack-l2-other"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^FAIL {2}bsn {11}the contract serves BSN/m);
    expect(bad.stdout).toMatch(/^ +fix: use the finality contract/m);
    expect(bad.stdout).toContain("1 check failed");
  });
});
