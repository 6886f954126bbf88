import { describe, expect, it } from "vitest";
import {
  advanceFinality,
  type BlockRef,
  type BlockTally,
  type ChainBlock,
  type FinalityAdvance,
  type FinalityGrid,
  type FinalityState,
  finalityGrid,
  initialFinalityState,
  isCheckedHeight,
  type QuorumStatus,
} from "../../../src/core/finality/index.ts";
import { hashOf, rng, timestampOf } from "./chain-fixtures.ts";

interface Scenario {
  grid: FinalityGrid;
  blocks: ChainBlock[];
  tallies: BlockTally[];
  tip: bigint;
}

/** A random canonical chain with occasional gaps and broken links, and random tallies on checked blocks. */
function scenario(seed: number): Scenario {
  const random = rng(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const grid = finalityGrid(BigInt(pick(8)), BigInt(1 + pick(4)));
  const tip = BigInt(20 + pick(60));
  const zeroPowerLead = pick(4); // checked blocks before activation
  const blocks: ChainBlock[] = [];
  const tallies: BlockTally[] = [];
  let parentHash = hashOf(-1n);
  let checkedSeen = 0;
  for (let height = 0n; height <= tip; height++) {
    const hash = hashOf(height);
    const broken = random() < 0.01;
    if (random() >= 0.01) {
      blocks.push({
        height,
        hash,
        parentHash: broken ? hashOf(height - 1n, 5) : parentHash,
        timestamp: timestampOf(height),
      });
    }
    parentHash = hash;
    if (!isCheckedHeight(height, grid)) continue;
    const roll = random();
    let status: QuorumStatus | undefined;
    if (checkedSeen++ < zeroPowerLead) status = roll < 0.9 ? "no_voting_power" : undefined;
    else if (roll < 0.85) status = "quorum";
    else if (roll < 0.92) status = "no_quorum";
    else if (roll < 0.95) status = "no_voting_power";
    if (status !== undefined) tallies.push({ blockHash: hash, status });
    // A stray tally for a block that is not canonical must never be used.
    if (random() < 0.1) tallies.push({ blockHash: hashOf(height, 6), status: "quorum" });
  }
  return { grid, blocks, tallies, tip };
}

/** The rules stated declaratively, as an independent oracle for the highest finalized checked height. */
function oracle({ grid, blocks, tallies }: Scenario): { activation?: bigint; lastFinalized?: bigint } {
  const byHeight = new Map(blocks.map((b) => [b.height, b]));
  const status = new Map(tallies.map((t) => [t.blockHash, t.status]));
  const statusAt = (h: bigint) => {
    const block = byHeight.get(h);
    return block === undefined ? undefined : status.get(block.hash);
  };
  let s = grid.activationHeight;
  while (statusAt(s) === "no_voting_power") s += grid.interval;
  if (statusAt(s) === undefined) return {};
  if (statusAt(s) !== "quorum") return { activation: s };
  let last = s;
  for (;;) {
    const next = last + grid.interval;
    let linked = statusAt(next) === "quorum";
    for (let h = last + 1n; linked && h <= next; h++) {
      linked = byHeight.get(h)?.parentHash === byHeight.get(h - 1n)?.hash;
    }
    if (!linked) return { activation: s, lastFinalized: last };
    last = next;
  }
}

/** Feeds the chain in batches ending at the given heights, as the engine does (blocks above the finalized tip). */
function runInBatches({ grid, blocks, tallies }: Scenario, batchEnds: bigint[]) {
  let state: FinalityState = initialFinalityState(grid);
  const finalized: BlockRef[] = [];
  let last: FinalityAdvance | undefined;
  for (const end of batchEnds) {
    const floor = state.lastFinalized?.height ?? -1n;
    const slice = blocks.filter((b) => b.height > floor && b.height <= end);
    last = advanceFinality(state, slice, tallies, grid);
    finalized.push(...last.newlyFinalized);
    state = last.state;
  }
  return { state, finalized, stalledAt: last?.stalledAt };
}

describe("advanceFinality over batches equals one pass (property)", () => {
  const seeds = Array.from({ length: 400 }, (_, i) => i + 1);

  it.each(seeds)("seed %i", (seed) => {
    const world = scenario(seed);
    const random = rng(seed * 7919);
    const onePass = runInBatches(world, [world.tip]);

    const ends: bigint[] = [];
    for (let h = 0n; h < world.tip; h++) if (random() < 0.15) ends.push(h);
    ends.push(world.tip);
    const batched = runInBatches(world, ends);

    expect(batched.state).toEqual(onePass.state);
    expect(batched.finalized).toEqual(onePass.finalized);
    expect(batched.stalledAt).toEqual(onePass.stalledAt);

    const expected = oracle(world);
    expect(onePass.state.activation?.height).toBe(expected.activation);
    expect(onePass.state.lastFinalized?.height).toBe(expected.lastFinalized);

    // Finalized blocks are canonical, strictly consecutive, and end at the last finalized block.
    const canonical = new Map(world.blocks.map((b) => [b.height, b.hash]));
    for (const [i, ref] of onePass.finalized.entries()) {
      expect(canonical.get(ref.height)).toBe(ref.hash);
      if (i > 0) expect(ref.height).toBe(onePass.finalized[i - 1]!.height + 1n);
    }
    expect(onePass.finalized.at(-1)?.height).toBe(onePass.state.lastFinalized?.height);
  });

  it("the generator produces finalizations, stalls and pre-activation skips", () => {
    const outcomes = seeds.map((seed) => {
      const world = scenario(seed);
      return { run: runInBatches(world, [world.tip]), world };
    });
    const finalizedDepth = outcomes.filter(({ run }) => (run.state.lastFinalized?.height ?? 0n) > 20n).length;
    const reasons = new Set(outcomes.map(({ run }) => run.stalledAt?.reason));
    const skipped = outcomes.filter(
      ({ run, world }) => (run.state.activation?.height ?? 0n) > world.grid.activationHeight,
    ).length;
    expect(finalizedDepth).toBeGreaterThan(20);
    expect(skipped).toBeGreaterThan(20);
    for (const reason of ["awaiting_tally", "no_quorum", "no_voting_power", "missing_block", "broken_link"]) {
      expect(reasons).toContain(reason);
    }
  });
});
