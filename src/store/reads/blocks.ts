// The API's reads of L2 blocks (and of the incidents the engine records on them). Model reads through
// Prisma's client: the rows are the generated `L2Block` type the query surfaces print. Reads given a
// FinalizedBlocks cache answer finalized blocks from it and remember the finalized rows they read.
import type { L2Block, Prisma, PrismaClient, SafetyIncident } from "../../db/generated/client.ts";
import { dec, type Tx } from "../tx.ts";
import type { FinalizedBlocks } from "./finalized-cache.ts";
import type { PageQuery } from "./page.ts";

export type BlockReader = Pick<PrismaClient, "l2Block"> & Tx;

/**
 * Every l2_block column under its model name, so a raw read returns the generated L2Block shape. The keyed
 * reads every explorer request makes go through raw SQL: Prisma's model API costs about 0.7 ms of CPU per
 * read, ~3× a raw statement (bench/api.bench.ts, 20 blocks by height), and it is CPU, not Postgres, that
 * bounds the API's throughput.
 */
const L2_BLOCK_COLUMNS = `hash, height, parent_hash AS "parentHash", timestamp, canonical, checked, status,
  btc_height AS "btcHeight", voted_power AS "votedPower", total_power AS "totalPower",
  voter_count AS "voterCount", evaluated_at AS "evaluatedAt", finalized_at AS "finalizedAt",
  finalized_by_babylon_height AS "finalizedByBabylonHeight", ingested_at AS "ingestedAt"`;

/** The stored blocks with these hashes; finalized ones from `cache` when it has them. */
export async function blocksByHash(
  db: Tx,
  hashes: readonly string[],
  cache?: FinalizedBlocks,
): Promise<L2Block[]> {
  const { hits, misses } = split(hashes, (h) => cache?.byHash(h));
  if (misses.length === 0) return hits;
  const rows = await db.$queryRawUnsafe<L2Block[]>(
    `SELECT ${L2_BLOCK_COLUMNS} FROM l2_block WHERE hash = ANY($1::text[])`,
    misses,
  );
  cache?.remember(rows);
  return [...hits, ...rows];
}

/** The canonical blocks at these heights; finalized ones from `cache` when it has them. */
export async function canonicalBlocksAt(
  db: Tx,
  heights: readonly bigint[],
  cache?: FinalizedBlocks,
): Promise<L2Block[]> {
  const { hits, misses } = split(heights, (h) => cache?.atHeight(h));
  if (misses.length === 0) return hits;
  const rows = await db.$queryRawUnsafe<L2Block[]>(
    `SELECT ${L2_BLOCK_COLUMNS} FROM l2_block WHERE canonical AND height = ANY($1::bigint[])`,
    misses.map(dec),
  );
  cache?.remember(rows);
  return [...hits, ...rows];
}

function split<K>(keys: readonly K[], cached: (key: K) => L2Block | undefined) {
  const hits: L2Block[] = [];
  const misses: K[] = [];
  for (const key of keys) {
    const row = cached(key);
    if (row === undefined) misses.push(key);
    else hits.push(row);
  }
  return { hits, misses };
}

export function blockPage(db: BlockReader, q: PageQuery<Prisma.L2BlockWhereInput>): Promise<L2Block[]> {
  return db.l2Block.findMany(q);
}

/** The newest (or oldest) BTC-finalized canonical block: one probe of the (status, height) index. */
export async function finalizedEnd(
  db: Tx,
  end: "newest" | "oldest",
  cache?: FinalizedBlocks,
): Promise<L2Block | null> {
  const [row = null] = await db.$queryRawUnsafe<L2Block[]>(
    `SELECT ${L2_BLOCK_COLUMNS} FROM l2_block WHERE status = 'FINALIZED' AND canonical
     ORDER BY height ${end === "newest" ? "DESC" : "ASC"} LIMIT 1`,
  );
  if (row !== null) cache?.remember([row]);
  return row;
}

export interface CanonicalStatus {
  height: bigint;
  hash: string;
  status: L2Block["status"];
}

/**
 * Hash and status of every canonical block with a height in [from, to]. The finalized prefix the cache knows
 * is answered from it; only the heights above are read.
 */
export async function canonicalStatusesBetween(
  db: Tx,
  from: bigint,
  to: bigint,
  cache?: FinalizedBlocks,
): Promise<CanonicalStatus[]> {
  const known: CanonicalStatus[] = [];
  let next = from;
  for (let hash = cache?.finalizedHashAt(next); hash !== undefined && next <= to; ) {
    known.push({ height: next, hash, status: "FINALIZED" });
    next++;
    hash = cache?.finalizedHashAt(next);
  }
  if (next > to) return known;
  const rows = await db.$queryRawUnsafe<CanonicalStatus[]>(
    `SELECT height, hash, status FROM l2_block WHERE canonical AND height BETWEEN $1::bigint AND $2::bigint`,
    dec(next),
    dec(to),
  );
  for (const row of rows) if (row.status === "FINALIZED") cache?.rememberHash(row.height, row.hash);
  return [...known, ...rows];
}

/** BTC-finalized canonical blocks above `after` (up to `upTo`), ascending, at most `limit`. */
export function finalizedAfter(
  db: BlockReader,
  after: bigint,
  upTo: bigint | undefined,
  limit: number,
): Promise<L2Block[]> {
  return db.l2Block.findMany({
    where: {
      canonical: true,
      status: "FINALIZED",
      height: upTo === undefined ? { gt: after } : { gt: after, lte: upTo },
    },
    orderBy: { height: "asc" },
    take: limit,
  });
}

/** The block with this hash if it is canonical and BTC-finalized. */
export function finalizedBlockByHash(db: BlockReader, hash: string): Promise<L2Block | null> {
  return db.l2Block.findFirst({ where: { hash, canonical: true, status: "FINALIZED" } });
}

export function openIncidents(
  db: Pick<PrismaClient, "safetyIncident">,
  limit: number,
): Promise<SafetyIncident[]> {
  return db.safetyIncident.findMany({ where: { resolvedAt: null }, orderBy: { id: "asc" }, take: limit });
}
