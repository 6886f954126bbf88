// Writes the records of a batch of Babylon blocks, and the cursor after them, in one transaction. Every
// statement is an idempotent upsert keyed by where the record came from, so a batch re-applied after a
// crash leaves the tables as one application would.
import type { BabylonBlockRecords } from "./babylon-records.ts";
import { type Db, writeCursor } from "./state.ts";

export const BABYLON_CURSOR = "babylon";

const s = (v: bigint | number) => v.toString();

export async function writeBabylonBatch(
  db: Db,
  records: BabylonBlockRecords,
  cursor: { height: bigint; hash: string | null },
): Promise<void> {
  const r = records;
  if (r.signatures.length > 0) {
    await db.$executeRawUnsafe(
      `INSERT INTO finality_signature (babylon_height, tx_hash, msg_index, fp_btc_pk, height, block_hash, pub_rand, signature, babylon_time)
       SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[], $9::timestamp(3)[])
       ON CONFLICT DO NOTHING`,
      r.signatures.map((x) => s(x.babylonHeight)),
      r.signatures.map((x) => x.txHash),
      r.signatures.map((x) => x.msgIndex),
      r.signatures.map((x) => x.fpBtcPk),
      r.signatures.map((x) => s(x.height)),
      r.signatures.map((x) => x.blockHash),
      r.signatures.map((x) => x.pubRand),
      r.signatures.map((x) => x.signature),
      r.signatures.map((x) => x.babylonTime.toISOString()),
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
    await db.$executeRawUnsafe(
      `INSERT INTO finality_provider (btc_pk, bsn_id, addr, moniker, identity, website, security_contact, details, commission,
                                      registered_babylon_height, updated_babylon_height)
       SELECT pk, bsn, a, m, i, w, sc, d, c, bh, bh
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[])
         AS t(pk, bsn, a, m, i, w, sc, d, c, bh)
       ON CONFLICT (btc_pk) DO UPDATE SET bsn_id = EXCLUDED.bsn_id, addr = EXCLUDED.addr, moniker = EXCLUDED.moniker,
         identity = EXCLUDED.identity, website = EXCLUDED.website, security_contact = EXCLUDED.security_contact,
         details = EXCLUDED.details, commission = EXCLUDED.commission,
         registered_babylon_height = coalesce(finality_provider.registered_babylon_height, EXCLUDED.registered_babylon_height)`,
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
    // The provider row holds the latest state; history stays in finality_provider_event.
    for (const ev of e) {
      if (ev.kind === "SLASHED") {
        await db.$executeRawUnsafe(
          `UPDATE finality_provider SET slashed_babylon_height = coalesce(slashed_babylon_height, $2::bigint), updated_babylon_height = $2::bigint WHERE btc_pk = $1`,
          ev.fpBtcPk,
          s(ev.babylonHeight),
        );
      } else if (ev.kind === "JAILED" || ev.kind === "ACTIVE" || ev.kind === "INACTIVE") {
        await db.$executeRawUnsafe(
          `UPDATE finality_provider SET jailed = $2, updated_babylon_height = $3::bigint WHERE btc_pk = $1`,
          ev.fpBtcPk,
          ev.kind === "JAILED",
          s(ev.babylonHeight),
        );
      }
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
    // Applied in event order; a change for a delegation not (yet) indexed is kept in the history above and
    // its row is filled by the reconciler from Babylon's state.
    for (const x of c) {
      await db.$executeRawUnsafe(
        `UPDATE btc_delegation SET status = $2,
           covenant_quorum_reached = covenant_quorum_reached OR $3,
           start_height = coalesce($4::int, start_height), end_height = coalesce($5::int, end_height),
           unbonded_at_btc_height = coalesce(unbonded_at_btc_height, $6::int),
           updated_babylon_height = $7::bigint
         WHERE staking_tx_hash = $1`,
        x.stakingTxHash,
        x.status,
        x.covenantQuorumReached ?? false,
        x.startHeight ?? null,
        x.endHeight ?? null,
        x.unbondedAtBtcHeight ?? null,
        s(x.babylonHeight),
      );
    }
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
  if (stakingTouched(r)) {
    await db.$executeRawUnsafe(
      `UPDATE l2_block SET evaluated_at = NULL WHERE evaluated_at IS NOT NULL AND status NOT IN ('FINALIZED', 'NOT_ACTIVATED')`,
    );
  } else if (r.signatures.length > 0) {
    await db.$executeRawUnsafe(
      `UPDATE l2_block SET evaluated_at = NULL
       WHERE height = ANY($1::bigint[]) AND evaluated_at IS NOT NULL AND status NOT IN ('FINALIZED', 'NOT_ACTIVATED')`,
      [...new Set(r.signatures.map((x) => s(x.height)))],
    );
  }
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

/** Merges the records of consecutive blocks into one batch, keeping their order. */
export function mergeRecords(into: BabylonBlockRecords, from: BabylonBlockRecords): void {
  into.signatures.push(...from.signatures);
  into.commits.push(...from.commits);
  into.providersCreated.push(...from.providersCreated);
  into.providerEvents.push(...from.providerEvents);
  into.delegationsCreated.push(...from.delegationsCreated);
  into.delegationChanges.push(...from.delegationChanges);
  into.equivocations.push(...from.equivocations);
  into.allowlist.push(...from.allowlist);
  into.contractConfigTouched ||= from.contractConfigTouched;
  into.malformed.push(...from.malformed);
}
