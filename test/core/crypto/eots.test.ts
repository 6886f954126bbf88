import { secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { beforeEach, describe, expect, it } from "vitest";
import { bytesToHex, CryptoInputError, eots, hexToBytes, keys } from "../../../src/core/crypto/index.ts";

const N = secp256k1.Point.Fn.ORDER;
const G = secp256k1.Point.BASE;
const hex = (b: Uint8Array) => bytesToHex(b);
const h = (s: string) => hexToBytes(s);
const scalar = (k: bigint) => h(k.toString(16).padStart(64, "0"));
const ascii = (s: string) => new TextEncoder().encode(s);

// babylon-contract packages/test-utils/testdata/eots_testdata.json @4803e84 (reference §1.9 (a)); P.y and R.y even.
const VECTOR = {
  sk: "8fa9f2d364e5a20e13aa8becd4d795a731ad2bc40b503e08c1662ce331709af4",
  pk: "a85d8331aa6cc07395ae7528348cd8ce3dad6f3699cfc1bd7c5eb34246d83d7c",
  sr: "2a7116031421403dd6c13c9bd5b912071d0d478694633ca949e9341d7fa911bf",
  pr: "b8bfb558bb26cef12f8cfd2e505904229f34e48e511ba8e8f02d4e99cb23e53a",
  msg1: "68656c6c6f20776f726c642031",
  msg2: "68656c6c6f20776f726c642032",
  sig1: "e1e3bf7bdc2cd39548461f564c3170049ac7af97901cb73315c58f5c3786bf59",
  sig2: "3d27cc46113384690d59667d05dea22e0ae2e04cb8b280214a3a74d10fafe015",
};

// The same file at babylon-contract commit 06cff822 (an earlier generator run). Its key has an odd-y public
// point, so it checks the d → n−d negation against Go-produced signatures.
const ODD_KEY_VECTOR = {
  sk: "4b9bb7c054968bc9eb6e54ea36b38435d86db3ea3602d9bc10c899c039b1d0d6",
  pk: "15b4d5dac54cbe869379445eb201fc942a30ecacd42701ccd4615b6d00ac36da",
  sr: "63ff2bd33f2b1f27cae667b00fc7b9c0647bc3d76f01570bb3556d13eb129ad8",
  pr: "4b457e95b7ee0dccd447f02eb5609b35cf77e4565d5b5a96520bb4c4b18b6742",
  msg1: "68656c6c6f20776f726c642031",
  msg2: "68656c6c6f20776f726c642032",
  sig1: "443439a2e2757e8e74bec3f25e2732d80f332d520c6adbc3185c9a0720026188",
  sig2: "530575fbac1b0046bf06e3b82c8165cbb15a58a194842cde3676b798dad6882f",
};

function hasOddY(k: bigint): boolean {
  return (G.multiply(k).toAffine().y & 1n) === 1n;
}

// Deterministic scalars with the wanted parity of k·G, so both branches are always exercised.
function scalarWithParity(seed: string, odd: boolean): bigint {
  for (let i = 0; ; i++) {
    const k = BigInt(`0x${hex(sha256(ascii(`${seed}/${i}`)))}`) % N;
    if (k !== 0n && hasOddY(k) === odd) return k;
  }
}

function notOnCurveX(): Uint8Array {
  for (let x = 1n; ; x++) {
    try {
      secp256k1.Point.fromHex(`02${x.toString(16).padStart(64, "0")}`);
    } catch {
      return scalar(x);
    }
  }
}

describe("EOTS reference vectors", () => {
  for (const [name, v] of [
    ["eots_testdata.json @4803e84", VECTOR],
    ["eots_testdata.json @06cff822 (odd-y key)", ODD_KEY_VECTOR],
  ] as const) {
    it(`${name}: sign, verify, publicRandomness`, () => {
      expect(hex(keys.xonlyPublicKey(h(v.sk)))).toBe(v.pk);
      expect(hex(eots.publicRandomness(h(v.sr)))).toBe(v.pr);
      expect(hex(eots.sign(h(v.sk), h(v.sr), h(v.msg1)))).toBe(v.sig1);
      expect(hex(eots.sign(h(v.sk), h(v.sr), h(v.msg2)))).toBe(v.sig2);
      expect(eots.verify(h(v.pk), h(v.pr), h(v.msg1), h(v.sig1))).toBe(true);
      expect(eots.verify(h(v.pk), h(v.pr), h(v.msg2), h(v.sig2))).toBe(true);
      expect(eots.verify(h(v.pk), h(v.pr), h(v.msg1), h(v.sig2))).toBe(false);
    });
  }

  it("extracts exactly sk from the even-key vector", () => {
    const v = VECTOR;
    const x = eots.extractSecretKey(h(v.pk), h(v.pr), h(v.msg1), h(v.sig1), h(v.msg2), h(v.sig2));
    expect(hex(x)).toBe(v.sk);
  });

  it("extracts the even-y key n−sk from the odd-key vector", () => {
    const v = ODD_KEY_VECTOR;
    const x = eots.extractSecretKey(h(v.pk), h(v.pr), h(v.msg1), h(v.sig1), h(v.msg2), h(v.sig2));
    expect(hex(x)).toBe(hex(scalar(N - BigInt(`0x${v.sk}`))));
    expect(hex(keys.xonlyPublicKey(x))).toBe(v.pk);
  });
});

describe("EOTS sign → verify → extract for every parity combination", () => {
  for (const oddKey of [false, true]) {
    for (const oddRand of [false, true]) {
      it(`key y ${oddKey ? "odd" : "even"}, randomness y ${oddRand ? "odd" : "even"}`, () => {
        const d = scalarWithParity(`key-${oddKey}-${oddRand}`, oddKey);
        const k = scalarWithParity(`rand-${oddKey}-${oddRand}`, oddRand);
        const sk = scalar(d);
        const pk = keys.xonlyPublicKey(sk);
        const pr = eots.publicRandomness(scalar(k));
        const m1 = ascii("vote for block A");
        const m2 = ascii("vote for block B");
        const s1 = eots.sign(sk, scalar(k), m1);
        const s2 = eots.sign(sk, scalar(k), m2);
        expect(s1).toHaveLength(32);
        expect(eots.verify(pk, pr, m1, s1)).toBe(true);
        expect(eots.verify(pk, pr, m2, s2)).toBe(true);
        const x = eots.extractSecretKey(pk, pr, m1, s1, m2, s2);
        expect(hex(x)).toBe(hex(scalar(oddKey ? N - d : d)));
        // The extracted key signs interchangeably with the original one.
        expect(hex(eots.sign(x, scalar(k), m1))).toBe(hex(s1));
      });
    }
  }
});

// Fixtures are built per test, not in the describe body: code run while collecting counts as covered by no
// test, which makes mutation testing run every test against each of its mutants (scripts/mutation).
describe("EOTS rejects tampering", () => {
  let sk: Uint8Array, pk: Uint8Array, pr: Uint8Array, sig: Uint8Array;
  const msg = ascii("block 42");
  beforeEach(() => {
    sk = scalar(scalarWithParity("tamper-key", true));
    const k = scalar(scalarWithParity("tamper-rand", false));
    pk = keys.xonlyPublicKey(sk);
    pr = eots.publicRandomness(k);
    sig = eots.sign(sk, k, msg);
  });
  const flip = (b: Uint8Array, i: number) => {
    const c = b.slice();
    c[i]! ^= 1;
    return c;
  };

  it("accepts the untampered signature", () => {
    expect(eots.verify(pk, pr, msg, sig)).toBe(true);
  });
  it("rejects a changed message (including the empty message)", () => {
    expect(eots.verify(pk, pr, flip(msg, 3), sig)).toBe(false);
    expect(eots.verify(pk, pr, new Uint8Array(0), sig)).toBe(false);
    // The message is hashed once: passing the hash as the message must not verify.
    expect(eots.verify(pk, pr, sha256(msg), sig)).toBe(false);
  });
  it("rejects a changed signature at every byte", () => {
    for (let i = 0; i < 32; i++) expect(eots.verify(pk, pr, msg, flip(sig, i))).toBe(false);
  });
  it("rejects another key and other randomness", () => {
    const otherPk = keys.xonlyPublicKey(scalar(12345n));
    const otherPr = eots.publicRandomness(scalar(67890n));
    expect(eots.verify(otherPk, pr, msg, sig)).toBe(false);
    expect(eots.verify(pk, otherPr, msg, sig)).toBe(false);
  });
  it("rejects the signature of the same message under other randomness", () => {
    const k2 = scalar(99n);
    expect(eots.verify(pk, pr, msg, eots.sign(sk, k2, msg))).toBe(false);
  });
});

describe("EOTS malformed input", () => {
  let sk: Uint8Array, k: Uint8Array, pk: Uint8Array, pr: Uint8Array, sig: Uint8Array;
  const msg = ascii("m");
  beforeEach(() => {
    sk = scalar(scalarWithParity("bad-key", false));
    k = scalar(scalarWithParity("bad-rand", true));
    pk = keys.xonlyPublicKey(sk);
    pr = eots.publicRandomness(k);
    sig = eots.sign(sk, k, msg);
  });

  it("verify returns false for wrong lengths", () => {
    expect(eots.verify(pk.subarray(0, 31), pr, msg, sig)).toBe(false);
    expect(eots.verify(pk, pr.subarray(0, 31), msg, sig)).toBe(false);
    expect(eots.verify(pk, pr, msg, sig.subarray(0, 31))).toBe(false);
    expect(eots.verify(new Uint8Array([2, ...pk]), pr, msg, sig)).toBe(false);
    expect(eots.verify(pk, pr, msg, new Uint8Array(64))).toBe(false);
  });
  it("verify returns false for s ≥ n, including s + n of a valid s", () => {
    expect(eots.verify(pk, pr, msg, scalar(N))).toBe(false);
    expect(eots.verify(pk, pr, msg, scalar((1n << 256n) - 1n))).toBe(false);
    const s = BigInt(`0x${hex(sig)}`);
    if (s + N < 1n << 256n) expect(eots.verify(pk, pr, msg, scalar(s + N))).toBe(false);
  });
  it("verify returns false for x not on the curve and x ≥ p", () => {
    const bad = notOnCurveX();
    const p = secp256k1.Point.Fp.ORDER;
    expect(eots.verify(bad, pr, msg, sig)).toBe(false);
    expect(eots.verify(pk, bad, msg, sig)).toBe(false);
    expect(eots.verify(scalar(p), pr, msg, sig)).toBe(false);
    expect(eots.verify(pk, scalar(p + 1n), msg, sig)).toBe(false);
    expect(eots.verify(new Uint8Array(32), pr, msg, sig)).toBe(false);
  });
  it("verify does not throw on non-Uint8Array input", () => {
    const junk = "00" as unknown as Uint8Array;
    expect(eots.verify(junk, pr, msg, sig)).toBe(false);
    expect(eots.verify(pk, pr, junk, sig)).toBe(false);
  });
  it("sign and publicRandomness throw CryptoInputError naming the input", () => {
    const err = (f: () => unknown, input: string) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(CryptoInputError);
        expect((e as CryptoInputError).input).toBe(input);
        expect((e as Error).message).toContain(input);
        return;
      }
      throw new Error("expected a throw");
    };
    err(() => eots.sign(sk.subarray(1), k, msg), "secretKey");
    err(() => eots.sign(new Uint8Array(32), k, msg), "secretKey");
    err(() => eots.sign(scalar(N), k, msg), "secretKey");
    err(() => eots.sign(sk, k.subarray(1), msg), "privRand");
    err(() => eots.sign(sk, scalar(N + 1n), msg), "privRand");
    err(() => eots.publicRandomness(new Uint8Array(31)), "privRand");
    expect(() => eots.publicRandomness(new Uint8Array(31))).toThrow("privRand must be 32 bytes, got 31");
  });
  it("extractSecretKey throws for malformed input, equal messages and non-equivocation", () => {
    const m2 = ascii("m2");
    const s2 = eots.sign(sk, k, m2);
    const input = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(CryptoInputError);
        return (e as CryptoInputError).input;
      }
      throw new Error("expected a throw");
    };
    expect(input(() => eots.extractSecretKey(pk.subarray(1), pr, msg, sig, m2, s2))).toBe("publicKey");
    expect(input(() => eots.extractSecretKey(pk, pr.subarray(1), msg, sig, m2, s2))).toBe("pubRand");
    expect(input(() => eots.extractSecretKey(pk, pr, msg, scalar(N), m2, s2))).toBe("sig1");
    expect(input(() => eots.extractSecretKey(pk, pr, msg, sig, m2, s2.subarray(2)))).toBe("sig2");
    expect(input(() => eots.extractSecretKey(notOnCurveX(), pr, msg, sig, m2, s2))).toBe("publicKey");
    expect(input(() => eots.extractSecretKey(pk, pr, msg, sig, msg.slice(), sig))).toBe("msg2");
    // Signatures under a different nonce are not an equivocation for this pubRand.
    const other = eots.sign(sk, scalar(5n), m2);
    expect(input(() => eots.extractSecretKey(pk, pr, msg, sig, m2, other))).toBe("sig2");
    // Valid signatures, but for another key.
    const otherPk = keys.xonlyPublicKey(scalar(7n));
    expect(input(() => eots.extractSecretKey(otherPk, pr, msg, sig, m2, s2))).toBe("sig2");
  });
});

describe("EOTS inputs that only look right", () => {
  let sk: Uint8Array, k: Uint8Array, pk: Uint8Array, pr: Uint8Array, sig: Uint8Array;
  const msg = ascii("m");
  beforeEach(() => {
    sk = scalar(scalarWithParity("look-key", false));
    k = scalar(scalarWithParity("look-rand", true));
    pk = keys.xonlyPublicKey(sk);
    pr = eots.publicRandomness(k);
    sig = eots.sign(sk, k, msg);
  });

  it("verify returns false, never throws, for 32-element arrays that are not Uint8Array", () => {
    const like = (b: Uint8Array) => Array.from(b) as unknown as Uint8Array;
    expect(eots.verify(like(pk), pr, msg, sig)).toBe(false);
    expect(eots.verify(pk, like(pr), msg, sig)).toBe(false);
    expect(eots.verify(pk, pr, like(msg), sig)).toBe(false);
    expect(eots.verify(pk, pr, msg, like(sig))).toBe(false);
    // node's hash would take the string "m" as the bytes of "m": only the type check refuses it.
    expect(eots.verify(pk, pr, "m" as unknown as Uint8Array, sig)).toBe(false);
  });

  it("extractSecretKey rejects an off-curve pubRand and two equal signatures, naming the input", () => {
    const m2 = ascii("m2");
    const s2 = eots.sign(sk, k, m2);
    expect(() => eots.extractSecretKey(pk, notOnCurveX(), msg, sig, m2, s2)).toThrow(
      "pubRand is not a valid curve x-coordinate",
    );
    // The same s for two messages: (s1 - s2)/(e1 - e2) = 0, which is no key.
    expect(() => eots.extractSecretKey(pk, pr, msg, sig, m2, sig)).toThrow(
      expect.objectContaining({ input: "sig2", message: "signatures do not reveal a key (s1 = s2)" }),
    );
  });
});
