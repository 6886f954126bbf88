// Deterministic per-height EOTS nonces, byte-compatible with the Go finality provider's
// `eotsmanager/randgenerator`, so keys and randomness commitments made by `eotsd` can be reused.
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { be64, concatBytes } from "./bytes.ts";
import { bytesToScalar, N, scalarToBytes, secretBaseMul, secretScalar } from "./curve.ts";
import { CryptoInputError } from "./errors.ts";

const MAX_U64 = (1n << 64n) - 1n;

export interface RandomnessPair {
  privRand: Uint8Array;
  pubRand: Uint8Array;
}

export interface RandomnessList {
  heights: bigint[];
  privRands: Uint8Array[];
  pubRands: Uint8Array[];
}

/**
 * k = HMAC-SHA256(sk, BE64(height) ‖ chainId ‖ BE64(iteration)) for the first iteration giving 0 < k < n.
 * chainId is the BSN id the FP registered with (e.g. "op-stack-l2-11155420"), not the Babylon chain id.
 * The returned privRand is not parity-normalised; eots.sign does that.
 */
export function deriveRandomness(secretKey: Uint8Array, chainId: string, height: bigint): RandomnessPair {
  return pairFor(keyedHmac(secretKey), chainIdBytes(chainId), checkHeight(height, "height"));
}

/** Randomness for heights startHeight + i·interval, i = 0…count−1 (interval 1 = consecutive mode). */
export function deriveRandomnessList(
  secretKey: Uint8Array,
  chainId: string,
  startHeight: bigint,
  count: number,
  interval: bigint,
): RandomnessList {
  const mac = keyedHmac(secretKey);
  const chain = chainIdBytes(chainId);
  checkHeight(startHeight, "startHeight");
  if (!Number.isSafeInteger(count) || count < 0) {
    throw new CryptoInputError("count", `count must be a non-negative integer, got ${count}`);
  }
  if (typeof interval !== "bigint" || interval < 1n) {
    throw new CryptoInputError("interval", `interval must be a bigint ≥ 1, got ${String(interval)}`);
  }
  if (count > 0 && startHeight + BigInt(count - 1) * interval > MAX_U64) {
    throw new CryptoInputError("count", "startHeight + (count-1)·interval overflows uint64");
  }
  // Stryker disable ArrayDeclaration: presizing only saves regrowth; every slot is assigned below
  const heights: bigint[] = new Array(count);
  const privRands: Uint8Array[] = new Array(count);
  const pubRands: Uint8Array[] = new Array(count);
  // Stryker restore ArrayDeclaration
  for (let i = 0; i < count; i++) {
    const height = startHeight + BigInt(i) * interval;
    const pair = pairFor(mac, chain, height);
    heights[i] = height;
    privRands[i] = pair.privRand;
    pubRands[i] = pair.pubRand;
  }
  return { heights, privRands, pubRands };
}

type KeyedHmac = ReturnType<typeof hmac.create>;

// The key schedule (ipad/opad blocks) is computed once per key and cloned per height.
function keyedHmac(secretKey: Uint8Array): KeyedHmac {
  secretScalar(secretKey, "secretKey");
  return hmac.create(sha256, secretKey);
}

function pairFor(mac: KeyedHmac, chainId: Uint8Array, height: bigint): RandomnessPair {
  const prefix = concatBytes(be64(height), chainId);
  // Stryker disable next-line UpdateOperator: a retry needs an HMAC output of 0 or >= n (probability ~2^-128); no test can reach it
  for (let iteration = 0n; ; iteration++) {
    const d = mac.clone().update(prefix).update(be64(iteration)).digest();
    const k = bytesToScalar(d);
    // Go's ModNScalar.SetByteSlice overflow check: retry rather than reduce, or the nonce would differ.
    // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: false only for the ~2^-128 outputs above; no test can reach it
    if (k !== 0n && k < N) return { privRand: scalarToBytes(k), pubRand: secretBaseMul(k).x };
  }
}

function chainIdBytes(chainId: string): Uint8Array {
  if (typeof chainId !== "string" || chainId.length === 0) {
    throw new CryptoInputError("chainId", "chainId must be a non-empty string");
  }
  return new TextEncoder().encode(chainId);
}

function checkHeight(height: bigint, input: string): bigint {
  if (typeof height !== "bigint" || height < 0n || height > MAX_U64) {
    throw new CryptoInputError(input, `${input} must be a uint64 bigint, got ${String(height)}`);
  }
  return height;
}
