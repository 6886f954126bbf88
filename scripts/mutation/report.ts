// The combined report: each target's Stryker JSON report merged into reports/mutation/mutation.json (files
// grouped under the target's name) with its HTML view, and the score of each target.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { aggregateResultsByModule, calculateMutationTestMetrics } from "mutation-testing-metrics";
import type { MutationTarget } from "./targets.ts";

type MutationTestResult = Parameters<typeof aggregateResultsByModule>[0][string];

export const REPORT_DIR = "reports/mutation";

export const targetDir = (target: MutationTarget) => join(REPORT_DIR, target.name);
export const targetReportFile = (target: MutationTarget) => join(targetDir(target), "mutation.json");

export interface TargetScore {
  target: MutationTarget;
  /** Percent of the valid mutants that a test detected (killed or timed out). */
  score: number;
  mutants: number;
  survived: number;
  noCoverage: number;
}

function scoreOf(target: MutationTarget, report: MutationTestResult): TargetScore {
  const { metrics } = calculateMutationTestMetrics(report).systemUnderTestMetrics;
  return {
    target,
    score: metrics.mutationScore,
    mutants: metrics.totalValid,
    survived: metrics.survived,
    noCoverage: metrics.noCoverage,
  };
}

/** Merges the targets' reports that exist, writes the combined JSON and HTML, and returns their scores. */
export function writeCombinedReport(all: readonly MutationTarget[]): TargetScore[] {
  const reports: Record<string, MutationTestResult> = {};
  const scores: TargetScore[] = [];
  for (const target of all) {
    const file = targetReportFile(target);
    if (!existsSync(file)) continue;
    const report = JSON.parse(readFileSync(file, "utf8")) as MutationTestResult;
    reports[target.name] = report;
    scores.push(scoreOf(target, report));
  }
  const combined = aggregateResultsByModule(reports);
  writeFileSync(join(REPORT_DIR, "mutation.json"), JSON.stringify(combined));
  writeFileSync(join(REPORT_DIR, "mutation.html"), reportHtml(combined));
  return scores;
}

// The same single-file page Stryker's own HTML reporter writes: the report app with the report inlined.
function reportHtml(report: MutationTestResult): string {
  const require = createRequire(import.meta.url);
  const app = readFileSync(require.resolve("mutation-testing-elements/mutation-test-elements.js"), "utf8");
  // "</script>" inside the inlined JSON would end the script element early.
  const json = JSON.stringify(report).replace(/</g, "\\u003c");
  return `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>op-btc-finality mutation report</title><script>${app}</script></head>
<body>
<mutation-test-report-app title-postfix="op-btc-finality"></mutation-test-report-app>
<script>
  const app = document.querySelector("mutation-test-report-app");
  app.report = ${json};
  const paint = () => { document.body.style.backgroundColor = app.themeBackgroundColor; };
  app.addEventListener("theme-changed", paint);
  paint();
</script>
</body>
</html>
`;
}
