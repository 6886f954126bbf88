// Plain BIP-340 Schnorr over a caller-supplied 32-byte hash: the randomness-commitment signature, which the
// contract checks as BIP-340 over SHA-256(message). Taking the hash (not the message) keeps anyone from
// hashing twice by accident.
import { schnorr } from "@noble/curves/secp256k1.js";
import { randomBytes } from "@noble/hashes/utils.js";
import { requireLength } from "./bytes.ts";
import { secretScalar } from "./curve.ts";

export function sign(secretKey: Uint8Array, msgHash: Uint8Array, auxRand?: Uint8Array): Uint8Array {
  secretScalar(secretKey, "secretKey");
  requireLength(msgHash, 32, "msgHash");
  if (auxRand !== undefined) requireLength(auxRand, 32, "auxRand");
  return schnorr.sign(msgHash, secretKey, auxRand ?? randomBytes(32));
}

/** False (never a throw) for any malformed input: wrong lengths, s ≥ n, r or key not on the curve. */
export function verify(sig: Uint8Array, msgHash: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(sig instanceof Uint8Array) || sig.length !== 64) return false;
  if (!(msgHash instanceof Uint8Array) || msgHash.length !== 32) return false;
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  try {
    return schnorr.verify(sig, msgHash, publicKey);
  } catch {
    return false;
  }
}
