// The vitest config Stryker runs tests with: the repository root as root, only the current target's test
// files (scripts/mutation/run.ts passes them in MUTATION_TEST_FILES, so even a mutant Stryker runs against
// "all tests" meets only that target's tests), and the reporter that counts a file failing outside any test
// as a failed test.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import CollectionFailures from "./collection-failures.ts";

const testFiles = process.env.MUTATION_TEST_FILES?.split(",").filter(Boolean);
if (!testFiles?.length)
  throw new Error("MUTATION_TEST_FILES is not set: run mutation tests with `npm run mutate`");

export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: testFiles,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: [new CollectionFailures()],
  },
});
