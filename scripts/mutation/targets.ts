// What `npm run mutate` mutates. Each target is mutated with only its own tests, so a target's score says how
// well its own tests pin its behaviour down, not whether some distant test happens to notice.

export interface MutationTarget {
  name: string;
  /** Stryker `mutate` globs (a `file:from-to` suffix limits a file to lines). */
  mutate: string[];
  /** Globs of the test files allowed to kill this target's mutants. */
  testFiles: string[];
  /** The lowest acceptable mutation score, in percent. */
  minScore: number;
}

export const targets: readonly MutationTarget[] = [
  {
    name: "finality",
    mutate: ["src/core/finality/**/*.ts", "!src/core/finality/index.ts"],
    testFiles: ["test/core/finality/**/*.test.ts"],
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
    // verdicts a concurrent commit sets aside) and the Babylon height of a BTC header. The staking history
    // at a height is core's (src/core/finality/staking.ts), mutated with the finality target.
    name: "engine",
    mutate: ["src/indexer/engine/engine.ts:80-165", "src/indexer/engine/engine.ts:253-265"],
    testFiles: ["test/indexer/engine/engine.test.ts"],
    minScore: 90,
  },
];
