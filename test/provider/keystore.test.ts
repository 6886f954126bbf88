import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Keystore, KeystoreError } from "../../provider/keystore.ts";
import { PassphraseError, resolvePassphrase } from "../../provider/passphrase.ts";
import { bytesToHex } from "../../src/core/crypto/bytes.ts";
import { secretKeyFromMnemonic, xonlyPublicKey } from "../../src/core/crypto/keys.ts";

// BIP-39 test vector mnemonic (all-zero entropy, 24 words).
const MNEMONIC = `${"abandon ".repeat(23)}art`;
const PASS = "correct horse battery staple";

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "keystore-"));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

describe("Keystore", () => {
  it("round-trips an imported key derived exactly as eotsd does, with 0600 file and 0700 dir", () => {
    const ks = new Keystore({ home, scryptLogN: 15 });
    const { publicKeyHex, path } = ks.import("fp1", MNEMONIC, PASS);
    const expected = secretKeyFromMnemonic(MNEMONIC);
    expect(publicKeyHex).toBe(bytesToHex(xonlyPublicKey(expected)));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(ks.dir).mode & 0o777).toBe(0o700);
    expect(ks.show("fp1")).toBe(publicKeyHex);
    const unlocked = ks.unlock("fp1", PASS);
    expect(bytesToHex(unlocked.secretKey)).toBe(bytesToHex(expected));
    // The secret never appears in the file in clear.
    const text = readFileSync(path, "utf8");
    expect(text).not.toContain(bytesToHex(expected));
    expect(text).not.toContain("abandon");
    const file = JSON.parse(text);
    expect(file.kdf).toMatchObject({ name: "scrypt", N: 2 ** 15, r: 8, p: 1 });
    expect(file.cipher.name).toBe("aes-256-gcm");
    // No temp files are left behind by the atomic write.
    expect(readdirSync(ks.dir)).toEqual(["fp1.json"]);
  });

  it("create returns a fresh 24-word mnemonic once and stores the key it derives", () => {
    const ks = new Keystore({ home, scryptLogN: 15 });
    const created = ks.create("new", PASS);
    expect(created.mnemonic.split(" ")).toHaveLength(24);
    expect(bytesToHex(xonlyPublicKey(secretKeyFromMnemonic(created.mnemonic)))).toBe(created.publicKeyHex);
    expect(readFileSync(created.path, "utf8")).not.toContain(created.mnemonic.split(" ")[0] + " ");
    expect(() => ks.create("new", PASS)).toThrow(/already exists/);
  });

  it("a wrong passphrase fails with a message that reveals nothing", () => {
    const ks = new Keystore({ home, scryptLogN: 15 });
    ks.import("fp1", MNEMONIC, PASS);
    let message = "";
    try {
      ks.unlock("fp1", "hunter2-wrong");
    } catch (err) {
      expect(err).toBeInstanceOf(KeystoreError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/wrong passphrase or damaged keystore file/);
    expect(message).not.toContain('wrong passphrase"');
    expect(message).not.toContain(bytesToHex(secretKeyFromMnemonic(MNEMONIC)));
  });

  it("detects a swapped public key or tampered ciphertext", () => {
    const ks = new Keystore({ home, scryptLogN: 15 });
    const { path } = ks.import("fp1", MNEMONIC, PASS);
    const file = JSON.parse(readFileSync(path, "utf8"));
    writeFileSync(path, JSON.stringify({ ...file, publicKey: "11".repeat(32) }));
    expect(() => ks.unlock("fp1", PASS)).toThrow(/wrong passphrase or damaged/);
    const flipped = (file.ciphertext[0] === "0" ? "1" : "0") + file.ciphertext.slice(1);
    writeFileSync(path, JSON.stringify({ ...file, ciphertext: flipped }));
    expect(() => ks.unlock("fp1", PASS)).toThrow(/wrong passphrase or damaged/);
    writeFileSync(path, JSON.stringify({ ...file, kdf: { ...file.kdf, N: 1024 } }));
    expect(() => ks.unlock("fp1", PASS)).toThrow(/kdf\.N/);
  });

  it("stores the Babylon account key at the Cosmos HD path, as CosmJS derives it", async () => {
    const ks = new Keystore({ home, scryptLogN: 15 });
    const mnemonic = `${"abandon ".repeat(11)}about`;
    const { publicKeyHex } = ks.import("acct", mnemonic, PASS, "account");
    const [account] = await (
      await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix: "bbn" })
    ).getAccounts();
    expect(publicKeyHex).toBe(Buffer.from(account!.pubkey.subarray(1)).toString("hex"));
    expect(ks.kindOf("acct")).toBe("account");
    expect(ks.unlock("acct", PASS, "account").secretKey).toHaveLength(32);
    // An account key is never handed out as an EOTS key, or the other way round.
    expect(() => ks.unlock("acct", PASS)).toThrow(/is an account key, not an eots key/);
  });

  it("rejects bad input with messages naming it", () => {
    const ks = new Keystore({ home, scryptLogN: 15 });
    expect(() => ks.import("fp1", "not a mnemonic", PASS)).toThrow(/not a valid BIP-39/);
    expect(() => ks.import("../evil", MNEMONIC, PASS)).toThrow(/key name/);
    expect(() => ks.import("fp1", MNEMONIC, "")).toThrow(/must not be empty/);
    expect(() => ks.show("missing")).toThrow(/no key named "missing"/);
    expect(() => new Keystore({ home, scryptLogN: 10 })).toThrow(/between 15 and 22/);
  });
});

describe("resolvePassphrase", () => {
  it("prefers the file, then the env var, then the prompt", async () => {
    const file = join(home, "pass");
    writeFileSync(file, "from-file\n");
    const env = { OBF_PASS: "from-env" };
    expect(await resolvePassphrase({ file, env: "OBF_PASS", environment: env })).toBe("from-file");
    expect(await resolvePassphrase({ env: "OBF_PASS", environment: env })).toBe("from-env");
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = "";
    output.on("data", (d: Buffer) => {
      shown += d.toString();
    });
    const p = resolvePassphrase({
      env: "OBF_PASS",
      environment: {},
      prompt: { input, output, confirm: true },
    });
    input.write("typed secret\ntyped secret\n");
    expect(await p).toBe("typed secret");
    expect(shown).not.toContain("typed secret");
  });

  it("fails clearly when nothing supplies a passphrase or the confirmation differs", async () => {
    await expect(resolvePassphrase({ env: "NOPE", environment: {} })).rejects.toThrow(PassphraseError);
    await expect(resolvePassphrase({ file: join(home, "missing") })).rejects.toThrow(
      /cannot read passphrase file/,
    );
    const input = new PassThrough();
    const p = resolvePassphrase({ prompt: { input, output: new PassThrough(), confirm: true } });
    input.write("one\ntwo\n");
    await expect(p).rejects.toThrow(/differ/);
  });
});
