import { describe, expect, it } from "vitest";
import { type CampaignReport, reportJson } from "../../src/chaos/report.ts";

describe("the campaign's --json file", () => {
  it("writes a violation's bigint facts as decimal strings (JSON.stringify alone throws on them)", () => {
    const report = {
      seed: "s",
      minutes: 1,
      faults: {},
      faultsUnavailable: {},
      checks: {},
      violations: [{ facts: { height: 104n, total: 115_000_000n } }],
      converged: true,
      recovery_s: { p50: null, p99: null, samples: 0 },
      knownDifferences: {},
      knownDifferenceExamples: [],
      unexpectedExits: [],
      finalizedHeight: "104",
      recomputedFinalizedHeight: "104",
    } as unknown as CampaignReport;
    expect(() => JSON.stringify(report)).toThrow(/BigInt/);
    const parsed = JSON.parse(reportJson(report));
    expect(parsed.violations[0].facts).toEqual({ height: "104", total: "115000000" });
  });
});
