// The voting-power table at each BTC height the engine evaluated blocks at (rule 3), kept for the API.
import { recordUnvotedAtBtcHeight } from "./participation.ts";
import type { Tx } from "./tx.ts";

/**
 * Stores the table of a BTC height, replacing a stored one: a provider the new table leaves out (slashed, no
 * longer allow-listed) must not keep its old row. A provider it gives power that the stored table did not is
 * recorded unvoted at the blocks already there (store/participation.ts).
 */
export async function replaceVotingPower(
  db: Tx,
  btcHeight: number,
  table: Map<string, bigint>,
): Promise<void> {
  // Every part of one statement sees the table as stored before it; the delete and the upsert touch
  // disjoint providers.
  const [row] = await db.$queryRawUnsafe<{ gained: boolean }[]>(
    `WITH old AS (SELECT fp_btc_pk, power FROM voting_power WHERE btc_height = $1::int),
     dropped AS (DELETE FROM voting_power WHERE btc_height = $1::int AND NOT (fp_btc_pk = ANY($2::text[]))),
     upsert AS (
       INSERT INTO voting_power (btc_height, fp_btc_pk, power) SELECT $1::int, * FROM unnest($2::text[], $3::bigint[])
       ON CONFLICT (btc_height, fp_btc_pk) DO UPDATE SET power = EXCLUDED.power
       RETURNING fp_btc_pk, power)
     SELECT EXISTS (SELECT 1 FROM old) AND EXISTS (
       SELECT 1 FROM upsert n WHERE n.power > 0
         AND NOT EXISTS (SELECT 1 FROM old o WHERE o.fp_btc_pk = n.fp_btc_pk AND o.power > 0)) AS gained`,
    btcHeight,
    [...table.keys()],
    [...table.values()].map(String),
  );
  // A first table has no blocks at its height yet: their verdicts, written next, record them.
  if (row?.gained) await recordUnvotedAtBtcHeight(db, btcHeight);
}
