// The API's reads of L2 blocks (and of the incidents the engine records on them). Model reads through
// Prisma's client: the rows are the generated `L2Block` type the query surfaces print.
import type { L2Block, Prisma, PrismaClient, SafetyIncident } from "../../db/generated/client.ts";
import type { PageQuery } from "./page.ts";

export type BlockReader = Pick<PrismaClient, "l2Block">;

export function blocksByHash(db: BlockReader, hashes: readonly string[]): Promise<L2Block[]> {
  return db.l2Block.findMany({ where: { hash: { in: [...hashes] } } });
}

export function canonicalBlocksAt(db: BlockReader, heights: readonly bigint[]): Promise<L2Block[]> {
  return db.l2Block.findMany({ where: { canonical: true, height: { in: [...heights] } } });
}

export function blockPage(db: BlockReader, q: PageQuery<Prisma.L2BlockWhereInput>): Promise<L2Block[]> {
  return db.l2Block.findMany(q);
}

/** The newest (or oldest) BTC-finalized canonical block. */
export function finalizedEnd(db: BlockReader, end: "newest" | "oldest"): Promise<L2Block | null> {
  return db.l2Block.findFirst({
    where: { canonical: true, status: "FINALIZED" },
    orderBy: { height: end === "newest" ? "desc" : "asc" },
  });
}

export interface CanonicalStatus {
  height: bigint;
  hash: string;
  status: L2Block["status"];
}

/** Hash and status of every canonical block with a height in [from, to]. */
export function canonicalStatusesBetween(
  db: BlockReader,
  from: bigint,
  to: bigint,
): Promise<CanonicalStatus[]> {
  return db.l2Block.findMany({
    where: { canonical: true, height: { gte: from, lte: to } },
    select: { height: true, hash: true, status: true },
  });
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
