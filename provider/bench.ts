// Provider throughput on this machine: votes signed per second (nonce derivation + EOTS signature + proof
// lookup, and with the durable journal write that must precede broadcasting) and randomness values
// committed per second (derive, Merkle root, durable store). `bench/provider.bench.ts` re-exports run().
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measure, printLine, printRates, timeOnce } from "../bench/harness.ts";
import { signingContext } from "../src/core/crypto/context.ts";
import { sign as eotsSign } from "../src/core/crypto/eots.ts";
import { secretKeyFromMnemonic } from "../src/core/crypto/keys.ts";
import { finalityVoteMessage } from "../src/core/crypto/messages.ts";
import { deriveRandomness } from "../src/core/crypto/randomness.ts";
import { RandomnessStore } from "./randomness-store.ts";
import { SignGuard } from "./sign-guard.ts";

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "provider-bench-"));
  try {
    const sk = secretKeyFromMnemonic(`${"abandon ".repeat(23)}art`);
    const bsn = "op-stack-l2-901";
    const ctx = signingContext("fp_fin_vote", "bbn-devnet-1", "bbn1contract");
    const grid = { activationHeight: 0n, interval: 1n };
    const store = RandomnessStore.open({ dir: join(dir, "rand"), secretKey: sk, chainId: bsn, grid });

    const batch = 1000n;
    const commit = await timeOnce(() => store.prepare(0n, batch));
    store.confirm(0n);
    printLine(
      "randomness committed (derive + root + durable store)",
      `${((Number(batch) * 1000) / commit.ms).toFixed(0)} values/s (${batch} values in ${commit.ms.toFixed(0)} ms)`,
    );

    let h = 0n;
    const hash = (x: bigint) => createHash("sha256").update(`b${x}`).digest();
    const signOne = () => {
      const height = h++ % batch;
      const rp = store.proofFor(height)!;
      const { privRand } = deriveRandomness(sk, bsn, height);
      return { rp, sig: eotsSign(sk, privRand, finalityVoteMessage(height, hash(height), ctx)) };
    };
    const sign = await measure("vote signed (nonce + EOTS + proof), no journal", signOne);

    const guard = SignGuard.open({ dir: join(dir, "guard"), namespace: "bench" });
    let next = 1n;
    const single = await measure(
      "vote signed + journalled alone (one fsync per vote)",
      () => {
        signOne();
        guard.record(next, hash(next));
        next++;
      },
      { warmup: 5, minMs: 300 },
    );
    const per = 32;
    const batched = await measure(
      `batch of ${per} votes signed + journalled (one fsync)`,
      () => {
        const entries = [];
        for (let i = 0; i < per; i++) {
          signOne();
          entries.push({ height: next, hash: hash(next) });
          next++;
        }
        guard.recordMany(entries);
      },
      { warmup: 2, minMs: 300 },
    );
    guard.close();
    printRates("provider: votes", [sign, single, { ...batched, name: `${batched.name} [batches]` }]);
    printLine(`votes/s in batches of ${per}`, `${(batched.opsPerSec * per).toFixed(0)} votes/s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
