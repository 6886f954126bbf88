import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitEnd, RandomnessStore } from "../../provider/randomness-store.ts";
import { bytesToHex } from "../../src/core/crypto/bytes.ts";
import { root, verifyProof } from "../../src/core/crypto/merkle.ts";
import { deriveRandomness, deriveRandomnessList } from "../../src/core/crypto/randomness.ts";
import { nextCheckedHeight } from "../../src/core/finality/grid.ts";

const SK = Uint8Array.from(
  Buffer.from("8fa9f2d364e5a20e13aa8becd4d795a731ad2bc40b503e08c1662ce331709af4", "hex"),
);
const CHAIN = "op-stack-l2-11155420";
const grid = { activationHeight: 100n, interval: 5n };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "rand-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const open = (chainId = CHAIN) => RandomnessStore.open({ dir, secretKey: SK, chainId, grid });

describe("RandomnessStore", () => {
  it("aligns starts to the checked-height grid", () => {
    expect(nextCheckedHeight(0n, grid)).toBe(100n);
    expect(nextCheckedHeight(100n, grid)).toBe(100n);
    expect(nextCheckedHeight(101n, grid)).toBe(105n);
    expect(nextCheckedHeight(105n, grid)).toBe(105n);
  });

  it("plans commitments ahead of the target without overlap", () => {
    const s = open();
    expect(s.needsCommit(123n, 50n)).toBe(125n);
    const c = s.prepare(125n, 20n); // 125 … 220
    expect(commitEnd(c)).toBe(220n);
    // Prepared is not yet committed.
    expect(s.committedThrough()).toBeNull();
    s.confirm(125n, { babylonTxHash: "AB12" });
    expect(s.committedThrough()).toBe(220n);
    expect(s.needsCommit(130n, 50n)).toBeNull(); // 220 ≥ 135 + 50
    expect(s.needsCommit(180n, 50n)).toBe(225n); // not enough look-ahead: continue right after the end
    expect(s.needsCommit(300n, 50n)).toBe(300n); // fell behind the target: restart at the target
    expect(() => s.prepare(220n, 10n)).toThrow(/overlaps/);
    expect(() => s.prepare(226n, 10n)).toThrow(/grid/);
    expect(s.randomnessLeftAbove(200n)).toBe(4n); // 205, 210, 215, 220
    expect(s.randomnessLeftAbove(100n)).toBe(20n);
  });

  it("serves proofs that verify against the committed root with the nonce-derived pub rand", () => {
    const s = open();
    const c = s.prepare(100n, 37n);
    expect(s.proofFor(100n)).toBeNull(); // not confirmed yet
    s.confirm(100n);
    for (const h of [100n, 105n, 150n, 280n]) {
      const p = s.proofFor(h);
      expect(p).not.toBeNull();
      expect(bytesToHex(p!.pubRand)).toBe(bytesToHex(deriveRandomness(SK, CHAIN, h).pubRand));
      expect(p!.proof.index).toBe((h - 100n) / 5n);
      expect(p!.proof.total).toBe(37n);
      expect(verifyProof(c.commitment, p!.pubRand, p!.proof)).toBe(true);
    }
    expect(s.proofFor(102n)).toBeNull(); // off grid
    expect(s.proofFor(285n)).toBeNull(); // past the end
  });

  it("survives a restart and re-derives a lost values file", () => {
    const s = open();
    const c = s.prepare(100n, 16n);
    s.confirm(100n, { babylonEpoch: 3n });
    const again = open();
    expect(again.committedThrough()).toBe(175n);
    expect(again.list()[0]?.babylonEpoch).toBe(3n);
    rmSync(join(dir, "pubrand-100.bin"));
    const p = again.proofFor(110n)!;
    expect(verifyProof(c.commitment, p.pubRand, p.proof)).toBe(true);
  });

  it("adopts an on-chain commitment only if this key and BSN id made it", () => {
    const list = deriveRandomnessList(SK, CHAIN, 200n, 10, 5n);
    const onChain = {
      startHeight: 200n,
      numPubRand: 10n,
      interval: 5n,
      commitment: root(list.pubRands),
      babylonEpoch: 7n,
    };
    const s = open();
    s.adopt(onChain);
    expect(s.committedThrough()).toBe(245n);
    expect(s.proofFor(245n)?.proof.index).toBe(9n);
    rmSync(dir, { recursive: true, force: true });
    const other = open("another-bsn");
    expect(() => other.adopt(onChain)).toThrow(/not made with this key and BSN id "another-bsn"/);
  });

  it("measures derivation vs proof rebuilding cost (numbers for the storage choice)", () => {
    const n = 2000;
    let t = performance.now();
    const list = deriveRandomnessList(SK, CHAIN, 100n, n, 5n);
    const deriveUs = ((performance.now() - t) * 1000) / n;
    const s = open();
    s.prepare(100n, BigInt(n));
    s.confirm(100n);
    const fresh = open();
    t = performance.now();
    fresh.proofFor(100n);
    const rebuildUs = ((performance.now() - t) * 1000) / n;
    console.log(
      `randomness: derive ${deriveUs.toFixed(0)} µs/value; rebuild proofs from stored values ${rebuildUs.toFixed(1)} µs/value`,
    );
    expect(list.pubRands).toHaveLength(n);
    expect(rebuildUs).toBeLessThan(deriveUs);
  });
});
