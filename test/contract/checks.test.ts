import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { checkEotsSignature, decodeHex } from "../../contracts/finality/checks.ts";
import { concatBytes, eots, keys } from "../../src/core/crypto/index.ts";

const Point = secp256k1.Point;
const N = Point.Fn.ORDER;
const big = (b: Uint8Array) => BigInt(`0x${Buffer.from(b).toString("hex")}`);
const be32 = (n: bigint) => Point.Fn.toBytes(((n % N) + N) % N);

const sk = sha256(new TextEncoder().encode("checks key"));
const nonce = sha256(new TextEncoder().encode("checks nonce"));
const msg = new TextEncoder().encode("a vote");
const pkX = keys.xonlyPublicKey(sk);
const rX = eots.publicRandomness(nonce);

/** Even-y normalised scalar for a secret (what a BIP-340 signer uses). */
function evenScalar(secret: Uint8Array): bigint {
  const k = big(secret);
  return Point.BASE.multiply(k).toAffine().y % 2n === 0n ? k : N - k;
}

const e = big(schnorr.utils.taggedHash("BIP0340/challenge", rX, pkX, sha256(msg))) % N;
const d = evenScalar(sk);
const k = evenScalar(nonce);

function messageOf(call: () => void): string {
  try {
    call();
  } catch (err) {
    return (err as Error).message;
  }
  return "accepted";
}

describe("EOTS check with the contract's accepted encodings", () => {
  it("accepts the standard 32-byte form and the equivalent 02-prefixed / even 65-byte forms", () => {
    const sig = eots.sign(sk, nonce, msg);
    expect(messageOf(() => checkEotsSignature(pkX, rX, msg, sig))).toBe("accepted");
    expect(messageOf(() => checkEotsSignature(concatBytes(new Uint8Array([2]), pkX), rX, msg, sig))).toBe(
      "accepted",
    );
    const full = Point.BASE.multiply(d).toBytes(false); // 04 ‖ x ‖ y with even y
    expect(messageOf(() => checkEotsSignature(full, rX, msg, sig))).toBe("accepted");
  });

  it("with an odd-y key or nonce compares against the full point, as the Rust verifier does", () => {
    // s·G − e·(−P) = R  ⇔  s = k − e·d
    const sigForOddKey = be32(k - e * d);
    expect(
      messageOf(() => checkEotsSignature(concatBytes(new Uint8Array([3]), pkX), rX, msg, sigForOddKey)),
    ).toBe("accepted");
    expect(messageOf(() => checkEotsSignature(pkX, rX, msg, sigForOddKey))).toBe(
      "Failed to verify signature: EOTS",
    );
    // s·G − e·P = −R  ⇔  s = −k + e·d
    const sigForOddNonce = be32(N - k + e * d);
    expect(
      messageOf(() => checkEotsSignature(pkX, concatBytes(new Uint8Array([3]), rX), msg, sigForOddNonce)),
    ).toBe("accepted");
    expect(messageOf(() => checkEotsSignature(pkX, rX, msg, sigForOddNonce))).toBe(
      "Failed to verify signature: EOTS",
    );
  });

  it("reports parse failures in the contract's order and words", () => {
    const sig = eots.sign(sk, nonce, msg);
    expect(messageOf(() => checkEotsSignature(new Uint8Array(31), rX, msg, sig))).toBe(
      "EOTS error: Invalid input length: expected 32 bytes, got 31",
    );
    expect(messageOf(() => checkEotsSignature(concatBytes(new Uint8Array([5]), pkX), rX, msg, sig))).toBe(
      "EOTS error: Invalid input length: expected 32 bytes, got 33",
    );
    // x = 5 is not on secp256k1 (5³ + 7 = 132 is not a square mod p).
    const offCurve = be32(5n);
    expect(messageOf(() => checkEotsSignature(offCurve, rX, msg, sig))).toBe(
      "EOTS error: Failed to parse public key",
    );
    expect(messageOf(() => checkEotsSignature(pkX, offCurve, msg, sig))).toBe(
      "EOTS error: Failed to parse public randomness",
    );
    // pub_rand is parsed before the signature.
    expect(messageOf(() => checkEotsSignature(pkX, offCurve, msg, new Uint8Array(3)))).toBe(
      "EOTS error: Failed to parse public randomness",
    );
    expect(messageOf(() => checkEotsSignature(pkX, rX, msg, new Uint8Array(33)))).toBe(
      "EOTS error: Invalid input length: expected 32 bytes, got 33",
    );
    expect(messageOf(() => checkEotsSignature(pkX, rX, msg, new Uint8Array(32).fill(0xff)))).toBe(
      "EOTS error: Failed to parse signature",
    );
  });
});

describe("hex decoding as the Rust hex crate", () => {
  it("accepts either case and reports the first problem", () => {
    expect(decodeHex("ABcd")).toEqual(new Uint8Array([0xab, 0xcd]));
    expect(decodeHex("")).toEqual(new Uint8Array(0));
    expect(messageOf(() => decodeHex("abc"))).toBe("Odd number of digits");
    expect(messageOf(() => decodeHex("0x12"))).toBe("Invalid character 'x' at position 1");
    expect(messageOf(() => decodeHex("12 4"))).toBe("Invalid character ' ' at position 2");
    expect(messageOf(() => decodeHex("ab'd"))).toBe("Invalid character '\\'' at position 2");
  });
});
