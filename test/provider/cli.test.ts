import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runProviderCommand } from "../../provider/cli.ts";
import { exampleProviderConfig, ProviderConfigError, parseProviderConfig } from "../../provider/config.ts";
import { providerPaths } from "../../provider/daemon.ts";
import { SignGuard } from "../../provider/sign-guard.ts";
import { publicKeyHex, secretKeyFromMnemonic } from "../../src/core/crypto/keys.ts";

const MNEMONIC = `${"abandon ".repeat(23)}art`;
let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), "provider-cli-"));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = { OBF_PROVIDER_PASSPHRASE: "pw-123456" }) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  stderr.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const code = await runProviderCommand(["--home", home, ...args], {
    stdout,
    stderr,
    env,
    interactive: false,
    scryptLogN: 15,
  });
  return { code, out, err };
}

describe("provider CLI", () => {
  it("keys create shows the mnemonic once and keys show prints the key", async () => {
    const created = await run(["keys", "create"]);
    expect(created.code).toBe(0);
    const mnemonic = created.out.trim().split("\n").at(-1)!;
    expect(mnemonic.split(" ")).toHaveLength(24);
    const shown = await run(["keys", "show"]);
    expect(shown.out.trim()).toBe(publicKeyHex(secretKeyFromMnemonic(mnemonic)));
    expect(statSync(join(home, "keys", "default.json")).mode & 0o777).toBe(0o600);
  });

  it("keys import derives the eotsd key from a mnemonic file; account keys show their bbn address", async () => {
    const file = join(home, "m.txt");
    writeFileSync(file, `${MNEMONIC}\n`);
    const r = await run(["keys", "import", "--name", "fp", "--mnemonic-file", file]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(publicKeyHex(secretKeyFromMnemonic(MNEMONIC)));
    const a = await run(["keys", "import", "--account", "--mnemonic-file", file]);
    expect(a.code).toBe(0);
    const shown = await run(["keys", "show", "--account"]);
    expect(shown.out.trim().split("\n")[1]).toMatch(/^bbn1[0-9a-z]{38}$/);
  });

  it("fails clearly without a passphrase, with bad usage, and without a config", async () => {
    const noPass = await run(["keys", "create"], {});
    expect(noPass.code).toBe(1);
    expect(noPass.err).toMatch(/no keystore passphrase given.*OBF_PROVIDER_PASSPHRASE/);
    const bad = await run(["keys", "frobnicate"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown keys command "frobnicate"/);
    const unknownFlag = await run(["status", "--nope"]);
    expect(unknownFlag.code).toBe(2);
    const start = await run(["start"]);
    expect(start.code).toBe(1);
    expect(start.err).toMatch(/no provider configuration at .*provider\.toml/);
  });

  it("status reports the key, the sign journal and randomness without taking the journal lock", async () => {
    const file = join(home, "m.txt");
    writeFileSync(file, MNEMONIC);
    await run(["keys", "import", "--mnemonic-file", file]);
    writeFileSync(
      join(home, "provider.toml"),
      exampleProviderConfig.replace('listen = "127.0.0.1:9464"', 'listen = ""'),
    );
    const pk = publicKeyHex(secretKeyFromMnemonic(MNEMONIC));
    const guard = SignGuard.open({ dir: providerPaths(home, "op-stack-l2-901", pk).journal, namespace: "x" });
    guard.record(105n, new Uint8Array(32).fill(1));
    const r = await run(["status"]);
    guard.close();
    expect(r.code).toBe(0);
    expect(r.out).toContain(`finality provider key "default": ${pk}`);
    expect(r.out).toContain("sign journal: 1 signed heights, highest 105");
    expect(r.out).toContain("randomness: nothing committed");
  });

  it("provider.example.toml is the template generated from the schema", () => {
    const file = readFileSync(new URL("../../provider.example.toml", import.meta.url), "utf8");
    expect(file).toBe(exampleProviderConfig);
  });

  it("the example configuration is valid, and bad keys are named", () => {
    const cfg = parseProviderConfig(exampleProviderConfig, "example");
    expect(cfg.randomness.batch).toBe(1000n);
    expect(cfg.l2.follow).toBe("latest");
    expect(() =>
      parseProviderConfig(exampleProviderConfig.replace('follow = "latest"', 'follow = "tip"'), "x"),
    ).toThrow(/x: l2\.follow/);
    expect(() => parseProviderConfig(`${exampleProviderConfig}\nbogus = 1\n`, "x")).toThrow(
      ProviderConfigError,
    );
    expect(() =>
      parseProviderConfig(exampleProviderConfig.replace('bsn_id = "op-stack-l2-901"', 'bsn_id = "a b"'), "x"),
    ).toThrow(/bsn_id/);
  });
});
