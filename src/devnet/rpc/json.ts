// CometBFT 0.38 JSON shapes (int64 as strings, hashes as upper-case hex, tx bytes and data as base64).

import { toBase64, bytesToHex as toHex } from "../../core/crypto/bytes.ts";
import {
  type Block,
  type BlockId,
  commitSignature,
  type Header,
  VALIDATOR_ADDRESS,
  VALIDATOR_POWER,
  VALIDATOR_PUBKEY,
} from "../chain/block.ts";
import type { Chain, IndexedTx } from "../chain/chain.ts";
import { rfc3339Nano } from "../chain/encoding.ts";
import type { AbciEvent } from "../chain/module.ts";
import type { TxResult } from "../chain/tx.ts";

export const COMET_VERSION = "0.38.19";
const hex = (b: Uint8Array) => toHex(b).toUpperCase();

export function blockIdJson(id: BlockId | null) {
  return id
    ? { hash: hex(id.hash), parts: { total: 1, hash: hex(id.partsHash) } }
    : { hash: "", parts: { total: 0, hash: "" } };
}

export function headerJson(h: Header) {
  return {
    version: { block: "11", app: "0" },
    chain_id: h.chainId,
    height: h.height.toString(),
    time: rfc3339Nano(h.time),
    last_block_id: blockIdJson(h.lastBlockId),
    last_commit_hash: hex(h.lastCommitHash),
    data_hash: hex(h.dataHash),
    validators_hash: hex(h.validatorsHash),
    next_validators_hash: hex(h.nextValidatorsHash),
    consensus_hash: hex(h.consensusHash),
    app_hash: hex(h.appHash),
    last_results_hash: hex(h.lastResultsHash),
    evidence_hash: hex(h.evidenceHash),
    proposer_address: hex(h.proposerAddress),
  };
}

/** The commit for `block` (what CometBFT shows as the next block's last_commit). */
export function commitJson(block: Block) {
  return {
    height: block.header.height.toString(),
    round: 0,
    block_id: blockIdJson(block.id),
    signatures: [
      {
        block_id_flag: 2,
        validator_address: hex(VALIDATOR_ADDRESS),
        timestamp: rfc3339Nano(block.header.time),
        signature: toBase64(commitSignature(block.id.hash)),
      },
    ],
  };
}

export function blockJson(block: Block, previous: Block | undefined) {
  return {
    header: headerJson(block.header),
    data: { txs: block.txs.map(toBase64) },
    evidence: { evidence: [] },
    last_commit: previous
      ? commitJson(previous)
      : { height: "0", round: 0, block_id: blockIdJson(null), signatures: [] },
  };
}

export function eventsJson(events: readonly AbciEvent[]) {
  return events.map((e) => ({
    type: e.type,
    attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index ?? true })),
  }));
}

export function txResultJson(r: TxResult) {
  return {
    code: r.code,
    data: r.data.length > 0 ? toBase64(r.data) : null,
    log: r.log,
    info: r.info,
    gas_wanted: r.gasWanted.toString(),
    gas_used: r.gasUsed.toString(),
    events: eventsJson(r.events),
    codespace: r.codespace,
  };
}

export function indexedTxJson(t: IndexedTx) {
  return {
    hash: t.hash,
    height: t.height.toString(),
    index: t.index,
    tx_result: txResultJson(t.result),
    tx: toBase64(t.tx),
  };
}

export function blockResultsJson(block: Block) {
  return {
    height: block.header.height.toString(),
    txs_results: block.results.length > 0 ? block.results.map(txResultJson) : null,
    finalize_block_events: eventsJson(block.finalizeEvents),
    validator_updates: [],
    consensus_param_updates: null,
    app_hash: toBase64(block.resultingAppHash),
  };
}

export function blockMetaJson(block: Block) {
  const size = block.txs.reduce((n, t) => n + t.length, 0) + 512;
  return {
    block_id: blockIdJson(block.id),
    block_size: String(size),
    header: headerJson(block.header),
    num_txs: String(block.txs.length),
  };
}

export function validatorJson() {
  return {
    address: hex(VALIDATOR_ADDRESS),
    pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(VALIDATOR_PUBKEY) },
    voting_power: VALIDATOR_POWER.toString(),
    proposer_priority: "0",
  };
}

export function statusJson(chain: Chain) {
  const latest = chain.latestBlock!;
  const earliest = chain.earliestBlock!;
  return {
    node_info: {
      protocol_version: { p2p: "8", block: "11", app: "0" },
      id: toHex(VALIDATOR_ADDRESS),
      listen_addr: "tcp://127.0.0.1:26656",
      network: chain.chainId,
      version: COMET_VERSION,
      channels: "40202122233038606100",
      moniker: "op-btc-finality-devnet",
      other: { tx_index: "on", rpc_address: "tcp://127.0.0.1:26657" },
    },
    sync_info: {
      latest_block_hash: hex(latest.id.hash),
      latest_app_hash: hex(latest.resultingAppHash),
      latest_block_height: latest.header.height.toString(),
      latest_block_time: rfc3339Nano(latest.header.time),
      earliest_block_hash: hex(earliest.id.hash),
      earliest_app_hash: hex(earliest.header.appHash),
      earliest_block_height: earliest.header.height.toString(),
      earliest_block_time: rfc3339Nano(earliest.header.time),
      catching_up: false,
    },
    validator_info: {
      address: hex(VALIDATOR_ADDRESS),
      pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(VALIDATOR_PUBKEY) },
      voting_power: VALIDATOR_POWER.toString(),
    },
  };
}

/** The `events` map of a WebSocket event frame: composite keys to all their values. */
export function eventMap(
  reserved: Record<string, string>,
  events: readonly AbciEvent[],
): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(reserved)) map[k] = [v];
  for (const e of events) {
    for (const a of e.attributes) {
      const key = `${e.type}.${a.key}`;
      const values = map[key] ?? [];
      values.push(a.value);
      map[key] = values;
    }
  }
  return map;
}
