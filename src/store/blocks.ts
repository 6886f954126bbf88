// L2 blocks and their verdicts, and the Babylon blocks' times. The L2 stage inserts and orphans blocks; the
// engine writes verdicts and finality; both go through here, so a block's status moves by these rules only.
import type { L2BlockHeader } from "../chains/l2.ts";
import { type FinalityGrid, isCheckedHeight } from "../core/finality/index.ts";
import { recordUnvotedBlocks } from "./participation.ts";
import { dec, type Tx } from "./tx.ts";

/** New canonical blocks; a block seen before (orphaned by a reorg, now back) becomes canonical again. */
export async function insertL2Blocks(db: Tx, blocks: L2BlockHeader[], grid: FinalityGrid): Promise<void> {
  const checked = blocks.map((b) => isCheckedHeight(b.height, grid));
  await db.$executeRawUnsafe(
    `INSERT INTO l2_block (hash, height, parent_hash, timestamp, canonical, checked, status)
     SELECT h, ht, p, ts, true, c, (CASE WHEN c THEN 'PENDING' ELSE 'NOT_CHECKED' END)::"BlockStatus"
     FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::boolean[]) AS t(h, ht, p, ts, c)
     ON CONFLICT (hash) DO UPDATE SET canonical = true,
       status = CASE WHEN l2_block.status = 'ORPHANED' THEN EXCLUDED.status ELSE l2_block.status END`,
    blocks.map((b) => b.hash),
    blocks.map((b) => dec(b.height)),
    blocks.map((b) => b.parentHash),
    blocks.map((b) => dec(b.timestamp)),
    checked,
  );
}

export async function canonicalHashes(db: Tx, from: bigint, to: bigint): Promise<Map<bigint, string>> {
  const rows = await db.$queryRawUnsafe<{ height: bigint; hash: string }[]>(
    `SELECT height, hash FROM l2_block WHERE canonical AND height BETWEEN $1::bigint AND $2::bigint`,
    dec(from),
    dec(to),
  );
  return new Map(rows.map((r) => [BigInt(r.height), r.hash]));
}

/** The lowest BTC-finalized canonical block above `height`, which no reorg may remove (rule 9). */
export async function finalizedAbove(
  db: Tx,
  height: bigint,
): Promise<{ height: bigint; hash: string } | undefined> {
  const rows = await db.$queryRawUnsafe<{ height: bigint; hash: string }[]>(
    `SELECT height, hash FROM l2_block WHERE canonical AND status = 'FINALIZED' AND height > $1::bigint ORDER BY height LIMIT 1`,
    dec(height),
  );
  const row = rows[0];
  return row ? { height: BigInt(row.height), hash: row.hash } : undefined;
}

/** Marks the canonical suffix above `height` orphaned; never a BTC-finalized block. */
export async function orphanAbove(db: Tx, height: bigint): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE l2_block SET canonical = false, status = 'ORPHANED'
     WHERE canonical AND height > $1::bigint AND status <> 'FINALIZED'`,
    dec(height),
  );
}

/**
 * Sends verdicts not yet final back to the engine: all of them (stake or BTC headers changed), or those of
 * the given L2 heights (new votes).
 */
export async function reopenVerdicts(db: Tx, heights?: bigint[]): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE l2_block SET evaluated_at = NULL
     WHERE evaluated_at IS NOT NULL AND status NOT IN ('FINALIZED', 'NOT_ACTIVATED')
       AND ($1::bigint[] IS NULL OR height = ANY($1::bigint[]))`,
    heights?.map(dec) ?? null,
  );
}

export interface BlockToEvaluate {
  hash: string;
  height: bigint;
  timestamp: bigint;
}

/** Checked canonical blocks from `from` with no verdict yet, up to L2 time `until` (seconds). */
export async function blocksToEvaluate(
  db: Tx,
  from: bigint,
  until: bigint,
  limit: number,
): Promise<BlockToEvaluate[]> {
  const rows = await db.$queryRawUnsafe<{ hash: string; height: bigint; timestamp: bigint }[]>(
    `SELECT hash, height, timestamp FROM l2_block
     WHERE canonical AND checked AND evaluated_at IS NULL AND height >= $1::bigint AND timestamp <= $2::bigint
     ORDER BY height LIMIT $3`,
    dec(from),
    dec(until),
    limit,
  );
  return rows.map((r) => ({ hash: r.hash, height: BigInt(r.height), timestamp: BigInt(r.timestamp) }));
}

export interface Verdict {
  hash: string;
  btcHeight: number | null;
  votedPower: bigint;
  totalPower: bigint;
  voters: number;
}

/**
 * A block's tally (rule 4); its status is PENDING until finalized, or NO_VOTING_POWER. Canonical rows only.
 * Its BTC height's power table must be stored: the providers it gives power and no vote are recorded unvoted.
 */
export async function writeVerdicts(db: Tx, verdicts: Verdict[]): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE l2_block b SET btc_height = r.btc, voted_power = r.voted, total_power = r.total, voter_count = r.voters,
       evaluated_at = now(),
       status = (CASE WHEN b.status = 'FINALIZED' THEN 'FINALIZED' WHEN r.total = 0 THEN 'NO_VOTING_POWER' ELSE 'PENDING' END)::"BlockStatus"
     FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::int[]) AS r(hash, btc, voted, total, voters)
     WHERE b.hash = r.hash AND b.canonical`,
    verdicts.map((v) => v.hash),
    verdicts.map((v) => v.btcHeight),
    verdicts.map((v) => dec(v.votedPower)),
    verdicts.map((v) => dec(v.totalPower)),
    verdicts.map((v) => v.voters),
  );
  await recordUnvotedBlocks(
    db,
    verdicts.map((v) => v.hash),
  );
}

export interface ChainRow {
  hash: string;
  height: bigint;
  parentHash: string;
  timestamp: bigint;
  checked: boolean;
  evaluated: boolean;
  votedPower: bigint | null;
  totalPower: bigint | null;
}

/** The canonical chain from `from` on, with each block's stored tally. */
export async function canonicalChain(db: Tx, from: bigint, limit: number): Promise<ChainRow[]> {
  const rows = await db.$queryRawUnsafe<
    {
      hash: string;
      height: bigint;
      parent_hash: string;
      timestamp: bigint;
      checked: boolean;
      evaluated: boolean;
      voted: bigint | null;
      total: bigint | null;
    }[]
  >(
    `SELECT hash, height, parent_hash, timestamp, checked, evaluated_at IS NOT NULL AS evaluated,
            voted_power AS voted, total_power AS total
     FROM l2_block WHERE canonical AND height >= $1::bigint ORDER BY height LIMIT $2`,
    dec(from),
    limit,
  );
  return rows.map((r) => ({
    hash: r.hash,
    height: BigInt(r.height),
    parentHash: r.parent_hash,
    timestamp: BigInt(r.timestamp),
    checked: r.checked,
    evaluated: r.evaluated,
    votedPower: r.voted === null ? null : BigInt(r.voted),
    totalPower: r.total === null ? null : BigInt(r.total),
  }));
}

/** Marks canonical blocks BTC-finalized; returns how many were (fewer means a reorg raced the step). */
export async function markFinalized(db: Tx, hashes: string[], at: Date): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE l2_block SET status = 'FINALIZED', finalized_at = $2
     WHERE hash = ANY($1::text[]) AND canonical AND status <> 'FINALIZED'`,
    hashes,
    at,
  );
}

/**
 * Blocks below the activation block were never subject to BTC staking (rule 7). Never a BTC-finalized block:
 * activation is fixed once seen, so none is below it, and the API serves finalized rows from memory for ever.
 */
export async function markNotActivatedBelow(db: Tx, height: bigint): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE l2_block SET status = 'NOT_ACTIVATED'
     WHERE canonical AND height < $1::bigint AND status NOT IN ('NOT_ACTIVATED', 'FINALIZED')`,
    dec(height),
  );
}

export async function insertBabylonBlocks(db: Tx, blocks: { height: bigint; time: Date }[]): Promise<void> {
  if (blocks.length === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO babylon_block (height, time) SELECT * FROM unnest($1::bigint[], $2::timestamp(3)[]) ON CONFLICT DO NOTHING`,
    blocks.map((b) => dec(b.height)),
    blocks.map((b) => b.time.toISOString()),
  );
}

/**
 * For each time (seconds), the last indexed Babylon block at or before it; 0 when every indexed block is
 * later (a time older than the index sees none of the indexed changes).
 */
export async function babylonHeightsAtTimes(db: Tx, times: bigint[]): Promise<bigint[]> {
  const rows = await db.$queryRawUnsafe<{ i: number; x: bigint | null }[]>(
    `SELECT q.i, (SELECT max(height) FROM babylon_block WHERE time <= to_timestamp(q.t) AT TIME ZONE 'UTC') AS x
     FROM unnest($1::bigint[]) WITH ORDINALITY AS q(t, i)`,
    times.map(dec),
  );
  const out = times.map(() => 0n);
  for (const r of rows) out[Number(r.i) - 1] = r.x === null ? 0n : BigInt(r.x);
  return out;
}

/** One open incident per kind and height: a loop that meets the same fork again does not pile up rows. */
export async function recordIncident(
  db: Tx,
  kind: string,
  height: bigint | null,
  details: string,
): Promise<void> {
  await db.$executeRawUnsafe(
    `INSERT INTO safety_incident (kind, height, details)
     SELECT $1, $2::bigint, $3 WHERE NOT EXISTS (
       SELECT 1 FROM safety_incident WHERE kind = $1 AND height IS NOT DISTINCT FROM $2::bigint AND resolved_at IS NULL)`,
    kind,
    height === null ? null : dec(height),
    details,
  );
}

/** Safety incidents not yet resolved by an operator. */
export async function openIncidentCount(db: Tx): Promise<number> {
  const rows = await db.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM safety_incident WHERE resolved_at IS NULL`,
  );
  return Number(rows[0]?.n ?? 0);
}
