import { describe, expect, it } from "vitest";
import { FAULT_KINDS } from "../../src/chaos/fault-kinds.ts";
import { seededRng } from "../../src/chaos/rng.ts";
import { buildSchedule, countByKind } from "../../src/chaos/schedule.ts";

describe("seeded fault schedule", () => {
  it("replays: the same seed gives the same schedule, another seed a different one", () => {
    const a = buildSchedule({ seed: "42", windowMs: 180_000, providers: 5 });
    const b = buildSchedule({ seed: "42", windowMs: 180_000, providers: 5 });
    const c = buildSchedule({ seed: "43", windowMs: 180_000, providers: 5 });
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a.length).toBeGreaterThan(FAULT_KINDS.length);
  });

  it("draws every available kind, never one without an injector, and keeps each fault inside the window", () => {
    for (const seed of ["1", "2", "3", "ci"]) {
      const schedule = buildSchedule({ seed, windowMs: 120_000, providers: 5 });
      const counts = countByKind(schedule);
      for (const kind of FAULT_KINDS) {
        if (kind.unavailable === undefined)
          expect(counts[kind.key], `${seed} ${kind.key}`).toBeGreaterThan(0);
        else expect(counts[kind.key]).toBeUndefined();
        if (kind.maxCount !== undefined) expect(counts[kind.key] ?? 0).toBeLessThanOrEqual(kind.maxCount);
      }
      for (const f of schedule) {
        expect(f.atMs).toBeGreaterThanOrEqual(0);
        expect(f.atMs + f.durationMs).toBeLessThanOrEqual(120_000);
      }
      for (let i = 1; i < schedule.length; i++)
        expect(schedule[i]!.atMs).toBeGreaterThanOrEqual(schedule[i - 1]!.atMs);
    }
  });

  it("never overlaps two faults of one kind", () => {
    const schedule = buildSchedule({ seed: "overlap", windowMs: 600_000, providers: 4, meanGapMs: 500 });
    for (const kind of FAULT_KINDS) {
      const mine = schedule.filter((f) => f.kind === kind.key);
      for (let i = 1; i < mine.length; i++) {
        expect(mine[i]!.atMs).toBeGreaterThanOrEqual(mine[i - 1]!.atMs + mine[i - 1]!.durationMs);
      }
    }
  });

  it("draws provider indexes within the provider count", () => {
    const schedule = buildSchedule({ seed: "p", windowMs: 600_000, providers: 4, meanGapMs: 1_000 });
    for (const f of schedule) if (f.params.provider !== undefined) expect(f.params.provider).toBeLessThan(4);
  });

  it("rejects an empty window", () => {
    expect(() => buildSchedule({ seed: "x", windowMs: 0, providers: 4 })).toThrow(/windowMs/);
  });

  it("the generator is uniform enough to draw every value of a small range", () => {
    const rng = seededRng("uniform");
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(rng.int(1, 6));
    expect([...seen].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
