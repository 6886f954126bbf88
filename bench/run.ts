// `npm run bench [name…]` runs every benchmark suite in bench/*.bench.ts (or the named ones) in one process,
// so the baselines a suite prints are measured on the same machine in the same run as what it compares.
import { readdirSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import buildDist from "../test/helpers/build-dist.ts";

const dir = fileURLToPath(new URL(".", import.meta.url));
const wanted = process.argv.slice(2);
const suites = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

console.log(
  `# op-btc-finality benchmarks — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ` +
    `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
);
// Suites that spawn the command (backfill, cli) run the compiled dist/: bring it up to date first.
buildDist();
for (const file of suites) {
  const suite = (await import(`./${file}`)) as { run: () => Promise<void> };
  await suite.run();
}
