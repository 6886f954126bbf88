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
  // Stryker disable next-line ConditionalExpression,LogicalOperator: noble's verifier rejects the same input (false, or a throw caught below); the guard states the contract
  if (!(sig instanceof Uint8Array) || sig.length !== 64) return false;
  if (!(msgHash instanceof Uint8Array) || msgHash.length !== 32) return false;
  // Stryker disable next-line ConditionalExpression,LogicalOperator: noble's verifier rejects the same input (false, or a throw caught below); the guard states the contract
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
  // Stryker disable BlockStatement,BooleanLiteral: after the guards noble returns false rather than throwing, so the catch is a fence against a future version that throws (emptying the try block is equivalent to no verify at all, which every test catches)
  try {
    return schnorr.verify(sig, msgHash, publicKey);
  } catch {
    return false;
  }
  // Stryker restore BlockStatement,BooleanLiteral
}
