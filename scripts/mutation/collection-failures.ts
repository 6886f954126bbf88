// A vitest reporter for mutation runs. Stryker's vitest runner reads its verdict from the tests it finds in
// each file; a file that fails outside any test (a throw while collecting, in a `describe` body or at import)
// has no failed test, so the runner would score a mutant that breaks the file as *survived*. This reporter
// gives such a file one failed test carrying the file's error, so that mutant counts as killed.
import type { RunnerTestFile as File, RunnerTask as Task, RunnerTestCase as Test } from "vitest";
import type { Reporter, Vitest } from "vitest/node";

export const COLLECTION_FAILURE_TEST = "fails outside any test";

function hasFailedTest(task: Task): boolean {
  if (task.type === "test") return task.result?.state === "fail";
  return task.type === "suite" && task.tasks.some(hasFailedTest);
}

/** The synthetic test standing for `file`'s own failure, shaped as the runner reads tests. */
function failureTest(file: File): Test {
  return {
    type: "test",
    id: `${file.id}_collection`,
    name: COLLECTION_FAILURE_TEST,
    fullName: `${file.name} ${COLLECTION_FAILURE_TEST}`,
    fullTestName: COLLECTION_FAILURE_TEST,
    mode: "run",
    file,
    suite: file,
    context: undefined as unknown as Test["context"],
    annotations: [],
    artifacts: [],
    timeout: 0,
    meta: {},
    result: { state: "fail", errors: file.result?.errors ?? [] },
  } satisfies Test;
}

export default class CollectionFailures implements Reporter {
  private vitest?: Vitest;

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  // The runner reads the same state objects once the run ends, so the test is added to them in place.
  onTestRunEnd(): void {
    for (const file of this.vitest?.state.getFiles() ?? []) {
      if (file.result?.state === "fail" && !hasFailedTest(file)) file.tasks.push(failureTest(file));
    }
  }
}
