// The package as a stranger gets it: `npm pack`, the tarball installed into a fresh project with
// `npm install --ignore-scripts` (no install script can help), then plain node and tsc there. The client entry
// must load without Prisma, pg, PGlite, anvil or server code, and talk to a running gadget.
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixtures = fileURLToPath(new URL("./package/", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

// Packages a program that only reads finality must never load, and our own modules it must never reach.
const HEAVY =
  /\/node_modules\/(@prisma|prisma|pg|pg-[^/]+|@electric-sql|pglite-prisma-adapter|@foundry-rs)\//;
const SERVER =
  /\/op-btc-finality\/dist\/src\/(db|indexer|devnet|store|service|api\/(graphql|grpc\/server|server|rest))/;

// Asynchronous, so that the gadget this process runs keeps answering while a consumer talks to it.
async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const { stdout } = await promisify(execFile)(cmd, args, { cwd, encoding: "utf8", timeout: 180_000 });
  return stdout;
}

describe("the packed package, installed elsewhere", () => {
  let project: string;
  let t: TestSystem | undefined;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "obf-pack-"));
    const tarball = (
      await run("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", dir], root)
    ).trim();
    project = join(dir, "consumer");
    mkdirSync(project);
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }),
    );
    await run(
      "npm",
      ["install", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", join(dir, tarball)],
      project,
    );
    for (const f of ["consumer-use.mjs", "consumer-types.ts", "trace-load.mjs", "trace-hooks.mjs"]) {
      copyFileSync(join(fixtures, f), join(project, f));
    }
  }, 300_000);
  afterAll(async () => {
    await t?.stop();
    if (project) rmSync(join(project, ".."), { recursive: true, force: true });
  });

  async function loadedBy(entry: string): Promise<string[]> {
    const out = join(project, `trace-${entry.replace(/\W/g, "_")}.txt`);
    rmSync(out, { force: true });
    await run(process.execPath, ["trace-load.mjs", entry, out], project);
    return readFileSync(out, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((u) => (u.startsWith("file://") ? fileURLToPath(u) : u));
  }

  it("ships compiled code and the generated Prisma client, and no sources", async () => {
    const pkg = join(project, "node_modules", "op-btc-finality");
    expect(statSync(join(pkg, "dist", "src", "db", "generated", "client.js")).isFile()).toBe(true);
    // The package's own files: npm may nest a dependency under it (its sources are that package's business).
    const files = (
      await run(
        "find",
        [
          ".",
          "-path",
          "./node_modules",
          "-prune",
          "-o",
          "-name",
          "*.ts",
          "-not",
          "-name",
          "*.d.ts",
          "-print",
        ],
        pkg,
      )
    ).trim();
    expect(files).toBe("");
  });

  it("loads the client entry with plain node, without Prisma, pg, PGlite, anvil or server code", async () => {
    const client = await loadedBy("op-btc-finality/client");
    expect(client.some((p) => p.includes("/op-btc-finality/dist/src/client.js"))).toBe(true);
    expect(client.filter((p) => HEAVY.test(p))).toEqual([]);
    expect(client.filter((p) => SERVER.test(p))).toEqual([]);
    const files = [...new Set(client.filter((p) => p.startsWith("/")))];
    const bytes = files.reduce((sum, p) => sum + statSync(p).size, 0);
    console.log(`client entry closure: ${files.length} modules, ${(bytes / 1024).toFixed(0)} KiB`);
    // The root entry is everything: the same check finds the database stack there.
    const everything = await loadedBy("op-btc-finality");
    expect(everything.some((p) => HEAVY.test(p))).toBe(true);
    expect(everything.some((p) => SERVER.test(p))).toBe(true);
  });

  it("type-checks a consumer of both entries with tsc, and the types are real", async () => {
    const tsconfig = {
      compilerOptions: {
        module: "NodeNext",
        moduleResolution: "NodeNext",
        target: "ES2023",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: [],
      },
      files: ["consumer-types.ts"],
    };
    writeFileSync(join(project, "tsconfig.json"), JSON.stringify(tsconfig));
    await run(process.execPath, [tsc, "-p", "."], project);
    // A wrong type where the declarations say otherwise must fail, or the check above proves nothing.
    writeFileSync(
      join(project, "consumer-types.ts"),
      `${readFileSync(join(project, "consumer-types.ts"), "utf8")}\nexport const wrong: string = eots.sign;\n`,
    );
    const failed = await run(process.execPath, [tsc, "-p", "."], project).catch((e: { stdout: string }) => e);
    expect((failed as { stdout?: string }).stdout).toMatch(/consumer-types\.ts.*TS2322/);
  });

  it("queries a running gadget over gRPC and HTTP, and signs and verifies an EOTS vote", async () => {
    t = await startTestSystem([{ stakeSat: 100_000n }]);
    const system = t;
    await system.waitFor(
      "a BTC-finalized block",
      async () => (await system.finalizedHeight()) >= 14n,
      90_000,
    );
    const info = system.system.devnet.info;
    const out = await run(
      process.execPath,
      [
        "consumer-use.mjs",
        system.service.grpcAddress,
        system.service.httpUrl,
        info.babylon.chainId,
        info.contractAddress,
      ],
      project,
    );
    const result = JSON.parse(out.trim().split("\n").at(-1)!);
    expect(BigInt(result.latestHeight)).toBeGreaterThanOrEqual(14n);
    expect(result.finalizedByHeight).toBe(true);
    expect(result.httpBlock).toEqual({
      height: result.latestHeight,
      hash: result.latestHash,
      btcFinalized: true,
    });
    expect(result.verified).toBe(true);
    expect(result.otherBlock).toBe(false);
  }, 180_000);
});
