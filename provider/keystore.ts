// The provider's EOTS key, encrypted at rest. One JSON file per key under <home>/keys/: scrypt derives a
// 256-bit key from the passphrase, AES-256-GCM encrypts the 32-byte secret key, and the x-only public key
// stays in clear (and is bound into the GCM tag as associated data, so swapping it is detected).
// Nothing secret — passphrase, mnemonic, secret key, derived key — is ever put in an error message.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync, timingSafeEqual } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { HDKey } from "@scure/bip32";
import { mnemonicToSeedSync } from "@scure/bip39";
import { bytesToHex, hexToBytes } from "../src/core/crypto/bytes.ts";
import {
  generateMnemonic,
  secretKeyFromMnemonic,
  validateMnemonic,
  xonlyPublicKey,
} from "../src/core/crypto/keys.ts";
import { ensurePrivateDir, writeFileAtomic } from "./atomic-file.ts";

export const KEYSTORE_VERSION = 1;
/** 2^17: about 0.3 s and 128 MiB on this class of machine, the cost floor for a key that can be stolen as a file. */
export const DEFAULT_SCRYPT_LOG_N = 17;
const MIN_LOG_N = 15;
const MAX_LOG_N = 22;
const KEY_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * "eots": the finality provider's BTC/EOTS key (BIP-32 master key of the mnemonic, as eotsd).
 * "account": the provider's Babylon account key that pays for and signs transactions (Cosmos path
 * m/44'/118'/0'/0/0, as `babylond keys add`).
 */
export type KeyKind = "eots" | "account";
export const ACCOUNT_HD_PATH = "m/44'/118'/0'/0/0";

export interface KeystoreFile {
  version: number;
  name: string;
  kind: KeyKind;
  /** x-only BIP-340 public key, 64 lowercase hex */
  publicKey: string;
  kdf: { name: "scrypt"; N: number; r: number; p: number; dkLen: 32; salt: string };
  cipher: { name: "aes-256-gcm"; iv: string; tag: string };
  ciphertext: string;
}

export class KeystoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeystoreError";
  }
}

export interface KeystoreOptions {
  /** the provider home; keys live in <home>/keys */
  home: string;
  /** log2 of scrypt N for newly written keys (tests may use the minimum, 15) */
  scryptLogN?: number;
}

export interface CreatedKey {
  name: string;
  publicKeyHex: string;
  path: string;
  /** shown to the operator once; it is not stored anywhere */
  mnemonic: string;
}

function checkName(name: string): string {
  if (!KEY_NAME_RE.test(name)) {
    throw new KeystoreError(`key name "${name}" must be 1-64 characters of A-Z, a-z, 0-9, _ or -`);
  }
  return name;
}

function checkPassphrase(passphrase: string): void {
  if (typeof passphrase !== "string" || passphrase.length === 0) {
    throw new KeystoreError("the keystore passphrase must not be empty");
  }
}

function scryptKey(passphrase: string, salt: Uint8Array, N: number, r: number, p: number): Buffer {
  // Node's default maxmem (32 MiB) is exactly 128·N·r for N = 2^15, r = 8; leave headroom above that.
  return scryptSync(passphrase.normalize("NFKC"), salt, 32, { N, r, p, maxmem: 256 * N * r + (1 << 20) });
}

function associatedData(file: Pick<KeystoreFile, "version" | "name" | "kind" | "publicKey">): Buffer {
  return Buffer.from(
    `op-btc-finality keystore v${file.version}|${file.name}|${file.kind}|${file.publicKey}`,
    "utf8",
  );
}

function accountKeyFromMnemonic(mnemonic: string): Uint8Array {
  const key = HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic.trim(), "")).derive(
    ACCOUNT_HD_PATH,
  ).privateKey;
  if (key === null) throw new KeystoreError("the mnemonic yields no account key");
  return key;
}

export class Keystore {
  readonly dir: string;
  private readonly logN: number;

  constructor(options: KeystoreOptions) {
    this.dir = join(options.home, "keys");
    this.logN = options.scryptLogN ?? DEFAULT_SCRYPT_LOG_N;
    if (!Number.isInteger(this.logN) || this.logN < MIN_LOG_N || this.logN > MAX_LOG_N) {
      throw new KeystoreError(
        `scrypt log2(N) must be between ${MIN_LOG_N} and ${MAX_LOG_N}, got ${this.logN}`,
      );
    }
  }

  pathFor(name: string): string {
    return join(this.dir, `${checkName(name)}.json`);
  }

  has(name: string): boolean {
    return existsSync(this.pathFor(name));
  }

  /** A new 24-word mnemonic and its key, stored encrypted. The mnemonic is returned once, never stored. */
  create(name: string, passphrase: string, kind: KeyKind = "eots"): CreatedKey {
    const mnemonic = generateMnemonic();
    const { publicKeyHex, path } = this.import(name, mnemonic, passphrase, kind);
    return { name, publicKeyHex, path, mnemonic };
  }

  /**
   * Stores the key of this mnemonic: for "eots" the one Go `eotsd` derives (BIP-32 master key, empty hd
   * path), for "account" the Cosmos account key at m/44'/118'/0'/0/0.
   */
  import(
    name: string,
    mnemonic: string,
    passphrase: string,
    kind: KeyKind = "eots",
  ): { name: string; publicKeyHex: string; path: string } {
    if (!validateMnemonic(mnemonic))
      throw new KeystoreError("the mnemonic is not a valid BIP-39 English mnemonic");
    const sk = kind === "eots" ? secretKeyFromMnemonic(mnemonic) : accountKeyFromMnemonic(mnemonic);
    try {
      return this.storeSecretKey(name, sk, passphrase, kind);
    } finally {
      sk.fill(0);
    }
  }

  storeSecretKey(
    name: string,
    secretKey: Uint8Array,
    passphrase: string,
    kind: KeyKind = "eots",
  ): { name: string; publicKeyHex: string; path: string } {
    checkPassphrase(passphrase);
    const path = this.pathFor(name);
    if (existsSync(path))
      throw new KeystoreError(`key "${name}" already exists at ${path}; refusing to overwrite it`);
    const publicKey = bytesToHex(xonlyPublicKey(secretKey));
    const salt = randomBytes(32);
    const iv = randomBytes(12);
    const N = 2 ** this.logN;
    const r = 8;
    const p = 1;
    const header = { version: KEYSTORE_VERSION, name, kind, publicKey };
    const dk = scryptKey(passphrase, salt, N, r, p);
    const cipher = createCipheriv("aes-256-gcm", dk, iv);
    cipher.setAAD(associatedData(header));
    const ciphertext = Buffer.concat([cipher.update(secretKey), cipher.final()]);
    dk.fill(0);
    const file: KeystoreFile = {
      ...header,
      kdf: { name: "scrypt", N, r, p, dkLen: 32, salt: salt.toString("hex") },
      cipher: { name: "aes-256-gcm", iv: iv.toString("hex"), tag: cipher.getAuthTag().toString("hex") },
      ciphertext: ciphertext.toString("hex"),
    };
    ensurePrivateDir(this.dir);
    writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
    return { name, publicKeyHex: publicKey, path };
  }

  /** The public key, read without the passphrase. */
  show(name: string): string {
    return this.readFile(name).publicKey;
  }

  kindOf(name: string): KeyKind {
    return this.readFile(name).kind;
  }

  /** Decrypts the secret key. The caller owns the returned bytes and should zero them when done. */
  unlock(
    name: string,
    passphrase: string,
    kind: KeyKind = "eots",
  ): { secretKey: Uint8Array; publicKeyHex: string } {
    checkPassphrase(passphrase);
    const file = this.readFile(name);
    const path = this.pathFor(name);
    if (file.kind !== kind)
      throw new KeystoreError(`key "${name}" is an ${file.kind} key, not an ${kind} key`);
    const dk = scryptKey(passphrase, hexToBytes(file.kdf.salt), file.kdf.N, file.kdf.r, file.kdf.p);
    let secretKey: Buffer;
    try {
      const decipher = createDecipheriv("aes-256-gcm", dk, hexToBytes(file.cipher.iv));
      decipher.setAAD(associatedData(file));
      decipher.setAuthTag(hexToBytes(file.cipher.tag));
      secretKey = Buffer.concat([decipher.update(hexToBytes(file.ciphertext)), decipher.final()]);
    } catch {
      throw new KeystoreError(
        `cannot unlock key "${name}" (${path}): wrong passphrase or damaged keystore file`,
      );
    } finally {
      dk.fill(0);
    }
    const derived = Buffer.from(xonlyPublicKey(secretKey));
    if (!timingSafeEqual(derived, Buffer.from(hexToBytes(file.publicKey)))) {
      secretKey.fill(0);
      throw new KeystoreError(`key "${name}" (${path}) decrypts to a key that does not match its public key`);
    }
    return { secretKey: new Uint8Array(secretKey), publicKeyHex: file.publicKey };
  }

  private readFile(name: string): KeystoreFile {
    const path = this.pathFor(name);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new KeystoreError(
          `no key named "${name}" in ${this.dir}; create one with "provider keys create"`,
        );
      }
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new KeystoreError(`keystore file ${path} is not valid JSON`);
    }
    return validateFile(parsed, path);
  }
}

function validateFile(value: unknown, path: string): KeystoreFile {
  const bad = (what: string): never => {
    throw new KeystoreError(`keystore file ${path} is not a valid v${KEYSTORE_VERSION} keystore: ${what}`);
  };
  if (typeof value !== "object" || value === null) return bad("not an object");
  const f = value as Partial<KeystoreFile>;
  if (f.version !== KEYSTORE_VERSION) return bad(`version ${String(f.version)}`);
  if (typeof f.name !== "string") return bad("name");
  if (f.kind !== "eots" && f.kind !== "account") return bad("kind");
  if (typeof f.publicKey !== "string" || !/^[0-9a-f]{64}$/.test(f.publicKey)) return bad("publicKey");
  const k = f.kdf;
  if (k?.name !== "scrypt" || k.dkLen !== 32 || typeof k.salt !== "string") return bad("kdf");
  if (!Number.isInteger(k.N) || k.N < 2 ** MIN_LOG_N || k.N > 2 ** MAX_LOG_N || (k.N & (k.N - 1)) !== 0) {
    return bad("kdf.N");
  }
  if (!Number.isInteger(k.r) || k.r < 1 || k.r > 32 || !Number.isInteger(k.p) || k.p < 1 || k.p > 16) {
    return bad("kdf.r/p");
  }
  const c = f.cipher;
  if (c?.name !== "aes-256-gcm" || !/^[0-9a-f]{24}$/.test(c.iv) || !/^[0-9a-f]{32}$/.test(c.tag))
    return bad("cipher");
  if (typeof f.ciphertext !== "string" || !/^[0-9a-f]{64}$/.test(f.ciphertext)) return bad("ciphertext");
  return f as KeystoreFile;
}
