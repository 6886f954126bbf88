import { createHmac, pbkdf2Sync } from "node:crypto";
import { schnorr } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { bytesToHex, CryptoInputError, keys } from "../../../src/core/crypto/index.ts";

// BIP-39 reference mnemonic (all-zero entropy, 24 words).
const MNEMONIC = `${"abandon ".repeat(23)}art`;

// Independent expectation: BIP-39 seed = PBKDF2-HMAC-SHA512(NFKD(mnemonic), "mnemonic"+passphrase, 2048),
// master key = HMAC-SHA512("Bitcoin seed", seed)[0:32] — what eotsd's empty hd path yields.
function expectedMasterKey(mnemonic: string, passphrase: string): string {
  const seed = pbkdf2Sync(
    mnemonic.normalize("NFKD"),
    `mnemonic${passphrase}`.normalize("NFKD"),
    2048,
    64,
    "sha512",
  );
  return createHmac("sha512", "Bitcoin seed").update(seed).digest().subarray(0, 32).toString("hex");
}

describe("keys", () => {
  it("derives the BIP-32 master key from a fixed mnemonic", () => {
    expect(bytesToHex(keys.secretKeyFromMnemonic(MNEMONIC))).toBe(expectedMasterKey(MNEMONIC, ""));
    expect(bytesToHex(keys.secretKeyFromMnemonic(MNEMONIC, "TREZOR"))).toBe(
      expectedMasterKey(MNEMONIC, "TREZOR"),
    );
    expect(bytesToHex(keys.secretKeyFromMnemonic(MNEMONIC))).not.toBe(
      bytesToHex(keys.secretKeyFromMnemonic(MNEMONIC, "TREZOR")),
    );
  });

  it("ignores surrounding whitespace of a pasted mnemonic", () => {
    expect(bytesToHex(keys.secretKeyFromMnemonic(`  ${MNEMONIC}\n`))).toBe(expectedMasterKey(MNEMONIC, ""));
  });

  it("generates valid 24-word mnemonics that round-trip to a usable key", () => {
    const m = keys.generateMnemonic();
    expect(m.split(" ")).toHaveLength(24);
    expect(keys.validateMnemonic(m)).toBe(true);
    expect(keys.generateMnemonic()).not.toBe(m);
    const sk = keys.secretKeyFromMnemonic(m);
    expect(bytesToHex(sk)).toBe(expectedMasterKey(m, ""));
  });

  it("rejects invalid mnemonics with a CryptoInputError naming the mnemonic", () => {
    expect(keys.validateMnemonic(`${"abandon ".repeat(23)}abandon`)).toBe(false); // bad checksum
    expect(keys.validateMnemonic("not a mnemonic")).toBe(false);
    expect(() => keys.secretKeyFromMnemonic("abandon abandon")).toThrow(CryptoInputError);
    try {
      keys.secretKeyFromMnemonic("zzz");
    } catch (e) {
      expect((e as CryptoInputError).input).toBe("mnemonic");
    }
  });

  it("gives the BIP-340 x-only key as 64 lowercase hex", () => {
    const sk = keys.secretKeyFromMnemonic(MNEMONIC);
    expect(bytesToHex(keys.xonlyPublicKey(sk))).toBe(bytesToHex(schnorr.getPublicKey(sk)));
    expect(keys.publicKeyHex(sk)).toMatch(/^[0-9a-f]{64}$/);
    expect(keys.publicKeyHex(sk)).toBe(bytesToHex(keys.xonlyPublicKey(sk)));
    // BIP-340 test vector 0: sk = 3.
    const three = new Uint8Array(32);
    three[31] = 3;
    expect(keys.publicKeyHex(three)).toBe("f9308a019258c31049344f85f89d5229b531c845836f99b08601f113bce036f9");
    expect(() => keys.xonlyPublicKey(new Uint8Array(32))).toThrow(CryptoInputError);
    expect(() => keys.publicKeyHex(new Uint8Array(33))).toThrow("secretKey must be 32 bytes, got 33");
  });
});
