// babylon.btclightclient.v1 queries, and the 80-byte Bitcoin block header they carry.

import { sha256 } from "../../core/crypto/sha256.ts";
import { PageRequest, PageResponse } from "./cosmos.ts";
import {
  bytesToHex,
  defineMessage,
  field,
  hexToBytes,
  type MessageOf,
  message,
  optional,
  repeated,
  string,
  uint32,
} from "./proto.ts";

export const BTCHeaderInfoResponse = defineMessage("babylon.btclightclient.v1.BTCHeaderInfoResponse", {
  /** The raw 80-byte header, hex. */
  headerHex: field(1, string),
  /** Block hash in display (reversed) order. */
  hashHex: field(2, string),
  height: field(3, uint32),
  /** Cumulative chain work, decimal. */
  work: field(4, string),
});
export type BTCHeaderInfoResponse = MessageOf<typeof BTCHeaderInfoResponse>;

export const QueryTipRequest = defineMessage("babylon.btclightclient.v1.QueryTipRequest", {});
export type QueryTipRequest = MessageOf<typeof QueryTipRequest>;

export const QueryTipResponse = defineMessage("babylon.btclightclient.v1.QueryTipResponse", {
  header: optional(1, message(BTCHeaderInfoResponse)),
});
export type QueryTipResponse = MessageOf<typeof QueryTipResponse>;

/** Pagination key = raw header-hash bytes; walks down from the tip, or up from the base with `reverse`; limit ≤ 1000. */
export const QueryMainChainRequest = defineMessage("babylon.btclightclient.v1.QueryMainChainRequest", {
  pagination: optional(1, message(PageRequest)),
});
export type QueryMainChainRequest = MessageOf<typeof QueryMainChainRequest>;

export const QueryMainChainResponse = defineMessage("babylon.btclightclient.v1.QueryMainChainResponse", {
  headers: repeated(1, message(BTCHeaderInfoResponse)),
  pagination: optional(2, message(PageResponse)),
});
export type QueryMainChainResponse = MessageOf<typeof QueryMainChainResponse>;

// ---------------------------------------------------------------------------------------------------
// Bitcoin block headers
// ---------------------------------------------------------------------------------------------------

export const BTC_HEADER_LENGTH = 80;

/** A decoded header. Hashes are in display (reversed) order, as explorers and Babylon's hash_hex show them. */
export interface BtcBlockHeader {
  version: number;
  prevBlockHash: string;
  merkleRoot: string;
  /** Unix seconds. */
  time: number;
  /** Compact difficulty target. */
  bits: number;
  nonce: number;
}

function headerBytes(header: Uint8Array | string): Uint8Array {
  const bytes = typeof header === "string" ? hexToBytes(header, "BTC header hex") : header;
  if (bytes.length !== BTC_HEADER_LENGTH) {
    throw new RangeError(`a BTC block header is ${BTC_HEADER_LENGTH} bytes, got ${bytes.length}`);
  }
  return bytes;
}

function displayHashToBytes(hash: string, what: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(hash))
    throw new TypeError(`${what} must be 64 hex characters, got ${JSON.stringify(hash)}`);
  return hexToBytes(hash).reverse();
}

function checkUint32(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${what} must be a uint32, got ${value}`);
  }
}

export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data));
}

/** Serializes a header to its 80 wire bytes. */
export function buildBtcHeader(h: BtcBlockHeader): Uint8Array {
  if (!Number.isInteger(h.version) || h.version < -0x80000000 || h.version > 0x7fffffff) {
    throw new RangeError(`version must be an int32, got ${h.version}`);
  }
  checkUint32(h.time, "time");
  checkUint32(h.bits, "bits");
  checkUint32(h.nonce, "nonce");
  const out = new Uint8Array(BTC_HEADER_LENGTH);
  const view = new DataView(out.buffer);
  view.setInt32(0, h.version, true);
  out.set(displayHashToBytes(h.prevBlockHash, "prevBlockHash"), 4);
  out.set(displayHashToBytes(h.merkleRoot, "merkleRoot"), 36);
  view.setUint32(68, h.time, true);
  view.setUint32(72, h.bits, true);
  view.setUint32(76, h.nonce, true);
  return out;
}

export function parseBtcHeader(header: Uint8Array | string): BtcBlockHeader {
  const bytes = headerBytes(header);
  const view = new DataView(bytes.buffer, bytes.byteOffset, BTC_HEADER_LENGTH);
  return {
    version: view.getInt32(0, true),
    prevBlockHash: bytesToHex(bytes.slice(4, 36).reverse()),
    merkleRoot: bytesToHex(bytes.slice(36, 68).reverse()),
    time: view.getUint32(68, true),
    bits: view.getUint32(72, true),
    nonce: view.getUint32(76, true),
  };
}

/** Block hash in display order: double SHA-256 of the 80 bytes, reversed. */
export function btcHeaderHash(header: Uint8Array | string): string {
  return bytesToHex(sha256d(headerBytes(header)).reverse());
}

/** The header's timestamp (bytes 68..71, little-endian), e.g. from Babylon's header_hex. */
export function parseHeaderTimestamp(headerHex: string): number {
  const bytes = headerBytes(headerHex);
  return new DataView(bytes.buffer, bytes.byteOffset, BTC_HEADER_LENGTH).getUint32(68, true);
}

/** The 256-bit target a compact `bits` value encodes (sign bit ignored: Bitcoin treats it as invalid). */
export function compactToTarget(bits: number): bigint {
  const exponent = bits >>> 24;
  const mantissa = BigInt(bits & 0x007fffff);
  return exponent <= 3 ? mantissa >> BigInt(8 * (3 - exponent)) : mantissa << BigInt(8 * (exponent - 3));
}

/** Expected work of one header: 2^256 / (target + 1), what Babylon sums into `work`. */
export function headerWork(bits: number): bigint {
  return (1n << 256n) / (compactToTarget(bits) + 1n);
}

/** Whether the header's hash meets its own `bits` target (proof of work). */
export function meetsTarget(header: Uint8Array | string): boolean {
  const bytes = headerBytes(header);
  const bits = new DataView(bytes.buffer, bytes.byteOffset, BTC_HEADER_LENGTH).getUint32(72, true);
  return BigInt(`0x${btcHeaderHash(bytes)}`) <= compactToTarget(bits);
}

/**
 * Searches nonces upward from `h.nonce` for one whose hash meets `h.bits` — instant for regtest's
 * 0x207fffff (about every second nonce), hopeless for mainnet difficulty, hence the try limit.
 */
export function mineBtcHeader(h: BtcBlockHeader, maxTries = 1_000_000): Uint8Array {
  const header = buildBtcHeader(h);
  const view = new DataView(header.buffer);
  for (let i = 0; i < maxTries; i++) {
    view.setUint32(76, (h.nonce + i) >>> 0, true);
    if (meetsTarget(header)) return header;
  }
  throw new Error(`no nonce meeting bits 0x${h.bits.toString(16)} within ${maxTries} tries`);
}
