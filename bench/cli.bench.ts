// CLI start time, compiled (bin/op-btc-finality.js → dist/) against the sources run through tsx (how the bin
// started before the build), for `--help` and `config`; and what importing each package entry costs with
// plain node: wall time and the modules and bytes it loads. Runs alternate so that load on a shared machine
// falls on both sides alike; each figure is the median.
import { execFile } from "node:child_process";
import { readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { percentile, printLine } from "./harness.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const RUNS = 9;

async function wallMs(args: string[]): Promise<number> {
  const start = performance.now();
  await promisify(execFile)(process.execPath, args, { cwd: root, env: { ...process.env, DATABASE_URL: "" } });
  return performance.now() - start;
}

async function medians(variants: Record<string, string[]>): Promise<Record<string, number>> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const args of Object.values(variants)) await wallMs(args); // warm the file cache
  for (let i = 0; i < RUNS; i++)
    for (const [k, args] of Object.entries(variants)) times[k]!.push(await wallMs(args));
  return Object.fromEntries(
    Object.entries(times).map(([k, t]) => [
      k,
      percentile(
        t.sort((a, b) => a - b),
        50,
      ),
    ]),
  );
}

async function closure(entry: string): Promise<{ modules: number; kib: number }> {
  const out = join(tmpdir(), `obf-closure-${process.pid}.txt`);
  rmSync(out, { force: true });
  await promisify(execFile)(process.execPath, [join(root, "test/e2e/package/trace-load.mjs"), entry, out]);
  const files = [
    ...new Set(
      readFileSync(out, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((u) => (u.startsWith("file://") ? fileURLToPath(u) : u))
        .filter((p) => p.startsWith("/")),
    ),
  ];
  rmSync(out, { force: true });
  return { modules: files.length, kib: files.reduce((s, p) => s + statSync(p).size, 0) / 1024 };
}

export async function run(): Promise<void> {
  const bin = join(root, "bin/op-btc-finality.js");
  const src = ["--import", "tsx", join(root, "src/cli.ts")];
  const m = await medians({
    "compiled --help": [bin, "--help"],
    "tsx --help": [...src, "--help"],
    "compiled config": [bin, "config"],
    "tsx config": [...src, "config"],
  });
  console.log(`\n## CLI start (median of ${RUNS} runs, wall time of the whole process)`);
  for (const cmd of ["--help", "config"]) {
    const compiled = m[`compiled ${cmd}`]!;
    const tsx = m[`tsx ${cmd}`]!;
    printLine(
      `op-btc-finality ${cmd}: compiled / tsx`,
      `${compiled.toFixed(0)} ms / ${tsx.toFixed(0)} ms (${(tsx / compiled).toFixed(1)}× faster)`,
    );
  }

  const client = pathToFileURL(join(root, "dist/src/client.js")).href;
  const everything = pathToFileURL(join(root, "dist/src/index.js")).href;
  const imports = await medians({
    client: ["--input-type=module", "-e", `await import(${JSON.stringify(client)})`],
    root: ["--input-type=module", "-e", `await import(${JSON.stringify(everything)})`],
  });
  console.log("\n## Package entries with plain node (import closure: modules loaded, bytes on disk)");
  for (const [name, url] of [
    ["op-btc-finality/client", client],
    ["op-btc-finality (root)", everything],
  ] as const) {
    const c = await closure(url);
    const ms = imports[url === client ? "client" : "root"]!;
    printLine(name, `${ms.toFixed(0)} ms to import, ${c.modules} modules, ${c.kib.toFixed(0)} KiB`);
  }
}
