// The API's reads of finality signatures and equivocations.
import type { Equivocation, FinalitySignature, Prisma, PrismaClient } from "../../db/generated/client.ts";
import type { Tx } from "../tx.ts";
import type { PageQuery } from "./page.ts";

export type SignatureReader = Pick<PrismaClient, "finalitySignature" | "equivocation">;

/** Votes for each (height, hash), in the order the contract accepted them; keyed `${height}:${hash}`. */
export async function votesOfBlocks(
  db: SignatureReader,
  blocks: readonly { height: bigint; hash: string }[],
): Promise<Map<string, FinalitySignature[]>> {
  const rows = await db.finalitySignature.findMany({
    where: {
      height: { in: [...new Set(blocks.map((b) => b.height))] },
      blockHash: { in: [...new Set(blocks.map((b) => b.hash))] },
    },
    orderBy: [{ babylonHeight: "asc" }, { txHash: "asc" }, { msgIndex: "asc" }],
  });
  const groups = new Map<string, FinalitySignature[]>();
  for (const row of rows) {
    const key = `${row.height}:${row.blockHash}`;
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

export function signaturePage(
  db: SignatureReader,
  q: PageQuery<Prisma.FinalitySignatureWhereInput>,
): Promise<FinalitySignature[]> {
  return db.finalitySignature.findMany(q);
}

/** Each provider's highest voted L2 height; absent before its first vote. */
export async function highestVotedHeights(db: Tx, pks: readonly string[]): Promise<Map<string, bigint>> {
  // One index probe per provider (fp_btc_pk, height): the lateral max, not a scan of the group.
  const rows = await db.$queryRawUnsafe<{ pk: string; height: bigint | null }[]>(
    `SELECT pk, (SELECT max(height) FROM finality_signature WHERE fp_btc_pk = pk) AS height
     FROM unnest($1::text[]) AS pk`,
    [...pks],
  );
  const heights = new Map<string, bigint>();
  for (const r of rows) if (r.height !== null) heights.set(r.pk, BigInt(r.height));
  return heights;
}

export function signatureByKey(
  db: SignatureReader,
  key: { babylonHeight: bigint; txHash: string; msgIndex: number },
): Promise<FinalitySignature | null> {
  return db.finalitySignature.findUnique({ where: { babylonHeight_txHash_msgIndex: key } });
}

export function equivocationPage(
  db: SignatureReader,
  q: PageQuery<Prisma.EquivocationWhereInput>,
): Promise<Equivocation[]> {
  return db.equivocation.findMany(q);
}

/** The newest equivocation recorded for a provider at an L2 height in a Babylon block. */
export function latestEquivocation(
  db: SignatureReader,
  at: { babylonHeight: bigint; fpBtcPk: string; height: bigint },
): Promise<Equivocation | null> {
  return db.equivocation.findFirst({ where: at, orderBy: { eventIndex: "desc" } });
}
