// The finality contract's JSON messages and replies, for the rollup-BSN `finality` contract v1 and for
// the older `op-finality-gadget` contract (reference: contract-eots-reference.md §4.1.1–4.1.3, §4.2.1).
// Field names are the wire names (snake_case); u64 values are bigint, `Binary` values Uint8Array.

import {
  atLeast,
  binary,
  bool,
  byteArray,
  type Codec,
  empty,
  field,
  list,
  nullable,
  optional,
  str,
  struct,
  u32,
  u64,
  variants,
} from "./codec.ts";
import { type JsonValue, parseJson, stringifyJson } from "./json.ts";

export type { JsonSchema } from "./codec.ts";
export { ContractMsgError } from "./codec.ts";

/** A block interval: the contract refuses 0 (and its schema says at least 1). */
const interval = atLeast(u64, 1);

export type Dialect = "rollup-bsn" | "op-finality-gadget";

/** Replies are read leniently: a newer contract may add fields a client need not understand. */

// ---------------------------------------------------------------- shared

/** `babylon_merkle::Proof`: always carries index (even 0) and aunts (even []). */
export interface ProofMsg {
  total: bigint;
  index: bigint;
  leaf_hash: Uint8Array;
  aunts: Uint8Array[];
}

export const proofCodec = struct<ProofMsg>([
  field("total", u64),
  field("index", u64),
  field("leaf_hash", binary),
  field("aunts", list(binary)),
]);

export interface CommitPublicRandomnessMsg {
  fp_pubkey_hex: string;
  start_height: bigint;
  num_pub_rand: bigint;
  commitment: Uint8Array;
  signature: Uint8Array;
}

const commitPublicRandomnessCodec = struct<CommitPublicRandomnessMsg>([
  field("fp_pubkey_hex", str),
  field("start_height", u64),
  field("num_pub_rand", u64),
  field("commitment", binary),
  field("signature", binary),
]);

export interface BtcPkQuery {
  btc_pk_hex: string;
}

const btcPkQueryCodec = struct<BtcPkQuery>([field("btc_pk_hex", str)]);

export interface AdminResponse {
  admin: string | null;
}

export const adminResponseCodec = struct<AdminResponse>([field("admin", nullable(str))]);

// ---------------------------------------------------------------- rollup-BSN finality v1

export interface InstantiateMsg {
  admin: string;
  bsn_id: string;
  min_pub_rand: bigint;
  rate_limiting_interval: bigint;
  max_msgs_per_interval: number;
  bsn_activation_height: bigint;
  finality_signature_interval: bigint;
  allowed_finality_providers?: string[] | null;
}

export const instantiateMsgCodec = struct<InstantiateMsg>([
  field("admin", str),
  field("bsn_id", str),
  field("min_pub_rand", u64),
  field("rate_limiting_interval", interval),
  field("max_msgs_per_interval", u32),
  field("bsn_activation_height", u64),
  field("finality_signature_interval", interval),
  optional("allowed_finality_providers", list(str)),
]);

export interface SubmitFinalitySignatureMsg {
  fp_pubkey_hex: string;
  l1_block_number?: bigint | null;
  l1_block_hash_hex?: string | null;
  height: bigint;
  pub_rand: Uint8Array;
  proof: ProofMsg;
  block_hash: Uint8Array;
  signature: Uint8Array;
}

export interface PruneDataMsg {
  rollup_height: bigint;
  max_signatures_to_prune?: number | null;
  max_pub_rand_values_to_prune?: number | null;
}

export interface UpdateConfigMsg {
  min_pub_rand?: bigint | null;
  max_msgs_per_interval?: number | null;
  rate_limiting_interval?: bigint | null;
}

export type ExecuteMsg =
  | { commit_public_randomness: CommitPublicRandomnessMsg }
  | { submit_finality_signature: SubmitFinalitySignatureMsg }
  | { update_admin: { admin: string } }
  | { prune_data: PruneDataMsg }
  | { add_to_allowlist: { fp_pubkey_hex_list: string[] } }
  | { remove_from_allowlist: { fp_pubkey_hex_list: string[] } }
  | { update_config: UpdateConfigMsg };

export const executeMsgCodec = variants<ExecuteMsg>({
  commit_public_randomness: commitPublicRandomnessCodec,
  submit_finality_signature: struct<SubmitFinalitySignatureMsg>([
    field("fp_pubkey_hex", str),
    optional("l1_block_number", u64),
    optional("l1_block_hash_hex", str),
    field("height", u64),
    field("pub_rand", binary),
    field("proof", proofCodec),
    field("block_hash", binary),
    field("signature", binary),
  ]),
  update_admin: struct([field("admin", str)]),
  prune_data: struct<PruneDataMsg>([
    field("rollup_height", u64),
    optional("max_signatures_to_prune", u32),
    optional("max_pub_rand_values_to_prune", u32),
  ]),
  add_to_allowlist: struct([field("fp_pubkey_hex_list", list(str))]),
  remove_from_allowlist: struct([field("fp_pubkey_hex_list", list(str))]),
  update_config: struct<UpdateConfigMsg>([
    optional("min_pub_rand", u64),
    optional("max_msgs_per_interval", u32),
    optional("rate_limiting_interval", interval),
  ]),
});

export interface ListPubRandCommitQuery {
  btc_pk_hex: string;
  start_after?: bigint | null;
  limit?: number | null;
  reverse?: boolean | null;
}

export type QueryMsg =
  | { block_voters: { height: bigint; hash_hex: string } }
  | { first_pub_rand_commit: BtcPkQuery }
  | { last_pub_rand_commit: BtcPkQuery }
  | { pub_rand_commit_for_height: { btc_pk_hex: string; height: bigint } }
  | { list_pub_rand_commit: ListPubRandCommitQuery }
  | { highest_voted_height: BtcPkQuery }
  | { admin: Record<string, never> }
  | { config: Record<string, never> }
  | { allowed_finality_providers: Record<string, never> }
  | { allowed_finality_providers_at_height: { babylon_height: bigint } };

export const queryMsgCodec = variants<QueryMsg>({
  block_voters: struct([field("height", u64), field("hash_hex", str)]),
  first_pub_rand_commit: btcPkQueryCodec,
  last_pub_rand_commit: btcPkQueryCodec,
  pub_rand_commit_for_height: struct([field("btc_pk_hex", str), field("height", u64)]),
  list_pub_rand_commit: struct<ListPubRandCommitQuery>([
    field("btc_pk_hex", str),
    optional("start_after", u64),
    optional("limit", u32),
    optional("reverse", bool),
  ]),
  highest_voted_height: btcPkQueryCodec,
  admin: empty,
  config: empty,
  allowed_finality_providers: empty,
  allowed_finality_providers_at_height: struct([field("babylon_height", u64)]),
});

export interface ConfigResponse {
  bsn_id: string;
  min_pub_rand: bigint;
  rate_limiting: { max_msgs_per_interval: number; block_interval: bigint };
  bsn_activation_height: bigint;
  finality_signature_interval: bigint;
}

export const configResponseCodec = struct<ConfigResponse>([
  field("bsn_id", str),
  field("min_pub_rand", u64),
  field("rate_limiting", struct([field("max_msgs_per_interval", u32), field("block_interval", interval)])),
  field("bsn_activation_height", u64),
  field("finality_signature_interval", interval),
]);

export interface FinalitySigInfo {
  finality_sig: Uint8Array;
  block_hash: Uint8Array;
}

export interface BlockVoterInfo {
  fp_btc_pk_hex: string;
  pub_rand: Uint8Array;
  finality_signature: FinalitySigInfo;
}

export const blockVotersResponseCodec = nullable(
  list(
    struct<BlockVoterInfo>([
      field("fp_btc_pk_hex", str),
      field("pub_rand", byteArray),
      field("finality_signature", struct([field("finality_sig", byteArray), field("block_hash", byteArray)])),
    ]),
  ),
);

export interface PubRandCommit {
  start_height: bigint;
  num_pub_rand: bigint;
  interval: bigint;
  babylon_epoch: bigint;
  commitment: Uint8Array;
}

export const pubRandCommitCodec = struct<PubRandCommit>([
  field("start_height", u64),
  field("num_pub_rand", u64),
  field("interval", interval),
  field("babylon_epoch", u64),
  field("commitment", byteArray),
]);

export const optionalPubRandCommitCodec = nullable(pubRandCommitCodec);
export const pubRandCommitListCodec = list(pubRandCommitCodec);
export const highestVotedHeightCodec = nullable(u64);
export const allowedFinalityProvidersCodec = list(str);

/** `BabylonMsg::MsgEquivocationEvidence`, the custom message the contract sends on equivocation (§4.1.7). */
export interface MsgEquivocationEvidence {
  signer: string;
  fp_btc_pk_hex: string;
  block_height: bigint;
  pub_rand_hex: string;
  canonical_app_hash_hex: string;
  fork_app_hash_hex: string;
  canonical_finality_sig_hex: string;
  fork_finality_sig_hex: string;
  signing_context: string;
}

export interface BabylonMsg {
  msg_equivocation_evidence: MsgEquivocationEvidence;
}

export const babylonMsgCodec = variants<BabylonMsg>({
  msg_equivocation_evidence: struct<MsgEquivocationEvidence>([
    field("signer", str),
    field("fp_btc_pk_hex", str),
    field("block_height", u64),
    field("pub_rand_hex", str),
    field("canonical_app_hash_hex", str),
    field("fork_app_hash_hex", str),
    field("canonical_finality_sig_hex", str),
    field("fork_finality_sig_hex", str),
    field("signing_context", str),
  ]),
});

// ---------------------------------------------------------------- op-finality-gadget (old contract)

export interface LegacyInstantiateMsg {
  admin: string;
  consumer_id: string;
  is_enabled: boolean;
}

export interface LegacySubmitFinalitySignatureMsg {
  fp_pubkey_hex: string;
  height: bigint;
  pub_rand: Uint8Array;
  proof: ProofMsg;
  block_hash: Uint8Array;
  signature: Uint8Array;
}

/** `babylon_apis::finality_api::Evidence`: `Vec<u8>` fields, so number arrays. */
export interface LegacyEvidence {
  fp_btc_pk: Uint8Array;
  block_height: bigint;
  pub_rand: Uint8Array;
  canonical_app_hash: Uint8Array;
  fork_app_hash: Uint8Array;
  canonical_finality_sig: Uint8Array;
  fork_finality_sig: Uint8Array;
}

export type LegacyExecuteMsg =
  | { commit_public_randomness: CommitPublicRandomnessMsg }
  | { submit_finality_signature: LegacySubmitFinalitySignatureMsg }
  | { slashing: { sender: string; evidence: LegacyEvidence } }
  | { set_enabled: { enabled: boolean } }
  | { update_admin: { admin: string } };

export type LegacyQueryMsg =
  | { admin: Record<string, never> }
  | { block_voters: { height: bigint; hash: string } }
  | { config: Record<string, never> }
  | { first_pub_rand_commit: BtcPkQuery }
  | { last_pub_rand_commit: BtcPkQuery }
  | { is_enabled: Record<string, never> };

export interface LegacyConfigResponse {
  consumer_id: string;
}

/**
 * The old commit: some builds record the Babylon height of the commit (`height`); the 16f6154 build the
 * devnet deploys does not, so it is optional.
 */
export interface LegacyPubRandCommit {
  start_height: bigint;
  num_pub_rand: bigint;
  height?: bigint | null;
  commitment: Uint8Array;
}

export const legacyInstantiateMsgCodec = struct<LegacyInstantiateMsg>([
  field("admin", str),
  field("consumer_id", str),
  field("is_enabled", bool),
]);

const legacyEvidenceCodec = struct<LegacyEvidence>([
  field("fp_btc_pk", byteArray),
  field("block_height", u64),
  field("pub_rand", byteArray),
  field("canonical_app_hash", byteArray),
  field("fork_app_hash", byteArray),
  field("canonical_finality_sig", byteArray),
  field("fork_finality_sig", byteArray),
]);

export const legacyExecuteMsgCodec = variants<LegacyExecuteMsg>({
  commit_public_randomness: commitPublicRandomnessCodec,
  submit_finality_signature: struct<LegacySubmitFinalitySignatureMsg>([
    field("fp_pubkey_hex", str),
    field("height", u64),
    field("pub_rand", binary),
    field("proof", proofCodec),
    field("block_hash", binary),
    field("signature", binary),
  ]),
  slashing: struct([field("sender", str), field("evidence", legacyEvidenceCodec)]),
  set_enabled: struct([field("enabled", bool)]),
  update_admin: struct([field("admin", str)]),
});

export const legacyQueryMsgCodec = variants<LegacyQueryMsg>({
  admin: empty,
  block_voters: struct([field("height", u64), field("hash", str)]),
  config: empty,
  first_pub_rand_commit: btcPkQueryCodec,
  last_pub_rand_commit: btcPkQueryCodec,
  is_enabled: empty,
});

export const legacyConfigResponseCodec = struct<LegacyConfigResponse>([field("consumer_id", str)]);
export const legacyBlockVotersResponseCodec = nullable(list(str));
export const legacyPubRandCommitCodec = struct<LegacyPubRandCommit>([
  field("start_height", u64),
  field("num_pub_rand", u64),
  optional("height", u64),
  field("commitment", byteArray),
]);
export const legacyOptionalPubRandCommitCodec = nullable(legacyPubRandCommitCodec);

// ---------------------------------------------------------------- entry points

/**
 * Validates untrusted JSON (an already parsed value; parse wire text with `parseJson` to keep u64 exact)
 * and returns the typed message. Throws ContractMsgError naming the first offending field path.
 */
export function parseExecuteMsg(json: unknown): ExecuteMsg {
  return executeMsgCodec.parse(json, "message");
}

export function parseQueryMsg(json: unknown): QueryMsg {
  return queryMsgCodec.parse(json, "message");
}

export function parseInstantiateMsg(json: unknown): InstantiateMsg {
  return instantiateMsgCodec.parse(json, "instantiate");
}

export function parseLegacyExecuteMsg(json: unknown): LegacyExecuteMsg {
  return legacyExecuteMsgCodec.parse(json, "message");
}

export function parseLegacyQueryMsg(json: unknown): LegacyQueryMsg {
  return legacyQueryMsgCodec.parse(json, "message");
}

export function parseLegacyInstantiateMsg(json: unknown): LegacyInstantiateMsg {
  return legacyInstantiateMsgCodec.parse(json, "instantiate");
}

/** Parses message bytes as the wasm host hands them over (UTF-8 JSON). */
export function decodeJsonBytes(bytes: Uint8Array): JsonValue {
  return parseJson(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
}

export function executeMsgToJson(msg: ExecuteMsg): JsonValue {
  return executeMsgCodec.toJson(msg);
}

export function queryMsgToJson(msg: QueryMsg): JsonValue {
  return queryMsgCodec.toJson(msg);
}

export function instantiateMsgToJson(msg: InstantiateMsg): JsonValue {
  return instantiateMsgCodec.toJson(msg);
}

/** The exact bytes-as-text serde_json would produce for these messages. */
export function serializeExecuteMsg(msg: ExecuteMsg): string {
  return stringifyJson(executeMsgToJson(msg));
}

export function serializeQueryMsg(msg: QueryMsg): string {
  return stringifyJson(queryMsgToJson(msg));
}

export function serializeInstantiateMsg(msg: InstantiateMsg): string {
  return stringifyJson(instantiateMsgToJson(msg));
}

export function serializeLegacyExecuteMsg(msg: LegacyExecuteMsg): string {
  return stringifyJson(legacyExecuteMsgCodec.toJson(msg));
}

export function serializeLegacyQueryMsg(msg: LegacyQueryMsg): string {
  return stringifyJson(legacyQueryMsgCodec.toJson(msg));
}

export function serializeLegacyInstantiateMsg(msg: LegacyInstantiateMsg): string {
  return stringifyJson(legacyInstantiateMsgCodec.toJson(msg));
}

/** JSON Schemas derived from the same descriptions the parsers use (draft-07 style, no $refs). */
export function contractSchemas(dialect: Dialect = "rollup-bsn"): Record<string, unknown> {
  const s = (codec: Codec<unknown>) => ({
    $schema: "http://json-schema.org/draft-07/schema#",
    ...codec.schema(),
  });
  const c = <T>(codec: Codec<T>) => codec as Codec<unknown>;
  if (dialect === "op-finality-gadget") {
    return {
      instantiate: s(c(legacyInstantiateMsgCodec)),
      execute: s(c(legacyExecuteMsgCodec)),
      query: s(c(legacyQueryMsgCodec)),
    };
  }
  return {
    instantiate: s(c(instantiateMsgCodec)),
    execute: s(c(executeMsgCodec)),
    query: s(c(queryMsgCodec)),
    responses: {
      config: s(c(configResponseCodec)),
      block_voters: s(c(blockVotersResponseCodec)),
      pub_rand_commit: s(c(optionalPubRandCommitCodec)),
      list_pub_rand_commit: s(c(pubRandCommitListCodec)),
      highest_voted_height: s(c(highestVotedHeightCodec)),
      admin: s(c(adminResponseCodec)),
      allowed_finality_providers: s(c(allowedFinalityProvidersCodec)),
    },
  };
}
