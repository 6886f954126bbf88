// Shared secp256k1 plumbing for the EOTS, key and randomness modules (internal; not re-exported).
import type { WeierstrassPoint } from "@noble/curves/abstract/weierstrass.js";
import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { bytesToHex, requireLength } from "./bytes.ts";
import { CryptoInputError } from "./errors.ts";

type Point = WeierstrassPoint<bigint>;

const Point = secp256k1.Point;
export const N = Point.Fn.ORDER;

// Deriving tens of thousands of nonces is dominated by k·G. noble's BASE already has a W=6 table; a private
// copy of G with a W=10 table runs the same constant-time (blinded) multiply 1.4–1.5× faster (see
// bench/crypto.bench.ts) for a one-off ~3 MB table built on first use (~0.3 s), and leaves the
// process-wide BASE untouched for other users of noble. Wider windows gained < 5% at 2–6× the build cost.
const FAST_G_WINDOW = 10;
const fastG: Point = Point.fromAffine(Point.BASE.toAffine()).precompute(FAST_G_WINDOW);

/** Parses a secret scalar (key or nonce) and rejects 0 and values ≥ n, as Go's ModNScalar overflow check. */
export function secretScalar(bytes: Uint8Array, input: string): bigint {
  requireLength(bytes, 32, input);
  const k = BigInt(`0x${bytesToHex(bytes)}`);
  if (k === 0n || k >= N) throw new CryptoInputError(input, `${input} must be a scalar in [1, n-1]`);
  return k;
}

export function scalarToBytes(k: bigint): Uint8Array {
  return Point.Fn.toBytes(k);
}

export function bytesToScalar(bytes: Uint8Array): bigint {
  // Stryker disable next-line ConditionalExpression: every caller passes 32 bytes (or a noble digest); the empty case keeps BigInt("0x") from throwing
  return bytes.length === 0 ? 0n : BigInt(`0x${bytesToHex(bytes)}`);
}

export function mod(a: bigint): bigint {
  const r = a % N;
  return r < 0n ? r + N : r;
}

/** k·G for a secret k, constant-time; returns the affine x (32 bytes) and whether y is even. */
export function secretBaseMul(k: bigint): { x: Uint8Array; evenY: boolean } {
  const { x, y } = fastG.multiply(k).toAffine();
  return { x: Point.Fp.toBytes(x), evenY: (y & 1n) === 0n };
}

/** BIP-340 challenge e = int(tagged_hash("BIP0340/challenge", R_x ‖ P_x ‖ m)) mod n. */
export function challenge(rx: Uint8Array, px: Uint8Array, m: Uint8Array): bigint {
  return mod(bytesToScalar(schnorr.utils.taggedHash("BIP0340/challenge", rx, px, m)));
}

/** lift_x with even y, or null when x is not the x-coordinate of a curve point (or x ≥ p, or 0). */
export function liftX(x: Uint8Array): Point | null {
  try {
    return schnorr.utils.lift_x(bytesToScalar(x));
  } catch {
    return null;
  }
}

export function inverse(a: bigint): bigint {
  return Point.Fn.inv(a);
}
