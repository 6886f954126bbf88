// The BTC light client's main chain as Babylon reported it: contiguous from its base, a suffix replaced on a
// BTC reorg.
import { ProtocolError } from "../errors.ts";
import type { Tx } from "./tx.ts";

export interface BtcHeaderRow {
  height: number;
  hash: string;
  prevHash: string;
  timestamp: number;
}

export async function btcTip(db: Tx): Promise<{ height: number; hash: string } | undefined> {
  const rows = await db.$queryRawUnsafe<{ height: number; hash: string }[]>(
    `SELECT height, hash FROM btc_header ORDER BY height DESC LIMIT 1`,
  );
  const row = rows[0];
  return row ? { height: Number(row.height), hash: row.hash } : undefined;
}

export async function btcHashesAt(db: Tx, heights: number[]): Promise<Map<number, string>> {
  const rows = await db.$queryRawUnsafe<{ height: number; hash: string }[]>(
    `SELECT height, hash FROM btc_header WHERE height = ANY($1::int[])`,
    heights,
  );
  return new Map(rows.map((r) => [Number(r.height), r.hash]));
}

/**
 * The heights of the stored headers with these hashes. A hash not stored (yet) fails the caller's commit
 * rather than being guessed: Babylon named a block of its light client, which the header sync brings in, and
 * any height taken in its place could count stake past its unbonding. The batch is retried after the sync.
 */
export async function btcHeightsOfHashes(db: Tx, hashes: string[]): Promise<Map<string, number>> {
  if (hashes.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<{ height: number; hash: string }[]>(
    `SELECT height, hash FROM btc_header WHERE hash = ANY($1::text[])`,
    hashes,
  );
  const out = new Map(rows.map((r) => [r.hash, Number(r.height)]));
  const missing = hashes.filter((h) => !out.has(h));
  if (missing.length > 0) {
    throw new ProtocolError(
      `BTC block ${missing[0]} named by Babylon is not among the synced BTC headers yet`,
    );
  }
  return out;
}

/** Headers above `height` (all when undefined), in order: what the engine's BTC time index appends. */
export async function btcHeadersAbove(
  db: Tx,
  height: number | undefined,
): Promise<{ height: number; timestamp: number }[]> {
  const rows = await db.$queryRawUnsafe<{ height: number; timestamp: number }[]>(
    `SELECT height, timestamp FROM btc_header WHERE height > $1 ORDER BY height`,
    height ?? -1,
  );
  return rows.map((r) => ({ height: Number(r.height), timestamp: Number(r.timestamp) }));
}

/** Replaces every stored header from the lowest of `headers` up with `headers` (in ascending order). */
export async function replaceBtcHeadersFrom(db: Tx, headers: BtcHeaderRow[]): Promise<void> {
  if (headers.length === 0) return;
  await db.$executeRawUnsafe(`DELETE FROM btc_header WHERE height >= $1`, headers[0]!.height);
  await db.$executeRawUnsafe(
    `INSERT INTO btc_header (height, hash, prev_hash, timestamp) SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::int[])`,
    headers.map((h) => h.height),
    headers.map((h) => h.hash),
    headers.map((h) => h.prevHash),
    headers.map((h) => h.timestamp),
  );
}
