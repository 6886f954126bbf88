import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Anvil, startAnvil } from "../../src/devnet/anvil.ts";

interface Block {
  number: string;
  hash: string;
}

describe("anvil L2", () => {
  let anvil: Anvil;
  beforeAll(async () => {
    anvil = await startAnvil({ slotsInAnEpoch: 2 });
  });
  afterAll(async () => {
    await anvil?.stop();
  });

  const block = (tag: string | bigint) =>
    anvil.rpc<Block>("eth_getBlockByNumber", [
      typeof tag === "bigint" ? `0x${tag.toString(16)}` : tag,
      false,
    ]);

  it("answers on a free loopback port", async () => {
    expect(anvil.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await anvil.rpc("eth_chainId")).toBe("0x7a69");
  });

  it("mines on demand and lags safe/finalized by one and two epochs", async () => {
    const before = await anvil.blockNumber();
    await anvil.mine(10);
    const latest = await anvil.blockNumber();
    expect(latest).toBe(before + 10n);
    expect(BigInt((await block("safe")).number)).toBe(latest - 2n);
    expect(BigInt((await block("finalized")).number)).toBe(latest - 4n);
  });

  it("reorgs the last blocks: same heights, new hashes", async () => {
    const tip = await anvil.blockNumber();
    const oldTip = await block(tip);
    const oldParent = await block(tip - 2n);
    const keep = await block(tip - 3n);
    await anvil.reorg(3);
    expect(await anvil.blockNumber()).toBe(tip);
    expect((await block(tip)).hash).not.toBe(oldTip.hash);
    expect((await block(tip - 2n)).hash).not.toBe(oldParent.hash);
    expect((await block(tip - 3n)).hash).toBe(keep.hash);
  });

  it("rejects bad arguments by name", async () => {
    await expect(anvil.mine(0)).rejects.toThrow(/blocks must be a positive integer/);
    await expect(anvil.reorg(-1)).rejects.toThrow(/depth must be a positive integer/);
  });

  it("pauses and resumes interval mining", async () => {
    await anvil.resumeMining(1);
    expect(anvil.mining).toBe(true);
    const start = await anvil.blockNumber();
    await new Promise((r) => setTimeout(r, 2200));
    expect(await anvil.blockNumber()).toBeGreaterThan(start);
    await anvil.pauseMining();
    expect(anvil.mining).toBe(false);
    const paused = await anvil.blockNumber();
    await new Promise((r) => setTimeout(r, 1300));
    expect(await anvil.blockNumber()).toBe(paused);
  });

  it("continues from its state file after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "anvil-state-"));
    try {
      const stateFile = join(dir, "l2", "state.json");
      const first = await startAnvil({ stateFile });
      await first.mine(5);
      const head = await first.rpc<Block>("eth_getBlockByNumber", ["latest", false]);
      await first.stop();
      const second = await startAnvil({ stateFile });
      try {
        expect(await second.blockNumber()).toBe(BigInt(head.number));
        expect((await second.rpc<Block>("eth_getBlockByNumber", [head.number, false])).hash).toBe(head.hash);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stops the process", async () => {
    const other = await startAnvil();
    const pid = other.pid;
    await other.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(fetch(other.url)).rejects.toThrow();
  });
});
