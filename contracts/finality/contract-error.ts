// The rollup-BSN finality contract's error texts (`src/error.rs`, thiserror `#[error(...)]` strings).
// Clients match on these substrings (the Go FP treats "Duplicated finality signature" as success and maps
// "slashed"), so they are reproduced character for character.

/** An error the contract returns; `message` is the contract's error text exactly. */
export class ContractError extends Error {
  constructor(
    message: string,
    readonly kind: string,
  ) {
    super(message);
    this.name = "ContractError";
  }
}

const e = (kind: string, message: string) => new ContractError(message, kind);

export const Errors = {
  emptySignature: () => e("EmptySignature", "Empty signature from the delegator"),
  emptyFpBtcPubKey: () => e("EmptyFpBtcPubKey", "Empty finality provider BTC public key"),
  invalidSignatureLength: (expected: number, actual: number) =>
    e("InvalidSignatureLength", `Invalid signature length: expected ${expected} bytes, got ${actual}`),
  invalidCommitmentLength: (expected: number, actual: number) =>
    e("InvalidCommitmentLength", `Invalid commitment length: expected ${expected} bytes, got ${actual}`),
  overflowInBlockHeight: (startHeight: bigint, endHeight: bigint) =>
    e(
      "OverflowInBlockHeight",
      `Block height overflow: start height ${startHeight} is equal or higher than (start height + num pub rand) ${endHeight}`,
    ),
  tooFewPubRand: (given: bigint, required: bigint) =>
    e("TooFewPubRand", `Too few public randomness values: given ${given}, required minimum ${required}`),
  hex: (reason: string) => e("HexError", reason),
  notAllowed: (pkHex: string) =>
    e("FinalityProviderNotAllowed", `Finality provider ${pkHex} is not in the allowlist`),
  slashed: (pkHex: string, babylonHeight: bigint, btcHeight: bigint) =>
    e(
      "SlashedFinalityProvider",
      `Finality provider ${pkHex} has been slashed at Babylon height ${babylonHeight} and BTC height ${btcHeight}`,
    ),
  notFoundFinalityProvider: (bsnId: string, pkHex: string) =>
    e("NotFoundFinalityProvider", `Finality provider not found for BSN ${bsnId} with pubkey ${pkHex}`),
  rateLimitExceeded: (pkHex: string, limit: number) =>
    e("RateLimitExceeded", `Rate limit exceeded for finality provider ${pkHex} with limit ${limit}`),
  secp256k1: (reason: string) => e("SecP256K1Error", reason),
  invalidPubRandHeight: (startHeight: bigint, nextEligible: bigint) =>
    e(
      "InvalidPubRandHeight",
      `The start height (${startHeight}) has overlap with the height of the highest public randomness committed (${nextEligible})`,
    ),
  beforeBsnActivation: (height: bigint, activation: bigint) =>
    e(
      "BeforeBSNActivation",
      `BSN not activated yet. Current height: ${height}, activation height: ${activation}`,
    ),
  notAtScheduledHeight: (height: bigint, interval: bigint) =>
    e(
      "FinalitySignatureNotAtScheduledHeight",
      `Finality signature not at scheduled height. Height ${height} not allowed with interval ${interval}`,
    ),
  duplicatedFinalitySig: (pkHex: string, height: bigint) =>
    e(
      "DuplicatedFinalitySig",
      `Duplicated finality signature for finality provider ${pkHex} at height ${height}`,
    ),
  missingPubRandCommit: (pkHex: string, height: bigint) =>
    e(
      "MissingPubRandCommit",
      `Public randomness not found for finality provider ${pkHex} at height ${height}`,
    ),
  notBtcTimestamped: (reason: string) => e("PubRandCommitNotBTCTimestamped", reason),
  invalidFinalitySigHeight: (proofHeight: bigint, height: bigint) =>
    e(
      "InvalidFinalitySigHeight",
      `The inclusion proof for height ${proofHeight} does not correspond to the given height (${height})`,
    ),
  invalidFinalitySigAmount: (total: bigint, committed: bigint) =>
    e(
      "InvalidFinalitySigAmount",
      `The total amount of public randomnesses in the proof (${total}) does not match the amount of public committed randomness (${committed})`,
    ),
  merkle: (reason: string) => e("MerkleError", `Merkle error: ${reason}`),
  eots: (reason: string) => e("EotsError", `EOTS error: ${reason}`),
  failedSignatureVerification: (what: string) =>
    e("FailedSignatureVerification", `Failed to verify signature: ${what}`),
  duplicateSignatory: (pkHex: string) => e("DuplicateSignatory", `Duplicate signatory ${pkHex}`),
  pubRandAlreadyExists: (pkHex: string, height: bigint) =>
    e(
      "PubRandAlreadyExists",
      `Public randomness already exists for finality provider ${pkHex} at height ${height}`,
    ),
  queryBlockVoters: (height: bigint, hashHex: string, reason: string) =>
    e(
      "QueryBlockVoterError",
      `Failed to query block voters for block ${height} with hash ${hashHex}. ${reason}`,
    ),
  notAdmin: () => e("Admin", "Admin error: Caller is not admin"),
  invalidBsnId: (reason: string) => e("InvalidBsnId", `Invalid consumer ID: ${reason}`),
  invalidMinPubRand: (v: bigint) =>
    e("InvalidMinPubRand", `Invalid min_pub_rand value: ${v}. Must be at least 1`),
  invalidFinalitySignatureInterval: (v: bigint) =>
    e(
      "InvalidFinalitySignatureInterval",
      `Invalid finality_signature_interval value: ${v}. Must be at least 1`,
    ),
  invalidRateLimitingInterval: (v: bigint) =>
    e("InvalidRateLimitingInterval", `Invalid rate limiting interval: ${v}. Must be at least 1`),
  invalidMaxMsgsPerInterval: (v: number) =>
    e("InvalidMaxMsgsPerInterval", `Invalid max messages per interval: ${v}. Must be at least 1`),
  noConfigFieldsToUpdate: () =>
    e("NoConfigFieldsToUpdate", "No configuration fields were provided to update"),
  /** cosmwasm `StdError::GenericErr` as surfaced by `addr_validate` (wording of the host's bech32 check). */
  invalidAddress: (addr: string) =>
    e("StdError", `Generic error: addr_validate errored: invalid address ${addr}`),
  /** The gRPC FinalityProvider query failed (unknown provider); the contract propagates it as a StdError. */
  finalityProviderQuery: (pkHex: string) =>
    e("StdError", `Generic error: Querier contract error: finality provider ${pkHex} not found`),
} as const;
