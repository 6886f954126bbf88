// The finality contract's errors as its compiled bytecode words them (rollup-BSN `finality`, see
// wasm/PROVENANCE.md), and a classification of those texts for the provider and the gadget. A chain wraps
// the text (wasmd: "failed to execute message; message index: N: <text>: execute wasm contract failed"),
// so classification searches the whole message.

/** A contract call refused with the contract's own text (the host's wrapping removed). */
export class ContractError extends Error {
  constructor(
    message: string,
    readonly kind: ContractErrorKind | "" = classifyContractError(message) ?? "",
  ) {
    super(message);
    this.name = "ContractError";
  }
}

export type ContractErrorKind =
  | "duplicate-vote"
  | "slashed"
  | "rate-limit"
  | "not-timestamped"
  | "not-allowed"
  | "unknown-provider"
  | "missing-randomness"
  | "overlapping-randomness"
  | "before-activation"
  | "not-scheduled"
  | "bad-signature"
  | "not-admin";

/** Texts of the bytecode, by kind (checked against it by test/contract/finality-contract.test.ts). */
const PATTERNS: [ContractErrorKind, RegExp][] = [
  ["duplicate-vote", /Duplicated finality signature for finality provider \S+ at height \d+/],
  ["slashed", /Finality provider \S+ has been slashed at Babylon height \d+ and BTC height \d+/],
  ["rate-limit", /Rate limit exceeded for finality provider \S+ with limit \d+/],
  // PubRandCommitNotBTCTimestamped: no finalized epoch, or the commit's epoch is not finalized yet.
  [
    "not-timestamped",
    /No finalized epoch yet|The finality provider \S+ last committed epoch: \d+, last finalized epoch: \d+/,
  ],
  ["not-allowed", /Finality provider \S+ is not in the allowlist/],
  // Not registered for this BSN, or (commit) the gRPC lookup failed: wasmd redacts that to codespace/code.
  [
    "unknown-provider",
    /Finality provider not found for BSN \S+ with pubkey \S+|Querier contract error: codespace: btcstaking, code: 1100/,
  ],
  ["missing-randomness", /Public randomness not found for finality provider \S+ at height \d+/],
  [
    "overlapping-randomness",
    /The start height \(\d+\) has overlap with the height of the highest public randomness committed/,
  ],
  ["before-activation", /BSN not activated yet/],
  ["not-scheduled", /Finality signature not at scheduled height/],
  ["bad-signature", /Failed to verify signature|signature error|EOTS error/],
  ["not-admin", /Caller is not admin/],
];

/** The kind of a contract error found anywhere in `message`, or undefined for anything else. */
export function classifyContractError(message: string): ContractErrorKind | undefined {
  for (const [kind, re] of PATTERNS) if (re.test(message)) return kind;
  return undefined;
}
