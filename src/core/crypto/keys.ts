// EOTS key material compatible with the Go `eotsd` keyring: a 24-word BIP-39 mnemonic whose BIP-32 *master*
// key (no derivation path) is the secret key.
import { schnorr } from "@noble/curves/secp256k1.js";
import { HDKey } from "@scure/bip32";
import * as bip39 from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { bytesToHex } from "./bytes.ts";
import { secretScalar } from "./curve.ts";
import { CryptoInputError } from "./errors.ts";

/** A fresh 24-word English mnemonic (256 bits of entropy), as `eotsd keys add` creates. */
export function generateMnemonic(): string {
  return bip39.generateMnemonic(wordlist, 256);
}

export function validateMnemonic(mnemonic: string): boolean {
  return typeof mnemonic === "string" && bip39.validateMnemonic(mnemonic.trim(), wordlist);
}

/**
 * HMAC-SHA512("Bitcoin seed", bip39Seed(mnemonic, passphrase))[0:32]: cosmos-sdk's hd.Secp256k1.Derive with
 * the empty hd path that eotsd uses. Surrounding whitespace is ignored (pasted mnemonics end in newlines).
 */
export function secretKeyFromMnemonic(mnemonic: string, passphrase = ""): Uint8Array {
  if (!validateMnemonic(mnemonic)) {
    throw new CryptoInputError("mnemonic", "mnemonic is not a valid BIP-39 English mnemonic");
  }
  const seed = bip39.mnemonicToSeedSync(mnemonic.trim(), passphrase);
  const key = HDKey.fromMasterSeed(seed).privateKey;
  // fromMasterSeed throws for the ~2^-127 seeds whose master key is out of range, so a key is always set.
  // Stryker disable next-line ConditionalExpression,StringLiteral: unreachable (see above); kept so a null key can never be used
  if (key === null) throw new CryptoInputError("mnemonic", "mnemonic yields no master key");
  return key;
}

/** BIP-340 x-only public key (32 bytes): the FP's `btc_pk`. */
export function xonlyPublicKey(secretKey: Uint8Array): Uint8Array {
  secretScalar(secretKey, "secretKey");
  return schnorr.getPublicKey(secretKey);
}

/** The FP public key as the contract and Babylon spell it: 64 lowercase hex characters. */
export function publicKeyHex(secretKey: Uint8Array): string {
  return bytesToHex(xonlyPublicKey(secretKey));
}
