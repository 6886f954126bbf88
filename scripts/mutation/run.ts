// `npm run mutate [-- --target NAME ...] [--concurrency N] [--changed-since GIT_REF] [--force]`: mutation
// testing of the finality rules, the crypto, the contract signing and codecs, and the engine's verdicts
// (scripts/mutation/targets.ts). Each target is one Stryker run with only its own tests, incremental against
// its last run (`--force`: every mutant again), reported under reports/mutation/; the combined report and the
// scores come last, and the command fails when a target that ran scores below its minimum.
import { execFileSync } from "node:child_process";
import { Stryker } from "@stryker-mutator/core";
import { parseCommandLine } from "../../src/cli-args.ts";
import { type TargetScore, targetDir, targetReportFile, writeCombinedReport } from "./report.ts";
import { type MutationTarget, targets } from "./targets.ts";

const { values } = parseCommandLine(process.argv.slice(2), {
  options: {
    target: { type: "string", multiple: true },
    concurrency: { type: "string", default: "2" },
    "changed-since": { type: "string" },
    force: { type: "boolean", default: false },
  },
});

/** The part of a mutate or test glob before any wildcard or line range. */
const prefixOf = (glob: string) => glob.split(/[*:{]/)[0]!;

function selectedTargets(): MutationTarget[] {
  const names = values.target ?? targets.map((t) => t.name);
  const unknown = names.filter((name) => !targets.some((t) => t.name === name));
  if (unknown.length)
    throw new Error(`unknown mutation target ${unknown.join(", ")}; known: ${targets.map((t) => t.name)}`);
  let chosen = targets.filter((t) => names.includes(t.name));
  const since = values["changed-since"];
  if (since) {
    const changed = execFileSync("git", ["diff", "--name-only", since, "--"], { encoding: "utf8" })
      .split("\n")
      .filter(Boolean);
    // A change under a glob's fixed prefix counts: for test globs that takes in their helpers and fixtures.
    const touches = (t: MutationTarget, file: string) =>
      [...t.mutate, ...t.testFiles].some((glob) => !glob.startsWith("!") && file.startsWith(prefixOf(glob)));
    chosen = chosen.filter((t) => changed.some((file) => touches(t, file)));
  }
  return chosen;
}

async function mutate(target: MutationTarget, concurrency: number): Promise<void> {
  // Read by scripts/mutation/vitest.config.ts in every Stryker worker, which inherit this environment.
  process.env.MUTATION_TEST_FILES = target.testFiles.join(",");
  await new Stryker({
    testRunner: "vitest",
    plugins: ["@stryker-mutator/vitest-runner"],
    vitest: { configFile: "scripts/mutation/vitest.config.ts", related: false },
    coverageAnalysis: "perTest",
    mutate: target.mutate,
    incremental: true,
    // Stryker reuses a static mutant's result while its code is unchanged, even when the tests changed.
    force: values.force,
    incrementalFile: `${targetDir(target)}/stryker-incremental.json`,
    reporters: ["json", "clear-text", "progress-append-only"],
    jsonReporter: { fileName: targetReportFile(target) },
    clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
    thresholds: { high: target.minScore, low: target.minScore - 10, break: null },
    concurrency,
    timeoutMS: target.timeoutMS ?? 5_000,
    ignorePatterns: ["data", "tmp", "bench", "web"],
  }).runMutationTest();
}

function printScores(scores: readonly TargetScore[]): void {
  console.log("\nmutation score by target (reports/mutation/mutation.html):");
  for (const s of scores) {
    const mark = s.score >= s.target.minScore ? "ok" : `BELOW ${s.target.minScore} %`;
    console.log(
      `  ${s.target.name.padEnd(9)} ${s.score.toFixed(1).padStart(5)} %  ${String(s.mutants).padStart(4)} mutants, ` +
        `${s.survived} survived, ${s.noCoverage} without coverage  ${mark}`,
    );
  }
}

const concurrency = Number(values.concurrency);
if (!Number.isInteger(concurrency) || concurrency < 1)
  throw new Error(`--concurrency must be a positive integer`);
const chosen = selectedTargets();
const withoutPostgres = chosen.filter((t) => t.needsPostgres && !process.env.DATABASE_URL);
if (withoutPostgres.length) {
  throw new Error(
    `target ${withoutPostgres.map((t) => t.name).join(", ")} needs Postgres: set DATABASE_URL ` +
      "(e.g. postgres://postgres@127.0.0.1:5432/postgres; each test makes a database of its own there)",
  );
}
if (chosen.length === 0) console.log("no mutation target is affected by the change");
for (const target of chosen) {
  console.log(`\n=== mutation target ${target.name}: ${target.mutate.join(" ")} ===`);
  await mutate(target, concurrency);
}
const scores = writeCombinedReport(targets);
printScores(scores);
const failing = scores.filter((s) => chosen.includes(s.target) && s.score < s.target.minScore);
if (failing.length) process.exitCode = 1;
