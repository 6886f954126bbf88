import { createHash } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import {
  bytesToHex,
  CryptoInputError,
  finalityVoteMessage,
  randomnessCommitMessage,
  type SigningOp,
  signingContext,
} from "../../../src/core/crypto/index.ts";

const CHAIN = "bbn-test-5";
const ADDR = "bbn1exampleexampleexampleexampleexampleexampleexampleexample";
const ascii = (s: string) => new TextEncoder().encode(s);
const hash = new Uint8Array(32).map((_, i) => i + 1);

describe("signing context (§2.4, §1.9 (c))", () => {
  it("reproduces the reference contexts", () => {
    expect(signingContext("fp_rand_commit", CHAIN, ADDR)).toBe(
      "35767cc03b1268e50efb95a8b326e926c0385b03bb2c7063cae37a12818134a2",
    );
    expect(signingContext("fp_fin_vote", CHAIN, ADDR)).toBe(
      "fb36cfc1dd5527ebbc728bcec9b8d4a48cd26965a2014178bdee4c45a777ab52",
    );
  });

  it("is hex(sha256('btcstaking/0/op/chain/address')) for every op", () => {
    for (const op of ["fp_rand_commit", "fp_fin_vote", "fp_pop", "staker_pop"] as const) {
      const expected = createHash("sha256").update(`btcstaking/0/${op}/${CHAIN}/${ADDR}`).digest("hex");
      expect(signingContext(op, CHAIN, ADDR)).toBe(expected);
    }
  });

  it("rejects an unknown op and empty ids", () => {
    expect(() => signingContext("fp_vote" as SigningOp, CHAIN, ADDR)).toThrow(CryptoInputError);
    expect(() => signingContext("fp_fin_vote", "", ADDR)).toThrow("babylonChainId");
    expect(() => signingContext("fp_fin_vote", CHAIN, "")).toThrow("contractAddress");
  });
});

// Contexts are derived per test, not while collecting: see test/core/crypto/eots.test.ts.
describe("finality vote message (§3)", () => {
  let ctx: string;
  beforeEach(() => {
    ctx = signingContext("fp_fin_vote", CHAIN, ADDR);
  });

  it("is context ASCII ‖ BE64(height) ‖ hash: 104 bytes", () => {
    const msg = finalityVoteMessage(101n, hash, ctx);
    expect(msg).toHaveLength(104);
    expect(bytesToHex(msg)).toBe(bytesToHex(ascii(ctx)) + "0000000000000065" + bytesToHex(hash));
  });

  it("old op-finality-gadget dialect has no context: 40 bytes", () => {
    const msg = finalityVoteMessage(0x0102030405060708n, hash);
    expect(bytesToHex(msg)).toBe("0102030405060708" + bytesToHex(hash));
  });

  it("encodes the full uint64 range and rejects values outside it", () => {
    expect(bytesToHex(finalityVoteMessage(2n ** 64n - 1n, hash).subarray(0, 8))).toBe("ffffffffffffffff");
    expect(() => finalityVoteMessage(2n ** 64n, hash)).toThrow(CryptoInputError);
    expect(() => finalityVoteMessage(-1n, hash)).toThrow("height");
    expect(() => finalityVoteMessage(1 as unknown as bigint, hash)).toThrow("height");
  });

  it("rejects a context that is not 64 lowercase hex (e.g. raw digest or uppercase)", () => {
    expect(() => finalityVoteMessage(1n, hash, ctx.toUpperCase())).toThrow(CryptoInputError);
    expect(() => finalityVoteMessage(1n, hash, ctx.slice(2))).toThrow("context");
    expect(() => finalityVoteMessage(1n, hash, "")).toThrow("context");
  });
});

describe("randomness commit message (§2.3)", () => {
  let ctx: string;
  const commitment = Uint8Array.from(
    Buffer.from("df896896c799531f1fd1e556cea26a6989ab06853bcbfdd3e4f5097a611f658f", "hex"),
  );
  beforeEach(() => {
    ctx = signingContext("fp_rand_commit", CHAIN, ADDR);
  });

  it("is context ASCII ‖ BE64(start) ‖ BE64(num) ‖ commitment: 112 bytes", () => {
    const msg = randomnessCommitMessage(100n, 1000n, commitment, ctx);
    expect(msg).toHaveLength(112);
    expect(bytesToHex(msg)).toBe(
      bytesToHex(ascii(ctx)) + "0000000000000064" + "00000000000003e8" + bytesToHex(commitment),
    );
  });

  it("old dialect: 48 bytes without context", () => {
    expect(bytesToHex(randomnessCommitMessage(1n, 2n, commitment))).toBe(
      "0000000000000001" + "0000000000000002" + bytesToHex(commitment),
    );
  });

  it("names bad inputs", () => {
    expect(() => randomnessCommitMessage(-1n, 2n, commitment)).toThrow("startHeight");
    expect(() => randomnessCommitMessage(1n, 2n ** 64n, commitment)).toThrow("numPubRand");
    expect(() => randomnessCommitMessage(1n, 2n, "ab" as unknown as Uint8Array)).toThrow("commitment");
  });
});
