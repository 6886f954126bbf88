// The campaign's result: what the issue asks the run to print and write to --json.

import type { Invariant, KnownDifference, Violation } from "./checker.ts";
import type { FaultKey } from "./fault-kinds.ts";
import type { UnexpectedExit } from "./supervisor.ts";

export interface CampaignReport {
  seed: string;
  minutes: number;
  faults: Partial<Record<FaultKey, number>>;
  /** Kinds in the table that could not be injected, with the reason. */
  faultsUnavailable: Partial<Record<FaultKey, string>>;
  checks: Record<Invariant, number>;
  violations: (Violation & { seed: string; replay: string })[];
  converged: boolean;
  recovery_s: { p50: number | null; p99: number | null; samples: number };
  /** Differences the rules do not settle yet, by category (not violations; see README). */
  knownDifferences: Record<string, number>;
  knownDifferenceExamples: KnownDifference[];
  /** Processes that died without being killed (each restarted). */
  unexpectedExits: UnexpectedExit[];
  finalizedHeight: string;
  recomputedFinalizedHeight: string;
}

/** Nearest-rank percentile of a list of seconds; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function formatReport(r: CampaignReport): string {
  const lines = [
    `chaos campaign seed=${r.seed} minutes=${r.minutes}`,
    `faults: ${
      Object.entries(r.faults)
        .map(([k, n]) => `${k}=${n}`)
        .join(" ") || "none"
    }`,
  ];
  for (const [k, why] of Object.entries(r.faultsUnavailable)) lines.push(`  not injected: ${k} (${why})`);
  lines.push(
    `checks: ${Object.entries(r.checks)
      .map(([k, n]) => `${k}=${n}`)
      .join(" ")}`,
  );
  lines.push(
    `finalized ${r.finalizedHeight} (recomputed ${r.recomputedFinalizedHeight}), converged=${r.converged}, recovery p50=${r.recovery_s.p50 ?? "-"} s p99=${r.recovery_s.p99 ?? "-"} s over ${r.recovery_s.samples} faults`,
  );
  for (const [k, n] of Object.entries(r.knownDifferences)) lines.push(`known difference ${k}: ${n} blocks`);
  for (const e of r.unexpectedExits)
    lines.push(`unexpected exit: ${e.name} code=${e.code} signal=${e.signal} at ${e.atMs} ms`);
  lines.push(`violations: ${r.violations.length}`);
  for (const v of r.violations)
    lines.push(`  [${v.invariant}] at ${v.atMs} ms: ${v.message} (replay: ${v.replay})`);
  return lines.join("\n");
}

/** The report as the `--json` file holds it: a violation's facts carry bigints, written as decimal strings. */
export function reportJson(report: CampaignReport): string {
  return `${JSON.stringify(report, (_key, v) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`;
}
