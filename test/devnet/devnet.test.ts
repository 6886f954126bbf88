import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CosmWasmClient } from "@cosmjs/cosmwasm";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { afterAll, describe, expect, it } from "vitest";
import { BabylonQueryClient } from "../../src/chains/babylon/query-client.ts";
import { accountAddress, runDevnetCommand, startDevnet } from "../../src/devnet/devnet.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "devnet-test-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function waitFor(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("startDevnet", () => {
  it("starts without an L2 in well under a second, serves CosmJS and the contract, and stops cleanly", async () => {
    const t0 = performance.now();
    const devnet = await startDevnet({ l2: false, blockIntervalMs: 100, btcBlockIntervalMs: 0 });
    const startMs = performance.now() - t0;
    try {
      expect(startMs).toBeLessThan(1000);
      const { info } = devnet;
      expect(info.l2).toBeNull();
      expect(info.babylon.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.babylon.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/websocket$/);
      expect(info.mnemonics).toHaveLength(3);
      const cw = await CosmWasmClient.connect(info.babylon.rpcUrl);
      expect(await cw.getChainId()).toBe("bbn-devnet-1");
      // The funded mnemonics are what CosmJS derives (our fast derivation matches the wallet's).
      const wallet = await DirectSecp256k1HdWallet.fromMnemonic(info.mnemonics[0]!, { prefix: "bbn" });
      const [account] = await wallet.getAccounts();
      expect(account!.address).toBe(info.accounts[0]!.address);
      expect((await cw.getBalance(account!.address, "ubbn")).amount).toBe("1000000000000");
      expect(await cw.queryContractSmart(info.contractAddress, { config: {} })).toMatchObject({
        bsn_id: info.bsnId,
        bsn_activation_height: 1,
        finality_signature_interval: 1,
      });
      expect(await cw.queryContractSmart(info.contractAddress, { admin: {} })).toEqual({
        admin: info.contractAdmin.address,
      });
      cw.disconnect();
    } finally {
      const t1 = performance.now();
      await devnet.stop();
      expect(performance.now() - t1).toBeLessThan(1000);
    }
    await expect(fetch(devnet.info.babylon.rpcUrl)).rejects.toThrow();
    await expect(fetch(devnet.info.adminUrl)).rejects.toThrow();
  });

  it("restarts from its state dir: same accounts, contract, providers and BTC chain; height continues", async () => {
    const stateDir = tempDir();
    const first = await startDevnet({ l2: false, blockIntervalMs: 30, btcBlockIntervalMs: 0, stateDir });
    const res = await fetch(`${first.info.adminUrl}/providers`, {
      method: "POST",
      body: JSON.stringify({ btcPkHex: "cd".repeat(32), allowlist: false }),
    });
    expect(res.status).toBe(200);
    first.btc.advance(3);
    await waitFor(() => first.babylon.lightClient.tipHeight() === first.btc.tip().height);
    const del = await fetch(`${first.info.adminUrl}/delegations`, {
      method: "POST",
      body: JSON.stringify({ fp: "cd".repeat(32), amountSat: 40_000, stakingTime: 30 }),
    }).then((r) => r.json() as Promise<{ stakingTxHash: string; status: string }>);
    expect(del.status).toBe("ACTIVE");
    await waitFor(() => first.babylon.lightClient.tipHeight() === first.btc.tip().height);
    await waitFor(() => first.chain.height >= 8n);
    await first.stop();
    const stoppedAt = first.chain.height;
    const btcTip = first.btc.tip();

    const second = await startDevnet({ l2: false, blockIntervalMs: 30, btcBlockIntervalMs: 0, stateDir });
    try {
      expect(second.info.mnemonics).toEqual(first.info.mnemonics);
      expect(second.info.contractAdmin).toEqual(first.info.contractAdmin);
      expect(second.info.contractAddress).toBe(first.info.contractAddress);
      await waitFor(() => second.chain.height > stoppedAt);
      const q = await BabylonQueryClient.connect(second.info.babylon.rpcUrl);
      expect((await q.btcTip()).hashHex).toBe(btcTip.hashHex);
      expect((await q.finalityProvider("cd".repeat(32))).bsnId).toBe(first.info.bsnId);
      const [restored] = await q.allFinalityProviderDelegations("cd".repeat(32));
      expect(restored).toMatchObject({ totalSat: 40_000n, statusDesc: "ACTIVE", stakingTime: 30 });
      const block = await fetch(`${second.info.babylon.rpcUrl}/block?height=${stoppedAt}`).then((r) =>
        r.json(),
      );
      expect(block.result.block.header.height).toBe(String(stoppedAt));
      q.disconnect();
    } finally {
      await second.stop();
    }
  });

  it("writes its info file", async () => {
    const devnet = await startDevnet({ l2: false, btcBlockIntervalMs: 0, accounts: 1 });
    try {
      const file = join(tempDir(), "sub", "devnet.json");
      devnet.writeInfo(file);
      const written = JSON.parse(readFileSync(file, "utf8"));
      expect(written).toEqual(JSON.parse(JSON.stringify(devnet.info)));
      expect(written.accounts[0].address).toBe(accountAddress(written.mnemonics[0]));
    } finally {
      await devnet.stop();
    }
  });

  it("rejects bad options by name", async () => {
    await expect(startDevnet({ l2: false, mnemonics: ["not a mnemonic"] })).rejects.toThrow(/mnemonics\[0\]/);
    await expect(startDevnet({ l2: false, accounts: 0 })).rejects.toThrow(
      /accounts must be a positive integer/,
    );
    await expect(startDevnet({ l2: false, k: 0 })).rejects.toThrow(/btc_confirmation_depth/);
  });
});

describe("runDevnetCommand", () => {
  it("prints endpoints, writes --out and exits cleanly when signalled", async () => {
    const out = join(tempDir(), "devnet.json");
    const lines: string[] = [];
    const abort = new AbortController();
    const done = runDevnetCommand(["--out", out, "--no-l2", "--btc-interval-ms", "0", "--accounts", "1"], {
      log: (l) => lines.push(l),
      signal: abort.signal,
    });
    await waitFor(() => lines.some((l) => l.startsWith("Wrote")));
    const info = JSON.parse(readFileSync(out, "utf8"));
    expect(lines.join("\n")).toContain(info.babylon.rpcUrl);
    expect(lines.join("\n")).toContain(info.adminUrl);
    abort.abort();
    expect(await done).toBe(0);
    expect(lines[lines.length - 1]).toBe("devnet stopped");
    await expect(fetch(info.babylon.rpcUrl)).rejects.toThrow();
  });

  it("rejects a bad flag value", async () => {
    await expect(runDevnetCommand(["--block-interval-ms", "fast", "--no-l2"])).rejects.toThrow(
      /--block-interval-ms/,
    );
  });
});
