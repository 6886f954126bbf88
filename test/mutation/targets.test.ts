// `npm run mutate` finds a target's functions by their first line at each run, so a renamed or re-signed
// function must fail here, in the suite, rather than at the next mutation run.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { targets } from "../../scripts/mutation/targets.ts";

describe("mutation targets", () => {
  it("name files that exist and line ranges that hold a function", () => {
    for (const t of targets) {
      for (const glob of t.mutate) {
        const ranged = /^([^*!]+\.ts):(\d+)-(\d+)$/.exec(glob);
        if (!ranged) continue;
        const [, file, from, to] = ranged;
        expect(existsSync(file!), glob).toBe(true);
        const lines = readFileSync(file!, "utf8").split("\n");
        expect(Number(to), glob).toBeGreaterThan(Number(from));
        expect(lines[Number(from) - 1], glob).toMatch(/function|async|private/);
      }
      expect(t.mutate.length, t.name).toBeGreaterThan(0);
    }
  });
});
