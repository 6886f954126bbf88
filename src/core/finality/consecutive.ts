/**
 * Rules 5–7: which L2 blocks are BTC-finalized, decided incrementally from the canonical chain and the
 * per-checked-block tallies.
 *
 * Decisions (DESIGN leaves them open; each is tested):
 * - Activation (rule 7). Checked heights are examined from A upward. Leading checked blocks whose tally is
 *   "no_voting_power" are before activation: they are skipped, never finalized. The first checked block
 *   with total power > 0 is the activation block S; its timestamp is the activated timestamp, and it is
 *   fixed once seen. S is the only checked block finalized without a previous checked block: it needs
 *   quorum alone. Every later checked block needs rule 5 in full.
 * - After activation, a checked block with total power 0 stalls finality (rule 4: not finalized).
 * - The BTC-finalized set is always a prefix of the canonical chain: every canonical block at or below
 *   `lastFinalized` is BTC-finalized, being its ancestor — rule 6's reasoning, which also covers the blocks
 *   below S (they are fixed by S's hash).
 * - Ancestry is proven only by parent hashes of blocks actually passed in. A missing block between two
 *   checked heights, or a parent hash that does not link, stops finality there (a stall, never a guess).
 */
import { type FinalityGrid, isCheckedHeight } from "./grid.ts";
import type { QuorumStatus, Tally } from "./quorum.ts";

/** Hashes are lowercase hex without 0x, as stored. */
export interface BlockRef {
  readonly height: bigint;
  readonly hash: string;
}

/** One block of the canonical L2 chain as stored by the ingester. */
export interface ChainBlock extends BlockRef {
  readonly parentHash: string;
  /** L2 block timestamp, seconds. */
  readonly timestamp: bigint;
}

/** Rule 7: the first checked block at or after A whose total power is > 0. */
export interface Activation extends BlockRef {
  readonly timestamp: bigint;
}

export interface FinalityState {
  /** Known once seen; persisted, never moved afterwards. */
  readonly activation: Activation | undefined;
  /** Highest BTC-finalized block (always a checked height); undefined until S is finalized. */
  readonly lastFinalized: BlockRef | undefined;
  /** While activation is unknown: the next checked height to examine (all checked heights below had total power 0). */
  readonly activationSearchFrom: bigint;
}

/** What a checked block's tally must say for finality; a full `Tally` fits. */
export type BlockTally = Pick<Tally, "blockHash" | "status">;

export type StallReason =
  /** The checked block has no tally for its current hash yet. */
  | "awaiting_tally"
  /** The checked block's tally is short of 2/3. */
  | Exclude<QuorumStatus, "quorum">
  /** A block between the last finalized block and the checked block is not in the chain slice. */
  | "missing_block"
  /** A block's parent hash is not the hash of the block below it (or of the last finalized block). */
  | "broken_link";

export interface Stall {
  readonly height: bigint;
  readonly reason: StallReason;
}

export interface FinalityAdvance {
  readonly state: FinalityState;
  /**
   * Blocks finalized by this call, ascending: every height above the previous `lastFinalized` up to the new
   * one. For the first finalization this lists S and those of its ancestors in `blocks` that link to it;
   * the canonical blocks below S that were not passed are finalized too (prefix), so the caller marks
   * finality by height: every canonical height ≤ `state.lastFinalized.height`.
   */
  readonly newlyFinalized: readonly BlockRef[];
  /** Where finality stops for a reason other than simply not having the next checked block yet. */
  readonly stalledAt?: Stall | undefined;
}

export function initialFinalityState(grid: FinalityGrid): FinalityState {
  return { activation: undefined, lastFinalized: undefined, activationSearchFrom: grid.activationHeight };
}

/**
 * Advances finality as far as `blocks` and `tallies` prove it.
 *
 * `blocks` is a slice of the canonical chain, any order, one block per height; it should hold every
 * block above `state.lastFinalized` (before activation: from `state.activationSearchFrom`) that the caller
 * has — blocks at or below `lastFinalized` are ignored. `tallies` are looked up by block hash, so a tally
 * made for a block that has since been replaced at its height is simply not used.
 *
 * Feeding the chain in several batches gives the same result as feeding it at once.
 */
export function advanceFinality(
  state: FinalityState,
  blocks: readonly ChainBlock[],
  tallies: readonly BlockTally[],
  grid: FinalityGrid,
): FinalityAdvance {
  assertState(state, grid);
  const byHeight = indexBlocks(blocks);
  const statusByHash = indexTallies(tallies);
  let maxHeight: bigint | undefined;
  // Stryker disable next-line EqualityOperator: map keys are distinct, so > and >= find the same maximum
  for (const height of byHeight.keys()) if (maxHeight === undefined || height > maxHeight) maxHeight = height;

  let { activation, lastFinalized, activationSearchFrom } = state;
  const newlyFinalized: BlockRef[] = [];
  const finish = (stalledAt?: Stall): FinalityAdvance => ({
    state: { activation, lastFinalized, activationSearchFrom },
    newlyFinalized,
    stalledAt,
  });
  // The next checked block is simply not ingested yet, unless blocks above it are: then it is a gap.
  const absent = (height: bigint): FinalityAdvance =>
    // Stryker disable next-line ConditionalExpression,EqualityOperator: `undefined > height` is false anyway, and maxHeight never equals an absent height
    finish(maxHeight !== undefined && maxHeight > height ? { height, reason: "missing_block" } : undefined);

  while (activation === undefined) {
    const block = byHeight.get(activationSearchFrom);
    if (block === undefined) return absent(activationSearchFrom);
    const status = statusByHash.get(block.hash);
    if (status === undefined) return finish({ height: block.height, reason: "awaiting_tally" });
    if (status === "no_voting_power") {
      activationSearchFrom += grid.interval;
      continue;
    }
    activation = { height: block.height, hash: block.hash, timestamp: block.timestamp };
  }

  for (;;) {
    const target = lastFinalized === undefined ? activation.height : lastFinalized.height + grid.interval;
    const block = byHeight.get(target);
    if (block === undefined) return absent(target);

    let segment: BlockRef[];
    if (lastFinalized === undefined) {
      segment = linkedAncestry(block, byHeight);
    } else {
      const walk = linkTo(lastFinalized, block, byHeight);
      if ("reason" in walk) return finish(walk);
      segment = walk;
    }

    const status = statusByHash.get(block.hash);
    if (status !== "quorum") return finish({ height: target, reason: status ?? "awaiting_tally" });

    newlyFinalized.push(...segment);
    lastFinalized = { height: block.height, hash: block.hash };
  }
}

/**
 * Rule 5's ancestry check: the blocks from `from.height + 1` to `to`, ascending, when each one's parent
 * hash is the hash of the block below it, starting from `from.hash`; otherwise the first place it fails.
 */
function linkTo(
  from: BlockRef,
  to: ChainBlock,
  byHeight: ReadonlyMap<bigint, ChainBlock>,
): BlockRef[] | Stall {
  const segment: BlockRef[] = [];
  let parentHash = from.hash;
  for (let height = from.height + 1n; height <= to.height; height++) {
    const block = byHeight.get(height);
    if (block === undefined) return { height, reason: "missing_block" };
    if (block.parentHash !== parentHash) return { height, reason: "broken_link" };
    segment.push({ height, hash: block.hash });
    parentHash = block.hash;
  }
  return segment;
}

/** `block` and the ancestors below it in the slice that link to it by parent hash, ascending. */
function linkedAncestry(block: ChainBlock, byHeight: ReadonlyMap<bigint, ChainBlock>): BlockRef[] {
  const chain: BlockRef[] = [{ height: block.height, hash: block.hash }];
  let child = block;
  for (;;) {
    const parent = byHeight.get(child.height - 1n);
    if (parent === undefined || parent.hash !== child.parentHash) return chain.reverse();
    chain.push({ height: parent.height, hash: parent.hash });
    child = parent;
  }
}

function indexBlocks(blocks: readonly ChainBlock[]): Map<bigint, ChainBlock> {
  const byHeight = new Map<bigint, ChainBlock>();
  for (const block of blocks) {
    const other = byHeight.get(block.height);
    if (other !== undefined && other.hash !== block.hash) {
      throw new Error(
        `chain slice holds two blocks at height ${block.height} (${other.hash}, ${block.hash}); pass the canonical chain only`,
      );
    }
    byHeight.set(block.height, block);
  }
  return byHeight;
}

function indexTallies(tallies: readonly BlockTally[]): Map<string, QuorumStatus> {
  const byHash = new Map<string, QuorumStatus>();
  for (const { blockHash, status } of tallies) {
    const other = byHash.get(blockHash);
    if (other !== undefined && other !== status) {
      throw new Error(`conflicting tallies for block ${blockHash}: ${other} and ${status}`);
    }
    byHash.set(blockHash, status);
  }
  return byHash;
}

function assertState(state: FinalityState, grid: FinalityGrid): void {
  const { activation, lastFinalized, activationSearchFrom } = state;
  if (!isCheckedHeight(activationSearchFrom, grid)) {
    throw new RangeError(
      `finality state: activationSearchFrom ${activationSearchFrom} is not a checked height`,
    );
  }
  if (activation !== undefined && !isCheckedHeight(activation.height, grid)) {
    throw new RangeError(`finality state: activation height ${activation.height} is not a checked height`);
  }
  if (lastFinalized === undefined) return;
  if (activation === undefined || lastFinalized.height < activation.height) {
    throw new RangeError(`finality state: block ${lastFinalized.height} is finalized before activation`);
  }
  if (!isCheckedHeight(lastFinalized.height, grid)) {
    throw new RangeError(
      `finality state: last finalized height ${lastFinalized.height} is not a checked height`,
    );
  }
}
