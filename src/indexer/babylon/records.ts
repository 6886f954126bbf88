// What one Babylon block contributes to the gadget's tables, read from its tx results and block events alone.
// Pure: the ingester fetches, this decides, the store writes. Only successful txs count, only events of the
// followed finality contract count, and every record carries the (height, tx, message or event index) it
// came from, so writing the same block twice changes nothing.

import type { BabylonBlock } from "../../chains/babylon/block-reader.ts";
import { stakingOutput } from "../../chains/babylon/btc-tx.ts";
import {
  type AbciEventLike,
  BabylonEventType,
  decodeTypedEvent,
  isBabylonTypedEvent,
} from "../../chains/babylon/events.ts";
import { contractExecuteMessages, txHash as txHashOf } from "../../chains/babylon/tx.ts";
import { bytesToHex, with0x } from "../../core/crypto/bytes.ts";

export interface SignatureRecord {
  babylonHeight: bigint;
  txHash: string;
  msgIndex: number;
  fpBtcPk: string;
  height: bigint;
  /** 0x-prefixed lowercase hex, as L2 hashes are stored. */
  blockHash: string;
  pubRand: string | null;
  signature: string | null;
  babylonTime: Date;
}

export interface CommitRecord {
  babylonHeight: bigint;
  txHash: string;
  msgIndex: number;
  fpBtcPk: string;
  startHeight: bigint;
  numPubRand: bigint;
  commitment: string | null;
}

export interface ProviderRecord {
  babylonHeight: bigint;
  btcPk: string;
  bsnId: string;
  addr: string;
  moniker: string;
  identity: string;
  website: string;
  securityContact: string;
  details: string;
  commission: string;
}

export interface ProviderEventRecord {
  babylonHeight: bigint;
  eventIndex: number;
  fpBtcPk: string;
  /** A FinalityProviderStatus name without prefix: ACTIVE, INACTIVE, JAILED, SLASHED, … */
  kind: string;
}

export interface DelegationCreatedRecord {
  babylonHeight: bigint;
  stakingTxHash: string;
  stakerAddr: string;
  stakerBtcPk: string;
  fpBtcPks: string[];
  totalSat: bigint;
  stakingTime: number;
  paramsVersion: number;
  status: string;
}

export interface DelegationChangeRecord {
  babylonHeight: bigint;
  eventIndex: number;
  stakingTxHash: string;
  status: string;
  covenantQuorumReached?: boolean;
  startHeight?: number;
  endHeight?: number;
  /** BTC height of an early-unbonding spend. */
  unbondedAtBtcHeight?: number;
  /** Hash of the BTC block holding an unexpected unbonding spend (its height is looked up in btc_header). */
  unbondedInBtcBlock?: string;
}

export interface EquivocationRecord {
  babylonHeight: bigint;
  eventIndex: number;
  txHash: string | null;
  fpBtcPk: string;
  height: bigint;
  canonicalBlockHash: string;
  forkBlockHash: string;
  canonicalSignature: string;
  forkSignature: string;
  pubRand: string;
  signingContext: string;
}

export interface AllowlistChange {
  babylonHeight: bigint;
  added: string[];
  removed: string[];
}

export interface MalformedEvent {
  babylonHeight: bigint;
  eventType: string;
  error: string;
  /** Whether skipping it could leave stake counted that no longer counts (or the reverse). */
  changesPower: boolean;
}

/**
 * Events whose loss cannot make a block finalized that the chain would not finalize: a lost vote only lowers
 * the voted power, a lost randomness commit only loses votes. Every other event the ingester reads can.
 */
const POWER_NEUTRAL_EVENTS = new Set(["wasm-submit_finality_signature", "wasm-public_randomness_commit"]);

export function canChangePower(eventType: string): boolean {
  return !POWER_NEUTRAL_EVENTS.has(eventType);
}

export interface BabylonBlockRecords {
  /** Height and time of every block read: history kept by Babylon height is placed in time through them. */
  blocks: { height: bigint; time: Date }[];
  signatures: SignatureRecord[];
  commits: CommitRecord[];
  providersCreated: ProviderRecord[];
  providerEvents: ProviderEventRecord[];
  delegationsCreated: DelegationCreatedRecord[];
  delegationChanges: DelegationChangeRecord[];
  equivocations: EquivocationRecord[];
  allowlist: AllowlistChange[];
  /** The contract's config may have changed (update_config): re-read it. */
  contractConfigTouched: boolean;
  /**
   * Events that could not be decoded. One that can change voting power stops ingestion at its block (the
   * ingester's fail-safe); the others (a vote, a randomness commit) are logged, counted and skipped.
   */
  malformed: MalformedEvent[];
}

export function emptyRecords(): BabylonBlockRecords {
  return {
    blocks: [],
    signatures: [],
    commits: [],
    providersCreated: [],
    providerEvents: [],
    delegationsCreated: [],
    delegationChanges: [],
    equivocations: [],
    allowlist: [],
    contractConfigTouched: false,
    malformed: [],
  };
}

/** Merges the records of consecutive blocks into one batch, keeping their order. */
export function mergeRecords(into: BabylonBlockRecords, from: BabylonBlockRecords): void {
  into.blocks.push(...from.blocks);
  into.signatures.push(...from.signatures);
  into.commits.push(...from.commits);
  into.providersCreated.push(...from.providersCreated);
  into.providerEvents.push(...from.providerEvents);
  into.delegationsCreated.push(...from.delegationsCreated);
  into.delegationChanges.push(...from.delegationChanges);
  into.equivocations.push(...from.equivocations);
  into.allowlist.push(...from.allowlist);
  into.contractConfigTouched ||= from.contractConfigTouched;
  into.malformed.push(...from.malformed);
}

/**
 * An event's attributes by key, read where they are: a vote tx's events are read by the hundred thousand in a
 * backfill, and a Map of each was garbage the moment its few keys were looked up. Where a key repeats, the
 * last value counts (as it did in that Map).
 */
class Attributes {
  constructor(private readonly list: AbciEventLike["attributes"]) {}

  get(key: string): string | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) if (this.list[i]!.key === key) return this.list[i]!.value;
    return undefined;
  }
}

function b64ToHex(value: unknown): string | null {
  if (typeof value !== "string") return null;
  try {
    return Buffer.from(value, "base64").toString("hex");
  } catch {
    return null;
  }
}

const stateName = (s: string) => s.replace(/^(FINALITY_PROVIDER_STATUS_|BTC_DELEGATION_STATUS_)/, "");

export function recordsOfBlock(block: BabylonBlock, contractAddress: string): BabylonBlockRecords {
  const out = emptyRecords();
  out.blocks.push({ height: block.height, time: block.time });
  let eventIndex = 0;
  const handle = (
    event: AbciEventLike,
    txHash: string | null,
    messages: () => (Record<string, unknown> | undefined)[],
  ) => {
    const index = eventIndex++;
    const wasm = event.type.startsWith("wasm-") || event.type === "wasm";
    // Most events of a vote tx are the SDK's `message` and wasm `execute` ones: passed over unread.
    if (!wasm && !isBabylonTypedEvent(event.type)) return;
    const a = new Attributes(event.attributes);
    try {
      if (wasm) {
        if (a.get("_contract_address") !== contractAddress) return;
        const msgIndex = Number(a.get("msg_index") ?? "0");
        switch (event.type) {
          case "wasm-submit_finality_signature": {
            const body = messages()[msgIndex]?.submit_finality_signature as
              | Record<string, unknown>
              | undefined;
            out.signatures.push({
              babylonHeight: block.height,
              txHash: txHash!,
              msgIndex,
              fpBtcPk: required(a, "fp_pubkey_hex").toLowerCase(),
              height: BigInt(required(a, "block_height")),
              blockHash: with0x(required(a, "block_hash").toLowerCase()),
              pubRand: b64ToHex(body?.pub_rand),
              signature: b64ToHex(body?.signature),
              babylonTime: block.time,
            });
            return;
          }
          case "wasm-public_randomness_commit": {
            const body = messages()[msgIndex]?.commit_public_randomness as
              | Record<string, unknown>
              | undefined;
            out.commits.push({
              babylonHeight: block.height,
              txHash: txHash!,
              msgIndex,
              fpBtcPk: required(a, "fp_pubkey_hex").toLowerCase(),
              startHeight: BigInt(required(a, "pr_commit.start_height")),
              numPubRand: BigInt(required(a, "pr_commit.num_pub_rand")),
              commitment: b64ToHex(body?.commitment),
            });
            return;
          }
          case "wasm-add_to_allowlist":
          case "wasm-remove_from_allowlist": {
            const keys = required(a, "fp_pubkeys")
              .split(",")
              .map((k) => k.trim().toLowerCase())
              .filter(Boolean);
            const added = event.type === "wasm-add_to_allowlist" ? keys : [];
            out.allowlist.push({ babylonHeight: block.height, added, removed: added.length ? [] : keys });
            return;
          }
          case "wasm":
            if (a.get("action") === "update_config") out.contractConfigTouched = true;
            return;
          default:
            return;
        }
      }
      const decoded = decodeTypedEvent(event);
      switch (decoded.type) {
        case BabylonEventType.FinalityProviderCreated: {
          const v = decoded.value;
          out.providersCreated.push({
            babylonHeight: block.height,
            btcPk: v.btcPkHex.toLowerCase(),
            bsnId: v.bsnId,
            addr: v.addr,
            moniker: v.moniker,
            identity: v.identity,
            website: v.website,
            securityContact: v.securityContact,
            details: v.details,
            commission: v.commission,
          });
          return;
        }
        case BabylonEventType.FinalityProviderStatusChange:
          out.providerEvents.push({
            babylonHeight: block.height,
            eventIndex: index,
            fpBtcPk: decoded.value.btcPk.toLowerCase(),
            kind: stateName(decoded.value.newState),
          });
          return;
        case BabylonEventType.BTCDelegationCreated: {
          const v = decoded.value;
          const { stakingTxHash, totalSat } = stakingOutput(v.stakingTxHex, v.stakingOutputIndex);
          out.delegationsCreated.push({
            babylonHeight: block.height,
            stakingTxHash,
            stakerAddr: v.stakerAddr,
            stakerBtcPk: v.stakerBtcPkHex.toLowerCase(),
            fpBtcPks: v.finalityProviderBtcPksHex.map((k) => k.toLowerCase()),
            totalSat,
            stakingTime: Number(v.stakingTime),
            paramsVersion: Number(v.paramsVersion),
            status: stateName(v.newState) || "PENDING",
          });
          out.delegationChanges.push({
            babylonHeight: block.height,
            eventIndex: index,
            stakingTxHash,
            status: stateName(v.newState) || "PENDING",
          });
          return;
        }
        case BabylonEventType.CovenantQuorumReached:
          out.delegationChanges.push({
            babylonHeight: block.height,
            eventIndex: index,
            stakingTxHash: nonEmpty(decoded.value.stakingTxHash, "staking_tx_hash"),
            status: stateName(decoded.value.newState),
            covenantQuorumReached: true,
          });
          return;
        case BabylonEventType.BTCDelegationInclusionProofReceived:
          out.delegationChanges.push({
            babylonHeight: block.height,
            eventIndex: index,
            stakingTxHash: nonEmpty(decoded.value.stakingTxHash, "staking_tx_hash"),
            status: stateName(decoded.value.newState),
            startHeight: Number(decoded.value.startHeight),
            endHeight: Number(decoded.value.endHeight),
          });
          return;
        case BabylonEventType.BTCDelgationUnbondedEarly:
          out.delegationChanges.push({
            babylonHeight: block.height,
            eventIndex: index,
            stakingTxHash: nonEmpty(decoded.value.stakingTxHash, "staking_tx_hash"),
            status: stateName(decoded.value.newState) || "UNBONDED",
            unbondedAtBtcHeight: positive(Number(decoded.value.startHeight), "start_height"),
          });
          return;
        case BabylonEventType.UnexpectedUnbondingTx:
          // Another tx than the registered unbonding tx spent the stake: Babylon unbonds the delegation all
          // the same, and names the spend's BTC block by hash only.
          out.delegationChanges.push({
            babylonHeight: block.height,
            eventIndex: index,
            stakingTxHash: nonEmpty(decoded.value.stakingTxHash, "staking_tx_hash"),
            status: "UNBONDED",
            unbondedInBtcBlock: nonEmpty(decoded.value.spendStakeTxHeaderHash, "spend_stake_tx_header_hash"),
          });
          return;
        case BabylonEventType.BTCDelegationExpired:
          out.delegationChanges.push({
            babylonHeight: block.height,
            eventIndex: index,
            stakingTxHash: nonEmpty(decoded.value.stakingTxHash, "staking_tx_hash"),
            status: stateName(decoded.value.newState) || "EXPIRED",
          });
          return;
        case BabylonEventType.BTCDelegationStateUpdate:
          out.delegationChanges.push({
            babylonHeight: block.height,
            eventIndex: index,
            stakingTxHash: nonEmpty(decoded.value.stakingTxHash, "staking_tx_hash"),
            status: stateName(String(decoded.value.newState)),
          });
          return;
        case BabylonEventType.JailedFinalityProvider:
          // x/finality's own report, in the block that jailed the provider; the status change btcstaking
          // reports for it may come a block later, so this is the height jail history is kept at.
          out.providerEvents.push({
            babylonHeight: block.height,
            eventIndex: index,
            fpBtcPk: nonEmpty(decoded.value.publicKey, "public_key"),
            kind: "JAILED",
          });
          return;
        // EventCovenantSignatureReceived is decoded (a malformed one is reported) but changes nothing: the
        // delegation counts from EventCovenantQuorumReached on.
        case BabylonEventType.SlashedFinalityProvider: {
          const e = decoded.value.evidence;
          if (!e) throw new Error("EventSlashedFinalityProvider without evidence");
          const fpBtcPk = bytesToHex(e.fpBtcPk).toLowerCase();
          out.equivocations.push({
            babylonHeight: block.height,
            eventIndex: index,
            txHash,
            fpBtcPk,
            height: BigInt(e.blockHeight),
            canonicalBlockHash: `0x${bytesToHex(e.canonicalAppHash)}`,
            forkBlockHash: `0x${bytesToHex(e.forkAppHash)}`,
            canonicalSignature: bytesToHex(e.canonicalFinalitySig),
            forkSignature: bytesToHex(e.forkFinalitySig),
            pubRand: bytesToHex(e.pubRand),
            signingContext: e.signingContext,
          });
          out.providerEvents.push({
            babylonHeight: block.height,
            eventIndex: index,
            fpBtcPk,
            kind: "SLASHED",
          });
          return;
        }
        default:
          return;
      }
    } catch (error) {
      out.malformed.push({
        babylonHeight: block.height,
        eventType: event.type,
        error: (error as Error).message,
        changesPower: canChangePower(event.type),
      });
    }
  };

  block.txResults.forEach((result, i) => {
    if (result.code !== 0) {
      eventIndex += result.events.length;
      return;
    }
    const raw = block.txs[i];
    const txHash = raw ? txHashOf(raw) : null;
    let decoded: (Record<string, unknown> | undefined)[] | undefined;
    const messages = () => {
      decoded ??= contractExecuteMessages(raw);
      return decoded;
    };
    for (const event of result.events) handle(event, txHash, messages);
  });
  for (const event of block.blockEvents) handle(event, null, () => []);
  return out;
}

function required(a: Attributes, key: string): string {
  const v = a.get(key);
  if (v === undefined || v === "") throw new Error(`missing attribute ${key}`);
  return v;
}

/** A BTC height an event must carry: an absent attribute decodes as 0, which no spend has. */
function positive(value: number, field: string): number {
  if (!(value > 0)) throw new Error(`missing ${field}`);
  return value;
}

/**
 * A decoded field the record cannot do without, lowercased (hex keys and hashes are stored lowercase): an
 * absent (or truncated) key decodes as "".
 */
function nonEmpty(value: string, field: string): string {
  if (value === "") throw new Error(`missing ${field}`);
  return value.toLowerCase();
}
