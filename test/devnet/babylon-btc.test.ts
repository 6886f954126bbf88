import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { compactToTarget, headerWork } from "../../src/chains/babylon/btclightclient.ts";
import { BtcHeaderChain } from "../../src/devnet/btc.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => Uint8Array.from(Buffer.from(h, "hex"));
const dsha = (b: Uint8Array) => sha256(sha256(b));

describe("BTC header chain", () => {
  it("builds real 80-byte headers: linked by double-SHA256, proof of work meets regtest target", () => {
    let clock = 1_700_000_000_000;
    const chain = new BtcHeaderChain({ baseHeight: 100, initialHeaders: 5, now: () => clock });
    clock += 60_000;
    chain.advance(20);
    expect(chain.base().height).toBe(100);
    expect(chain.tip().height).toBe(124);
    const target = compactToTarget(0x207fffff);
    for (let h = 101; h <= 124; h++) {
      const cur = chain.header(h)!;
      const raw = bytes(cur.headerHex);
      expect(raw.length).toBe(80);
      expect(hex(raw.subarray(4, 36))).toBe(hex(dsha(bytes(chain.header(h - 1)!.headerHex))));
      const hash = dsha(raw);
      expect(cur.hashHex).toBe(hex(Uint8Array.from(hash).reverse()));
      expect(BigInt(`0x${cur.hashHex}`) <= target).toBe(true);
      expect(cur.time).toBe(new DataView(raw.buffer).getUint32(68, true));
      expect(cur.work).toBe(chain.header(h - 1)!.work + headerWork(0x207fffff));
    }
  });

  it("regtest work is 2 per header", () => {
    expect(headerWork(0x207fffff)).toBe(2n);
    // mainnet genesis bits: work 0x100010001
    expect(headerWork(0x1d00ffff)).toBe(0x100010001n);
  });

  it("timestamps exceed the median of the previous 11 yet sometimes go backwards", () => {
    let clock = 1_700_000_000_000;
    const chain = new BtcHeaderChain({ initialHeaders: 1, now: () => clock, seed: 7, backwardsRate: 0.3 });
    for (let i = 0; i < 300; i++) {
      clock += 30_000;
      chain.advance(1);
    }
    let backwards = 0;
    for (let h = 1; h <= chain.tip().height; h++) {
      const times = chain
        .range(Math.max(0, h - 11), h - 1)
        .map((x) => x.time)
        .sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)]!;
      expect(chain.header(h)!.time).toBeGreaterThan(median);
      if (chain.header(h)!.time < chain.header(h - 1)!.time) backwards++;
    }
    expect(backwards).toBeGreaterThan(10);
    // still tracks the clock: the tip is within a few minutes of now
    expect(Math.abs(chain.tip().time - clock / 1000)).toBeLessThan(600);
  });

  it("initial headers are spaced back from now; many at once stay strictly above the median", () => {
    const clock = 1_700_000_000_000;
    const chain = new BtcHeaderChain({
      initialHeaders: 4,
      spacingSec: 600,
      now: () => clock,
      backwardsRate: 0,
    });
    expect(chain.range(0, 3).map((h) => h.time)).toEqual([
      clock / 1000 - 1800,
      clock / 1000 - 1200,
      clock / 1000 - 600,
      clock / 1000,
    ]);
    const made = chain.advance(50);
    expect(made).toHaveLength(50);
    for (let i = 1; i < made.length; i++) expect(made[i]!.time).toBeGreaterThan(made[i - 1]!.time - 1);
  });

  it("restores from exported state and continues the same chain", () => {
    let clock = 1_700_000_000_000;
    const a = new BtcHeaderChain({ now: () => clock, seed: 3 });
    a.advance(5);
    const state = JSON.parse(JSON.stringify(a.exportState()));
    const b = new BtcHeaderChain({ now: () => clock }, state);
    expect(b.tip()).toEqual(a.tip());
    clock += 1000;
    const next = b.advance(1)[0]!;
    expect(next.height).toBe(a.tip().height + 1);
    expect(next.headerHex.slice(8, 72)).toBe(hex(dsha(bytes(a.tip().headerHex))));
    state.headers[3] = state.headers[4];
    expect(() => new BtcHeaderChain({}, state)).toThrow(/does not link/);
  });

  it("notifies listeners, produces on an interval, and rejects bad n", async () => {
    const chain = new BtcHeaderChain({ initialHeaders: 1 });
    const seen: number[] = [];
    chain.onHeaders((hs) => seen.push(...hs.map((h) => h.height)));
    chain.advance(2);
    expect(seen).toEqual([1, 2]);
    expect(() => chain.advance(0)).toThrow(/n must be a positive integer/);
    chain.start(20);
    await new Promise((r) => setTimeout(r, 110));
    chain.stop();
    const stopped = chain.tip().height;
    expect(stopped).toBeGreaterThanOrEqual(4);
    await new Promise((r) => setTimeout(r, 60));
    expect(chain.tip().height).toBe(stopped);
  });
});
