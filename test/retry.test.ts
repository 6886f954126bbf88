// The one backoff: equal jitter on a doubling delay, capped; and retrying a failing call.
import { describe, expect, it } from "vitest";
import { Backoff, backoffDelay, withRetry } from "../src/retry.ts";

describe("backoff", () => {
  it("doubles per failure up to the cap, jittered within the upper half", () => {
    const at = (failures: number, random: number) =>
      backoffDelay(failures, { initialMs: 100, maxMs: 1000, random: () => random });
    expect([1, 2, 3, 4, 5, 6].map((n) => at(n, 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => at(n, 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("counts failures until reset", () => {
    const b = new Backoff({ initialMs: 10, random: () => 1 });
    expect([b.next(), b.next(), b.next()]).toEqual([10, 20, 40]);
    expect(b.failures).toBe(3);
    b.reset();
    expect(b.next()).toBe(10);
  });
});

describe("withRetry", () => {
  it("returns the first success and gives up after the last attempt with its error", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          if (calls < 3) throw new Error(`fail ${calls}`);
          return calls;
        },
        4,
        1,
      ),
    ).resolves.toBe(3);
    calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new Error(`fail ${calls}`);
        },
        2,
        1,
      ),
    ).rejects.toThrow("fail 2");
  });
});
