// Collected only by test/mutation/collection-failures.test.ts: a file that fails outside any test.
import { describe, expect, it } from "vitest";

describe("a describe body that throws", () => {
  it("would pass", () => expect(1).toBe(1));
  throw new Error("thrown while collecting");
});
