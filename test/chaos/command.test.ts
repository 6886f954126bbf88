import { describe, expect, it } from "vitest";
import { ChaosUsageError, parseChaosArgs } from "../../src/chaos/command.ts";
import { formatReport, percentile } from "../../src/chaos/report.ts";

describe("chaos command line", () => {
  it("takes minutes, seed, json and the Postgres fault, in either --k v or --k=v form", () => {
    expect(parseChaosArgs(["--minutes", "3", "--seed=7", "--json", "out.json"])).toEqual({
      minutes: 3,
      seed: "7",
      json: "out.json",
      postgresFault: "terminate",
    });
    expect(
      parseChaosArgs(["--minutes=0.5", "--seed", "x", "--postgres-fault", "restart"]).postgresFault,
    ).toBe("restart");
  });

  it("names what is wrong", () => {
    expect(() => parseChaosArgs(["--minutes", "0"])).toThrow(ChaosUsageError);
    expect(() => parseChaosArgs(["--minutes", "soon"])).toThrow(/--minutes/);
    expect(() => parseChaosArgs(["--speed", "2"])).toThrow(/unknown option --speed/);
    expect(() => parseChaosArgs(["--seed"])).toThrow(/--seed needs a value/);
    expect(() => parseChaosArgs(["now"])).toThrow(/unexpected argument/);
    expect(() => parseChaosArgs(["--postgres-fault", "pause"])).toThrow(/terminate or restart/);
  });
});

describe("campaign report", () => {
  it("takes nearest-rank percentiles", () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([3, 1, 2], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 99)).toBe(10);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
  });

  it("prints faults, checks, convergence and every violation with its replay command", () => {
    const text = formatReport({
      seed: "s",
      minutes: 2,
      faults: { gadget_kill: 2 },
      faultsUnavailable: { malformed_event: "no injector" },
      checks: {
        "1_never_unfinalized": 1,
        "2_canonical": 2,
        "3_quorum_and_consecutive": 3,
        "4_liveness": 4,
        "5_surfaces_agree": 5,
        "6_no_equivocation": 6,
        "7_convergence": 7,
      },
      violations: [
        {
          invariant: "2_canonical",
          atMs: 5,
          message: "block 9 is not canonical",
          seed: "s",
          replay: "npm run chaos -- --minutes 2 --seed s",
        },
      ],
      converged: false,
      recovery_s: { p50: 1, p99: 2, samples: 3 },
      knownDifferences: { btc_height_live_tip: 1 },
      knownDifferenceExamples: [],
      unexpectedExits: [],
      finalizedHeight: "10",
      recomputedFinalizedHeight: "12",
    });
    expect(text).toContain("gadget_kill=2");
    expect(text).toContain("not injected: malformed_event (no injector)");
    expect(text).toContain("7_convergence=7");
    expect(text).toContain("converged=false");
    expect(text).toContain("known difference btc_height_live_tip: 1 blocks");
    expect(text).toContain(
      "[2_canonical] at 5 ms: block 9 is not canonical (replay: npm run chaos -- --minutes 2 --seed s)",
    );
  });
});
