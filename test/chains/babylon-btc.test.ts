import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseBtcTx, stakingOutput } from "../../src/chains/babylon/btc-tx.ts";
import {
  btcHeaderHash,
  buildBtcHeader,
  compactToTarget,
  headerWork,
  meetsTarget,
  mineBtcHeader,
  parseBtcHeader,
  parseHeaderTimestamp,
} from "../../src/chains/babylon/btclightclient.ts";

// Bitcoin mainnet genesis block header and its coinbase transaction (well-known public constants).
const GENESIS_HEADER =
  "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c";
const GENESIS_HASH = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f";
const GENESIS_MERKLE_ROOT = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";
const GENESIS_COINBASE =
  "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";

/** Independent double SHA-256 (node:crypto), display order. */
const dsha256Display = (data: Uint8Array) =>
  Buffer.from(createHash("sha256").update(createHash("sha256").update(data).digest()).digest())
    .reverse()
    .toString("hex");

describe("BTC block headers", () => {
  it("parses the genesis header: hash, time, bits, nonce", () => {
    expect(btcHeaderHash(GENESIS_HEADER)).toBe(GENESIS_HASH);
    expect(parseHeaderTimestamp(GENESIS_HEADER)).toBe(1231006505);
    expect(parseBtcHeader(GENESIS_HEADER)).toEqual({
      version: 1,
      prevBlockHash: "0".repeat(64),
      merkleRoot: GENESIS_MERKLE_ROOT,
      time: 1231006505,
      bits: 0x1d00ffff,
      nonce: 2083236893,
    });
  });

  it("builds the genesis header back from its fields", () => {
    expect(Buffer.from(buildBtcHeader(parseBtcHeader(GENESIS_HEADER))).toString("hex")).toBe(GENESIS_HEADER);
    expect(meetsTarget(GENESIS_HEADER)).toBe(true);
  });

  it("computes targets and work from compact bits", () => {
    expect(compactToTarget(0x1d00ffff)).toBe(0xffffn << 208n);
    // Genesis work 2^256 / (target + 1) = 0x100010001 (4295032833), as bitcoind reports for block 0.
    expect(headerWork(0x1d00ffff)).toBe(4295032833n);
    expect(headerWork(0x207fffff)).toBe(2n);
  });

  it("mines a linked regtest header on top of genesis", () => {
    const header = mineBtcHeader({
      version: 0x20000000,
      prevBlockHash: GENESIS_HASH,
      merkleRoot: "ab".repeat(32),
      time: 1231006505 + 600,
      bits: 0x207fffff,
      nonce: 0,
    });
    const parsed = parseBtcHeader(header);
    expect(parsed.prevBlockHash).toBe(GENESIS_HASH);
    expect(btcHeaderHash(header)).toBe(dsha256Display(header));
    expect(BigInt(`0x${btcHeaderHash(header)}`) <= compactToTarget(0x207fffff)).toBe(true);
    expect(() => mineBtcHeader({ ...parsed, bits: 0x1d00ffff, nonce: 0 }, 50)).toThrow(
      /no nonce meeting bits 0x1d00ffff within 50 tries/,
    );
  });

  it("rejects malformed headers with a clear message", () => {
    expect(() => parseBtcHeader("00")).toThrow("a BTC block header is 80 bytes, got 1");
    expect(() => parseHeaderTimestamp("zz")).toThrow(/not valid hex/);
    expect(() => buildBtcHeader({ ...parseBtcHeader(GENESIS_HEADER), merkleRoot: "12" })).toThrow(
      /merkleRoot must be 64 hex/,
    );
    expect(() => buildBtcHeader({ ...parseBtcHeader(GENESIS_HEADER), time: -1 })).toThrow(
      /time must be a uint32/,
    );
  });
});

describe("BTC transactions", () => {
  it("the genesis coinbase's txid is the genesis merkle root; 50 BTC output", () => {
    const tx = parseBtcTx(GENESIS_COINBASE);
    expect(tx.txid).toBe(GENESIS_MERKLE_ROOT);
    expect(tx.hasWitness).toBe(false);
    expect(tx.inputs).toEqual([{ prevTxid: "0".repeat(64), vout: 0xffffffff, sequence: 0xffffffff }]);
    expect(tx.outputs.map((o) => o.valueSat)).toEqual([5_000_000_000n]);
    expect(stakingOutput(GENESIS_COINBASE, "0")).toEqual({
      stakingTxHash: GENESIS_MERKLE_ROOT,
      totalSat: 5_000_000_000n,
    });
  });

  it("a segwit tx's txid excludes marker, flag and witness", () => {
    const le32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer).toString("hex");
    const le64 = (n: bigint) => Buffer.from(BigInt64Array.of(n).buffer).toString("hex");
    const prev = "11".repeat(32);
    const p2tr = `5120${"22".repeat(32)}`;
    const p2wpkh = `0014${"33".repeat(20)}`;
    const inputs = `01${prev}${le32(1)}00${le32(0xfffffffd)}`;
    const outputs = `02${le64(2_100_000_000_000_000n)}22${p2tr}${le64(12_345n)}16${p2wpkh}`;
    const witness = `02${"40"}${"44".repeat(64)}${"21"}${"55".repeat(33)}`;
    const withWitness = `${le32(2)}0001${inputs}${outputs}${witness}${le32(0)}`;
    const stripped = `${le32(2)}${inputs}${outputs}${le32(0)}`;
    const tx = parseBtcTx(withWitness);
    expect(tx.hasWitness).toBe(true);
    expect(tx.txid).toBe(dsha256Display(Buffer.from(stripped, "hex")));
    expect(parseBtcTx(stripped).txid).toBe(tx.txid);
    expect(tx.inputs[0]!.prevTxid).toBe(prev);
    expect(tx.outputs[0]!.valueSat).toBe(2_100_000_000_000_000n);
    expect(Buffer.from(tx.outputs[0]!.scriptPubKey).toString("hex")).toBe(p2tr);
    expect(stakingOutput(withWitness, 1).totalSat).toBe(12_345n);
    expect(() => stakingOutput(withWitness, 2)).toThrow(
      /staking output index 2 is not an output of tx .* \(2 outputs\)/,
    );
  });

  it("rejects truncated and padded transactions", () => {
    expect(() => parseBtcTx(GENESIS_COINBASE.slice(0, -2))).toThrow(/truncated/);
    expect(() => parseBtcTx(`${GENESIS_COINBASE}00`)).toThrow(/1 trailing bytes/);
  });
});
