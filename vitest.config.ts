import { defineConfig } from "vitest/config";

// Two groups: the unit and integration files run two at a time; then the end-to-end files, which each run a
// whole system (devnet, provider daemons, gadget) against wall-clock time, run one at a time so that no other
// file's load makes a timely system look stalled.
export default defineConfig({
  test: {
    globalSetup: ["test/helpers/build-dist.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/**/*.test.ts"],
          exclude: ["test/e2e/**"],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
