// Checks whose failure texts must be the contract's own: hex decoding (Rust `hex` crate), the Merkle
// inclusion proof (`babylon_merkle::Proof::validate_basic` + `verify`) and EOTS verification
// (`eots::PublicKey::from_bytes` + `verify`, which also accept 33/65-byte encodings). The crypto core
// answers yes/no; these functions add the contract's reason for "no".

import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesEqual, eots } from "../../src/core/crypto/index.ts";
import { Errors } from "./contract-error.ts";
import type { ProofMsg } from "./messages.ts";

const HASH_SIZE = 32;
const MAX_AUNTS = 100;
const Point = secp256k1.Point;
const N = Point.Fn.ORDER;
const P_FIELD = Point.Fp.ORDER;

// ------------------------------------------------------------------ hex (Rust `hex::decode`)

function rustCharDebug(c: string): string {
  const escapes: Record<string, string> = {
    "\\": "\\\\",
    "'": "\\'",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\0": "\\0",
  };
  return `'${escapes[c] ?? c}'`;
}

/** `hex::decode`: odd length first, then the first non-hex byte; either case accepted. */
export function decodeHex(text: string): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length % 2 !== 0) throw Errors.hex("Odd number of digits");
  const out = new Uint8Array(bytes.length / 2);
  for (let i = 0; i < bytes.length; i++) {
    const v = hexValue(bytes[i]!);
    if (v < 0)
      throw Errors.hex(`Invalid character ${rustCharDebug(String.fromCharCode(bytes[i]!))} at position ${i}`);
    out[i >> 1] = (out[i >> 1]! << 4) | v;
  }
  return out;
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

// ------------------------------------------------------------------ Merkle proof

/** Rust `{:X?}` of a byte vector: `[DF, 89, 6]` (upper hex, no padding). */
function debugUpperHex(bytes: Uint8Array): string {
  return `[${Array.from(bytes, (b) => b.toString(16).toUpperCase()).join(", ")}]`;
}

/** cosmwasm `Binary`'s Debug: `Binary(0a1b…)`, lowercase and padded whatever the format flags. */
function debugBinary(bytes: Uint8Array): string {
  return `Binary(${Buffer.from(bytes).toString("hex")})`;
}

function leafHash(item: Uint8Array): Uint8Array {
  return sha256
    .create()
    .update(new Uint8Array([0]))
    .update(item)
    .digest();
}

function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256
    .create()
    .update(new Uint8Array([1]))
    .update(left)
    .update(right)
    .digest();
}

function splitPoint(total: bigint): bigint {
  return 1n << BigInt((total - 1n).toString(2).length - 1);
}

function validateBasic(proof: ProofMsg): void {
  if (proof.leaf_hash.length !== HASH_SIZE) {
    throw Errors.merkle(`Expected leaf_hash size to be ${HASH_SIZE}, got ${proof.leaf_hash.length}`);
  }
  if (proof.aunts.length > MAX_AUNTS) {
    throw Errors.merkle(`Expected no more than ${MAX_AUNTS} aunts, got ${proof.aunts.length}`);
  }
  proof.aunts.forEach((aunt, i) => {
    if (aunt.length !== HASH_SIZE)
      throw Errors.merkle(`Expected aunt #${i} size to be ${HASH_SIZE}, got ${aunt.length}`);
  });
}

// Consumes aunts from the end (root level) down, like CometBFT's computeHashFromAunts.
function hashFromAunts(
  index: bigint,
  total: bigint,
  leaf: Uint8Array,
  aunts: Uint8Array[],
  count: number,
): Uint8Array {
  if (index >= total || total === 0n) throw Errors.merkle(`Invalid index (${index}) and/or total (${total})`);
  if (total === 1n) {
    if (count !== 0) throw Errors.merkle("Unexpected inner hashes");
    return leaf;
  }
  if (count === 0) throw Errors.merkle("Expected at least one inner hash");
  const left = splitPoint(total);
  const aunt = aunts[count - 1]!;
  if (index < left) return innerHash(hashFromAunts(index, left, leaf, aunts, count - 1), aunt);
  return innerHash(aunt, hashFromAunts(index - left, total - left, leaf, aunts, count - 1));
}

/** validate_basic, then verify(root, leaf), with the contract's MerkleError texts. */
export function checkInclusionProof(root: Uint8Array, item: Uint8Array, proof: ProofMsg): void {
  validateBasic(proof);
  if (root.length === 0) throw Errors.merkle("Invalid root hash: cannot be empty");
  const leaf = leafHash(item);
  if (!bytesEqual(proof.leaf_hash, leaf)) {
    throw Errors.merkle(
      `Invalid leaf hash: wanted ${debugBinary(proof.leaf_hash)} got ${debugUpperHex(leaf)}`,
    );
  }
  const computed = hashFromAunts(proof.index, proof.total, proof.leaf_hash, proof.aunts, proof.aunts.length);
  if (!bytesEqual(computed, root)) {
    throw Errors.merkle(`Invalid root hash: wanted ${debugUpperHex(root)} got ${debugUpperHex(computed)}`);
  }
}

// ------------------------------------------------------------------ EOTS

interface ParsedPoint {
  x: Uint8Array;
  oddY: boolean;
}

// 32 bytes: x with even y; 33: 02/03 ‖ x; 65: 04 ‖ x ‖ y where only y's parity is used (as the Rust code).
function parseXWithParity(bytes: Uint8Array, what: "public key" | "public randomness"): ParsedPoint {
  let parsed: ParsedPoint;
  if (bytes.length === 32) parsed = { x: bytes, oddY: false };
  else if (bytes.length === 33 && (bytes[0] === 2 || bytes[0] === 3))
    parsed = { x: bytes.subarray(1), oddY: bytes[0] === 3 };
  else if (bytes.length === 65 && bytes[0] === 4)
    parsed = { x: bytes.subarray(1, 33), oddY: (bytes[64]! & 1) === 1 };
  else throw Errors.eots(`Invalid input length: expected 32 bytes, got ${bytes.length}`);
  if (toPoint(parsed) === null) throw Errors.eots(`Failed to parse ${what}`);
  return parsed;
}

function toPoint(p: ParsedPoint): InstanceType<typeof Point> | null {
  const x = BigInt(`0x${Buffer.from(p.x).toString("hex")}`);
  if (x === 0n || x >= P_FIELD) return null;
  try {
    const compressed = new Uint8Array(33);
    compressed[0] = p.oddY ? 3 : 2;
    compressed.set(p.x, 1);
    return Point.fromBytes(compressed);
  } catch {
    return null;
  }
}

/**
 * EOTS verification of the vote `msg` (raw; hashed once) as the contract does it: parse pk, then pub_rand,
 * then the 32-byte s; a mismatch is "Failed to verify signature: EOTS".
 */
export function checkEotsSignature(
  publicKey: Uint8Array,
  pubRand: Uint8Array,
  msg: Uint8Array,
  sig: Uint8Array,
): void {
  const P = parseXWithParity(publicKey, "public key");
  const R = parseXWithParity(pubRand, "public randomness");
  if (sig.length !== 32) throw Errors.eots(`Invalid input length: expected 32 bytes, got ${sig.length}`);
  const s = BigInt(`0x${Buffer.from(sig).toString("hex")}`);
  if (s >= N) throw Errors.eots("Failed to parse signature");
  const ok = !P.oddY && !R.oddY ? eots.verify(P.x, R.x, msg, sig) : verifyWithParity(P, R, msg, s);
  if (!ok) throw Errors.failedSignatureVerification("EOTS");
}

// Non-standard encodings with odd y: the Rust verifier compares s·G − e·P with the full point R, and the
// challenge uses x-coordinates only.
function verifyWithParity(Pp: ParsedPoint, Rp: ParsedPoint, msg: Uint8Array, s: bigint): boolean {
  const P = toPoint(Pp);
  const R = toPoint(Rp);
  if (!P || !R) return false;
  const tagged = schnorr.utils.taggedHash("BIP0340/challenge", Rp.x, Pp.x, sha256(msg));
  const e = BigInt(`0x${Buffer.from(tagged).toString("hex")}`) % N;
  const recovered = Point.BASE.multiplyUnsafe(s).subtract(P.multiplyUnsafe(e));
  return recovered.equals(R);
}
