/**
 * Rule 8: `QueryBlockRangeBabylonFinalized` with the prefix semantics the reference promised in its
 * comment ("1-10 with 1-5 finalized → 5") instead of its all-or-nothing code, and with hashes checked.
 */
import type { BlockRef } from "./consecutive.ts";

/** What the store knows about the canonical block at one height. */
export interface StoredBlockStatus {
  /** Canonical hash as the store keeps it: 0x and lowercase hex. */
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

/** A range query that is non-empty and consecutive, with its hashes as stored (0x and lowercase hex). */
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
  const hashes = new Array<string>(query.length);
  for (let i = 0; i < query.length; i++) {
    const block = query[i]!;
    if (i > 0 && !follows(block.height, query[i - 1]!.height)) {
      throw new FinalityQueryError(NOT_CONSECUTIVE_MESSAGE);
    }
    hashes[i] = normalizeBlockHash(block.hash);
  }
  return { blocks: query, hashes };
}

const EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** height = previous + 1, without allocating a bigint per block of a thousand-block query. */
function follows(height: bigint, previous: bigint): boolean {
  return previous < EXACT ? Number(height) === Number(previous) + 1 : height === previous + 1n;
}

/** Rule 8 over a checked range (see rangeFinalizedPrefix). */
export function finalizedPrefix(
  range: CheckedRange,
  lookup: (height: bigint) => StoredBlockStatus | undefined,
): bigint {
  let finalizedUpTo = 0n;
  for (let i = 0; i < range.blocks.length; i++) {
    const height = range.blocks[i]!.height;
    const stored = lookup(height);
    if (stored === undefined || !stored.btcFinalized || stored.hash !== range.hashes[i]) break;
    finalizedUpTo = height;
  }
  return finalizedUpTo;
}

/**
 * A 32-byte block hash as stored: 0x and lowercase hex. Accepts it without 0x and in any case; a hash already in
 * that form (what op-node sends) is returned as it is, so a thousand-block range query allocates no copies.
 */
export function normalizeBlockHash(hash: string): string {
  // A character loop, not a regular expression: op-node's range queries check a thousand of these.
  const prefixed = hash.length === 66 && hash[0] === "0" && (hash[1] === "x" || hash[1] === "X");
  let lowercase = true;
  let valid = prefixed || hash.length === 64;
  for (let i = prefixed ? 2 : 0; valid && i < hash.length; i++) {
    const c = hash.charCodeAt(i);
    if ((c >= 48 && c <= 57) || (c >= 97 && c <= 102)) continue;
    if (c >= 65 && c <= 70) lowercase = false;
    else valid = false;
  }
  if (!valid) {
    throw new FinalityQueryError(`invalid block hash ${JSON.stringify(hash)}: expected 32 bytes of hex`);
  }
  if (prefixed && lowercase && hash[1] === "x") return hash;
  return `0x${(prefixed ? hash.slice(2) : hash).toLowerCase()}`;
}
