// Block data as the chain keeps and persists it, and the deterministic hashes CometBFT headers carry.
import { toBase64, bytesToHex as toHex } from "../../core/crypto/bytes.ts";
import { sha256 } from "../../core/crypto/sha256.ts";
import { utf8 } from "./encoding.ts";
import type { AbciEvent } from "./module.ts";
import type { TxResult } from "./tx.ts";

export interface BlockId {
  hash: Uint8Array;
  partsHash: Uint8Array;
}

export interface Header {
  chainId: string;
  height: bigint;
  time: Date;
  lastBlockId: BlockId | null;
  lastCommitHash: Uint8Array;
  dataHash: Uint8Array;
  validatorsHash: Uint8Array;
  nextValidatorsHash: Uint8Array;
  consensusHash: Uint8Array;
  /** App hash after the previous block, as in CometBFT. */
  appHash: Uint8Array;
  lastResultsHash: Uint8Array;
  evidenceHash: Uint8Array;
  proposerAddress: Uint8Array;
}

export interface Block {
  id: BlockId;
  header: Header;
  txs: Uint8Array[];
  results: TxResult[];
  finalizeEvents: AbciEvent[];
  /** App hash after this block (block_results.app_hash). */
  resultingAppHash: Uint8Array;
}

/** The one emulated validator (CometBFT shows an ed25519 key and a 20-byte address). */
export const VALIDATOR_PUBKEY = sha256(utf8("op-btc-finality devnet validator"));
export const VALIDATOR_ADDRESS = sha256(VALIDATOR_PUBKEY).slice(0, 20);
export const VALIDATOR_POWER = 100n;
export const EMPTY_HASH = sha256(new Uint8Array());

export function txHash(tx: Uint8Array): string {
  return toHex(sha256(tx)).toUpperCase();
}

function concatHashes(parts: Uint8Array[]): Uint8Array {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  return sha256(all);
}

export function dataHash(txs: Uint8Array[]): Uint8Array {
  return txs.length === 0 ? EMPTY_HASH : concatHashes(txs.map((t) => sha256(t)));
}

export function resultsHash(results: TxResult[]): Uint8Array {
  return sha256(utf8(JSON.stringify(results.map(serializeResult))));
}

export function headerHash(h: Header): Uint8Array {
  return sha256(
    utf8(
      JSON.stringify([
        h.chainId,
        h.height.toString(),
        h.time.toISOString(),
        h.lastBlockId ? toHex(h.lastBlockId.hash) : "",
        ...[
          h.lastCommitHash,
          h.dataHash,
          h.validatorsHash,
          h.nextValidatorsHash,
          h.consensusHash,
          h.appHash,
          h.lastResultsHash,
          h.evidenceHash,
          h.proposerAddress,
        ].map(toHex),
      ]),
    ),
  );
}

/** Next app hash: chains the previous one with this block's results (a stand-in for the IAVL root). */
export function nextAppHash(
  previous: Uint8Array,
  results: TxResult[],
  finalizeEvents: AbciEvent[],
): Uint8Array {
  return concatHashes([previous, resultsHash(results), sha256(utf8(JSON.stringify(finalizeEvents)))]);
}

/** A stand-in 64-byte commit signature: nobody verifies it, but it is stable per block. */
export function commitSignature(blockHash: Uint8Array): Uint8Array {
  return new Uint8Array([...sha256(blockHash), ...sha256(VALIDATOR_PUBKEY)]);
}

interface SerializedResult {
  code: number;
  codespace: string;
  log: string;
  info: string;
  data: string;
  gasWanted: string;
  gasUsed: string;
  events: AbciEvent[];
}

function serializeResult(r: TxResult): SerializedResult {
  return {
    code: r.code,
    codespace: r.codespace,
    log: r.log,
    info: r.info,
    data: toBase64(r.data),
    gasWanted: r.gasWanted.toString(),
    gasUsed: r.gasUsed.toString(),
    events: r.events,
  };
}

function deserializeResult(r: SerializedResult): TxResult {
  return { ...r, data: unbase64(r.data), gasWanted: BigInt(r.gasWanted), gasUsed: BigInt(r.gasUsed) };
}

// The chain's own files: decoded natively, without validation (a torn line fails JSON.parse first).
const hex = (b: Uint8Array) => toHex(b);
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const unbase64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

type SerializedBlockId = { hash: string; partsHash: string };
interface SerializedBlock {
  id: SerializedBlockId;
  header: {
    chainId: string;
    height: string;
    time: string;
    lastBlockId: SerializedBlockId | null;
    lastCommitHash: string;
    dataHash: string;
    validatorsHash: string;
    nextValidatorsHash: string;
    consensusHash: string;
    appHash: string;
    lastResultsHash: string;
    evidenceHash: string;
    proposerAddress: string;
  };
  txs: string[];
  results: SerializedResult[];
  finalizeEvents: AbciEvent[];
  resultingAppHash: string;
}

export function serializeBlock(b: Block): SerializedBlock {
  const h = b.header;
  return {
    id: { hash: hex(b.id.hash), partsHash: hex(b.id.partsHash) },
    header: {
      chainId: h.chainId,
      height: h.height.toString(),
      time: h.time.toISOString(),
      lastBlockId: h.lastBlockId
        ? { hash: hex(h.lastBlockId.hash), partsHash: hex(h.lastBlockId.partsHash) }
        : null,
      lastCommitHash: hex(h.lastCommitHash),
      dataHash: hex(h.dataHash),
      validatorsHash: hex(h.validatorsHash),
      nextValidatorsHash: hex(h.nextValidatorsHash),
      consensusHash: hex(h.consensusHash),
      appHash: hex(h.appHash),
      lastResultsHash: hex(h.lastResultsHash),
      evidenceHash: hex(h.evidenceHash),
      proposerAddress: hex(h.proposerAddress),
    },
    txs: b.txs.map(toBase64),
    results: b.results.map(serializeResult),
    finalizeEvents: b.finalizeEvents,
    resultingAppHash: hex(b.resultingAppHash),
  };
}

export function deserializeBlock(value: unknown): Block {
  const v = value as SerializedBlock;
  const h = v.header;
  return {
    id: { hash: unhex(v.id.hash), partsHash: unhex(v.id.partsHash) },
    header: {
      chainId: h.chainId,
      height: BigInt(h.height),
      time: new Date(h.time),
      lastBlockId: h.lastBlockId
        ? { hash: unhex(h.lastBlockId.hash), partsHash: unhex(h.lastBlockId.partsHash) }
        : null,
      lastCommitHash: unhex(h.lastCommitHash),
      dataHash: unhex(h.dataHash),
      validatorsHash: unhex(h.validatorsHash),
      nextValidatorsHash: unhex(h.nextValidatorsHash),
      consensusHash: unhex(h.consensusHash),
      appHash: unhex(h.appHash),
      lastResultsHash: unhex(h.lastResultsHash),
      evidenceHash: unhex(h.evidenceHash),
      proposerAddress: unhex(h.proposerAddress),
    },
    txs: v.txs.map(unbase64),
    results: v.results.map(deserializeResult),
    finalizeEvents: v.finalizeEvents,
    resultingAppHash: unhex(v.resultingAppHash),
  };
}
