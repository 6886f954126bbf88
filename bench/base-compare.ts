// BENCH_BASE_CHECKOUT=DIR: the backfill of the same frozen history by DIR's gadget (another checkout of this
// repository, e.g. a git worktree of the commit before a change, with its own node_modules) and by this one's,
// alternating base/current (BENCH_BASE_PAIRS times each, default 2), each on a fresh empty database. Prints
// each run, the medians, current ÷ base, and whether the engine's verdicts are the same in every run.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { type BackfillTarget, runBackfill } from "./gadget-run.ts";
import { printLine, record } from "./harness.ts";
import { readVerdicts, type Verdicts, verdictDifferences } from "./verdicts.ts";

interface Run {
  who: "base" | "current";
  /** Process start → all finalized. */
  seconds: number;
  /** Service start (API up) → all finalized: without the base's tsx start-up, if it has one. */
  serviceSeconds: number;
  cpu: number;
  /** The gadget's CPU-s after its start-up: the blocks' cost, without the base's tsx compile, if it has one. */
  serviceCpu: number;
  /** Postgres's CPU-s meanwhile: statements the gadget makes cheaper for the server show here. */
  postgresCpu: number;
  verdicts: Verdicts;
}

export async function compareWithBase(o: BackfillTarget, checkout: string): Promise<void> {
  const dir = resolve(checkout);
  if (!existsSync(join(dir, "bin", "op-btc-finality.js")))
    throw new Error(`BENCH_BASE_CHECKOUT=${checkout}: no bin/op-btc-finality.js there`);
  const pairs = Number(process.env.BENCH_BASE_PAIRS ?? "2");
  if (!(Number.isInteger(pairs) && pairs >= 1))
    throw new Error(`BENCH_BASE_PAIRS must be a whole number ≥ 1, got ${process.env.BENCH_BASE_PAIRS}`);
  console.log(`\n### Same history, base ${dir} and this checkout, alternating (${pairs} runs each)`);
  const runs: Run[] = [];
  for (let i = 1; i <= pairs; i++) {
    for (const who of ["base", "current"] as const) {
      const b = await runBackfill({ ...o, checkout: who === "base" ? dir : undefined });
      let verdicts: Verdicts;
      try {
        verdicts = await readVerdicts(b.prisma);
      } finally {
        await b.close();
      }
      const cpu = b.cpu.gadget ?? Number.NaN;
      runs.push({
        who,
        seconds: b.seconds,
        serviceSeconds: b.serviceSeconds,
        cpu,
        serviceCpu: b.serviceCpu,
        postgresCpu: b.cpu.postgres,
        verdicts,
      });
      printLine(
        `${who} run ${i}`,
        `${b.seconds.toFixed(1)} s from process start (${b.serviceSeconds.toFixed(1)} s from service start), ` +
          `${(Number(o.l2Head) / b.seconds).toFixed(0)} L2 blocks/s, gadget ${cpu.toFixed(1)} CPU-s ` +
          `(${b.serviceCpu.toFixed(1)} after start-up), Postgres ${b.cpu.postgres.toFixed(1)} CPU-s, md5 ${verdicts.md5}`,
      );
    }
  }
  const of = (who: Run["who"]) => runs.filter((r) => r.who === who);
  const median = (who: Run["who"], pick: (r: Run) => number) => middle(of(who).map(pick));
  const figures = [
    ["wall", "s from process start", (r: Run) => r.seconds],
    ["service", "s from service start", (r: Run) => r.serviceSeconds],
    ["cpu", "gadget CPU-s", (r: Run) => r.cpu],
    ["service_cpu", "gadget CPU-s after start-up", (r: Run) => r.serviceCpu],
    ["postgres_cpu", "Postgres CPU-s", (r: Run) => r.postgresCpu],
  ] as const;
  for (const [key, label, pick] of figures) {
    const base = median("base", pick);
    const current = median("current", pick);
    printLine(
      `median ${label}: base → current`,
      `${base.toFixed(1)} → ${current.toFixed(1)}: current ÷ base ${(current / base).toFixed(2)}×`,
    );
    record(`backfill.base_${key}_s`, base);
    record(`backfill.base_current_${key}_s`, current);
    record(`backfill.base_${key}_ratio`, current / base);
  }
  const blocksPerSec = (who: Run["who"]) => Number(o.l2Head) / median(who, (r) => r.seconds);
  printLine(
    "median L2 blocks/s from process start: base → current",
    `${blocksPerSec("base").toFixed(0)} → ${blocksPerSec("current").toFixed(0)}`,
  );

  const first = of("base")[0]!.verdicts;
  const identical = runs.every((r) => r.verdicts.md5 === first.md5);
  record("backfill.base_verdicts_identical", identical ? 1 : 0);
  if (identical) {
    printLine("verdicts identical", `yes (${first.rows.size} l2_block rows, md5 ${first.md5})`);
    return;
  }
  const diff = verdictDifferences(first, of("current")[0]!.verdicts);
  record("backfill.base_verdict_rows_differing", diff.count);
  const sameWithin = (who: Run["who"]) => of(who).every((r) => r.verdicts.md5 === of(who)[0]!.verdicts.md5);
  printLine(
    "verdicts identical",
    `no: ${diff.count} rows differ between base run 1 and current run 1` +
      (diff.count > 0 ? `, first at heights ${diff.heights.slice(0, 5).join(", ")}` : "") +
      `; base runs agree with each other: ${sameWithin("base") ? "yes" : "no"}, current runs: ${sameWithin("current") ? "yes" : "no"}`,
  );
}

function middle(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
