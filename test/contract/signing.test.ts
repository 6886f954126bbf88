// The two payloads a provider signs for the contract, checked against messages built here by hand from the
// wire layout (context ASCII ‖ BE64 fields ‖ bytes) and against noble's own BIP-340 verifier.
import { createHash } from "node:crypto";
import { schnorr } from "@noble/curves/secp256k1.js";
import { describe, expect, it } from "vitest";
import { signCommit, signingContextFor, signVote, voteSigner } from "../../contracts/finality/signing.ts";
import { bytesToHex, eots, keys, merkle, randomness } from "../../src/core/crypto/index.ts";

const CHAIN = "bbn-test-5";
const CONTRACT = "bbn1contractcontractcontractcontractcontractcontractcontract";
const SK = Uint8Array.from(
  Buffer.from("8fa9f2d364e5a20e13aa8becd4d795a731ad2bc40b503e08c1662ce331709af4", "hex"),
);
const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const ascii = (s: string) => new TextEncoder().encode(s);
const be64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return new Uint8Array(b);
};

describe("signing contexts", () => {
  it("are hex(sha256('btcstaking/0/<op>/<chain>/<contract>')) for the commit and the vote", () => {
    expect(signingContextFor(CHAIN, CONTRACT)).toEqual({
      randCommit: bytesToHex(sha256(ascii(`btcstaking/0/fp_rand_commit/${CHAIN}/${CONTRACT}`))),
      finalityVote: bytesToHex(sha256(ascii(`btcstaking/0/fp_fin_vote/${CHAIN}/${CONTRACT}`))),
    });
  });
});

describe("signCommit", () => {
  const commitment = new Uint8Array(32).map((_, i) => i);

  it("BIP-340-signs sha256(context ‖ BE64(start) ‖ BE64(count) ‖ commitment) with the provider key", () => {
    const { randCommit } = signingContextFor(CHAIN, CONTRACT);
    const args = signCommit(SK, 100n, 1000n, commitment, randCommit);
    expect(args).toMatchObject({ fpPubkeyHex: keys.publicKeyHex(SK), startHeight: 100n, numPubRand: 1000n });
    expect(args.commitment).toEqual(commitment);
    const hash = sha256(ascii(randCommit), be64(100n), be64(1000n), commitment);
    expect(schnorr.verify(args.signature, hash, keys.xonlyPublicKey(SK))).toBe(true);
  });

  it("without a context signs the old contract's message, which a context changes", () => {
    const args = signCommit(SK, 100n, 1000n, commitment);
    const hash = sha256(be64(100n), be64(1000n), commitment);
    expect(schnorr.verify(args.signature, hash, keys.xonlyPublicKey(SK))).toBe(true);
    const { randCommit } = signingContextFor(CHAIN, CONTRACT);
    expect(
      schnorr.verify(
        signCommit(SK, 100n, 1000n, commitment, randCommit).signature,
        hash,
        keys.xonlyPublicKey(SK),
      ),
    ).toBe(false);
  });
});

describe("signVote", () => {
  const height = 101n;
  const blockHash = new Uint8Array(32).fill(0xab);
  const parts = () => {
    const { privRand, pubRand } = randomness.deriveRandomness(SK, "op-stack-l2-1", height);
    const [proof] = merkle.proofs([pubRand]);
    return { height, blockHash, privRand, pubRand, proof: proof! };
  };

  it("EOTS-signs context ‖ BE64(height) ‖ block hash with the committed randomness, and carries the parts", () => {
    const { finalityVote } = signingContextFor(CHAIN, CONTRACT);
    const p = parts();
    const vote = signVote(SK, p, finalityVote);
    expect(vote).toMatchObject({
      fpPubkeyHex: keys.publicKeyHex(SK),
      height,
      blockHash,
      pubRand: p.pubRand,
      proof: p.proof,
    });
    expect(vote.signature).toHaveLength(32);
    const msg = new Uint8Array([...ascii(finalityVote), ...be64(height), ...blockHash]);
    expect(eots.verify(keys.xonlyPublicKey(SK), p.pubRand, msg, vote.signature)).toBe(true);
  });

  it("without a context signs BE64(height) ‖ block hash, as the old contract expects", () => {
    const p = parts();
    const vote = signVote(SK, p);
    const msg = new Uint8Array([...be64(height), ...blockHash]);
    expect(eots.verify(keys.xonlyPublicKey(SK), p.pubRand, msg, vote.signature)).toBe(true);
  });

  it("signs each vote of a provider's voteSigner over that vote's own height and hash", () => {
    const { finalityVote } = signingContextFor(CHAIN, CONTRACT);
    const sign = voteSigner(SK, finalityVote);
    for (const h of [101n, 102n, 4096n]) {
      const { privRand, pubRand } = randomness.deriveRandomness(SK, "op-stack-l2-1", h);
      const [proof] = merkle.proofs([pubRand]);
      const hash = new Uint8Array(32).fill(Number(h % 251n));
      const vote = sign({ height: h, blockHash: hash, privRand, pubRand, proof: proof! });
      expect(vote.fpPubkeyHex).toBe(keys.publicKeyHex(SK));
      const msg = new Uint8Array([...ascii(finalityVote), ...be64(h), ...hash]);
      expect(eots.verify(keys.xonlyPublicKey(SK), pubRand, msg, vote.signature)).toBe(true);
    }
  });
});
