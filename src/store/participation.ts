// A provider's voting record over checked canonical blocks: where it had voting power (its table at the
// block's BTC height) and whether it signed the canonical block. Unvoted heights are split by a MissedRule
// (core/finality/missed.ts) into missed and pending; `height <= throughHeight OR timestamp <= timestampCutoff`
// below is isMissed, evaluated in the database. Read by the API.
import type { MissedRule } from "../core/finality/missed.ts";
import { dec, type Tx } from "./tx.ts";

/**
 * Checked canonical heights in [from, to], newest first, where the provider had power and did not vote, and
 * that the rule says are `which`.
 */
export async function unvotedCheckedHeights(
  db: Tx,
  fpBtcPk: string,
  o: { from: bigint; to: bigint; first: number; rule: MissedRule; which: "missed" | "pending" },
): Promise<bigint[]> {
  // A pending height is above the rule's throughHeight: starting there lets the height index skip the history
  // below it, which the condition alone would scan to the start for a provider that missed nothing.
  const from = o.which === "pending" && o.rule.throughHeight >= o.from ? o.rule.throughHeight + 1n : o.from;
  const rows = await db.$queryRawUnsafe<{ height: bigint }[]>(
    `SELECT b.height FROM l2_block b
     JOIN voting_power vp ON vp.btc_height = b.btc_height AND vp.fp_btc_pk = $1 AND vp.power > 0
     WHERE b.canonical AND b.checked AND b.height >= $2::bigint AND b.height <= $3::bigint
       AND NOT EXISTS (SELECT 1 FROM finality_signature s
                       WHERE s.height = b.height AND s.block_hash = b.hash AND s.fp_btc_pk = $1)
       AND (b.height <= $5::bigint OR b.timestamp <= $6::bigint) = $7
     ORDER BY b.height DESC LIMIT $4`,
    fpBtcPk,
    dec(from),
    dec(o.to),
    o.first,
    dec(o.rule.throughHeight),
    dec(o.rule.timestampCutoff),
    o.which === "missed",
  );
  return rows.map((r) => BigInt(r.height));
}

export interface ParticipationCounts {
  window: number;
  expected: number;
  voted: number;
  /** Unvoted heights whose vote can still count: neither voted nor missed. */
  pending: number;
}

/** Over the provider's latest `window` checked canonical blocks at which it had power. */
export async function participation(
  db: Tx,
  fpBtcPk: string,
  window: number,
  rule: MissedRule,
): Promise<ParticipationCounts> {
  const [row] = await db.$queryRawUnsafe<{ expected: number; voted: number; pending: number }[]>(
    `WITH expected AS (
       SELECT b.height, b.timestamp,
              EXISTS (SELECT 1 FROM finality_signature s
                      WHERE s.height = b.height AND s.block_hash = b.hash AND s.fp_btc_pk = $1) AS voted
       FROM l2_block b
       JOIN voting_power vp ON vp.btc_height = b.btc_height AND vp.fp_btc_pk = $1 AND vp.power > 0
       WHERE b.canonical AND b.checked
       ORDER BY b.height DESC LIMIT $2)
     SELECT count(*)::int AS expected,
            count(*) FILTER (WHERE voted)::int AS voted,
            count(*) FILTER (WHERE NOT voted
                             AND NOT (height <= $3::bigint OR timestamp <= $4::bigint))::int AS pending
     FROM expected`,
    fpBtcPk,
    window,
    dec(rule.throughHeight),
    dec(rule.timestampCutoff),
  );
  return {
    window,
    expected: Number(row?.expected ?? 0),
    voted: Number(row?.voted ?? 0),
    pending: Number(row?.pending ?? 0),
  };
}
