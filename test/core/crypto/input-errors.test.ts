// Bad input to the crypto module names the input and says what was wrong, and inputs that only look right
// (arrays instead of bytes, a string instead of a number) are refused rather than half-used.
import { describe, expect, it } from "vitest";
import {
  be64,
  bip340,
  CryptoInputError,
  eots,
  finalityVoteMessage,
  fromBase64,
  hexToBytes,
  keys,
  merkle,
  randomness,
  signingContext,
} from "../../../src/core/crypto/index.ts";

/** The CryptoInputError `f` throws, as its input name and message. */
function failure(f: () => unknown): { input: string; message: string } {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CryptoInputError);
    expect((e as Error).name).toBe("CryptoInputError");
    return { input: (e as CryptoInputError).input, message: (e as Error).message };
  }
  throw new Error("expected a CryptoInputError");
}

const fill = (n: number, b: number) => new Uint8Array(n).fill(b);
const ascii = (s: string) => new TextEncoder().encode(s);
const asBytes = (v: unknown) => v as Uint8Array;

describe("byte helpers name their input", () => {
  it("hexToBytes and be64 use their default names, and refuse look-alike input", () => {
    expect(failure(() => hexToBytes("zz"))).toEqual({
      input: "hex",
      message: "hex must be an even-length hex string without 0x",
    });
    expect(failure(() => hexToBytes(["00"] as unknown as string)).input).toBe("hex");
    expect(failure(() => be64(0.5))).toEqual({
      input: "value",
      message: "value must be an integer, got 0.5",
    });
  });

  it("fromBase64 names its input and refuses a non-string", () => {
    expect(failure(() => fromBase64("!")).input).toBe("base64");
    expect(failure(() => fromBase64(5 as unknown as string, "x"))).toEqual({
      input: "x",
      message: "x must be standard base64, got 5",
    });
  });

  it("a 32-element array is not 32 bytes", () => {
    const sk = fill(32, 1);
    expect(failure(() => eots.sign(asBytes(Array.from(sk)), fill(32, 2), ascii("m")))).toEqual({
      input: "secretKey",
      message: "secretKey must be a Uint8Array",
    });
    expect(failure(() => eots.sign(sk, fill(32, 2), asBytes("m")))).toEqual({
      input: "msg",
      message: "msg must be a Uint8Array",
    });
    expect(failure(() => merkle.leafHash(asBytes("item"))).input).toBe("item");
    expect(failure(() => finalityVoteMessage(1n, asBytes("hash"))).input).toBe("blockHash");
  });

  it("CryptoInputError is named for stack traces and logs", () => {
    expect(new CryptoInputError("x", "x is bad").name).toBe("CryptoInputError");
  });
});

describe("signatures and keys name their input", () => {
  it("bip340.sign names a bad key and a bad auxRand", () => {
    expect(failure(() => bip340.sign(fill(32, 0), fill(32, 0))).input).toBe("secretKey");
    expect(failure(() => bip340.sign(fill(32, 1), fill(32, 0), fill(1, 0)))).toEqual({
      input: "auxRand",
      message: "auxRand must be 32 bytes, got 1",
    });
  });

  it("extractSecretKey says which input is wrong and why", () => {
    const sk = fill(32, 3);
    const k = fill(32, 4);
    const pk = keys.xonlyPublicKey(sk);
    const pr = eots.publicRandomness(k);
    const [m1, m2] = [ascii("one"), ascii("two")];
    const [s1, s2] = [eots.sign(sk, k, m1), eots.sign(sk, k, m2)];
    expect(failure(() => eots.extractSecretKey(pk, pr, asBytes("one"), s1, m2, s2)).input).toBe("msg1");
    expect(failure(() => eots.extractSecretKey(pk, pr, m1, s1, asBytes("two"), s2)).input).toBe("msg2");
    expect(failure(() => eots.extractSecretKey(fill(32, 0), pr, m1, s1, m2, s2))).toEqual({
      input: "publicKey",
      message: "publicKey is not a valid x-only key",
    });
    expect(failure(() => eots.extractSecretKey(pk, fill(32, 0), m1, s1, m2, s2)).input).toBe("pubRand");
    expect(failure(() => eots.extractSecretKey(pk, pr, m1, s1, m1.slice(), s1))).toEqual({
      input: "msg2",
      message: "msg1 and msg2 are equal: nothing to extract",
    });
    expect(failure(() => eots.extractSecretKey(pk, pr, m1, fill(32, 0xff), m2, s2))).toEqual({
      input: "sig1",
      message: "sig1 must be a scalar below n",
    });
    const otherPk = keys.xonlyPublicKey(fill(32, 5));
    expect(failure(() => eots.extractSecretKey(otherPk, pr, m1, s1, m2, s2))).toEqual({
      input: "sig2",
      message: "signatures do not reveal the key of publicKey under pubRand",
    });
  });

  it("mnemonics: a non-string is not valid, and a bad one is named", () => {
    expect(keys.validateMnemonic(5 as unknown as string)).toBe(false);
    expect(failure(() => keys.secretKeyFromMnemonic("not a mnemonic"))).toEqual({
      input: "mnemonic",
      message: "mnemonic is not a valid BIP-39 English mnemonic",
    });
  });
});

describe("contexts, messages and randomness name their input", () => {
  it("signingContext names a bad op and empty ids", () => {
    expect(failure(() => signingContext("nope" as "fp_pop", "c", "a"))).toEqual({
      input: "op",
      message: "op must be one of fp_rand_commit, fp_fin_vote, fp_pop, staker_pop, got nope",
    });
    expect(failure(() => signingContext("fp_pop", "", "a"))).toEqual({
      input: "babylonChainId",
      message: "babylonChainId must be a non-empty string",
    });
    expect(failure(() => signingContext("fp_pop", 5 as unknown as string, "a")).input).toBe("babylonChainId");
    expect(failure(() => signingContext("fp_pop", "c", 5 as unknown as string)).input).toBe(
      "contractAddress",
    );
    expect(failure(() => signingContext("fp_pop", "c", ""))).toEqual({
      input: "contractAddress",
      message: "contractAddress must be a non-empty string",
    });
  });

  it("a vote message context is exactly 64 lowercase hex characters", () => {
    const ctx = signingContext("fp_fin_vote", "c", "a");
    for (const bad of [`${ctx}0`, `0${ctx}`, `x${ctx.slice(1)}`]) {
      expect(failure(() => finalityVoteMessage(1n, fill(32, 0), bad)).input).toBe("context");
    }
  });

  it("randomness lists name the start height, count, interval and chain id", () => {
    const sk = fill(32, 6);
    expect(failure(() => randomness.deriveRandomnessList(sk, "c", -1n, 1, 1n))).toEqual({
      input: "startHeight",
      message: "startHeight must be a uint64 bigint, got -1",
    });
    expect(failure(() => randomness.deriveRandomnessList(sk, "c", 1n, -1, 1n))).toEqual({
      input: "count",
      message: "count must be a non-negative integer, got -1",
    });
    for (const interval of [0n, 1 as unknown as bigint]) {
      expect(failure(() => randomness.deriveRandomnessList(sk, "c", 1n, 2, interval))).toEqual({
        input: "interval",
        message: `interval must be a bigint ≥ 1, got ${interval}`,
      });
    }
    expect(failure(() => randomness.deriveRandomness(sk, 5 as unknown as string, 1n)).input).toBe("chainId");
    expect(failure(() => randomness.deriveRandomness(sk, "", 1n))).toEqual({
      input: "chainId",
      message: "chainId must be a non-empty string",
    });
  });
});

describe("Merkle proofs with look-alike parts", () => {
  const items = [1, 2, 3, 4, 5].map((b) => fill(32, b));

  it("a leaf hash or aunt given as a plain array does not verify", () => {
    const root = merkle.root(items);
    const p = merkle.proofs(items)[0]!;
    expect(merkle.verifyProof(root, items[0]!, { ...p, leafHash: asBytes(Array.from(p.leafHash)) })).toBe(
      false,
    );
    const aunts = p.aunts.map((a) => asBytes(Array.from(a)));
    expect(merkle.verifyProof(root, items[0]!, { ...p, aunts })).toBe(false);
  });

  it("an extra aunt on the right-hand leaf is false, not a throw", () => {
    const root = merkle.root(items);
    const p = merkle.proofs(items)[4]!;
    expect(merkle.verifyProof(root, items[4]!, { ...p, aunts: [fill(32, 9), ...p.aunts] })).toBe(false);
  });
});

describe("Merkle proof JSON errors", () => {
  const p = merkle.proofs([fill(32, 1), fill(32, 2)])[1]!;
  const json = () => merkle.proofToJson(p) as unknown as Record<string, unknown>;

  it("writing refuses a total or index outside the JSON-safe range, naming it", () => {
    expect(merkle.proofToJson({ ...p, total: 2n ** 53n - 1n }).total).toBe(2 ** 53 - 1);
    expect(failure(() => merkle.proofToJson({ ...p, total: 2n ** 53n }))).toEqual({
      input: "proof.total",
      message: "proof.total is outside the JSON-safe integer range",
    });
    expect(failure(() => merkle.proofToJson({ ...p, index: -1n })).input).toBe("proof.index");
  });

  it("reading names the offending part", () => {
    for (const bad of [null, [], "proof"]) {
      expect(failure(() => merkle.proofFromJson(bad))).toEqual({
        input: "proof",
        message: "proof must be a JSON object",
      });
    }
    expect(failure(() => merkle.proofFromJson({ ...json(), x: 1 }))).toEqual({
      input: "proof.x",
      message: "proof has unknown field x",
    });
    expect(failure(() => merkle.proofFromJson({ ...json(), aunts: "a" }))).toEqual({
      input: "proof.aunts",
      message: "proof.aunts must be an array",
    });
    expect(failure(() => merkle.proofFromJson({ ...json(), total: "2" }))).toEqual({
      input: "proof.total",
      message: 'proof.total must be a non-negative integer, got "2"',
    });
    expect(failure(() => merkle.proofFromJson({ ...json(), leaf_hash: 5 }))).toEqual({
      input: "proof.leaf_hash",
      message: "proof.leaf_hash must be a base64 string",
    });
    expect(failure(() => merkle.proofFromJson({ ...json(), leaf_hash: "AQ==" }))).toEqual({
      input: "proof.leaf_hash",
      message: "proof.leaf_hash must be 32 bytes, got 1",
    });
  });

  it("reading takes exactly 100 aunts and names a 101st", () => {
    const aunt = merkle.proofToJson(p).aunts[0]!;
    expect(merkle.proofFromJson({ ...json(), aunts: Array(100).fill(aunt) }).aunts).toHaveLength(100);
    expect(failure(() => merkle.proofFromJson({ ...json(), aunts: Array(101).fill(aunt) }))).toEqual({
      input: "proof.aunts",
      message: "proof.aunts has 101 entries, max 100",
    });
  });
});
