// The checker's own wire readers: a BTC staking tx (txid and output values) and protobuf fields.
import { describe, expect, it } from "vitest";
import { readStakingTx } from "../../src/chaos/btc-staking-tx.ts";
import {
  bytesField,
  decodeMessage,
  encodeMessage,
  repeatedMessages,
  stringField,
  uintField,
} from "../../src/chaos/proto-wire.ts";

// Bitcoin's genesis coinbase: txid and value are public facts.
const GENESIS_TX =
  "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff4d04ffff001d0104455468652054696d65732030332f4a616e2f32303039204368616e63656c6c6f72206f6e206272696e6b206f66207365636f6e64206261696c6f757420666f722062616e6b73ffffffff0100f2052a01000000434104678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5fac00000000";
const GENESIS_TXID = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";

describe("BTC staking tx", () => {
  it("gives the txid and every output's value", () => {
    const tx = readStakingTx(GENESIS_TX);
    expect(tx.txid).toBe(GENESIS_TXID);
    expect(tx.outputValues).toEqual([5_000_000_000n]);
  });

  it("leaves witnesses out of the txid", () => {
    // The same tx in segwit form: marker and flag after the version, one witness stack (two items) before the lock time.
    const body = GENESIS_TX.slice(8, -8);
    const segwit = `${GENESIS_TX.slice(0, 8)}0001${body}0202aabb01cc${GENESIS_TX.slice(-8)}`;
    expect(readStakingTx(segwit).txid).toBe(GENESIS_TXID);
  });

  it("rejects what is not a whole tx", () => {
    expect(() => readStakingTx("zz")).toThrow(/not hex/);
    expect(() => readStakingTx(GENESIS_TX.slice(0, 100))).toThrow(/truncated/);
  });
});

describe("protobuf wire", () => {
  it("round-trips strings, bytes, varints and nested messages, skipping fixed-width fields", () => {
    const inner = encodeMessage([
      [1, "00ff"],
      [3, 840_000],
    ]);
    const outer = encodeMessage([
      [1, inner],
      [1, inner],
      [2, new Uint8Array([1, 2, 3])],
      [4, 2n ** 40n],
      [5, true],
    ]);
    // A fixed64 field (wire type 1) a newer peer might add: skipped.
    const withFixed = Uint8Array.from([...outer, (9 << 3) | 1, 1, 2, 3, 4, 5, 6, 7, 8]);
    const m = decodeMessage(withFixed);
    expect(repeatedMessages(m, 1).map((x) => [stringField(x, 1), uintField(x, 3)])).toEqual([
      ["00ff", 840_000n],
      ["00ff", 840_000n],
    ]);
    expect([...bytesField(m, 2)!]).toEqual([1, 2, 3]);
    expect(uintField(m, 4)).toBe(2n ** 40n);
    expect(uintField(m, 5)).toBe(1n);
    expect(uintField(m, 7)).toBe(0n);
  });

  it("fails on a truncated message", () => {
    expect(() => decodeMessage(Uint8Array.from([(1 << 3) | 2, 5, 1]))).toThrow(/truncated/);
  });
});
