// A provider's voting record over checked canonical blocks: where it had voting power (its table at the
// block's BTC height) and whether it signed the canonical block. Read by the API.
import { dec, type Tx } from "./tx.ts";

/** Checked canonical heights in [from, to], newest first, where the provider had power and did not vote. */
export async function missedCheckedHeights(
  db: Tx,
  fpBtcPk: string,
  from: bigint,
  to: bigint,
  first: number,
): Promise<bigint[]> {
  const rows = await db.$queryRawUnsafe<{ height: bigint }[]>(
    `SELECT b.height FROM l2_block b
     JOIN voting_power vp ON vp.btc_height = b.btc_height AND vp.fp_btc_pk = $1 AND vp.power > 0
     WHERE b.canonical AND b.checked AND b.height >= $2::bigint AND b.height <= $3::bigint
       AND NOT EXISTS (SELECT 1 FROM finality_signature s
                       WHERE s.height = b.height AND s.block_hash = b.hash AND s.fp_btc_pk = $1)
     ORDER BY b.height DESC LIMIT $4`,
    fpBtcPk,
    dec(from),
    dec(to),
    first,
  );
  return rows.map((r) => BigInt(r.height));
}

/** Of the latest `window` checked canonical blocks where the provider had power, how many it voted for. */
export async function participation(
  db: Tx,
  fpBtcPk: string,
  window: number,
): Promise<{ expected: number; voted: number }> {
  const [row] = await db.$queryRawUnsafe<{ expected: number; voted: number }[]>(
    `WITH expected AS (
       SELECT b.height, b.hash FROM l2_block b
       JOIN voting_power vp ON vp.btc_height = b.btc_height AND vp.fp_btc_pk = $1 AND vp.power > 0
       WHERE b.canonical AND b.checked
       ORDER BY b.height DESC LIMIT $2)
     SELECT count(*)::int AS expected,
            count(*) FILTER (WHERE EXISTS (SELECT 1 FROM finality_signature s
              WHERE s.height = e.height AND s.block_hash = e.hash AND s.fp_btc_pk = $1))::int AS voted
     FROM expected e`,
    fpBtcPk,
    window,
  );
  return { expected: Number(row?.expected ?? 0), voted: Number(row?.voted ?? 0) };
}
