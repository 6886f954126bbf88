import { schnorr } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import {
  be64,
  bip340,
  bytesEqual,
  bytesToHex,
  CryptoInputError,
  concatBytes,
  fromBase64,
  hexToBytes,
  keys,
  randomnessCommitMessage,
  signingContext,
  toBase64,
} from "../../../src/core/crypto/index.ts";

describe("bip340", () => {
  // BIP-340 test vector 0 (bip-0340/test-vectors.csv).
  // Parsed with Buffer, not the hexToBytes under test, so that collecting this file runs no project code.
  const sk = Uint8Array.from(
    Buffer.from("0000000000000000000000000000000000000000000000000000000000000003", "hex"),
  );
  const pk = Uint8Array.from(
    Buffer.from("f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9", "hex"),
  );
  const zero = new Uint8Array(32);
  const vectorSig =
    "e907831f80848d1069a5371b402410364bdf1c5f8307b0084c55f1ce2dca8215" +
    "25f66a4a85ea8b71e482a74f382d2ce5ebeee8fdb2172f477df4900d310536c0";

  it("reproduces BIP-340 vector 0 and verifies it", () => {
    expect(bytesToHex(bip340.sign(sk, zero, zero))).toBe(vectorSig);
    expect(bip340.verify(hexToBytes(vectorSig), zero, pk)).toBe(true);
  });

  it("signs a commit message hash that verifies, and nothing else", () => {
    const key = keys.secretKeyFromMnemonic(keys.generateMnemonic());
    const pub = keys.xonlyPublicKey(key);
    const ctx = signingContext("fp_rand_commit", "bbn-test-5", "bbn1contract");
    const msgHash = sha256(randomnessCommitMessage(10n, 100n, new Uint8Array(32).fill(7), ctx));
    const sig = bip340.sign(key, msgHash);
    expect(sig).toHaveLength(64);
    expect(bip340.verify(sig, msgHash, pub)).toBe(true);
    const other = msgHash.slice();
    other[0]! ^= 1;
    expect(bip340.verify(sig, other, pub)).toBe(false);
    expect(bip340.verify(sig, msgHash, pk)).toBe(false);
    const badSig = sig.slice();
    badSig[63]! ^= 1;
    expect(bip340.verify(badSig, msgHash, pub)).toBe(false);
  });

  it("returns false for malformed input and throws CryptoInputError when signing with it", () => {
    const sig = hexToBytes(vectorSig);
    expect(bip340.verify(sig.subarray(1), zero, pk)).toBe(false);
    expect(bip340.verify(sig, zero.subarray(1), pk)).toBe(false);
    expect(bip340.verify(sig, zero, pk.subarray(1))).toBe(false);
    const highS = concatBytes(sig.subarray(0, 32), new Uint8Array(32).fill(0xff));
    expect(bip340.verify(highS, zero, pk)).toBe(false);
    expect(bip340.verify(sig, zero, new Uint8Array(32).fill(0xff))).toBe(false);
    expect(() => bip340.sign(sk, new Uint8Array(33))).toThrow("msgHash must be 32 bytes, got 33");
    expect(() => bip340.sign(sk, zero, new Uint8Array(1))).toThrow("auxRand");
    expect(() => bip340.sign(new Uint8Array(32), zero)).toThrow(CryptoInputError);
  });
});

describe("bip340 takes 32-byte hashes only", () => {
  it("rejects a valid BIP-340 signature over a 31-byte message", () => {
    const sk = new Uint8Array(32).fill(7);
    const msg31 = new Uint8Array(31).fill(9);
    const sig = schnorr.sign(msg31, sk, new Uint8Array(32));
    expect(schnorr.verify(sig, msg31, schnorr.getPublicKey(sk))).toBe(true);
    expect(bip340.verify(sig, msg31, schnorr.getPublicKey(sk))).toBe(false);
    expect(() => bip340.sign(sk, msg31)).toThrow("msgHash must be 32 bytes, got 31");
  });
});

describe("bytes helpers", () => {
  it("hex round-trips lowercase and rejects junk", () => {
    expect(bytesToHex(hexToBytes("00FFab"))).toBe("00ffab");
    expect(() => hexToBytes("0x00")).toThrow(CryptoInputError);
    expect(() => hexToBytes("abc")).toThrow(CryptoInputError);
    expect(() => hexToBytes("zz", "fp_pubkey_hex")).toThrow("fp_pubkey_hex");
  });

  it("be64 encodes uint64 big-endian", () => {
    expect(bytesToHex(be64(1n))).toBe("0000000000000001");
    expect(bytesToHex(be64(258))).toBe("0000000000000102");
    expect(bytesToHex(be64(2n ** 64n - 1n))).toBe("ffffffffffffffff");
    expect(() => be64(2n ** 64n)).toThrow(CryptoInputError);
    expect(() => be64(-1)).toThrow(CryptoInputError);
    expect(() => be64(0.5)).toThrow(CryptoInputError);
  });

  it("base64 is standard, padding optional, strict on junk", () => {
    const b = new Uint8Array([0xfb, 0xff, 0xbf, 0x01]);
    expect(toBase64(b)).toBe("+/+/AQ==");
    expect(fromBase64("+/+/AQ==")).toEqual(b);
    expect(fromBase64("+/+/AQ")).toEqual(b);
    expect(fromBase64("")).toEqual(new Uint8Array(0));
    for (const junk of [
      "-_-_AQ",
      "+/+/AQ=",
      "+/+/A",
      "AQ==AQ==",
      "AQ ==",
      "AR==",
      "AQ===",
      "A===",
      "!",
      "QUJD====",
      "QUJ\nD",
    ]) {
      expect(() => fromBase64(junk, "leaf_hash")).toThrow(CryptoInputError);
    }
    expect(() => fromBase64("@", "leaf_hash")).toThrow("leaf_hash");
  });

  it("bytesEqual and concatBytes", () => {
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(bytesEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(bytesEqual(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
    expect(concatBytes(new Uint8Array([1]), new Uint8Array(0), new Uint8Array([2, 3]))).toEqual(
      new Uint8Array([1, 2, 3]),
    );
  });
});
