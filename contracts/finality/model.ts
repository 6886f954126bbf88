// Executable model of the rollup-BSN `finality` contract v1 (reference: contract-eots-reference.md §4.1):
// same state, same validation order, same error texts, same events and custom message. The devnet hosts it
// as the wasm contract; tests drive it directly.

import { sha256 } from "@noble/hashes/sha2.js";
import {
  bip340,
  bytesEqual,
  bytesToHex,
  finalityVoteMessage,
  randomnessCommitMessage,
  signingContext,
} from "../../src/core/crypto/index.ts";
import { checkEotsSignature, checkInclusionProof, decodeHex } from "./checks.ts";
import { ContractError, Errors } from "./contract-error.ts";
import type { JsonValue } from "./json.ts";
import { stringifyJson } from "./json.ts";
import {
  type BabylonMsg,
  type BlockVoterInfo,
  blockVotersResponseCodec,
  type CommitPublicRandomnessMsg,
  type ConfigResponse,
  configResponseCodec,
  type ExecuteMsg,
  type InstantiateMsg,
  type ListPubRandCommitQuery,
  type PruneDataMsg,
  type PubRandCommit,
  pubRandCommitCodec,
  type QueryMsg,
  type SubmitFinalitySignatureMsg,
  type UpdateConfigMsg,
} from "./messages.ts";

export { ContractError } from "./contract-error.ts";
export type { BabylonMsg, MsgEquivocationEvidence } from "./messages.ts";

export const CONTRACT_NAME = "rollup-bsn/finality";
export const CONTRACT_VERSION = "1.0.0-rc.1";

export interface Env {
  blockHeight: bigint;
  blockTimeNs: bigint;
  chainId: string;
  contractAddress: string;
}

export interface FinalityProviderInfo {
  btcPkHex: string;
  bsnId: string;
  slashedBabylonHeight: bigint;
  slashedBtcHeight: bigint;
}

/** What the chain hosting the contract answers (the devnet implements it). */
export interface BabylonHost {
  /** undefined → the gRPC query fails (unknown provider). */
  finalityProvider(btcPkHex: string): FinalityProviderInfo | undefined;
  currentEpoch(): bigint;
  lastFinalizedEpoch(): bigint;
  /** bech32 check of admin addresses. */
  addressValidate(addr: string): boolean;
}

export interface Attribute {
  key: string;
  value: string;
}

/** type WITHOUT the "wasm-" prefix; the host adds it and `_contract_address`. */
export interface WasmEvent {
  type: string;
  attributes: Attribute[];
}

export interface ExecuteResult {
  attributes: Attribute[];
  events: WasmEvent[];
  messages: BabylonMsg[];
}

interface Config {
  bsnId: string;
  minPubRand: bigint;
  maxMsgsPerInterval: number;
  rateLimitingInterval: bigint;
  bsnActivationHeight: bigint;
  finalitySignatureInterval: bigint;
}

interface SigInfo {
  finalitySig: Uint8Array;
  blockHash: Uint8Array;
}

interface RateCounter {
  intervalNo: bigint;
  count: number;
}

/** One entry of the allow-list changelog: the set as it was before the first change at `height`. */
interface AllowlistChange {
  height: bigint;
  before: string[] | null;
}

const U64_MAX = (1n << 64n) - 1n;
const DEFAULT_PRUNING = 50;
const MAX_PRUNING = 100;
const DEFAULT_LIST_LIMIT = 10;
const MAX_LIST_LIMIT = 30;
const BSN_ID_MAX_LENGTH = 100;

function endHeight(c: PubRandCommit): bigint {
  return c.start_height + (c.num_pub_rand - 1n) * c.interval;
}

function containsHeight(c: PubRandCommit, height: bigint): boolean {
  return height >= c.start_height && height <= endHeight(c) && (height - c.start_height) % c.interval === 0n;
}

/**
 * The contract's state and handlers.
 *
 * Atomicity: a handler that throws (ContractError) has changed nothing — every handler validates
 * first and writes last. Multi-message transactions and host-side failures after a successful call (for
 * example Babylon rejecting the returned `msg_equivocation_evidence`) are the host's to undo, as wasmd
 * reverts the whole tx. Two ways are offered:
 *  - `toJSON()` before the tx and `FinalityContract.fromJSON(snapshot)` to restore (simple, O(state));
 *  - `beginTx()` … `commitTx()` / `rollbackTx()`: an undo journal of just the writes made in between
 *    (O(writes); what a devnet producing thousands of votes should use).
 */
export class FinalityContract {
  private config: Config;
  private admin: string | null;
  /** Current allow-list (lowercase hex of the key bytes, insertion ordered); null until first saved. */
  private allowlist: string[] | null;
  private allowlistChangelog: AllowlistChange[] = [];
  /** Per provider (lowercase hex), ascending by start height. */
  private readonly pubRandCommits = new Map<string, PubRandCommit[]>();
  /** height → provider → pub_rand. */
  private readonly pubRandValues = new Map<bigint, Map<string, Uint8Array>>();
  /** height → provider → set of {sig, block hash} (insertion ordered). */
  private readonly finalitySignatures = new Map<bigint, Map<string, SigInfo[]>>();
  /** height → block hash hex → providers (lowercase hex, insertion ordered). */
  private readonly signatories = new Map<bigint, Map<string, string[]>>();
  private readonly highestVotedHeights = new Map<string, bigint>();
  private readonly rateLimits = new Map<string, RateCounter>();
  private journal: (() => void)[] | null = null;
  private readonly contextCache = new Map<string, string>();

  private constructor(config: Config, admin: string | null, allowlist: string[] | null) {
    this.config = config;
    this.admin = admin;
    this.allowlist = allowlist;
  }

  // ---------------------------------------------------------------- instantiate

  static instantiate(
    msg: InstantiateMsg,
    env: Env,
    host: BabylonHost,
    _sender: string,
  ): { contract: FinalityContract; result: ExecuteResult } {
    if (!host.addressValidate(msg.admin)) throw Errors.invalidAddress(msg.admin);
    validateBsnId(msg.bsn_id);
    if (msg.min_pub_rand < 1n) throw Errors.invalidMinPubRand(msg.min_pub_rand);
    if (msg.rate_limiting_interval < 1n) throw Errors.invalidRateLimitingInterval(msg.rate_limiting_interval);
    if (msg.max_msgs_per_interval < 1) throw Errors.invalidMaxMsgsPerInterval(msg.max_msgs_per_interval);
    if (msg.finality_signature_interval < 1n) {
      throw Errors.invalidFinalitySignatureInterval(msg.finality_signature_interval);
    }
    const list = msg.allowed_finality_providers ?? null;
    const keys = list === null ? null : decodeKeyList(list);
    const contract = new FinalityContract(
      {
        bsnId: msg.bsn_id,
        minPubRand: msg.min_pub_rand,
        maxMsgsPerInterval: msg.max_msgs_per_interval,
        rateLimitingInterval: msg.rate_limiting_interval,
        bsnActivationHeight: msg.bsn_activation_height,
        finalitySignatureInterval: msg.finality_signature_interval,
      },
      msg.admin,
      null,
    );
    const attributes: Attribute[] = [{ key: "action", value: "instantiate" }];
    if (keys !== null && list !== null) {
      contract.saveAllowlist(unique(keys), env.blockHeight);
      attributes.push({ key: "allow-list", value: list.join(",") });
    }
    return { contract, result: { attributes, events: [], messages: [] } };
  }

  // ---------------------------------------------------------------- execute

  execute(msg: ExecuteMsg, env: Env, host: BabylonHost, sender: string): ExecuteResult {
    if ("commit_public_randomness" in msg)
      return this.commitPublicRandomness(msg.commit_public_randomness, env, host);
    if ("submit_finality_signature" in msg)
      return this.submitFinalitySignature(msg.submit_finality_signature, env, host);
    if ("update_admin" in msg) return this.updateAdmin(msg.update_admin.admin, host, sender);
    if ("prune_data" in msg) return this.pruneData(msg.prune_data, sender);
    if ("add_to_allowlist" in msg)
      return this.changeAllowlist("add", msg.add_to_allowlist.fp_pubkey_hex_list, env, sender);
    if ("remove_from_allowlist" in msg) {
      return this.changeAllowlist("remove", msg.remove_from_allowlist.fp_pubkey_hex_list, env, sender);
    }
    if ("update_config" in msg) return this.updateConfig(msg.update_config, sender);
    throw new TypeError("unknown execute message variant");
  }

  private commitPublicRandomness(m: CommitPublicRandomnessMsg, env: Env, host: BabylonHost): ExecuteResult {
    if (m.fp_pubkey_hex === "") throw Errors.emptyFpBtcPubKey();
    if (m.signature.length === 0) throw Errors.emptySignature();
    if (m.signature.length !== 64) throw Errors.invalidSignatureLength(64, m.signature.length);
    const cfg = this.config;
    if (m.commitment.length !== 32) throw Errors.invalidCommitmentLength(32, m.commitment.length);
    if (
      m.num_pub_rand === 0n ||
      m.start_height + (m.num_pub_rand - 1n) * cfg.finalitySignatureInterval > U64_MAX
    ) {
      const saturated = m.start_height + m.num_pub_rand > U64_MAX ? U64_MAX : m.start_height + m.num_pub_rand;
      throw Errors.overflowInBlockHeight(m.start_height, saturated);
    }
    if (m.num_pub_rand < cfg.minPubRand) throw Errors.tooFewPubRand(m.num_pub_rand, cfg.minPubRand);
    const pk = decodeHex(m.fp_pubkey_hex);
    const pkHex = bytesToHex(pk);
    this.ensureAllowed(pkHex);
    const fp = host.finalityProvider(pkHex);
    if (fp === undefined) throw Errors.finalityProviderQuery(pkHex);
    if (fp.slashedBabylonHeight > 0n)
      throw Errors.slashed(m.fp_pubkey_hex, fp.slashedBabylonHeight, fp.slashedBtcHeight);
    const counter = this.nextRateCounter(pkHex, env);
    const context = this.context("fp_rand_commit", env);
    const signed = sha256(randomnessCommitMessage(m.start_height, m.num_pub_rand, m.commitment, context));
    if (!bip340.verify(m.signature, signed, pk)) throw Errors.secp256k1("signature error");
    const epoch = host.currentEpoch();
    const commits = this.pubRandCommits.get(pkHex);
    const last = commits?.at(-1);
    if (last !== undefined) {
      const nextEligible = endHeight(last) + last.interval;
      if (m.start_height < nextEligible) throw Errors.invalidPubRandHeight(m.start_height, nextEligible);
    }

    // All checks passed: write.
    this.setIn(this.rateLimits, pkHex, counter);
    const commit: PubRandCommit = {
      start_height: m.start_height,
      num_pub_rand: m.num_pub_rand,
      interval: cfg.finalitySignatureInterval,
      babylon_epoch: epoch,
      commitment: m.commitment.slice(),
    };
    if (commits === undefined) this.setIn(this.pubRandCommits, pkHex, [commit]);
    else {
      commits.push(commit);
      this.record(() => commits.pop());
    }
    return {
      attributes: [],
      events: [
        event("public_randomness_commit", {
          fp_pubkey_hex: pkHex,
          "pr_commit.start_height": m.start_height.toString(),
          "pr_commit.num_pub_rand": m.num_pub_rand.toString(),
        }),
      ],
      messages: [],
    };
  }

  private submitFinalitySignature(m: SubmitFinalitySignatureMsg, env: Env, host: BabylonHost): ExecuteResult {
    const cfg = this.config;
    const pk = decodeHex(m.fp_pubkey_hex);
    const pkHex = bytesToHex(pk);
    this.ensureAllowed(pkHex);
    const height = m.height;
    if (height < cfg.bsnActivationHeight) throw Errors.beforeBsnActivation(height, cfg.bsnActivationHeight);
    if ((height - cfg.bsnActivationHeight) % cfg.finalitySignatureInterval !== 0n) {
      throw Errors.notAtScheduledHeight(height, cfg.finalitySignatureInterval);
    }
    const fp = host.finalityProvider(pkHex);
    if (fp === undefined || fp.bsnId !== cfg.bsnId)
      throw Errors.notFoundFinalityProvider(cfg.bsnId, m.fp_pubkey_hex);
    if (fp.slashedBabylonHeight !== 0n || fp.slashedBtcHeight !== 0n) {
      throw Errors.slashed(m.fp_pubkey_hex, fp.slashedBabylonHeight, fp.slashedBtcHeight);
    }
    const counter = this.nextRateCounter(pkHex, env);
    const existing = this.finalitySignatures.get(height)?.get(pkHex);
    if (
      existing?.some((s) => bytesEqual(s.finalitySig, m.signature) && bytesEqual(s.blockHash, m.block_hash))
    ) {
      throw Errors.duplicatedFinalitySig(m.fp_pubkey_hex, height);
    }
    const commit = this.commitForHeight(pkHex, height);
    if (commit === undefined) throw Errors.missingPubRandCommit(pkHex, height);
    const finalizedEpoch = host.lastFinalizedEpoch();
    if (finalizedEpoch === 0n) throw Errors.notBtcTimestamped("No finalized epoch yet");
    if (finalizedEpoch < commit.babylon_epoch) {
      throw Errors.notBtcTimestamped(
        `The finality provider ${pkHex} last committed epoch: ${commit.babylon_epoch}, last finalized epoch: ${finalizedEpoch}`,
      );
    }
    const proofHeight = commit.start_height + m.proof.index * commit.interval;
    if (proofHeight !== height) throw Errors.invalidFinalitySigHeight(proofHeight, height);
    if (m.proof.total !== commit.num_pub_rand)
      throw Errors.invalidFinalitySigAmount(m.proof.total, commit.num_pub_rand);
    checkInclusionProof(commit.commitment, m.pub_rand, m.proof);
    const context = this.context("fp_fin_vote", env);
    checkEotsSignature(pk, m.pub_rand, finalityVoteMessage(height, m.block_hash, context), m.signature);

    const hashHex = bytesToHex(m.block_hash);
    const signers = this.signatories.get(height)?.get(hashHex);
    if (signers?.includes(pkHex)) throw Errors.duplicateSignatory(pkHex);
    const equivocation = existing !== undefined && existing.length > 0;
    if (!equivocation) {
      const stored = this.pubRandValues.get(height)?.get(pkHex);
      if (stored !== undefined && !bytesEqual(stored, m.pub_rand))
        throw Errors.pubRandAlreadyExists(pkHex, height);
    }

    // All checks passed: write. The vote is stored even when it equivocates.
    this.setIn(this.rateLimits, pkHex, counter);
    const info: SigInfo = { finalitySig: m.signature.slice(), blockHash: m.block_hash.slice() };
    this.setNested(this.finalitySignatures, height, pkHex, existing ? [...existing, info] : [info]);
    this.setNested(this.signatories, height, hashHex, signers ? [...signers, pkHex] : [pkHex]);
    const highest = this.highestVotedHeights.get(pkHex);
    if (highest === undefined || height >= highest) this.setIn(this.highestVotedHeights, pkHex, height);

    const attrs: Record<string, string> = {
      fp_pubkey_hex: m.fp_pubkey_hex,
      block_height: height.toString(),
      block_hash: hashHex,
    };
    if (m.l1_block_number !== undefined && m.l1_block_number !== null)
      attrs["l1_block_number"] = m.l1_block_number.toString();
    if (m.l1_block_hash_hex !== undefined && m.l1_block_hash_hex !== null)
      attrs["l1_block_hash_hex"] = m.l1_block_hash_hex;
    const messages: BabylonMsg[] = [];
    const canonical = existing?.[0];
    if (canonical !== undefined) {
      messages.push({
        msg_equivocation_evidence: {
          signer: env.contractAddress,
          fp_btc_pk_hex: pkHex,
          block_height: height,
          pub_rand_hex: bytesToHex(m.pub_rand),
          canonical_app_hash_hex: bytesToHex(canonical.blockHash),
          fork_app_hash_hex: hashHex,
          canonical_finality_sig_hex: bytesToHex(canonical.finalitySig),
          fork_finality_sig_hex: bytesToHex(m.signature),
          signing_context: context,
        },
      });
    } else if (this.pubRandValues.get(height)?.get(pkHex) === undefined) {
      this.setNested(this.pubRandValues, height, pkHex, m.pub_rand.slice());
    }
    return { attributes: [], events: [event("submit_finality_signature", attrs)], messages };
  }

  private updateAdmin(newAdmin: string, host: BabylonHost, sender: string): ExecuteResult {
    if (!host.addressValidate(newAdmin)) throw Errors.invalidAddress(newAdmin);
    this.assertAdmin(sender);
    const before = this.admin;
    this.admin = newAdmin;
    this.record(() => {
      this.admin = before;
    });
    return {
      attributes: [
        { key: "action", value: "update_admin" },
        { key: "admin", value: newAdmin },
        { key: "sender", value: sender },
      ],
      events: [],
      messages: [],
    };
  }

  private changeAllowlist(op: "add" | "remove", list: string[], env: Env, sender: string): ExecuteResult {
    this.assertAdmin(sender);
    if (list.length === 0) throw Errors.emptyFpBtcPubKey();
    const keys = decodeKeyList(list);
    const current = this.allowlist ?? [];
    let next: string[];
    if (op === "add") next = unique([...current, ...keys]);
    else {
      const removed = new Set(keys);
      next = current.filter((k) => !removed.has(k));
    }
    this.saveAllowlist(next, env.blockHeight);
    const name = op === "add" ? "add_to_allowlist" : "remove_from_allowlist";
    return {
      attributes: [
        { key: "action", value: name },
        { key: op === "add" ? "num_added" : "num_removed", value: String(list.length) },
      ],
      events: [event(name, { fp_pubkeys: list.join(",") })],
      messages: [],
    };
  }

  private updateConfig(m: UpdateConfigMsg, sender: string): ExecuteResult {
    this.assertAdmin(sender);
    const minPubRand = m.min_pub_rand ?? undefined;
    const maxMsgs = m.max_msgs_per_interval ?? undefined;
    const interval = m.rate_limiting_interval ?? undefined;
    if (minPubRand === undefined && maxMsgs === undefined && interval === undefined)
      throw Errors.noConfigFieldsToUpdate();
    if (minPubRand !== undefined && minPubRand < 1n) throw Errors.invalidMinPubRand(minPubRand);
    if (maxMsgs !== undefined && maxMsgs < 1) throw Errors.invalidMaxMsgsPerInterval(maxMsgs);
    if (interval !== undefined && interval < 1n) throw Errors.invalidRateLimitingInterval(interval);
    const before = this.config;
    this.config = {
      ...before,
      minPubRand: minPubRand ?? before.minPubRand,
      maxMsgsPerInterval: maxMsgs ?? before.maxMsgsPerInterval,
      rateLimitingInterval: interval ?? before.rateLimitingInterval,
    };
    this.record(() => {
      this.config = before;
    });
    return { attributes: [{ key: "action", value: "update_config" }], events: [], messages: [] };
  }

  private pruneData(m: PruneDataMsg, sender: string): ExecuteResult {
    this.assertAdmin(sender);
    const maxSigs = Math.min(m.max_signatures_to_prune ?? DEFAULT_PRUNING, MAX_PRUNING);
    const maxValues = Math.min(m.max_pub_rand_values_to_prune ?? DEFAULT_PRUNING, MAX_PRUNING);
    const prunedSignatures = this.pruneNested(this.finalitySignatures, m.rollup_height, maxSigs);
    const prunedSignatories = this.pruneNested(this.signatories, m.rollup_height, maxSigs);
    const prunedValues = this.pruneNested(this.pubRandValues, m.rollup_height, maxValues);
    return {
      attributes: [
        { key: "action", value: "prune_data" },
        { key: "rollup_height", value: m.rollup_height.toString() },
        { key: "pruned_signatures", value: String(prunedSignatures) },
        { key: "pruned_signatories", value: String(prunedSignatories) },
        { key: "pruned_pub_rand_values", value: String(prunedValues) },
      ],
      events: [],
      messages: [],
    };
  }

  // Removes up to `max` (height, key) entries with height ≤ maxHeight, ascending by height then key bytes
  // (lowercase hex sorts as the bytes do), as a cw-storage-plus range over (u64, &[u8]) keys.
  private pruneNested<V>(map: Map<bigint, Map<string, V>>, maxHeight: bigint, max: number): number {
    if (max <= 0) return 0;
    const heights = [...map.keys()]
      .filter((h) => h <= maxHeight)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let pruned = 0;
    for (const h of heights) {
      const inner = map.get(h)!;
      for (const key of [...inner.keys()].sort()) {
        if (pruned >= max) return pruned;
        this.deleteNested(map, h, key);
        pruned++;
      }
    }
    return pruned;
  }

  // ---------------------------------------------------------------- queries

  /** The reply as the contract serialises it; u64 values are bigint (use `queryJson` for the text). */
  query(msg: QueryMsg, env: Env, host: BabylonHost): JsonValue {
    void env;
    void host;
    if ("block_voters" in msg) return this.blockVoters(msg.block_voters.height, msg.block_voters.hash_hex);
    if ("first_pub_rand_commit" in msg) {
      const first = this.commitsOf(msg.first_pub_rand_commit.btc_pk_hex)[0];
      return first === undefined ? null : pubRandCommitCodec.toJson(first);
    }
    if ("last_pub_rand_commit" in msg) {
      const last = this.commitsOf(msg.last_pub_rand_commit.btc_pk_hex).at(-1);
      return last === undefined ? null : pubRandCommitCodec.toJson(last);
    }
    if ("pub_rand_commit_for_height" in msg) {
      const { btc_pk_hex, height } = msg.pub_rand_commit_for_height;
      const commit = this.commitForHeight(bytesToHex(decodeHex(btc_pk_hex)), height);
      return commit === undefined ? null : pubRandCommitCodec.toJson(commit);
    }
    if ("list_pub_rand_commit" in msg) return this.listPubRandCommit(msg.list_pub_rand_commit);
    if ("highest_voted_height" in msg) {
      const pkHex = bytesToHex(decodeHex(msg.highest_voted_height.btc_pk_hex));
      return this.highestVotedHeights.get(pkHex) ?? null;
    }
    if ("admin" in msg) return { admin: this.admin };
    if ("config" in msg) return configResponseCodec.toJson(this.configResponse());
    if ("allowed_finality_providers" in msg) return [...(this.allowlist ?? [])];
    if ("allowed_finality_providers_at_height" in msg) {
      return this.allowlistAtHeight(msg.allowed_finality_providers_at_height.babylon_height);
    }
    throw new TypeError("unknown query message variant");
  }

  /** The reply bytes-as-text, exactly as the contract would return them from a smart query. */
  queryJson(msg: QueryMsg, env: Env, host: BabylonHost): string {
    return stringifyJson(this.query(msg, env, host));
  }

  private configResponse(): ConfigResponse {
    const c = this.config;
    return {
      bsn_id: c.bsnId,
      min_pub_rand: c.minPubRand,
      rate_limiting: { max_msgs_per_interval: c.maxMsgsPerInterval, block_interval: c.rateLimitingInterval },
      bsn_activation_height: c.bsnActivationHeight,
      finality_signature_interval: c.finalitySignatureInterval,
    };
  }

  private blockVoters(height: bigint, hashHexInput: string): JsonValue {
    const hashHex = bytesToHex(decodeHex(hashHexInput));
    const signers = this.signatories.get(height)?.get(hashHex);
    if (signers === undefined) return null;
    const voters: BlockVoterInfo[] = signers.map((pkHex) => {
      const sig = this.finalitySignatures
        .get(height)
        ?.get(pkHex)
        ?.find((s) => bytesToHex(s.blockHash) === hashHex);
      const pubRand = this.pubRandValues.get(height)?.get(pkHex);
      if (sig === undefined) {
        throw Errors.queryBlockVoters(height, hashHexInput, `Finality signature of ${pkHex} not found`);
      }
      if (pubRand === undefined) {
        throw Errors.queryBlockVoters(height, hashHexInput, `Public randomness of ${pkHex} not found`);
      }
      return {
        fp_btc_pk_hex: pkHex,
        pub_rand: pubRand,
        finality_signature: { finality_sig: sig.finalitySig, block_hash: sig.blockHash },
      };
    });
    return blockVotersResponseCodec.toJson(voters);
  }

  private listPubRandCommit(q: ListPubRandCommitQuery): JsonValue {
    const commits = this.commitsOf(q.btc_pk_hex);
    const limit = Math.min(q.limit ?? DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT);
    const after = q.start_after ?? undefined;
    let selected: PubRandCommit[];
    if (q.reverse === true) {
      selected = commits.filter((c) => after === undefined || c.start_height < after).reverse();
    } else {
      selected = commits.filter((c) => after === undefined || c.start_height > after);
    }
    return selected.slice(0, limit).map((c) => pubRandCommitCodec.toJson(c));
  }

  private commitsOf(btcPkHex: string): PubRandCommit[] {
    return this.pubRandCommits.get(bytesToHex(decodeHex(btcPkHex))) ?? [];
  }

  // Commits of one provider never overlap and ascend, so the covering one is the last starting at or
  // before `height` (the contract scans descending and takes the first that contains it).
  private commitForHeight(pkHex: string, height: bigint): PubRandCommit | undefined {
    const commits = this.pubRandCommits.get(pkHex);
    if (commits === undefined) return undefined;
    let lo = 0;
    let hi = commits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (commits[mid]!.start_height <= height) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0; i--) {
      const c = commits[i]!;
      if (containsHeight(c, height)) return c;
    }
    return undefined;
  }

  // SnapshotItem (Strategy::EveryBlock) semantics: a change saved at height H is visible from H + 1;
  // reading at h returns the value recorded before the first change at a height ≥ h, else the current one.
  private allowlistAtHeight(height: bigint): string[] {
    for (const change of this.allowlistChangelog) {
      if (change.height >= height) return [...(change.before ?? [])];
    }
    return [...(this.allowlist ?? [])];
  }

  // ---------------------------------------------------------------- helpers

  private ensureAllowed(pkHex: string): void {
    if (this.allowlist === null || !this.allowlist.includes(pkHex)) throw Errors.notAllowed(pkHex);
  }

  private assertAdmin(sender: string): void {
    if (this.admin === null || this.admin !== sender) throw Errors.notAdmin();
  }

  private nextRateCounter(pkHex: string, env: Env): RateCounter {
    const intervalNo = env.blockHeight / this.config.rateLimitingInterval;
    const current = this.rateLimits.get(pkHex);
    const count = current !== undefined && current.intervalNo === intervalNo ? current.count : 0;
    if (count + 1 > this.config.maxMsgsPerInterval)
      throw Errors.rateLimitExceeded(pkHex, this.config.maxMsgsPerInterval);
    return { intervalNo, count: count + 1 };
  }

  private context(op: "fp_rand_commit" | "fp_fin_vote", env: Env): string {
    const key = `${op}/${env.chainId}/${env.contractAddress}`;
    let ctx = this.contextCache.get(key);
    if (ctx === undefined) {
      ctx = signingContext(op, env.chainId, env.contractAddress);
      this.contextCache.set(key, ctx);
    }
    return ctx;
  }

  private saveAllowlist(next: string[], height: bigint): void {
    const before = this.allowlist;
    const changelogBefore = this.allowlistChangelog;
    if (!this.allowlistChangelog.some((c) => c.height === height)) {
      const entry: AllowlistChange = { height, before: before === null ? null : [...before] };
      this.allowlistChangelog = [...this.allowlistChangelog, entry].sort((a, b) =>
        a.height < b.height ? -1 : a.height > b.height ? 1 : 0,
      );
    }
    this.allowlist = next;
    this.record(() => {
      this.allowlist = before;
      this.allowlistChangelog = changelogBefore;
    });
  }

  private record(undo: () => void): void {
    this.journal?.push(undo);
  }

  private setIn<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (this.journal !== null) {
      const had = map.has(key);
      const old = map.get(key);
      this.journal.push(() => {
        if (had) map.set(key, old as V);
        else map.delete(key);
      });
    }
    map.set(key, value);
  }

  private setNested<K, V>(map: Map<bigint, Map<K, V>>, outer: bigint, key: K, value: V): void {
    let inner = map.get(outer);
    if (inner === undefined) {
      inner = new Map();
      this.setIn(map, outer, inner);
    }
    this.setIn(inner, key, value);
  }

  private deleteNested<K, V>(map: Map<bigint, Map<K, V>>, outer: bigint, key: K): void {
    const inner = map.get(outer);
    if (inner === undefined || !inner.has(key)) return;
    const old = inner.get(key) as V;
    inner.delete(key);
    this.record(() => inner.set(key, old));
    if (inner.size === 0) {
      map.delete(outer);
      this.record(() => map.set(outer, inner));
    }
  }

  // ---------------------------------------------------------------- transactions

  /** Starts recording undo information for every write until commitTx()/rollbackTx(). */
  beginTx(): void {
    if (this.journal !== null) throw new Error("a contract transaction is already open");
    this.journal = [];
  }

  commitTx(): void {
    this.journal = null;
  }

  /** Undoes every write since beginTx(), newest first. */
  rollbackTx(): void {
    const journal = this.journal;
    if (journal === null) throw new Error("no contract transaction is open");
    this.journal = null;
    for (let i = journal.length - 1; i >= 0; i--) journal[i]!();
  }

  // ---------------------------------------------------------------- persistence

  /**
   * Lossless state: bigints as decimal strings, bytes as lowercase hex. Map entries are sorted by key, so
   * equal states give identical JSON whatever order the writes (or a rollback) left the maps in.
   */
  toJSON(): ContractStateJson {
    const sorted = <K extends string | bigint, V>(m: Map<K, V>) =>
      [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const hexPairs = <V>(m: Map<string, V>, f: (v: V) => unknown) => sorted(m).map(([k, v]) => [k, f(v)]);
    const byHeight = <V>(m: Map<bigint, Map<string, V>>, f: (v: V) => unknown) =>
      sorted(m).map(([h, inner]) => [h.toString(), hexPairs(inner, f)]);
    return {
      contract: CONTRACT_NAME,
      version: CONTRACT_VERSION,
      config: {
        bsn_id: this.config.bsnId,
        min_pub_rand: this.config.minPubRand.toString(),
        max_msgs_per_interval: this.config.maxMsgsPerInterval,
        rate_limiting_interval: this.config.rateLimitingInterval.toString(),
        bsn_activation_height: this.config.bsnActivationHeight.toString(),
        finality_signature_interval: this.config.finalitySignatureInterval.toString(),
      },
      admin: this.admin,
      allowlist: this.allowlist === null ? null : [...this.allowlist],
      allowlist_changelog: this.allowlistChangelog.map((c) => ({
        height: c.height.toString(),
        before: c.before === null ? null : [...c.before],
      })),
      pub_rand_commits: sorted(this.pubRandCommits).map(([pk, list]) => [
        pk,
        list.map((c) => ({
          start_height: c.start_height.toString(),
          num_pub_rand: c.num_pub_rand.toString(),
          interval: c.interval.toString(),
          babylon_epoch: c.babylon_epoch.toString(),
          commitment: bytesToHex(c.commitment),
        })),
      ]),
      pub_rand_values: byHeight(this.pubRandValues, (v) => bytesToHex(v)),
      finality_signatures: byHeight(this.finalitySignatures, (list) =>
        list.map((s) => [bytesToHex(s.finalitySig), bytesToHex(s.blockHash)]),
      ),
      signatories: byHeight(this.signatories, (list) => [...list]),
      highest_voted_heights: sorted(this.highestVotedHeights).map(([pk, h]) => [pk, h.toString()]),
      rate_limits: sorted(this.rateLimits).map(([pk, c]) => [pk, c.intervalNo.toString(), c.count]),
    } as ContractStateJson;
  }

  static fromJSON(state: unknown): FinalityContract {
    return restoreState(state);
  }

  /** @internal used by restoreState */
  static fromParts(parts: {
    config: Config;
    admin: string | null;
    allowlist: string[] | null;
    changelog: AllowlistChange[];
    commits: [string, PubRandCommit[]][];
    values: [bigint, [string, Uint8Array][]][];
    signatures: [bigint, [string, SigInfo[]][]][];
    signatories: [bigint, [string, string[]][]][];
    highest: [string, bigint][];
    rate: [string, RateCounter][];
  }): FinalityContract {
    const c = new FinalityContract(parts.config, parts.admin, parts.allowlist);
    c.allowlistChangelog = parts.changelog;
    for (const [k, v] of parts.commits) c.pubRandCommits.set(k, v);
    for (const [h, entries] of parts.values) c.pubRandValues.set(h, new Map(entries));
    for (const [h, entries] of parts.signatures) c.finalitySignatures.set(h, new Map(entries));
    for (const [h, entries] of parts.signatories) c.signatories.set(h, new Map(entries));
    for (const [k, v] of parts.highest) c.highestVotedHeights.set(k, v);
    for (const [k, v] of parts.rate) c.rateLimits.set(k, v);
    return c;
  }
}

export interface ContractStateJson {
  contract: string;
  version: string;
  config: {
    bsn_id: string;
    min_pub_rand: string;
    max_msgs_per_interval: number;
    rate_limiting_interval: string;
    bsn_activation_height: string;
    finality_signature_interval: string;
  };
  admin: string | null;
  allowlist: string[] | null;
  allowlist_changelog: { height: string; before: string[] | null }[];
  pub_rand_commits: [
    string,
    {
      start_height: string;
      num_pub_rand: string;
      interval: string;
      babylon_epoch: string;
      commitment: string;
    }[],
  ][];
  pub_rand_values: [string, [string, string][]][];
  finality_signatures: [string, [string, [string, string][]][]][];
  signatories: [string, [string, string[]][]][];
  highest_voted_heights: [string, string][];
  rate_limits: [string, string, number][];
}

// ------------------------------------------------------------------ restore with validation

class StateError extends Error {
  constructor(path: string, reason: string) {
    super(`invalid finality contract state at ${path}: ${reason}`);
    this.name = "StateError";
  }
}

function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) throw new StateError(path, "expected an array");
  return v;
}

function s(v: unknown, path: string): string {
  if (typeof v !== "string") throw new StateError(path, "expected a string");
  return v;
}

function big(v: unknown, path: string): bigint {
  if (typeof v !== "string" || !/^(0|[1-9][0-9]*)$/.test(v))
    throw new StateError(path, "expected a decimal string");
  return BigInt(v);
}

function hexBytes(v: unknown, path: string): Uint8Array {
  if (typeof v !== "string" || !/^([0-9a-f]{2})*$/.test(v))
    throw new StateError(path, "expected lowercase hex");
  return new Uint8Array(Buffer.from(v, "hex"));
}

function int(v: unknown, path: string): number {
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    throw new StateError(path, "expected an integer");
  return v;
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new StateError(path, "expected an object");
  return v as Record<string, unknown>;
}

function strList(v: unknown, path: string): string[] {
  return arr(v, path).map((x, i) => s(x, `${path}[${i}]`));
}

function pair(v: unknown, path: string): [unknown, unknown] {
  const a = arr(v, path);
  if (a.length !== 2) throw new StateError(path, "expected a pair");
  return [a[0], a[1]];
}

function restoreState(state: unknown): FinalityContract {
  const root = obj(state, "$");
  if (root["contract"] !== CONTRACT_NAME) throw new StateError("$.contract", `expected ${CONTRACT_NAME}`);
  const cfg = obj(root["config"], "$.config");
  const byHeight = <V>(
    v: unknown,
    path: string,
    f: (x: unknown, p: string) => V,
  ): [bigint, [string, V][]][] =>
    arr(v, path).map((e, i) => {
      const [h, entries] = pair(e, `${path}[${i}]`);
      return [
        big(h, `${path}[${i}][0]`),
        arr(entries, `${path}[${i}][1]`).map((x, j) => {
          const [k, val] = pair(x, `${path}[${i}][1][${j}]`);
          return [s(k, `${path}[${i}][1][${j}][0]`), f(val, `${path}[${i}][1][${j}][1]`)] as [string, V];
        }),
      ];
    });
  return FinalityContract.fromParts({
    config: {
      bsnId: s(cfg["bsn_id"], "$.config.bsn_id"),
      minPubRand: big(cfg["min_pub_rand"], "$.config.min_pub_rand"),
      maxMsgsPerInterval: int(cfg["max_msgs_per_interval"], "$.config.max_msgs_per_interval"),
      rateLimitingInterval: big(cfg["rate_limiting_interval"], "$.config.rate_limiting_interval"),
      bsnActivationHeight: big(cfg["bsn_activation_height"], "$.config.bsn_activation_height"),
      finalitySignatureInterval: big(
        cfg["finality_signature_interval"],
        "$.config.finality_signature_interval",
      ),
    },
    admin: root["admin"] === null ? null : s(root["admin"], "$.admin"),
    allowlist: root["allowlist"] === null ? null : strList(root["allowlist"], "$.allowlist"),
    changelog: arr(root["allowlist_changelog"], "$.allowlist_changelog").map((c, i) => {
      const o = obj(c, `$.allowlist_changelog[${i}]`);
      return {
        height: big(o["height"], `$.allowlist_changelog[${i}].height`),
        before: o["before"] === null ? null : strList(o["before"], `$.allowlist_changelog[${i}].before`),
      };
    }),
    commits: arr(root["pub_rand_commits"], "$.pub_rand_commits").map((e, i) => {
      const [pk, list] = pair(e, `$.pub_rand_commits[${i}]`);
      return [
        s(pk, `$.pub_rand_commits[${i}][0]`),
        arr(list, `$.pub_rand_commits[${i}][1]`).map((c, j) => {
          const p = `$.pub_rand_commits[${i}][1][${j}]`;
          const o = obj(c, p);
          return {
            start_height: big(o["start_height"], `${p}.start_height`),
            num_pub_rand: big(o["num_pub_rand"], `${p}.num_pub_rand`),
            interval: big(o["interval"], `${p}.interval`),
            babylon_epoch: big(o["babylon_epoch"], `${p}.babylon_epoch`),
            commitment: hexBytes(o["commitment"], `${p}.commitment`),
          };
        }),
      ];
    }),
    values: byHeight(root["pub_rand_values"], "$.pub_rand_values", hexBytes),
    signatures: byHeight(root["finality_signatures"], "$.finality_signatures", (v, p) =>
      arr(v, p).map((x, i) => {
        const [sig, hash] = pair(x, `${p}[${i}]`);
        return { finalitySig: hexBytes(sig, `${p}[${i}][0]`), blockHash: hexBytes(hash, `${p}[${i}][1]`) };
      }),
    ),
    signatories: byHeight(root["signatories"], "$.signatories", strList),
    highest: arr(root["highest_voted_heights"], "$.highest_voted_heights").map((e, i) => {
      const [pk, h] = pair(e, `$.highest_voted_heights[${i}]`);
      return [s(pk, `$.highest_voted_heights[${i}][0]`), big(h, `$.highest_voted_heights[${i}][1]`)];
    }),
    rate: arr(root["rate_limits"], "$.rate_limits").map((e, i) => {
      const a = arr(e, `$.rate_limits[${i}]`);
      return [
        s(a[0], `$.rate_limits[${i}][0]`),
        { intervalNo: big(a[1], `$.rate_limits[${i}][1]`), count: int(a[2], `$.rate_limits[${i}][2]`) },
      ];
    }),
  });
}

// ------------------------------------------------------------------ small helpers

function event(type: string, attrs: Record<string, string>): WasmEvent {
  return { type, attributes: Object.entries(attrs).map(([key, value]) => ({ key, value })) };
}

function unique(keys: string[]): string[] {
  return [...new Set(keys)];
}

// Each key must be non-empty and hex; stored as the lowercase hex of its bytes.
function decodeKeyList(list: string[]): string[] {
  return list.map((k) => {
    if (k === "") throw Errors.emptyFpBtcPubKey();
    return bytesToHex(decodeHex(k));
  });
}

// [A-Za-z0-9_-] where "alphanumeric" is Unicode's, at most 100 characters.
function validateBsnId(bsnId: string): void {
  if (bsnId.length === 0) throw Errors.invalidBsnId("BSN ID cannot be empty");
  if ([...bsnId].length > BSN_ID_MAX_LENGTH) {
    throw Errors.invalidBsnId(`BSN ID cannot exceed ${BSN_ID_MAX_LENGTH} characters`);
  }
  if (!/^[\p{L}\p{N}_-]+$/u.test(bsnId)) {
    throw Errors.invalidBsnId("BSN ID can only contain alphanumeric characters, hyphens, and underscores");
  }
}

export function isContractError(err: unknown): err is ContractError {
  return err instanceof ContractError;
}
