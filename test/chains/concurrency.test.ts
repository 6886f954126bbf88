import { describe, expect, it } from "vitest";
import { heightChunks } from "../../src/chains/concurrency.ts";

describe("heightChunks", () => {
  it("covers from..to inclusive, in order, in batches of at most the size", () => {
    expect(heightChunks(5n, 11n, 3)).toEqual([[5n, 6n, 7n], [8n, 9n, 10n], [11n]]);
    expect(heightChunks(1n, 4n, 2)).toEqual([
      [1n, 2n],
      [3n, 4n],
    ]);
    expect(heightChunks(7n, 7n, 10)).toEqual([[7n]]);
  });

  it("is empty for an empty range", () => {
    expect(heightChunks(8n, 7n, 10)).toEqual([]);
  });
});
