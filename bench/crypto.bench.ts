// Crypto core throughput: EOTS against noble's plain BIP-340 verify measured in the same run, and the cost of
// preparing a randomness commitment (derive pub_rand for N heights, then Merkle root and every proof).
import { schnorr, secp256k1 } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { secretBaseMul } from "../src/core/crypto/curve.ts";
import {
  eots,
  finalityVoteMessage,
  keys,
  merkle,
  randomness,
  signingContext,
} from "../src/core/crypto/index.ts";
import { costRatio, measure, printLine, printRates, record, timeOnce } from "./harness.ts";

export async function run(): Promise<void> {
  const sk = keys.secretKeyFromMnemonic(`${"abandon ".repeat(23)}art`);
  const pk = keys.xonlyPublicKey(sk);
  const chainId = "op-stack-l2-11155420";
  const ctx = signingContext("fp_fin_vote", "bbn-test-5", "bbn1contract");
  const { privRand, pubRand } = randomness.deriveRandomness(sk, chainId, 101n);
  const msg1 = finalityVoteMessage(101n, sha256(new Uint8Array([1])), ctx);
  const msg2 = finalityVoteMessage(101n, sha256(new Uint8Array([2])), ctx);
  const sig1 = eots.sign(sk, privRand, msg1);
  const sig2 = eots.sign(sk, privRand, msg2);

  // Baseline: a BIP-340 signature over the same 32-byte hash EOTS verifies internally.
  const m = sha256(msg1);
  const bipSig = schnorr.sign(m, sk, new Uint8Array(32));

  const baseline = await measure("noble schnorr.verify (BIP-340 baseline)", () =>
    schnorr.verify(bipSig, m, pk),
  );
  const verify = await measure("EOTS verify (104-byte vote message)", () =>
    eots.verify(pk, pubRand, msg1, sig1),
  );
  const sign = await measure("EOTS sign", () => eots.sign(sk, privRand, msg1));
  const extract = await measure("EOTS extract", () =>
    eots.extractSecretKey(pk, pubRand, msg1, sig1, msg2, sig2),
  );
  const k = 0x5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eedn;
  const baseMul = await measure("k·G noble Point.BASE.multiply (W=6 table)", () =>
    secp256k1.Point.BASE.multiply(k).toAffine(),
  );
  const fastMul = await measure("k·G crypto core G (W=10 table)", () => secretBaseMul(k));
  printRates("crypto: EOTS vs BIP-340", [baseline, verify, sign, extract, baseMul, fastMul]);
  const ratio = await costRatio(
    () => schnorr.verify(bipSig, m, pk),
    () => eots.verify(pk, pubRand, msg1, sig1),
  );
  record("crypto.eots_verify_per_s", verify.opsPerSec);
  record("crypto.eots_bip340_cost_ratio", ratio);
  printLine("EOTS verify cost / BIP-340 verify cost (alternating)", `${ratio.toFixed(3)} (target ≤ 1.1)`);
  printLine(
    "k·G speed-up of the W=10 table over noble BASE",
    (fastMul.opsPerSec / baseMul.opsPerSec).toFixed(2) + "×",
  );

  for (const count of [10_000, 50_000]) {
    const derived = await timeOnce(() => randomness.deriveRandomnessList(sk, chainId, 1_000_000n, count, 1n));
    const built = await timeOnce(() => ({
      root: merkle.root(derived.value.pubRands),
      proofs: merkle.proofs(derived.value.pubRands),
    }));
    const total = derived.ms + built.ms;
    printLine(
      `commit ${count} heights: derive pub_rand + Merkle root & proofs`,
      `${(total / 1000).toFixed(2)} s (derive ${(derived.ms / 1000).toFixed(2)} s = ` +
        `${((derived.ms * 1000) / count).toFixed(0)} µs/height, Merkle ${built.ms.toFixed(0)} ms)`,
    );
  }
}
