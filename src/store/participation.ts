// A provider's voting record over checked canonical blocks: where it had voting power (its table at the
// block's BTC height) and whether it signed the canonical block. Unvoted heights are split by a MissedRule
// (core/finality/missed.ts) into missed and pending; `height <= throughHeight OR timestamp <= timestampCutoff`
// below is isMissed, evaluated in the database. Read by the API.
//
// A provider that votes for everything has no unvoted height, and proving that by walking its history costs
// a probe per block it ever voted for. So the writers keep `unvoted_block`, a superset of every provider's
// unvoted blocks: the engine records a block's providers with power and no vote when it writes the block's
// verdict, a new power table records them for the blocks already at its BTC height, and a vote deletes its
// row. Reads join the candidates back to the definition, so a stale candidate (a vote racing the verdict, an
// orphaned block, a provider that lost its power) is never reported.
import type { MissedRule } from "../core/finality/missed.ts";
import { dec, type Tx } from "./tx.ts";

const UNVOTED = `INSERT INTO unvoted_block (fp_btc_pk, height, block_hash)
  SELECT vp.fp_btc_pk, b.height, b.hash FROM l2_block b
  JOIN voting_power vp ON vp.btc_height = b.btc_height AND vp.power > 0
  WHERE b.checked AND %BLOCKS%
    AND NOT EXISTS (SELECT 1 FROM finality_signature s
                    WHERE s.height = b.height AND s.block_hash = b.hash AND s.fp_btc_pk = vp.fp_btc_pk)
  ON CONFLICT DO NOTHING`;

/** Records the unvoted providers of blocks whose verdict was just written (their BTC height is set). */
export async function recordUnvotedBlocks(db: Tx, hashes: readonly string[]): Promise<void> {
  if (hashes.length === 0) return;
  await db.$executeRawUnsafe(UNVOTED.replace("%BLOCKS%", "b.hash = ANY($1::text[])"), [...hashes]);
}

/**
 * Records the unvoted providers of every block at a BTC height whose power table just gained providers: the
 * blocks whose verdicts the new table does not reopen (finalized ones) would otherwise miss them. Rare (the
 * stake at a past height changed), so it may scan the block table.
 */
export async function recordUnvotedAtBtcHeight(db: Tx, btcHeight: number): Promise<void> {
  await db.$executeRawUnsafe(UNVOTED.replace("%BLOCKS%", "b.btc_height = $1::int"), btcHeight);
}

/**
 * Checked canonical heights in [from, to], newest first, where the provider had power and did not vote, and
 * that the rule says are `which`.
 */
export async function unvotedCheckedHeights(
  db: Tx,
  fpBtcPk: string,
  o: { from: bigint; to: bigint; first: number; rule: MissedRule; which: "missed" | "pending" },
): Promise<bigint[]> {
  // A pending height is above the rule's throughHeight: starting there skips the candidates below it.
  const from = o.which === "pending" && o.rule.throughHeight >= o.from ? o.rule.throughHeight + 1n : o.from;
  const rows = await db.$queryRawUnsafe<{ height: bigint }[]>(
    `SELECT u.height FROM unvoted_block u
     JOIN l2_block b ON b.hash = u.block_hash AND b.canonical AND b.checked
     JOIN voting_power vp ON vp.btc_height = b.btc_height AND vp.fp_btc_pk = u.fp_btc_pk AND vp.power > 0
     WHERE u.fp_btc_pk = $1 AND u.height >= $2::bigint AND u.height <= $3::bigint
       AND NOT EXISTS (SELECT 1 FROM finality_signature s
                       WHERE s.height = u.height AND s.block_hash = u.block_hash AND s.fp_btc_pk = $1)
       AND (b.height <= $5::bigint OR b.timestamp <= $6::bigint) = $7
     ORDER BY u.height DESC LIMIT $4`,
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
