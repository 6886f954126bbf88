// Typed client for the finality contract over CosmJS. `contractMessages(dialect)` builds every JSON the
// client sends (pure, testable without a chain); the client classes only add the CosmJS call and parse
// replies into typed values (bigint heights, Uint8Array bytes).

import type { StdFee } from "@cosmjs/amino";
import type {
  CosmWasmClient,
  ExecuteInstruction,
  ExecuteResult,
  JsonObject,
  SigningCosmWasmClient,
} from "@cosmjs/cosmwasm";
import type { JsonValue } from "./json.ts";
import {
  type AdminResponse,
  adminResponseCodec,
  allowedFinalityProvidersCodec,
  type BlockVoterInfo,
  blockVotersResponseCodec,
  type ConfigResponse,
  configResponseCodec,
  type Dialect,
  type ExecuteMsg,
  executeMsgCodec,
  highestVotedHeightCodec,
  type LegacyConfigResponse,
  type LegacyExecuteMsg,
  type LegacyPubRandCommit,
  type LegacyQueryMsg,
  legacyBlockVotersResponseCodec,
  legacyConfigResponseCodec,
  legacyExecuteMsgCodec,
  legacyOptionalPubRandCommitCodec,
  legacyQueryMsgCodec,
  optionalPubRandCommitCodec,
  type PubRandCommit,
  pubRandCommitListCodec,
  type QueryMsg,
  queryMsgCodec,
} from "./messages.ts";
import type { CommitArgs, Vote } from "./signing.ts";

export type { Dialect } from "./messages.ts";
export {
  type CommitArgs,
  type SigningContexts,
  signCommit,
  signingContextFor,
  signVote,
  type Vote,
} from "./signing.ts";

export type Fee = StdFee | "auto" | number;

export class DialectError extends Error {
  constructor(method: string, dialect: Dialect) {
    super(`${method} is not supported by the ${dialect} contract`);
    this.name = "DialectError";
  }
}

/** CosmJS JSON.stringify's the message, so u64 bigints must become numbers; refuse what would round. */
export function toCosmJsJson(value: JsonValue, path = "message"): JsonObject {
  if (typeof value === "bigint") {
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new RangeError(`${path}: ${value} is above 2^53 and cannot be sent exactly through CosmJS`);
    }
    return Number(value);
  }
  if (Array.isArray(value)) return value.map((v, i) => toCosmJsJson(v, `${path}[${i}]`));
  if (value !== null && typeof value === "object") {
    const out: Record<string, JsonObject> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCosmJsJson(v, `${path}.${k}`);
    return out;
  }
  return value;
}

export interface ListPubRandCommitOptions {
  startAfter?: bigint;
  limit?: number;
  reverse?: boolean;
}

export interface UpdateConfigArgs {
  minPubRand?: bigint;
  maxMsgsPerInterval?: number;
  rateLimitingInterval?: bigint;
}

export interface PruneDataArgs {
  rollupHeight: bigint;
  maxSignaturesToPrune?: number;
  maxPubRandValuesToPrune?: number;
}

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

function proofMsg(v: Vote) {
  return { total: v.proof.total, index: v.proof.index, leaf_hash: v.proof.leafHash, aunts: v.proof.aunts };
}

/** Every message the client sends, as the JSON object handed to CosmJS. */
export function contractMessages(dialect: Dialect = "rollup-bsn") {
  const legacy = dialect === "op-finality-gadget";
  const q = (msg: QueryMsg) => toCosmJsJson(queryMsgCodec.toJson(msg));
  const lq = (msg: LegacyQueryMsg) => toCosmJsJson(legacyQueryMsgCodec.toJson(msg));
  const x = (msg: ExecuteMsg) => toCosmJsJson(executeMsgCodec.toJson(msg));
  const lx = (msg: LegacyExecuteMsg) => toCosmJsJson(legacyExecuteMsgCodec.toJson(msg));
  const rollupOnly = (method: string) => {
    if (legacy) throw new DialectError(method, dialect);
  };
  return {
    config: () => (legacy ? lq({ config: {} }) : q({ config: {} })),
    admin: () => (legacy ? lq({ admin: {} }) : q({ admin: {} })),
    blockVoters: (height: bigint, blockHash: Uint8Array) =>
      legacy
        ? lq({ block_voters: { height, hash: hex(blockHash) } })
        : q({ block_voters: { height, hash_hex: hex(blockHash) } }),
    firstPubRandCommit: (btcPkHex: string) =>
      legacy
        ? lq({ first_pub_rand_commit: { btc_pk_hex: btcPkHex } })
        : q({ first_pub_rand_commit: { btc_pk_hex: btcPkHex } }),
    lastPubRandCommit: (btcPkHex: string) =>
      legacy
        ? lq({ last_pub_rand_commit: { btc_pk_hex: btcPkHex } })
        : q({ last_pub_rand_commit: { btc_pk_hex: btcPkHex } }),
    pubRandCommitForHeight: (btcPkHex: string, height: bigint) => {
      rollupOnly("pubRandCommitForHeight");
      return q({ pub_rand_commit_for_height: { btc_pk_hex: btcPkHex, height } });
    },
    listPubRandCommit: (btcPkHex: string, opts: ListPubRandCommitOptions = {}) => {
      rollupOnly("listPubRandCommit");
      return q({
        list_pub_rand_commit: {
          btc_pk_hex: btcPkHex,
          start_after: opts.startAfter,
          limit: opts.limit,
          reverse: opts.reverse,
        },
      });
    },
    highestVotedHeight: (btcPkHex: string) => {
      rollupOnly("highestVotedHeight");
      return q({ highest_voted_height: { btc_pk_hex: btcPkHex } });
    },
    allowedFinalityProviders: () => {
      rollupOnly("allowedFinalityProviders");
      return q({ allowed_finality_providers: {} });
    },
    allowedFinalityProvidersAtHeight: (babylonHeight: bigint) => {
      rollupOnly("allowedFinalityProvidersAtHeight");
      return q({ allowed_finality_providers_at_height: { babylon_height: babylonHeight } });
    },
    isEnabled: () => {
      if (!legacy) throw new DialectError("isEnabled", dialect);
      return lq({ is_enabled: {} });
    },
    commitPublicRandomness: (a: CommitArgs) => {
      const body = {
        fp_pubkey_hex: a.fpPubkeyHex,
        start_height: a.startHeight,
        num_pub_rand: a.numPubRand,
        commitment: a.commitment,
        signature: a.signature,
      };
      return legacy ? lx({ commit_public_randomness: body }) : x({ commit_public_randomness: body });
    },
    submitFinalitySignature: (v: Vote) => {
      if (legacy) {
        if (v.l1BlockNumber !== undefined || v.l1BlockHashHex !== undefined) {
          throw new DialectError("l1BlockNumber/l1BlockHashHex", dialect);
        }
        return lx({
          submit_finality_signature: {
            fp_pubkey_hex: v.fpPubkeyHex,
            height: v.height,
            pub_rand: v.pubRand,
            proof: proofMsg(v),
            block_hash: v.blockHash,
            signature: v.signature,
          },
        });
      }
      return x({
        submit_finality_signature: {
          fp_pubkey_hex: v.fpPubkeyHex,
          l1_block_number: v.l1BlockNumber,
          l1_block_hash_hex: v.l1BlockHashHex,
          height: v.height,
          pub_rand: v.pubRand,
          proof: proofMsg(v),
          block_hash: v.blockHash,
          signature: v.signature,
        },
      });
    },
    updateAdmin: (admin: string) =>
      legacy ? lx({ update_admin: { admin } }) : x({ update_admin: { admin } }),
    updateConfig: (a: UpdateConfigArgs) => {
      rollupOnly("updateConfig");
      return x({
        update_config: {
          min_pub_rand: a.minPubRand,
          max_msgs_per_interval: a.maxMsgsPerInterval,
          rate_limiting_interval: a.rateLimitingInterval,
        },
      });
    },
    addToAllowlist: (fpPubkeyHexList: string[]) => {
      rollupOnly("addToAllowlist");
      return x({ add_to_allowlist: { fp_pubkey_hex_list: fpPubkeyHexList } });
    },
    removeFromAllowlist: (fpPubkeyHexList: string[]) => {
      rollupOnly("removeFromAllowlist");
      return x({ remove_from_allowlist: { fp_pubkey_hex_list: fpPubkeyHexList } });
    },
    pruneData: (a: PruneDataArgs) => {
      rollupOnly("pruneData");
      return x({
        prune_data: {
          rollup_height: a.rollupHeight,
          max_signatures_to_prune: a.maxSignaturesToPrune,
          max_pub_rand_values_to_prune: a.maxPubRandValuesToPrune,
        },
      });
    },
  };
}

export type ContractMessages = ReturnType<typeof contractMessages>;

type Legacy<D> = D extends "op-finality-gadget" ? true : false;
export type ConfigOf<D extends Dialect> = Legacy<D> extends true ? LegacyConfigResponse : ConfigResponse;
export type PubRandCommitOf<D extends Dialect> = Legacy<D> extends true ? LegacyPubRandCommit : PubRandCommit;
/** Rollup-BSN replies with each voter's signature; the old contract with provider keys only. */
export type BlockVotersOf<D extends Dialect> = Legacy<D> extends true ? string[] : BlockVoterInfo[];

export class FinalityContractQueryClient<D extends Dialect = "rollup-bsn"> {
  readonly dialect: D;
  protected readonly messages: ContractMessages;

  constructor(
    protected readonly cosmwasm: CosmWasmClient,
    readonly contractAddress: string,
    dialect?: D,
  ) {
    this.dialect = (dialect ?? "rollup-bsn") as D;
    this.messages = contractMessages(this.dialect);
  }

  protected get legacy(): boolean {
    return this.dialect === "op-finality-gadget";
  }

  protected async smart(query: JsonObject): Promise<unknown> {
    return this.cosmwasm.queryContractSmart(this.contractAddress, query);
  }

  async config(): Promise<ConfigOf<D>> {
    const reply = await this.smart(this.messages.config());
    const codec = this.legacy ? legacyConfigResponseCodec : configResponseCodec;
    return codec.parse(reply, "config") as ConfigOf<D>;
  }

  async blockVoters(height: bigint, blockHash: Uint8Array): Promise<BlockVotersOf<D> | null> {
    const reply = await this.smart(this.messages.blockVoters(height, blockHash));
    const codec = this.legacy ? legacyBlockVotersResponseCodec : blockVotersResponseCodec;
    return codec.parse(reply, "block_voters") as BlockVotersOf<D> | null;
  }

  async firstPubRandCommit(btcPkHex: string): Promise<PubRandCommitOf<D> | null> {
    return this.parseCommit(
      await this.smart(this.messages.firstPubRandCommit(btcPkHex)),
      "first_pub_rand_commit",
    );
  }

  async lastPubRandCommit(btcPkHex: string): Promise<PubRandCommitOf<D> | null> {
    return this.parseCommit(
      await this.smart(this.messages.lastPubRandCommit(btcPkHex)),
      "last_pub_rand_commit",
    );
  }

  async pubRandCommitForHeight(btcPkHex: string, height: bigint): Promise<PubRandCommit | null> {
    const reply = await this.smart(this.messages.pubRandCommitForHeight(btcPkHex, height));
    return optionalPubRandCommitCodec.parse(reply, "pub_rand_commit_for_height");
  }

  async listPubRandCommit(btcPkHex: string, opts: ListPubRandCommitOptions = {}): Promise<PubRandCommit[]> {
    const reply = await this.smart(this.messages.listPubRandCommit(btcPkHex, opts));
    return pubRandCommitListCodec.parse(reply, "list_pub_rand_commit");
  }

  async highestVotedHeight(btcPkHex: string): Promise<bigint | null> {
    const reply = await this.smart(this.messages.highestVotedHeight(btcPkHex));
    return highestVotedHeightCodec.parse(reply, "highest_voted_height");
  }

  async admin(): Promise<AdminResponse> {
    return adminResponseCodec.parse(await this.smart(this.messages.admin()), "admin");
  }

  async allowedFinalityProviders(): Promise<string[]> {
    const reply = await this.smart(this.messages.allowedFinalityProviders());
    return allowedFinalityProvidersCodec.parse(reply, "allowed_finality_providers");
  }

  async allowedFinalityProvidersAtHeight(babylonHeight: bigint): Promise<string[]> {
    const reply = await this.smart(this.messages.allowedFinalityProvidersAtHeight(babylonHeight));
    return allowedFinalityProvidersCodec.parse(reply, "allowed_finality_providers_at_height");
  }

  /** op-finality-gadget only. */
  async isEnabled(): Promise<boolean> {
    const reply = await this.smart(this.messages.isEnabled());
    if (typeof reply !== "boolean") throw new TypeError("is_enabled: expected a boolean reply");
    return reply;
  }

  private parseCommit(reply: unknown, path: string): PubRandCommitOf<D> | null {
    const codec = this.legacy ? legacyOptionalPubRandCommitCodec : optionalPubRandCommitCodec;
    return codec.parse(reply, path) as PubRandCommitOf<D> | null;
  }
}

export class FinalityContractClient<D extends Dialect = "rollup-bsn"> extends FinalityContractQueryClient<D> {
  constructor(
    protected readonly signer: SigningCosmWasmClient,
    readonly sender: string,
    contractAddress: string,
    dialect?: D,
  ) {
    super(signer, contractAddress, dialect);
  }

  private exec(msg: JsonObject, fee: Fee, memo?: string): Promise<ExecuteResult> {
    return this.signer.execute(this.sender, this.contractAddress, msg, fee, memo);
  }

  commitPublicRandomness(args: CommitArgs, fee: Fee = "auto", memo?: string): Promise<ExecuteResult> {
    return this.exec(this.messages.commitPublicRandomness(args), fee, memo);
  }

  /** Several votes as several MsgExecuteContract in ONE transaction (all succeed or none). */
  submitFinalitySignatures(votes: readonly Vote[], fee: Fee = "auto", memo?: string): Promise<ExecuteResult> {
    if (votes.length === 0) throw new RangeError("submitFinalitySignatures needs at least one vote");
    return this.signer.executeMultiple(this.sender, this.submitInstructions(votes), fee, memo);
  }

  /** The instructions submitFinalitySignatures sends, in order. */
  submitInstructions(votes: readonly Vote[]): ExecuteInstruction[] {
    return votes.map((v) => ({
      contractAddress: this.contractAddress,
      msg: this.messages.submitFinalitySignature(v),
    }));
  }

  updateAdmin(admin: string, fee: Fee = "auto"): Promise<ExecuteResult> {
    return this.exec(this.messages.updateAdmin(admin), fee);
  }

  updateConfig(args: UpdateConfigArgs, fee: Fee = "auto"): Promise<ExecuteResult> {
    return this.exec(this.messages.updateConfig(args), fee);
  }

  addToAllowlist(fpPubkeyHexList: string[], fee: Fee = "auto"): Promise<ExecuteResult> {
    return this.exec(this.messages.addToAllowlist(fpPubkeyHexList), fee);
  }

  removeFromAllowlist(fpPubkeyHexList: string[], fee: Fee = "auto"): Promise<ExecuteResult> {
    return this.exec(this.messages.removeFromAllowlist(fpPubkeyHexList), fee);
  }

  pruneData(args: PruneDataArgs, fee: Fee = "auto"): Promise<ExecuteResult> {
    return this.exec(this.messages.pruneData(args), fee);
  }
}
