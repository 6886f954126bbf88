// Writes the records of a batch of Babylon blocks, and the cursor after them, in one commit. Every statement
// is an idempotent upsert keyed by where the record came from, so a batch re-applied after a crash leaves
// the tables as one application would.
import type { BabylonBlockRecords } from "../indexer/babylon/records.ts";
import { applyAllowlistChanges } from "./allowlist.ts";
import { insertBabylonBlocks, reopenVerdicts } from "./blocks.ts";
import { insertCommitments } from "./commitments.ts";
import { recordDelegationChanges, upsertDelegations } from "./delegations.ts";
import { recordProviderEvents, upsertProviders } from "./providers.ts";
import { insertEquivocations, insertSignatures } from "./signatures.ts";
import { writeCursor, writeState } from "./state.ts";
import type { Commit, Store } from "./store.ts";

/** Commits a batch of Babylon blocks up to `last` (its cursor and synced time with it). */
export async function commitBabylonBatch(
  store: Store,
  records: BabylonBlockRecords,
  last: { height: bigint; time: Date },
): Promise<void> {
  await store.commit(async (c) => {
    await writeBabylonBatch(c, records);
    await writeCursor(c.tx, "babylon", last.height);
    await writeState(c.tx, { babylon_synced_time: last.time.getTime() });
  });
}

async function writeBabylonBatch(c: Commit, r: BabylonBlockRecords): Promise<void> {
  const { tx } = c;
  await insertBabylonBlocks(tx, r.blocks);
  await insertSignatures(tx, r.signatures);
  await insertCommitments(tx, r.commits);
  await upsertProviders(
    tx,
    r.providersCreated.map((p) => ({ ...p, from: "registered" as const })),
  );
  await recordProviderEvents(tx, r.providerEvents);
  await upsertDelegations(
    tx,
    r.delegationsCreated.map((d) => ({
      ...d,
      from: "created" as const,
      startHeight: 0,
      endHeight: 0,
      covenantQuorumReached: false,
      unbondedAtBtcHeight: null,
    })),
  );
  await recordDelegationChanges(tx, r.delegationChanges);
  await insertEquivocations(tx, r.equivocations);
  await applyAllowlistChanges(tx, r.allowlist);
  // New votes, or new stake, can change the verdict on blocks not yet finalized: evaluate them again.
  if (stakingTouched(r)) {
    await reopenVerdicts(tx);
    c.changed("staking");
  } else if (r.signatures.length > 0) {
    await reopenVerdicts(tx, [...new Set(r.signatures.map((x) => x.height))]);
  }
  for (const sig of r.signatures) {
    c.publish("finalitySignature", {
      fpBtcPk: sig.fpBtcPk,
      height: sig.height,
      blockHash: sig.blockHash,
      babylonHeight: sig.babylonHeight,
      txHash: sig.txHash,
      msgIndex: sig.msgIndex,
    });
  }
  for (const e of r.equivocations) {
    c.publish("equivocation", {
      fpBtcPk: e.fpBtcPk,
      height: e.height,
      babylonHeight: e.babylonHeight,
      canonicalBlockHash: e.canonicalBlockHash,
      forkBlockHash: e.forkBlockHash,
    });
  }
}

/** Whether a batch changed anything voting power is computed from. */
export function stakingTouched(r: BabylonBlockRecords): boolean {
  return (
    r.providersCreated.length +
      r.providerEvents.length +
      r.delegationsCreated.length +
      r.delegationChanges.length +
      r.allowlist.length >
      0 || r.contractConfigTouched
  );
}
