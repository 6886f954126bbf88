import { createHmac } from "node:crypto";
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import {
  bytesToHex,
  CryptoInputError,
  eots,
  hexToBytes,
  keys,
  randomness,
} from "../../../src/core/crypto/index.ts";

const hex = (b: Uint8Array) => bytesToHex(b);
const N = secp256k1.Point.Fn.ORDER;
// Parsed with Buffer, not the hexToBytes under test, so that loading this file runs no project code.
const SK = Uint8Array.from(
  Buffer.from("8fa9f2d364e5a20e13aa8becd4d795a731ad2bc40b503e08c1662ce331709af4", "hex"),
);
const CHAIN = "op-stack-l2-11155420";

// Independent model of Go randgenerator.GenerateRandomness, on node:crypto rather than noble.
function goRandomness(sk: Uint8Array, chainId: string, height: bigint): string {
  for (let iteration = 0n; ; iteration++) {
    const data = Buffer.alloc(16 + Buffer.byteLength(chainId));
    data.writeBigUInt64BE(height, 0);
    data.write(chainId, 8);
    data.writeBigUInt64BE(iteration, data.length - 8);
    const d = createHmac("sha256", sk).update(data).digest("hex");
    const k = BigInt(`0x${d}`);
    if (k !== 0n && k < N) return d;
  }
}

describe("per-height randomness (reference §1.3, §1.9 (c))", () => {
  it("pub_rand is x(k·G) for the reference nonces at heights 100 and 101", () => {
    // fp_sk_1.dat itself is not in the reference, so these check the k → pub_rand step and the R parity.
    const k100 = hexToBytes("0bb13bbd71bae09bb377418f21518da60eef1b54c160f2f80867dd1bf7c134f3");
    const k101 = hexToBytes("e7b8e32f47bba8dcf081114cf5e84c513933e52b855d3b6628f3b04560d47672");
    expect(hex(eots.publicRandomness(k100))).toBe(
      "b82b00e06587d432de4c24c102cd258f84f04a466b7d805da3d895afb677960f",
    );
    expect(hex(eots.publicRandomness(k101))).toBe(
      "4df6936c6f604a6c3db701cbb908b802b2c11b36526343135085f97c1164832d",
    );
    const R100 = secp256k1.Point.BASE.multiply(BigInt(`0x${hex(k100)}`)).toAffine();
    expect(R100.y & 1n).toBe(1n); // "R.y odd → k negated when signing"
  });

  it("matches an independent HMAC-SHA256 model of the Go generator", () => {
    for (const height of [0n, 1n, 100n, 101n, 2n ** 32n + 7n, 2n ** 64n - 1n]) {
      const { privRand, pubRand } = randomness.deriveRandomness(SK, CHAIN, height);
      expect(hex(privRand)).toBe(goRandomness(SK, CHAIN, height));
      expect(hex(pubRand)).toBe(hex(eots.publicRandomness(privRand)));
    }
  });

  it("depends on the key, the chain id and the height", () => {
    const base = hex(randomness.deriveRandomness(SK, CHAIN, 100n).privRand);
    expect(hex(randomness.deriveRandomness(SK, CHAIN, 100n).privRand)).toBe(base);
    expect(hex(randomness.deriveRandomness(SK, "op-stack-l2-1", 100n).privRand)).not.toBe(base);
    expect(hex(randomness.deriveRandomness(SK, CHAIN, 101n).privRand)).not.toBe(base);
    const otherSk = keys.secretKeyFromMnemonic(keys.generateMnemonic());
    expect(hex(randomness.deriveRandomness(otherSk, CHAIN, 100n).privRand)).not.toBe(base);
  });

  it("derives lists at start + i·interval, equal to one-by-one derivation", () => {
    for (const interval of [1n, 5n]) {
      const list = randomness.deriveRandomnessList(SK, CHAIN, 1000n, 7, interval);
      expect(list.heights).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n].map((i) => 1000n + i * interval));
      list.heights.forEach((height, i) => {
        const one = randomness.deriveRandomness(SK, CHAIN, height);
        expect(hex(list.privRands[i]!)).toBe(hex(one.privRand));
        expect(hex(list.pubRands[i]!)).toBe(hex(one.pubRand));
      });
    }
    expect(randomness.deriveRandomnessList(SK, CHAIN, 5n, 0, 1n)).toEqual({
      heights: [],
      privRands: [],
      pubRands: [],
    });
  });

  it("signs and verifies with derived randomness (odd-y R included)", () => {
    const pk = keys.xonlyPublicKey(SK);
    const { privRands, pubRands } = randomness.deriveRandomnessList(SK, CHAIN, 100n, 8, 1n);
    const msg = new TextEncoder().encode("vote");
    privRands.forEach((k, i) => {
      expect(eots.verify(pk, pubRands[i]!, msg, eots.sign(SK, k, msg))).toBe(true);
    });
  });

  it("rejects malformed input naming it", () => {
    const input = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(CryptoInputError);
        return (e as CryptoInputError).input;
      }
      throw new Error("expected a throw");
    };
    expect(input(() => randomness.deriveRandomness(SK.subarray(1), CHAIN, 1n))).toBe("secretKey");
    expect(input(() => randomness.deriveRandomness(SK, "", 1n))).toBe("chainId");
    expect(input(() => randomness.deriveRandomness(SK, CHAIN, -1n))).toBe("height");
    expect(input(() => randomness.deriveRandomness(SK, CHAIN, 2n ** 64n))).toBe("height");
    expect(input(() => randomness.deriveRandomness(SK, CHAIN, 1 as unknown as bigint))).toBe("height");
    expect(input(() => randomness.deriveRandomnessList(SK, CHAIN, 1n, -1, 1n))).toBe("count");
    expect(input(() => randomness.deriveRandomnessList(SK, CHAIN, 1n, 1.5, 1n))).toBe("count");
    expect(input(() => randomness.deriveRandomnessList(SK, CHAIN, 1n, 2, 0n))).toBe("interval");
    expect(input(() => randomness.deriveRandomnessList(SK, CHAIN, 2n ** 64n - 2n, 3, 1n))).toBe("count");
  });
});

describe("randomness list bounds", () => {
  const MAX = 2n ** 64n - 1n;

  it("derives a list whose last height is 2^64−1, with any interval", () => {
    for (const interval of [1n, 5n]) {
      const list = randomness.deriveRandomnessList(SK, CHAIN, MAX - 2n * interval, 3, interval);
      expect(list.heights).toEqual([MAX - 2n * interval, MAX - interval, MAX]);
    }
  });

  it("refuses a list that would pass 2^64−1, counting the interval", () => {
    for (const interval of [1n, 5n]) {
      expect(() => randomness.deriveRandomnessList(SK, CHAIN, MAX - 2n * interval + 1n, 3, interval)).toThrow(
        "startHeight + (count-1)·interval overflows uint64",
      );
    }
  });
});
