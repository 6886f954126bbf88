// What `npm run mutate` mutates. Each target is mutated with only its own tests, so a target's score says how
// well its own tests pin its behaviour down, not whether some distant test happens to notice.
import { readFileSync } from "node:fs";

const ENGINE = "src/indexer/engine/engine.ts";

/**
 * `file:from-to` for the function or method whose first line starts with `start`, through the closing brace at
 * its indent: found in the source at each run, so the range follows the code as lines come and go.
 */
export function linesOf(file: string, start: string): string {
  const lines = readFileSync(new URL(`../../${file}`, import.meta.url), "utf8").split("\n");
  const from = lines.findIndex((line) => line.startsWith(start));
  if (from < 0) throw new Error(`${file} has no line starting with ${JSON.stringify(start)}`);
  const indent = start.length - start.trimStart().length;
  const end = lines.findIndex((line, i) => i > from && line === `${" ".repeat(indent)}}`);
  if (end < 0) throw new Error(`${file}: no closing brace for ${JSON.stringify(start)}`);
  return `${file}:${from + 1}-${end + 1}`;
}

export interface MutationTarget {
  name: string;
  /** Stryker `mutate` globs (a `file:from-to` suffix limits a file to lines). */
  mutate: string[];
  /** Globs of the test files allowed to kill this target's mutants. */
  testFiles: string[];
  /** The lowest acceptable mutation score, in percent. */
  minScore: number;
  /** Its tests need Postgres (DATABASE_URL): on PGlite's one connection the engine's racing tests hang. */
  needsPostgres?: boolean;
  /** Stryker's allowance over a mutant's expected test time (default 5 s). */
  timeoutMS?: number;
}

export const targets: readonly MutationTarget[] = [
  {
    name: "finality",
    mutate: ["src/core/finality/**/*.ts", "!src/core/finality/index.ts"],
    // missed.ts's tests sit beside the API's uses of it, one folder up.
    testFiles: ["test/core/finality/**/*.test.ts", "test/core/missed.test.ts"],
    minScore: 95,
  },
  {
    name: "crypto",
    mutate: ["src/core/crypto/**/*.ts", "!src/core/crypto/index.ts"],
    testFiles: ["test/core/crypto/**/*.test.ts"],
    minScore: 90,
  },
  {
    // The payloads the provider signs and the codecs its messages go through on the way to the contract.
    name: "contract",
    mutate: ["contracts/finality/signing.ts", "contracts/finality/codec.ts", "contracts/finality/json.ts"],
    testFiles: [
      "test/contract/messages.test.ts",
      "test/contract/signing.test.ts",
      "test/contract/codec.test.ts",
    ],
    minScore: 90,
  },
  {
    // The engine's verdict code: evaluate() (BTC height and power table per block, the tally, and which
    // verdicts a concurrent commit sets aside), the Babylon height of a BTC header, and the gate that holds a
    // block back until its votes and stake are indexed. The staking history
    // at a height is core's (src/core/finality/staking.ts), mutated with the finality target.
    name: "engine",
    mutate: [
      linesOf(ENGINE, "  private async evaluate("),
      linesOf(ENGINE, "  private async babylonHeightsAt("),
      linesOf(ENGINE, "function evaluationGate("),
    ],
    testFiles: ["test/indexer/engine/engine.test.ts"],
    minScore: 90,
    needsPostgres: true,
    // A mutant's run also opens and drops the file's database, which Stryker's per-test times leave out; at
    // 5 s a third of the engine's mutants were reported as timeouts on a loaded machine, each costing a
    // restart of the test process, though their tests fail within seconds.
    timeoutMS: 20_000,
  },
];
