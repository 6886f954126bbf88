import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { exampleToml, loadConfig, redactConfig } from "../src/config.ts";
import { ConfigError } from "../src/errors.ts";

const run = promisify(execFile);
const bin = new URL("../bin/op-btc-finality.js", import.meta.url).pathname;

function tomlFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "obf-cfg-")), "config.toml");
  writeFileSync(file, text);
  return file;
}

describe("configuration", () => {
  it("layers defaults < file < environment < flags", () => {
    const file = tomlFile(
      `[api]\nhttp_port = 9000\ngrpc_port = 9001\nhost = "0.0.0.0"\n[log]\nlevel = "debug"\n`,
    );
    const config = loadConfig({
      file,
      env: { OBF_API_GRPC_PORT: "9101", OBF_LOG_LEVEL: "warn" },
      flags: { "log.level": "error" },
    });
    expect(config.api.http_port).toBe(9000);
    expect(config.api.grpc_port).toBe(9101);
    expect(config.api.host).toBe("0.0.0.0");
    expect(config.log.level).toBe("error");
    expect(config.l2.batch_size).toBe(200);
  });

  it("takes DATABASE_URL as database.url", () => {
    expect(loadConfig({ env: { DATABASE_URL: "postgres://u@h:5432/d" } }).database.url).toBe(
      "postgres://u@h:5432/d",
    );
  });

  it.each([
    [{ file: tomlFile(`[api]\nhttp_prot = 1\n`) }, "config api.http_prot: unknown key"],
    [{ file: tomlFile(`[apis]\nport = 1\n`) }, "config apis.port: unknown key"],
    [
      { file: tomlFile(`[api]\nhttp_port = "eighty"\n`) },
      'config api.http_port: expected an integer ≥ 0 and ≤ 65535, got "eighty"',
    ],
    [
      { file: tomlFile(`[api]\nhttp_port = 70000\n`) },
      "config api.http_port: expected an integer ≥ 0 and ≤ 65535, got 70000",
    ],
    [
      { file: tomlFile(`[log]\nlevel = "loud"\n`) },
      "config log.level: expected one of fatal, error, warn, info, debug, trace, silent",
    ],
    [{ file: tomlFile(`[api\n`) }, "invalid TOML"],
    [{ env: { OBF_L2_BATCH_SIZE: "0" } }, "config l2.batch_size (from environment): expected an integer ≥ 1"],
    [{ env: { OBF_L2_NOPE: "1" } }, "config l2.nope: unknown key (from environment)"],
    [{ flags: { "l2.rpc_url": "not a url" } }, "config l2.rpc_url (from flag): expected a URL"],
    [{ file: "/nonexistent/obf.toml" }, "config file /nonexistent/obf.toml: ENOENT"],
  ])("rejects %j naming the problem", (options, message) => {
    expect(() => loadConfig({ env: {}, ...options })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, ...options })).toThrow(message);
  });

  it("never shows a database password", () => {
    const config = loadConfig({ env: { DATABASE_URL: "postgres://user:hunter2@db:5432/x" } });
    expect(JSON.stringify(redactConfig(config))).not.toContain("hunter2");
  });

  it("config.example.toml lists every key with its default", () => {
    const example = readFileSync(new URL("../config.example.toml", import.meta.url), "utf8");
    expect(example).toBe(exampleToml());
    // and the example itself is valid configuration
    expect(() =>
      loadConfig({ file: new URL("../config.example.toml", import.meta.url).pathname, env: {} }),
    ).not.toThrow();
  });
});

describe("the command with a bad configuration", () => {
  async function fails(args: string[], env: Record<string, string> = {}) {
    const cwd = mkdtempSync(join(tmpdir(), "obf-cli-"));
    const result = await run(process.execPath, [bin, ...args, `--database.data_dir=${join(cwd, "data")}`], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...env },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(existsSync(join(cwd, "data"))).toBe(false);
    return result.stderr;
  }

  it("exits non-zero with one line for an unknown key, a wrong type, or an unreachable database, and writes nothing", async () => {
    expect(await fails(["db", "migrate", "--api.http_prot=1"])).toContain("api.http_prot: unknown key");
    expect(await fails(["db", "migrate", "--l2.batch_size=many"])).toContain(
      "l2.batch_size (from flag): expected an integer",
    );
    const unreachable = await fails(["db", "migrate"], {
      DATABASE_URL: "postgres://someone:secret@127.0.0.1:9/nowhere",
    });
    expect(unreachable).toContain("cannot connect to database postgres://someone:***@127.0.0.1:9/nowhere");
    expect(unreachable).not.toContain("secret");
  });
});
