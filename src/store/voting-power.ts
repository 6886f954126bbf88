// The voting-power table at each BTC height the engine evaluated blocks at (rule 3), kept for the API.
import type { Tx } from "./tx.ts";

/**
 * Stores the table of a BTC height, replacing a stored one: a provider the new table leaves out (slashed, no
 * longer allow-listed) must not keep its old row.
 */
export async function replaceVotingPower(
  db: Tx,
  btcHeight: number,
  table: Map<string, bigint>,
): Promise<void> {
  await db.$executeRawUnsafe(
    `DELETE FROM voting_power WHERE btc_height = $1::int AND NOT (fp_btc_pk = ANY($2::text[]))`,
    btcHeight,
    [...table.keys()],
  );
  if (table.size === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO voting_power (btc_height, fp_btc_pk, power) SELECT $1::int, * FROM unnest($2::text[], $3::bigint[])
     ON CONFLICT (btc_height, fp_btc_pk) DO UPDATE SET power = EXCLUDED.power`,
    btcHeight,
    [...table.keys()],
    [...table.values()].map(String),
  );
}
