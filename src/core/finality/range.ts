/**
 * Rule 8: `QueryBlockRangeBabylonFinalized` with the prefix semantics the reference promised in its
 * comment ("1-10 with 1-5 finalized → 5") instead of its all-or-nothing code, and with hashes checked.
 */
import type { BlockRef } from "./consecutive.ts";

/** What the store knows about the canonical block at one height. */
export interface StoredBlockStatus {
  /** Canonical hash, lowercase hex without 0x. */
  readonly hash: string;
  readonly btcFinalized: boolean;
}

/** A user-caused error in a finality query; its message is the reference gadget's text where one exists. */
export class FinalityQueryError extends Error {
  override readonly name = "FinalityQueryError";
}

/** The reference server's error texts, which clients may substring-match. */
export const EMPTY_RANGE_MESSAGE = "blocks array is empty";
export const NOT_CONSECUTIVE_MESSAGE = "blocks are not consecutive";

/**
 * The highest height h of `query` such that every queried block from the first up to h is BTC-finalized
 * and has the canonical hash stored for its height; 0 when none (the wire's "none", as the reference).
 * Query hashes may carry 0x and any case. Throws `FinalityQueryError` for an empty or non-consecutive
 * (strictly +1 ascending) range, or a malformed hash, before looking anything up.
 */
export function rangeFinalizedPrefix(
  query: readonly BlockRef[],
  lookup: (height: bigint) => StoredBlockStatus | undefined,
): bigint {
  return finalizedPrefix(checkRange(query), lookup);
}

/** A range query that is non-empty and consecutive, with its hashes as stored (lowercase hex without 0x). */
export interface CheckedRange {
  readonly blocks: readonly BlockRef[];
  readonly hashes: readonly string[];
}

/**
 * Checks a range query once, before anything is looked up: throws `FinalityQueryError` for an empty or
 * non-consecutive (strictly +1 ascending) range, or a malformed hash.
 */
export function checkRange(query: readonly BlockRef[]): CheckedRange {
  if (query.length === 0) throw new FinalityQueryError(EMPTY_RANGE_MESSAGE);
  const hashes = query.map((block, i) => {
    const previous = query[i - 1];
    if (previous !== undefined && block.height !== previous.height + 1n) {
      throw new FinalityQueryError(NOT_CONSECUTIVE_MESSAGE);
    }
    return normalizeBlockHash(block.hash);
  });
  return { blocks: query, hashes };
}

/** Rule 8 over a checked range (see rangeFinalizedPrefix). */
export function finalizedPrefix(
  range: CheckedRange,
  lookup: (height: bigint) => StoredBlockStatus | undefined,
): bigint {
  let finalizedUpTo = 0n;
  for (const [i, block] of range.blocks.entries()) {
    const stored = lookup(block.height);
    if (stored === undefined || !stored.btcFinalized || stored.hash !== range.hashes[i]) break;
    finalizedUpTo = block.height;
  }
  return finalizedUpTo;
}

const BLOCK_HASH = /^(?:0x)?([0-9a-f]{64})$/i;

/** A 32-byte block hash as stored: lowercase hex without 0x. Accepts an optional 0x and any case. */
export function normalizeBlockHash(hash: string): string {
  const match = BLOCK_HASH.exec(hash);
  if (match === null) {
    throw new FinalityQueryError(`invalid block hash ${JSON.stringify(hash)}: expected 32 bytes of hex`);
  }
  return match[1]!.toLowerCase();
}
