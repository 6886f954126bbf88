// The engine's verdicts a backfill left in l2_block, as one md5 and row by row, so two runs of one history
// (two commits, or one commit twice) can be compared. Only columns every schema since the first migration
// has, so an older checkout's database is read by the same query.
import { createHash } from "node:crypto";
import type { Tx } from "../src/store/tx.ts";

export interface Verdicts {
  /** md5 of the rows joined by ';', in (height, hash) order: what Postgres's md5(string_agg(…)) gives. */
  md5: string;
  /** Each row's verdict columns, keyed by height and hash. */
  rows: Map<string, { height: bigint; columns: string }>;
}

export async function readVerdicts(db: Tx): Promise<Verdicts> {
  const rows = await db.$queryRawUnsafe<{ height: bigint; hash: string; columns: string }[]>(
    `SELECT height, hash, concat_ws(',', height, hash, canonical, checked, status, btc_height, voted_power,
       total_power, voter_count) AS columns
     FROM l2_block ORDER BY height, hash`,
  );
  return {
    md5: createHash("md5")
      .update(rows.map((r) => r.columns).join(";"))
      .digest("hex"),
    rows: new Map(
      rows.map((r) => [`${r.height}:${r.hash}`, { height: BigInt(r.height), columns: r.columns }]),
    ),
  };
}

/** How many rows differ between two runs (present in one only, or with other columns), and where, lowest first. */
export function verdictDifferences(a: Verdicts, b: Verdicts): { count: number; heights: bigint[] } {
  const heights: bigint[] = [];
  for (const [key, row] of a.rows) if (b.rows.get(key)?.columns !== row.columns) heights.push(row.height);
  for (const [key, row] of b.rows) if (!a.rows.has(key)) heights.push(row.height);
  heights.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return { count: heights.length, heights };
}
