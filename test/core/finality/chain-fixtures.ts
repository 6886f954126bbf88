import type { BlockTally, ChainBlock, QuorumStatus } from "../../../src/core/finality/index.ts";

/** A 64-hex block hash that encodes height and branch, so test failures are readable. */
export const hashOf = (height: bigint, branch = 0): string =>
  branch.toString(16).padStart(4, "0") + height.toString(16).padStart(60, "0");

/** L2 timestamps as the OP stack makes them: a fixed function of height. */
export const timestampOf = (height: bigint): bigint => 1_700_000_000n + 2n * height;

/** Blocks from..to of one branch, each linked to the previous; the first links to `parentOfFirst`. */
export function chain(
  from: bigint,
  to: bigint,
  branch = 0,
  parentOfFirst = hashOf(from - 1n, branch),
): ChainBlock[] {
  const blocks: ChainBlock[] = [];
  let parentHash = parentOfFirst;
  for (let height = from; height <= to; height++) {
    const hash = hashOf(height, branch);
    blocks.push({ height, hash, parentHash, timestamp: timestampOf(height) });
    parentHash = hash;
  }
  return blocks;
}

export const tallyFor = (height: bigint, status: QuorumStatus, branch = 0): BlockTally => ({
  blockHash: hashOf(height, branch),
  status,
});

/** Deterministic PRNG (mulberry32) so a failing random case can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
