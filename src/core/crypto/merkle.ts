// CometBFT `crypto/merkle` (RFC-6962 style) as used for public-randomness commitments: leaves are
// SHA-256(0x00 ‖ item), inner nodes SHA-256(0x01 ‖ left ‖ right), the left subtree holds the largest power of
// two strictly below the item count, and proof aunts run bottom-up.

import { bytesEqual, fromBase64, requireBytes, toBase64 } from "./bytes.ts";
import { CryptoInputError } from "./errors.ts";
import { sha256 } from "./sha256.ts";

export interface Proof {
  total: bigint;
  index: bigint;
  leafHash: Uint8Array;
  aunts: Uint8Array[];
}

export interface ProofJson {
  total: number;
  index: number;
  leaf_hash: string;
  aunts: string[];
}

/** CometBFT's MaxAunts: deeper proofs are rejected before any hashing. */
export const MAX_AUNTS = 100;
const HASH_LENGTH = 32;
const LEAF_PREFIX = new Uint8Array([0]);
const INNER_PREFIX = new Uint8Array([1]);

export function leafHash(item: Uint8Array): Uint8Array {
  requireBytes(item, "item");
  return sha256(LEAF_PREFIX, item);
}

function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(INNER_PREFIX, left, right);
}

/** Largest power of two strictly less than n (n ≥ 2). */
function splitPoint(n: number): number {
  return 2 ** (31 - Math.clz32(n - 1));
}

function splitPointBig(n: bigint): bigint {
  return 1n << BigInt((n - 1n).toString(2).length - 1);
}

export function root(items: Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha256(new Uint8Array(0));
  return subtreeRoot(items.map(leafHash), 0, items.length, undefined);
}

/** Every item's proof from one pass over the tree (O(n log n) hashes and aunt pushes). */
export function proofs(items: Uint8Array[]): Proof[] {
  const leaves = items.map(leafHash);
  const aunts: Uint8Array[][] = leaves.map(() => []);
  if (leaves.length > 0) subtreeRoot(leaves, 0, leaves.length, aunts);
  const total = BigInt(leaves.length);
  return leaves.map((leaf, i) => ({ total, index: BigInt(i), leafHash: leaf, aunts: aunts[i]! }));
}

// Root of leaves[lo, hi). With `aunts`, each leaf of a child subtree also gets the sibling subtree's root;
// children are finished first, so every leaf's aunts come out ordered bottom-up.
function subtreeRoot(
  leaves: Uint8Array[],
  lo: number,
  hi: number,
  aunts: Uint8Array[][] | undefined,
): Uint8Array {
  const size = hi - lo;
  if (size === 1) return leaves[lo]!;
  const mid = lo + splitPoint(size);
  const left = subtreeRoot(leaves, lo, mid, aunts);
  const right = subtreeRoot(leaves, mid, hi, aunts);
  if (aunts !== undefined) {
    for (let i = lo; i < mid; i++) aunts[i]!.push(right);
    for (let i = mid; i < hi; i++) aunts[i]!.push(left);
  }
  return innerHash(left, right);
}

/**
 * True iff proof proves `item` under `root`. False — never a throw — for anything malformed: index outside
 * [0, total), more than 100 aunts, hashes not 32 bytes, a leaf hash not matching the item.
 */
export function verifyProof(root: Uint8Array, item: Uint8Array, proof: Proof): boolean {
  if (!(root instanceof Uint8Array) || root.length === 0 || !(item instanceof Uint8Array)) return false;
  if (typeof proof !== "object" || proof === null) return false;
  const { total, index, leafHash: leaf, aunts } = proof;
  if (typeof total !== "bigint" || typeof index !== "bigint") return false;
  if (total <= 0n || index < 0n || index >= total) return false;
  if (!(leaf instanceof Uint8Array) || leaf.length !== HASH_LENGTH) return false;
  if (!Array.isArray(aunts) || aunts.length > MAX_AUNTS) return false;
  for (const aunt of aunts) if (!(aunt instanceof Uint8Array) || aunt.length !== HASH_LENGTH) return false;
  if (!bytesEqual(leaf, leafHash(item))) return false;
  const computed = rootFromAunts(index, total, leaf, aunts, aunts.length);
  return computed !== null && bytesEqual(computed, root);
}

// CometBFT computeHashFromAunts; `depth` aunts remain, the last of them is this level's sibling. Each level
// consumes one aunt, so recursion is bounded by MAX_AUNTS whatever `total` claims.
function rootFromAunts(
  index: bigint,
  total: bigint,
  leaf: Uint8Array,
  aunts: Uint8Array[],
  depth: number,
): Uint8Array | null {
  if (total === 1n) return depth === 0 ? leaf : null;
  // Stryker disable next-line ConditionalExpression: without it, aunts[-1] is never hashed: the walk runs out at total 1 with depth < 0 and gives null too
  if (depth === 0) return null;
  const sibling = aunts[depth - 1]!;
  const numLeft = splitPointBig(total);
  if (index < numLeft) {
    const left = rootFromAunts(index, numLeft, leaf, aunts, depth - 1);
    return left === null ? null : innerHash(left, sibling);
  }
  const right = rootFromAunts(index - numLeft, total - numLeft, leaf, aunts, depth - 1);
  return right === null ? null : innerHash(sibling, right);
}

/** The contract's `proof` JSON: numbers for total/index, base64 hashes, index 0 and empty aunts kept. */
export function proofToJson(p: Proof): ProofJson {
  return {
    total: safeNumber(p.total, "proof.total"),
    index: safeNumber(p.index, "proof.index"),
    leaf_hash: toBase64(p.leafHash),
    aunts: p.aunts.map(toBase64),
  };
}

const JSON_FIELDS = new Set(["total", "index", "leaf_hash", "aunts"]);

/**
 * Parses the contract's `proof` JSON. Like the contract's serde it rejects unknown or missing fields; it also
 * rejects hashes that are not 32 bytes and more than 100 aunts, which the contract would reject at verify.
 */
export function proofFromJson(j: unknown): Proof {
  if (typeof j !== "object" || j === null || Array.isArray(j)) {
    throw new CryptoInputError("proof", "proof must be a JSON object");
  }
  const obj = j as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!JSON_FIELDS.has(key)) throw new CryptoInputError(`proof.${key}`, `proof has unknown field ${key}`);
  }
  const total = jsonU64(obj["total"], "proof.total");
  const index = jsonU64(obj["index"], "proof.index");
  const leafHash = jsonHash(obj["leaf_hash"], "proof.leaf_hash");
  const rawAunts = obj["aunts"];
  if (!Array.isArray(rawAunts)) throw new CryptoInputError("proof.aunts", "proof.aunts must be an array");
  if (rawAunts.length > MAX_AUNTS) {
    throw new CryptoInputError("proof.aunts", `proof.aunts has ${rawAunts.length} entries, max ${MAX_AUNTS}`);
  }
  const aunts = rawAunts.map((a, i) => jsonHash(a, `proof.aunts[${i}]`));
  return { total, index, leafHash, aunts };
}

function jsonU64(value: unknown, input: string): bigint {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new CryptoInputError(
      input,
      `${input} must be a non-negative integer, got ${JSON.stringify(value)}`,
    );
  }
  return BigInt(value);
}

function jsonHash(value: unknown, input: string): Uint8Array {
  if (typeof value !== "string") throw new CryptoInputError(input, `${input} must be a base64 string`);
  const bytes = fromBase64(value, input);
  if (bytes.length !== HASH_LENGTH) {
    throw new CryptoInputError(input, `${input} must be ${HASH_LENGTH} bytes, got ${bytes.length}`);
  }
  return bytes;
}

function safeNumber(value: bigint, input: string): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CryptoInputError(input, `${input} is outside the JSON-safe integer range`);
  }
  return Number(value);
}
