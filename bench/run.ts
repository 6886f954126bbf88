// `npm run bench [-- --json FILE] [--soak-minutes N] [name…]` runs every benchmark suite in bench/*.bench.ts (or the named ones)
// in one process, so the baselines a suite prints are measured on the same machine in the same run as what it
// compares. With --json the recorded figures are also written to FILE, nested by suite.
import { readdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { parseCommandLine } from "../src/cli-args.ts";
import buildDist from "../test/helpers/build-dist.ts";
import { recordedFigures } from "./harness.ts";

const { values, positionals: wanted } = parseCommandLine(process.argv.slice(2), {
  options: { json: { type: "string" }, "soak-minutes": { type: "string" } },
  positionals: true,
});
// The backfill suite's live phase runs this long and then reports the gadget's steady memory.
if (values["soak-minutes"] !== undefined) process.env.BENCH_SOAK_MINUTES = values["soak-minutes"];
const dir = fileURLToPath(new URL(".", import.meta.url));
const suites = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (suites.length === 0) throw new Error(`no benchmark suite matches ${wanted.join(", ")}`);

const machine = {
  node: process.version,
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? "cpu",
  memory_gib: Math.round(totalmem() / 2 ** 30),
};
console.log(
  `# op-btc-finality benchmarks — node ${machine.node}, ${machine.cpus} × ${machine.cpu}, ${machine.memory_gib} GiB`,
);
// Suites that spawn the command (backfill, cli) run the compiled dist/: bring it up to date first.
buildDist();
for (const file of suites) {
  const suite = (await import(`./${file}`)) as { run: () => Promise<void> };
  await suite.run();
}
if (values.json !== undefined) {
  const report = {
    date: new Date().toISOString(),
    machine,
    suites: suites.map((f) => f.replace(".bench.ts", "")),
  };
  writeFileSync(values.json, `${JSON.stringify({ ...report, ...recordedFigures() }, null, 2)}\n`);
  console.log(`\nfigures written to ${values.json}`);
}
