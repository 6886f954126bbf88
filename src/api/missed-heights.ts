// A provider's unvoted checked heights split by the rule of core/finality/missed.ts into missed (its vote can
// no longer count) and pending (it still can), and its participation. The SQL condition
// `height <= throughHeight OR timestamp <= timestampCutoff` is isMissed's, evaluated in the database.
import {
  DEFAULT_MISSED_GRACE_SECONDS,
  GracePeriodError,
  type MissedRule,
  missedRule,
} from "../core/finality/missed.ts";
import type { PrismaClient } from "../db/generated/client.ts";
import { readState } from "../indexer/state.ts";
import { QueryError } from "./errors.ts";

type Db = Pick<PrismaClient, "$queryRaw" | "$queryRawUnsafe" | "$executeRawUnsafe">;

export { DEFAULT_MISSED_GRACE_SECONDS };

/** The rule for one provider now: the finalized height and its highest vote, read from the database. */
export async function providerMissedRule(db: Db, fpBtcPk: string, graceSeconds: number): Promise<MissedRule> {
  const [finalized, voted] = await Promise.all([
    readState(db, "finalized_height"),
    db.$queryRaw<Array<{ height: bigint | null }>>`
      SELECT max(height) AS height FROM finality_signature WHERE fp_btc_pk = ${fpBtcPk}`,
  ]);
  const highest = voted[0]?.height;
  try {
    return missedRule({
      finalizedHeight: finalized === undefined ? null : BigInt(finalized),
      highestVotedHeight: highest === null || highest === undefined ? null : BigInt(highest),
      nowSeconds: BigInt(Math.floor(Date.now() / 1000)),
      graceSeconds,
    });
  } catch (error) {
    if (error instanceof GracePeriodError)
      throw new QueryError("invalid_argument", `graceSeconds: ${error.message}`);
    throw error;
  }
}

export interface UnvotedArgs {
  fromHeight?: bigint | null;
  toHeight?: bigint | null;
  first?: number | null;
  graceSeconds?: number | null;
}

/** Checked canonical heights, newest first, with power and no vote for the canonical block, that are `which`. */
export async function unvotedCheckedHeights(
  db: Db,
  maxPageSize: number,
  fpBtcPk: string,
  which: "missed" | "pending",
  args: UnvotedArgs,
): Promise<bigint[]> {
  const first = args.first ?? 100;
  if (!Number.isInteger(first) || first < 0 || first > maxPageSize) {
    throw new QueryError(
      "invalid_argument",
      `argument first: must be an integer from 0 to ${maxPageSize} (got ${first})`,
    );
  }
  const from = args.fromHeight ?? 0n;
  if (from < 0n)
    throw new QueryError("invalid_argument", `argument fromHeight: must not be negative (got ${from})`);
  const to = args.toHeight ?? 2n ** 63n - 1n;
  const { throughHeight, timestampCutoff } = await providerMissedRule(
    db,
    fpBtcPk,
    args.graceSeconds ?? DEFAULT_MISSED_GRACE_SECONDS,
  );
  const missed = which === "missed";
  const rows = await db.$queryRaw<Array<{ height: bigint }>>`
    SELECT b.height FROM l2_block b
    JOIN voting_power vp ON vp.btc_height = b.btc_height AND vp.fp_btc_pk = ${fpBtcPk} AND vp.power > 0
    WHERE b.canonical AND b.checked AND b.height >= ${from} AND b.height <= ${to}
      AND NOT EXISTS (SELECT 1 FROM finality_signature s
                      WHERE s.height = b.height AND s.block_hash = b.hash AND s.fp_btc_pk = ${fpBtcPk})
      AND (b.height <= ${throughHeight} OR b.timestamp <= ${timestampCutoff}) = ${missed}
    ORDER BY b.height DESC LIMIT ${first}`;
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
export async function providerParticipation(
  db: Db,
  fpBtcPk: string,
  window: number,
  rule: MissedRule,
): Promise<ParticipationCounts> {
  const { throughHeight, timestampCutoff } = rule;
  const [row] = await db.$queryRaw<Array<{ expected: number; voted: number; pending: number }>>`
    WITH expected AS (
      SELECT b.height, b.timestamp,
             EXISTS (SELECT 1 FROM finality_signature s
                     WHERE s.height = b.height AND s.block_hash = b.hash AND s.fp_btc_pk = ${fpBtcPk}) AS voted
      FROM l2_block b
      JOIN voting_power vp ON vp.btc_height = b.btc_height AND vp.fp_btc_pk = ${fpBtcPk} AND vp.power > 0
      WHERE b.canonical AND b.checked
      ORDER BY b.height DESC LIMIT ${window})
    SELECT count(*)::int AS expected,
           count(*) FILTER (WHERE voted)::int AS voted,
           count(*) FILTER (WHERE NOT voted
                            AND NOT (height <= ${throughHeight} OR timestamp <= ${timestampCutoff}))::int AS pending
    FROM expected`;
  return {
    window,
    expected: Number(row?.expected ?? 0),
    voted: Number(row?.voted ?? 0),
    pending: Number(row?.pending ?? 0),
  };
}
