import { describe, expect, it } from "vitest";
import {
  checkGraceSeconds,
  GracePeriodError,
  isMissed,
  MAX_MISSED_GRACE_SECONDS,
  missedRule,
} from "../../src/core/finality/missed.ts";

const now = 1_000_000n;
const base = { finalizedHeight: 100n, highestVotedHeight: 104n, nowSeconds: now, graceSeconds: 60 };

describe("missed checked heights", () => {
  it("counts a height finalized without the vote as missed, whatever its age", () => {
    const rule = missedRule({ ...base, highestVotedHeight: null });
    expect(isMissed({ height: 100n, timestamp: now }, rule)).toBe(true);
    expect(isMissed({ height: 101n, timestamp: now }, rule)).toBe(false);
  });

  it("counts a height below the provider's highest vote as missed, that height itself not", () => {
    const rule = missedRule({ ...base, finalizedHeight: null, highestVotedHeight: 110n });
    expect(isMissed({ height: 109n, timestamp: now }, rule)).toBe(true);
    expect(isMissed({ height: 110n, timestamp: now }, rule)).toBe(false);
    expect(isMissed({ height: 111n, timestamp: now }, rule)).toBe(false);
  });

  it("takes the later of finality and the provider's progress", () => {
    expect(missedRule(base).throughHeight).toBe(103n);
    expect(missedRule({ ...base, highestVotedHeight: 90n }).throughHeight).toBe(100n);
    expect(missedRule({ ...base, finalizedHeight: null, highestVotedHeight: null }).throughHeight).toBe(-1n);
  });

  it("keeps a newer height pending until the grace period has passed, exactly at its end missed", () => {
    const rule = missedRule(base);
    expect(isMissed({ height: 200n, timestamp: now - 59n }, rule)).toBe(false);
    expect(isMissed({ height: 200n, timestamp: now - 60n }, rule)).toBe(true);
    const none = missedRule({ ...base, graceSeconds: 0 });
    expect(isMissed({ height: 200n, timestamp: now }, none)).toBe(true);
    expect(isMissed({ height: 200n, timestamp: now + 1n }, none)).toBe(false);
  });

  it("rejects a grace period that is negative, fractional or above a day", () => {
    for (const bad of [-1, 1.5, MAX_MISSED_GRACE_SECONDS + 1, Number.NaN]) {
      expect(() => checkGraceSeconds(bad)).toThrow(GracePeriodError);
      expect(() => missedRule({ ...base, graceSeconds: bad })).toThrow(/grace period must be an integer/);
    }
    expect(() => checkGraceSeconds(-1)).toThrow(expect.objectContaining({ name: "GracePeriodError" }));
    expect(checkGraceSeconds(MAX_MISSED_GRACE_SECONDS)).toBe(MAX_MISSED_GRACE_SECONDS);
  });
});
