// The contract's provider allow-list as membership intervals in Babylon heights. An entry added at 0 was
// learnt from the contract's state, before the indexer's first Babylon height.
import type { AllowlistChange } from "../indexer/babylon/records.ts";
import { dec, type Tx } from "./tx.ts";

/** Adds providers not currently listed, from Babylon height `at`. */
export async function addAllowlisted(db: Tx, pks: string[], at: bigint): Promise<void> {
  if (pks.length === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO allowlist_entry (fp_btc_pk, added_at_babylon) SELECT k, $2::bigint FROM unnest($1::text[]) AS k
     WHERE NOT EXISTS (SELECT 1 FROM allowlist_entry WHERE fp_btc_pk = k AND removed_at_babylon IS NULL)
     ON CONFLICT DO NOTHING`,
    pks,
    dec(at),
  );
}

export async function removeAllowlisted(db: Tx, pks: string[], at: bigint): Promise<void> {
  if (pks.length === 0) return;
  await db.$executeRawUnsafe(
    `UPDATE allowlist_entry SET removed_at_babylon = $2::bigint WHERE fp_btc_pk = ANY($1::text[]) AND removed_at_babylon IS NULL`,
    pks,
    dec(at),
  );
}

/** Applies the contract's allow-list changes in event order. */
export async function applyAllowlistChanges(db: Tx, changes: AllowlistChange[]): Promise<void> {
  for (const change of changes) {
    await addAllowlisted(db, [...new Set(change.added)], change.babylonHeight);
    await removeAllowlisted(db, change.removed, change.babylonHeight);
  }
}

export interface AllowlistInterval {
  fpBtcPk: string;
  added: bigint;
  removed: bigint | undefined;
}

export async function allowlistIntervals(db: Tx): Promise<AllowlistInterval[]> {
  const rows = await db.$queryRawUnsafe<
    { fp_btc_pk: string; added_at_babylon: bigint; removed_at_babylon: bigint | null }[]
  >(`SELECT fp_btc_pk, added_at_babylon, removed_at_babylon FROM allowlist_entry`);
  return rows.map((a) => ({
    fpBtcPk: a.fp_btc_pk,
    added: BigInt(a.added_at_babylon),
    removed: a.removed_at_babylon === null ? undefined : BigInt(a.removed_at_babylon),
  }));
}
