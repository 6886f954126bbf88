// The API's reads of finality signatures and equivocations.
import type { Equivocation, FinalitySignature, Prisma, PrismaClient } from "../../db/generated/client.ts";
import { dec, type Tx } from "../tx.ts";
import type { PageQuery } from "./page.ts";

export type SignatureReader = Pick<PrismaClient, "finalitySignature" | "equivocation">;

/**
 * A vote with its voter's power at its block's BTC height, as an explorer shows a block's votes: null when the
 * block has no BTC height yet or the engine has no power table for that height, 0 when the voter is not in it.
 */
export type VoteWithPower = FinalitySignature & { votingPower: bigint | null };

/**
 * Votes for each (height, hash), in the order the contract accepted them; keyed `${height}:${hash}`. Raw SQL
 * (every page of blocks asks it; see L2_BLOCK_COLUMNS in blocks.ts for why) on the (height, block_hash) index,
 * exactly the pairs asked. Each vote's power comes in the same statement: a block page asks for it beside
 * the votes, and reading the block and then the power table after the votes were two more round trips.
 */
export async function votesOfBlocks(
  db: Tx,
  blocks: readonly { height: bigint; hash: string }[],
): Promise<Map<string, VoteWithPower[]>> {
  const pairs = [...new Map(blocks.map((b) => [`${b.height}:${b.hash}`, b])).values()];
  const rows = await db.$queryRawUnsafe<VoteWithPower[]>(
    `SELECT s.babylon_height AS "babylonHeight", s.tx_hash AS "txHash", s.msg_index AS "msgIndex",
            s.fp_btc_pk AS "fpBtcPk", s.height, s.block_hash AS "blockHash", s.pub_rand AS "pubRand",
            s.signature, s.babylon_time AS "babylonTime",
            CASE WHEN EXISTS (SELECT 1 FROM voting_power t WHERE t.btc_height = l.btc_height)
                 THEN COALESCE(vp.power, 0) END AS "votingPower"
     FROM unnest($1::bigint[], $2::text[]) AS b(height, hash)
     JOIN finality_signature s ON s.height = b.height AND s.block_hash = b.hash
     LEFT JOIN l2_block l ON l.hash = s.block_hash
     LEFT JOIN voting_power vp ON vp.btc_height = l.btc_height AND vp.fp_btc_pk = s.fp_btc_pk
     ORDER BY s.babylon_height, s.tx_hash, s.msg_index`,
    pairs.map((b) => dec(b.height)),
    pairs.map((b) => b.hash),
  );
  const groups = new Map<string, VoteWithPower[]>();
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
