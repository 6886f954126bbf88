import { describe, expect, it } from "vitest";
import {
  advanceFinality,
  type ChainBlock,
  type FinalityState,
  finalityGrid,
  initialFinalityState,
} from "../../../src/core/finality/index.ts";
import { chain, hashOf, tallyFor, timestampOf } from "./chain-fixtures.ts";

// A = 10, I = 5: checked heights 10, 15, 20, 25, …
const grid = finalityGrid(10n, 5n);
const initial = initialFinalityState(grid);
const heights = (refs: readonly { height: bigint }[]) => refs.map((r) => r.height);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));

/** State after S = 10 and the checked block at `height` were finalized on branch 0. */
const finalizedAt = (height: bigint): FinalityState => ({
  activation: { height: 10n, hash: hashOf(10n), timestamp: timestampOf(10n) },
  lastFinalized: { height, hash: hashOf(height) },
  activationSearchFrom: 10n,
});

describe("consecutive finality (rules 5-6)", () => {
  it("finalizes checked blocks in order with the blocks between them, and stops at the first without quorum", () => {
    const result = advanceFinality(
      initial,
      chain(8n, 22n),
      [tallyFor(10n, "quorum"), tallyFor(15n, "quorum"), tallyFor(20n, "no_quorum")],
      grid,
    );
    expect(heights(result.newlyFinalized)).toEqual(range(8, 15));
    expect(result.newlyFinalized[7]).toEqual({ height: 15n, hash: hashOf(15n) });
    expect(result.state.lastFinalized).toEqual({ height: 15n, hash: hashOf(15n) });
    expect(result.stalledAt).toEqual({ height: 20n, reason: "no_quorum" });
  });

  it("does not finalize the blocks after the last finalized checked block until the next checked one is", () => {
    const result = advanceFinality(finalizedAt(10n), chain(11n, 19n), [tallyFor(15n, "quorum")], grid);
    expect(heights(result.newlyFinalized)).toEqual(range(11, 15));
    expect(result.state.lastFinalized?.height).toBe(15n);
    // 16..19 wait for 20, which is not ingested yet: that is not a stall.
    expect(result.stalledAt).toBeUndefined();
  });

  it("a checked block with quorum is not finalized while the previous checked block is not", () => {
    const result = advanceFinality(
      finalizedAt(10n),
      chain(11n, 25n),
      [tallyFor(15n, "no_quorum"), tallyFor(20n, "quorum"), tallyFor(25n, "quorum")],
      grid,
    );
    expect(result.newlyFinalized).toEqual([]);
    expect(result.state.lastFinalized?.height).toBe(10n);
    expect(result.stalledAt).toEqual({ height: 15n, reason: "no_quorum" });
  });

  it("stalls on a missing ancestor between two checked blocks", () => {
    const blocks = chain(11n, 20n).filter((b) => b.height !== 13n);
    const result = advanceFinality(finalizedAt(10n), blocks, [tallyFor(15n, "quorum")], grid);
    expect(result.newlyFinalized).toEqual([]);
    expect(result.stalledAt).toEqual({ height: 13n, reason: "missing_block" });
  });

  it("stalls when a parent hash does not link, even with quorum on the checked block", () => {
    // 13..15 belong to another branch: 15 has quorum, but 13's parent is not block 12.
    const blocks = [...chain(11n, 12n), ...chain(13n, 15n, 1)];
    const result = advanceFinality(finalizedAt(10n), blocks, [tallyFor(15n, "quorum", 1)], grid);
    expect(result.newlyFinalized).toEqual([]);
    expect(result.state.lastFinalized?.height).toBe(10n);
    expect(result.stalledAt).toEqual({ height: 13n, reason: "broken_link" });
  });

  it("stalls when the chain above no longer links to the last finalized block", () => {
    const blocks = chain(11n, 15n, 0, hashOf(10n, 7));
    const result = advanceFinality(finalizedAt(10n), blocks, [tallyFor(15n, "quorum")], grid);
    expect(result.stalledAt).toEqual({ height: 11n, reason: "broken_link" });
    expect(result.newlyFinalized).toEqual([]);
  });

  it("does not use a tally made for a block that was replaced at its height", () => {
    const blocks = [...chain(11n, 14n), ...chain(15n, 15n, 2, hashOf(14n))];
    const result = advanceFinality(finalizedAt(10n), blocks, [tallyFor(15n, "quorum", 0)], grid);
    expect(result.newlyFinalized).toEqual([]);
    expect(result.stalledAt).toEqual({ height: 15n, reason: "awaiting_tally" });
  });

  it("reports a missing checked block as a gap when blocks above it exist, and as waiting otherwise", () => {
    const withGap = chain(11n, 17n).filter((b) => b.height !== 15n);
    expect(advanceFinality(finalizedAt(10n), withGap, [], grid).stalledAt).toEqual({
      height: 15n,
      reason: "missing_block",
    });
    expect(advanceFinality(finalizedAt(10n), chain(11n, 14n), [], grid).stalledAt).toBeUndefined();
    expect(advanceFinality(finalizedAt(10n), [], [], grid)).toEqual({
      state: finalizedAt(10n),
      newlyFinalized: [],
      stalledAt: undefined,
    });
  });

  it("a checked block with zero total power after activation stalls", () => {
    const result = advanceFinality(
      finalizedAt(10n),
      chain(11n, 15n),
      [tallyFor(15n, "no_voting_power")],
      grid,
    );
    expect(result.stalledAt).toEqual({ height: 15n, reason: "no_voting_power" });
    expect(result.newlyFinalized).toEqual([]);
  });

  it("ignores blocks at or below the last finalized one", () => {
    const blocks = [...chain(5n, 10n, 3), ...chain(11n, 15n)];
    const result = advanceFinality(finalizedAt(10n), blocks, [tallyFor(15n, "quorum")], grid);
    expect(heights(result.newlyFinalized)).toEqual(range(11, 15));
  });
});

describe("activation (rule 7) and how finality starts", () => {
  it("S = A: the activation block needs quorum only, and its ancestors in the slice are finalized with it", () => {
    const result = advanceFinality(initial, chain(0n, 12n), [tallyFor(10n, "quorum")], grid);
    expect(result.state.activation).toEqual({ height: 10n, hash: hashOf(10n), timestamp: timestampOf(10n) });
    expect(heights(result.newlyFinalized)).toEqual(range(0, 10));
    expect(result.state.lastFinalized).toEqual({ height: 10n, hash: hashOf(10n) });
  });

  it("skips leading checked blocks with zero total power; the first with power is S", () => {
    const result = advanceFinality(
      initial,
      chain(9n, 26n),
      [
        tallyFor(10n, "no_voting_power"),
        tallyFor(15n, "no_voting_power"),
        tallyFor(20n, "quorum"),
        tallyFor(25n, "quorum"),
      ],
      grid,
    );
    expect(result.state.activation).toEqual({ height: 20n, hash: hashOf(20n), timestamp: timestampOf(20n) });
    // Blocks below S are its ancestors: finalized with it (prefix), though 10 and 15 were never voted on.
    expect(heights(result.newlyFinalized)).toEqual(range(9, 25));
    expect(result.state.lastFinalized?.height).toBe(25n);
  });

  it("S without quorum stalls at S, and activation stays fixed", () => {
    const tallies = [tallyFor(10n, "no_voting_power"), tallyFor(15n, "no_quorum"), tallyFor(20n, "quorum")];
    const result = advanceFinality(initial, chain(10n, 20n), tallies, grid);
    expect(result.state.activation?.height).toBe(15n);
    expect(result.state.lastFinalized).toBeUndefined();
    expect(result.stalledAt).toEqual({ height: 15n, reason: "no_quorum" });
    expect(result.newlyFinalized).toEqual([]);
    // Later, S with zero power (e.g. a replaced block) stalls instead of moving activation.
    const later = advanceFinality(result.state, chain(10n, 20n), [tallyFor(15n, "no_voting_power")], grid);
    expect(later.state.activation?.height).toBe(15n);
    expect(later.stalledAt).toEqual({ height: 15n, reason: "no_voting_power" });
  });

  it("before activation, waits for the tally of the next checked block and keeps its search position", () => {
    const first = advanceFinality(initial, chain(10n, 17n), [tallyFor(10n, "no_voting_power")], grid);
    expect(first.state).toEqual({
      activation: undefined,
      lastFinalized: undefined,
      activationSearchFrom: 15n,
    });
    expect(first.stalledAt).toEqual({ height: 15n, reason: "awaiting_tally" });
    // The next call needs only the blocks from the search position.
    const second = advanceFinality(first.state, chain(15n, 15n), [tallyFor(15n, "quorum")], grid);
    expect(second.state.activation?.height).toBe(15n);
    expect(heights(second.newlyFinalized)).toEqual([15n]);
  });

  it("finalizes S alone and names only the ancestors in the slice that link to it", () => {
    const blocks = [...chain(11n, 12n, 4), ...chain(13n, 15n)];
    const tallies = [tallyFor(10n, "no_voting_power"), tallyFor(15n, "quorum")];
    const result = advanceFinality(initial, [...chain(10n, 10n), ...blocks], tallies, grid);
    expect(heights(result.newlyFinalized)).toEqual([13n, 14n, 15n]);
    expect(result.state.lastFinalized?.height).toBe(15n);
  });

  it("never finalizes anything while every checked block has zero power", () => {
    const tallies = [10n, 15n, 20n].map((h) => tallyFor(h, "no_voting_power"));
    const result = advanceFinality(initial, chain(0n, 22n), tallies, grid);
    expect(result.state).toEqual({
      activation: undefined,
      lastFinalized: undefined,
      activationSearchFrom: 25n,
    });
    expect(result.newlyFinalized).toEqual([]);
    expect(result.stalledAt).toBeUndefined();
  });
});

describe("advanceFinality input checks", () => {
  it("rejects two different blocks at one height", () => {
    const blocks: ChainBlock[] = [...chain(11n, 12n), ...chain(12n, 12n, 1)];
    expect(() => advanceFinality(finalizedAt(10n), blocks, [], grid)).toThrow(
      `chain slice holds two blocks at height 12 (${hashOf(12n)}, ${hashOf(12n, 1)})`,
    );
  });

  it("rejects conflicting tallies for one block", () => {
    expect(() =>
      advanceFinality(finalizedAt(10n), [], [tallyFor(15n, "quorum"), tallyFor(15n, "no_quorum")], grid),
    ).toThrow(`conflicting tallies for block ${hashOf(15n)}: quorum and no_quorum`);
  });

  it("rejects inconsistent states", () => {
    expect(() => advanceFinality({ ...initial, activationSearchFrom: 11n }, [], [], grid)).toThrow(
      "activationSearchFrom 11 is not a checked height",
    );
    expect(() =>
      advanceFinality({ ...initial, lastFinalized: { height: 15n, hash: hashOf(15n) } }, [], [], grid),
    ).toThrow("block 15 is finalized before activation");
    expect(() =>
      advanceFinality(
        { ...finalizedAt(10n), lastFinalized: { height: 12n, hash: hashOf(12n) } },
        [],
        [],
        grid,
      ),
    ).toThrow("last finalized height 12 is not a checked height");
  });
});

describe("advanceFinality input order and repeats", () => {
  it("reports a gap whatever the order of the blocks: the highest block, not the last one passed, counts", () => {
    // 10 (the activation search position) is missing; 11 and 12 are above it; 9 comes last.
    const blocks = [...chain(11n, 12n), ...chain(9n, 9n)];
    expect(advanceFinality(initial, blocks, [], grid).stalledAt).toEqual({
      height: 10n,
      reason: "missing_block",
    });
    expect(advanceFinality(initial, blocks.toReversed(), [], grid).stalledAt).toEqual({
      height: 10n,
      reason: "missing_block",
    });
  });

  it("reports nothing when no block was passed at all", () => {
    expect(advanceFinality(initial, [], [], grid).stalledAt).toBeUndefined();
  });

  it("accepts the same block and the same tally twice", () => {
    const blocks = [...chain(10n, 15n), ...chain(15n, 15n)];
    const tallies = [tallyFor(10n, "quorum"), tallyFor(10n, "quorum"), tallyFor(15n, "quorum")];
    expect(advanceFinality(initial, blocks, tallies, grid).state.lastFinalized?.height).toBe(15n);
  });

  it("rejects a state whose activation is not a checked height, or that finalized below activation", () => {
    const activation = { height: 12n, hash: hashOf(12n), timestamp: timestampOf(12n) };
    expect(() => advanceFinality({ ...initial, activation }, [], [], grid)).toThrow(
      "activation height 12 is not a checked height",
    );
    const late = { height: 15n, hash: hashOf(15n), timestamp: timestampOf(15n) };
    expect(() =>
      advanceFinality(
        { activation: late, lastFinalized: { height: 10n, hash: hashOf(10n) }, activationSearchFrom: 10n },
        [],
        [],
        grid,
      ),
    ).toThrow("block 10 is finalized before activation");
  });
});
