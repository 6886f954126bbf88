// The mutation runs' vitest config turns a file that fails outside any test into one failed test, which is
// what Stryker's vitest runner reads its verdict from (scripts/mutation/collection-failures.ts).

import type { RunnerTask } from "vitest";
import { describe, expect, it } from "vitest";
import { createVitest } from "vitest/node";
import { COLLECTION_FAILURE_TEST } from "../../scripts/mutation/collection-failures.ts";

const FIXTURE = "test/mutation/throws-while-collecting.fixture.ts";

describe("mutation-run vitest config", () => {
  it("gives a file that throws while collecting one failed test carrying the error", async () => {
    const previous = process.env.MUTATION_TEST_FILES;
    process.env.MUTATION_TEST_FILES = FIXTURE;
    const vitest = await createVitest("test", { config: "scripts/mutation/vitest.config.ts", watch: false });
    try {
      await vitest.start();
      const [file] = vitest.state.getFiles();
      expect(file?.result?.state).toBe("fail");
      const tests = file!.tasks.filter((t: RunnerTask) => t.type === "test");
      expect(tests.map((t) => [t.name, t.result?.state])).toEqual([[COLLECTION_FAILURE_TEST, "fail"]]);
      expect(tests[0]!.result?.errors?.[0]?.message).toContain("thrown while collecting");
    } finally {
      await vitest.close();
      process.env.MUTATION_TEST_FILES = previous;
    }
  });
});
