import { describe, expect, it } from "vitest";
import {
  checkedHeightsInRange,
  finalityGrid,
  isCheckedHeight,
  nextCheckedHeight,
  previousCheckedHeight,
} from "../../../src/core/finality/index.ts";

// A = 7, I = 5: checked heights 7, 12, 17, …
const grid = finalityGrid(7n, 5n);

describe("interval grid (rule 1)", () => {
  it("checks exactly A, A+I, A+2I, … with an activation offset", () => {
    const checked = [];
    for (let h = 0n; h <= 20n; h++) if (isCheckedHeight(h, grid)) checked.push(h);
    expect(checked).toEqual([7n, 12n, 17n]);
  });

  it("maps heights between checked heights to the next checked height (rule 6)", () => {
    expect(nextCheckedHeight(0n, grid)).toBe(7n);
    expect(nextCheckedHeight(6n, grid)).toBe(7n);
    expect(nextCheckedHeight(7n, grid)).toBe(7n);
    expect(nextCheckedHeight(8n, grid)).toBe(12n);
    expect(nextCheckedHeight(11n, grid)).toBe(12n);
    expect(nextCheckedHeight(12n, grid)).toBe(12n);
    expect(nextCheckedHeight(13n, grid)).toBe(17n);
  });

  it("finds the previous checked height strictly below, undefined at or below A", () => {
    expect(previousCheckedHeight(0n, grid)).toBeUndefined();
    expect(previousCheckedHeight(7n, grid)).toBeUndefined();
    expect(previousCheckedHeight(8n, grid)).toBe(7n);
    expect(previousCheckedHeight(12n, grid)).toBe(7n);
    expect(previousCheckedHeight(13n, grid)).toBe(12n);
    expect(previousCheckedHeight(17n, grid)).toBe(12n);
  });

  it("lists checked heights in an inclusive range", () => {
    expect(checkedHeightsInRange(0n, 20n, grid)).toEqual([7n, 12n, 17n]);
    expect(checkedHeightsInRange(12n, 17n, grid)).toEqual([12n, 17n]);
    expect(checkedHeightsInRange(13n, 16n, grid)).toEqual([]);
    expect(checkedHeightsInRange(20n, 10n, grid)).toEqual([]);
  });

  it("with interval 1 and activation 0 checks every height", () => {
    const every = finalityGrid(0n, 1n);
    expect([0n, 1n, 2n, 99n].map((h) => isCheckedHeight(h, every))).toEqual([true, true, true, true]);
    expect(previousCheckedHeight(5n, every)).toBe(4n);
    expect(nextCheckedHeight(5n, every)).toBe(5n);
  });

  it("rejects an interval below 1 and a negative activation height with a clear message", () => {
    expect(() => finalityGrid(0n, 0n)).toThrow("finality_signature_interval must be >= 1, got 0");
    expect(() => finalityGrid(-1n, 1n)).toThrow("bsn_activation_height must be >= 0, got -1");
    expect(() => isCheckedHeight(5n, { activationHeight: 0n, interval: 0n })).toThrow(
      "finality_signature_interval must be >= 1",
    );
  });
});

describe("interval grid far below activation", () => {
  it("maps heights two or more intervals below A to A, not to a height below it", () => {
    const far = finalityGrid(20n, 5n);
    for (const height of [0n, 1n, 9n, 10n, 11n, 19n]) expect(nextCheckedHeight(height, far)).toBe(20n);
  });
});
