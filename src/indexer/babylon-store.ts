// Writes the records of a batch of Babylon blocks, and the cursor after them, in one transaction. Every
// statement is an idempotent upsert keyed by where the record came from, so a batch re-applied after a
// crash leaves the tables as one application would.
import type { PrismaClient } from "../db/database.ts";
import type { BabylonBlockRecords } from "./babylon-records.ts";
import type { Mutex } from "./mutex.ts";
import { type Db, reopenVerdicts, writeCursor, writeState } from "./state.ts";

export const BABYLON_CURSOR = "babylon";

const s = (v: bigint | number) => v.toString();

/**
 * Commits a batch of Babylon blocks with the cursor after it, under the indexer's write lock: the finality
 * engine writes its verdicts under the same lock, and `onCommitted` (which tells the engine its staking
 * inputs changed) runs before the lock is released, so no verdict computed from older inputs lands after.
 */
export async function commitBabylonBatch(
  prisma: PrismaClient,
  writeLock: Mutex,
  records: BabylonBlockRecords,
  last: { height: bigint; time: Date },
  onCommitted?: (records: BabylonBlockRecords) => void,
): Promise<void> {
  await writeLock.run(async () => {
    await prisma.$transaction(
      async (tx) => {
        await writeBabylonBatch(tx, records, { height: last.height, hash: null });
        await writeState(tx, { babylon_synced_time: last.time.getTime() });
      },
      { timeout: 120_000, maxWait: 30_000 },
    );
    onCommitted?.(records);
  });
}

export async function writeBabylonBatch(
  db: Db,
  records: BabylonBlockRecords,
  cursor: { height: bigint; hash: string | null },
): Promise<void> {
  const r = records;
  if (r.blocks.length > 0) {
    await db.$executeRawUnsafe(
      `INSERT INTO babylon_block (height, time) SELECT * FROM unnest($1::bigint[], $2::timestamp(3)[]) ON CONFLICT DO NOTHING`,
      r.blocks.map((b) => s(b.height)),
      r.blocks.map((b) => b.time.toISOString()),
    );
  }
  if (r.signatures.length > 0) {
    // One JSON parameter rather than nine arrays: node-postgres escapes every element of an array parameter
    // in JavaScript, while JSON.stringify is native; a backfill writes 100,000 of these rows.
    await db.$executeRawUnsafe(
      `INSERT INTO finality_signature (babylon_height, tx_hash, msg_index, fp_btc_pk, height, block_hash, pub_rand, signature, babylon_time)
       SELECT (e->>0)::bigint, e->>1, (e->>2)::int, e->>3, (e->>4)::bigint, e->>5, e->>6, e->>7, (e->>8)::timestamp(3)
       FROM json_array_elements($1::json) AS e
       ON CONFLICT DO NOTHING`,
      JSON.stringify(
        r.signatures.map((x) => [
          s(x.babylonHeight),
          x.txHash,
          x.msgIndex,
          x.fpBtcPk,
          s(x.height),
          x.blockHash,
          x.pubRand,
          x.signature,
          x.babylonTime.toISOString(),
        ]),
      ),
    );
  }
  if (r.commits.length > 0) {
    await db.$executeRawUnsafe(
      `INSERT INTO pub_rand_commit (fp_btc_pk, start_height, num_pub_rand, interval, commitment, babylon_height, tx_hash, msg_index)
       SELECT c.fp, c.st, c.n, coalesce((SELECT finality_signature_interval FROM contract_config LIMIT 1), 1), c.cm, c.bh, c.tx, c.mi
       FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::int[]) AS c(fp, st, n, cm, bh, tx, mi)
       ON CONFLICT DO NOTHING`,
      r.commits.map((x) => x.fpBtcPk),
      r.commits.map((x) => s(x.startHeight)),
      r.commits.map((x) => s(x.numPubRand)),
      r.commits.map((x) => x.commitment),
      r.commits.map((x) => s(x.babylonHeight)),
      r.commits.map((x) => x.txHash),
      r.commits.map((x) => x.msgIndex),
    );
  }
  if (r.providersCreated.length > 0) {
    const p = r.providersCreated;
    // A row the reconciler inserted first (stamped with the head's height) takes the event's heights, so the
    // row ends the same whichever of the two ran first.
    await db.$executeRawUnsafe(
      `INSERT INTO finality_provider (btc_pk, bsn_id, addr, moniker, identity, website, security_contact, details, commission,
                                      registered_babylon_height, updated_babylon_height)
       SELECT pk, bsn, a, m, i, w, sc, d, c, bh, bh
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[])
         AS t(pk, bsn, a, m, i, w, sc, d, c, bh)
       ON CONFLICT (btc_pk) DO UPDATE SET bsn_id = EXCLUDED.bsn_id, addr = EXCLUDED.addr, moniker = EXCLUDED.moniker,
         identity = EXCLUDED.identity, website = EXCLUDED.website, security_contact = EXCLUDED.security_contact,
         details = EXCLUDED.details, commission = EXCLUDED.commission,
         registered_babylon_height = coalesce(finality_provider.registered_babylon_height, EXCLUDED.registered_babylon_height),
         updated_babylon_height = EXCLUDED.updated_babylon_height`,
      p.map((x) => x.btcPk),
      p.map((x) => x.bsnId),
      p.map((x) => x.addr),
      p.map((x) => x.moniker),
      p.map((x) => x.identity),
      p.map((x) => x.website),
      p.map((x) => x.securityContact),
      p.map((x) => x.details),
      p.map((x) => x.commission),
      p.map((x) => s(x.babylonHeight)),
    );
  }
  if (r.providerEvents.length > 0) {
    const e = r.providerEvents;
    await db.$executeRawUnsafe(
      `INSERT INTO finality_provider_event (babylon_height, event_index, fp_btc_pk, kind)
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
      e.map((x) => s(x.babylonHeight)),
      e.map((x) => x.eventIndex),
      e.map((x) => x.fpBtcPk),
      e.map((x) => x.kind),
    );
    // The provider row holds the latest state; history stays in finality_provider_event. The batch's events
    // are folded per provider, in order, into one row each, and applied in one statement.
    const fold = new Map<string, { slashed: string | null; jailed: boolean | null; updated: string }>();
    for (const ev of e) {
      const slashing = ev.kind === "SLASHED";
      if (!slashing && ev.kind !== "JAILED" && ev.kind !== "ACTIVE" && ev.kind !== "INACTIVE") continue;
      const f = fold.get(ev.fpBtcPk) ?? { slashed: null, jailed: null, updated: s(ev.babylonHeight) };
      if (slashing) f.slashed ??= s(ev.babylonHeight);
      else f.jailed = ev.kind === "JAILED";
      f.updated = s(ev.babylonHeight);
      fold.set(ev.fpBtcPk, f);
    }
    if (fold.size > 0) {
      const rows = [...fold];
      await db.$executeRawUnsafe(
        `UPDATE finality_provider p SET slashed_babylon_height = coalesce(p.slashed_babylon_height, r.slashed),
           jailed = coalesce(r.jailed, p.jailed), updated_babylon_height = r.updated
         FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::bigint[]) AS r(pk, slashed, jailed, updated)
         WHERE p.btc_pk = r.pk`,
        rows.map(([pk]) => pk),
        rows.map(([, f]) => f.slashed),
        rows.map(([, f]) => f.jailed),
        rows.map(([, f]) => f.updated),
      );
    }
  }
  if (r.delegationsCreated.length > 0) {
    const d = r.delegationsCreated;
    await db.$executeRawUnsafe(
      `INSERT INTO btc_delegation (staking_tx_hash, staker_addr, staker_btc_pk, total_sat, staking_time, start_height, end_height,
                                   covenant_quorum_reached, status, params_version, created_babylon_height, updated_babylon_height)
       SELECT h, a, pk, sat, st, 0, 0, false, status, pv, bh, bh
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::int[], $6::text[], $7::int[], $8::bigint[]) AS t(h, a, pk, sat, st, status, pv, bh)
       ON CONFLICT (staking_tx_hash) DO UPDATE SET
         created_babylon_height = coalesce(btc_delegation.created_babylon_height, EXCLUDED.created_babylon_height)`,
      d.map((x) => x.stakingTxHash),
      d.map((x) => x.stakerAddr),
      d.map((x) => x.stakerBtcPk),
      d.map((x) => s(x.totalSat)),
      d.map((x) => x.stakingTime),
      d.map((x) => x.status),
      d.map((x) => x.paramsVersion),
      d.map((x) => s(x.babylonHeight)),
    );
    const pairs = d.flatMap((x) => x.fpBtcPks.map((fp) => [x.stakingTxHash, fp] as const));
    await db.$executeRawUnsafe(
      `INSERT INTO delegation_provider (staking_tx_hash, fp_btc_pk) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
      pairs.map((p) => p[0]),
      pairs.map((p) => p[1]),
    );
  }
  if (r.delegationChanges.length > 0) {
    const c = r.delegationChanges;
    await db.$executeRawUnsafe(
      `INSERT INTO delegation_status_change (babylon_height, event_index, staking_tx_hash, status, btc_height)
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::int[]) ON CONFLICT DO NOTHING`,
      c.map((x) => s(x.babylonHeight)),
      c.map((x) => x.eventIndex),
      c.map((x) => x.stakingTxHash),
      c.map((x) => x.status),
      c.map((x) => x.unbondedAtBtcHeight ?? x.startHeight ?? null),
    );
    // Applied in event order — folded per delegation into what applying them one by one would leave, then
    // written in one statement (a backfill meets thousands per batch). A change for a delegation not (yet)
    // indexed is kept in the history above and its row is filled by the reconciler from Babylon's state.
    const fold = new Map<
      string,
      {
        status: string;
        quorum: boolean;
        start: number | null;
        end: number | null;
        unbonded: number | null;
        at: string;
      }
    >();
    for (const x of c) {
      const f = fold.get(x.stakingTxHash) ?? {
        status: x.status,
        quorum: false,
        start: null,
        end: null,
        unbonded: null,
        at: s(x.babylonHeight),
      };
      f.status = x.status;
      f.quorum ||= x.covenantQuorumReached ?? false;
      f.start = x.startHeight ?? f.start;
      f.end = x.endHeight ?? f.end;
      f.unbonded ??= x.unbondedAtBtcHeight ?? null;
      f.at = s(x.babylonHeight);
      fold.set(x.stakingTxHash, f);
    }
    const rows = [...fold];
    await db.$executeRawUnsafe(
      `UPDATE btc_delegation d SET status = r.status,
         covenant_quorum_reached = d.covenant_quorum_reached OR r.quorum,
         start_height = coalesce(r.start, d.start_height), end_height = coalesce(r.end_, d.end_height),
         unbonded_at_btc_height = coalesce(d.unbonded_at_btc_height, r.unbonded),
         updated_babylon_height = r.at
       FROM unnest($1::text[], $2::text[], $3::boolean[], $4::int[], $5::int[], $6::int[], $7::bigint[])
         AS r(hash, status, quorum, start, end_, unbonded, at)
       WHERE d.staking_tx_hash = r.hash`,
      rows.map(([hash]) => hash),
      rows.map(([, f]) => f.status),
      rows.map(([, f]) => f.quorum),
      rows.map(([, f]) => f.start),
      rows.map(([, f]) => f.end),
      rows.map(([, f]) => f.unbonded),
      rows.map(([, f]) => f.at),
    );
  }
  if (r.equivocations.length > 0) {
    const e = r.equivocations;
    await db.$executeRawUnsafe(
      `INSERT INTO equivocation (babylon_height, event_index, fp_btc_pk, height, canonical_block_hash, fork_block_hash,
                                 canonical_signature, fork_signature, pub_rand, signing_context, tx_hash)
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
       ON CONFLICT DO NOTHING`,
      e.map((x) => s(x.babylonHeight)),
      e.map((x) => x.eventIndex),
      e.map((x) => x.fpBtcPk),
      e.map((x) => s(x.height)),
      e.map((x) => x.canonicalBlockHash),
      e.map((x) => x.forkBlockHash),
      e.map((x) => x.canonicalSignature),
      e.map((x) => x.forkSignature),
      e.map((x) => x.pubRand),
      e.map((x) => x.signingContext),
      e.map((x) => x.txHash),
    );
  }
  for (const change of r.allowlist) {
    for (const pk of change.added) {
      await db.$executeRawUnsafe(
        `INSERT INTO allowlist_entry (fp_btc_pk, added_at_babylon) SELECT $1, $2::bigint
         WHERE NOT EXISTS (SELECT 1 FROM allowlist_entry WHERE fp_btc_pk = $1 AND removed_at_babylon IS NULL)
         ON CONFLICT DO NOTHING`,
        pk,
        s(change.babylonHeight),
      );
    }
    for (const pk of change.removed) {
      await db.$executeRawUnsafe(
        `UPDATE allowlist_entry SET removed_at_babylon = $2::bigint WHERE fp_btc_pk = $1 AND removed_at_babylon IS NULL`,
        pk,
        s(change.babylonHeight),
      );
    }
  }
  // New votes, or new stake, can change the verdict on blocks not yet finalized: evaluate them again.
  if (stakingTouched(r)) await reopenVerdicts(db);
  else if (r.signatures.length > 0)
    await reopenVerdicts(db, [...new Set(r.signatures.map((x) => s(x.height)))]);
  await writeCursor(db, BABYLON_CURSOR, cursor.height, cursor.hash);
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
