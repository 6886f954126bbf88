// The candidates of store/participation.ts (`unvoted_block`) against the definition they stand in for: every
// checked canonical block at whose BTC height the provider has power in the stored table and that it has no
// vote for. Each step below goes through the store's own writers, as the engine and the ingesters do, and
// the provider's unvoted heights must equal the definition's after it.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finalityGrid } from "../../src/core/finality/grid.ts";
import type { PrismaClient } from "../../src/db/generated/client.ts";
import type { SignatureRecord } from "../../src/indexer/babylon/records.ts";
import { insertL2Blocks, orphanAbove, writeVerdicts } from "../../src/store/blocks.ts";
import { unvotedCheckedHeights } from "../../src/store/participation.ts";
import { insertSignatures } from "../../src/store/signatures.ts";
import { replaceVotingPower } from "../../src/store/voting-power.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;
let prisma: PrismaClient;

const FP = { A: "aa".repeat(32), B: "bb".repeat(32), C: "cc".repeat(32), D: "dd".repeat(32) };
const hash = (h: number, fork = "") => `0x${fork}${String(h).padStart(64 - fork.length, "0")}`;
const grid = finalityGrid(1n, 1n);
const everything = { throughHeight: 1_000_000n, timestampCutoff: 0n };
let babylonHeight = 1000n;

function signature(fp: string, height: number, blockHash = hash(height), msgIndex = 0): SignatureRecord {
  return {
    babylonHeight,
    txHash: `${fp.slice(0, 8)}${babylonHeight}`,
    msgIndex,
    fpBtcPk: fp,
    height: BigInt(height),
    blockHash,
    pubRand: null,
    signature: null,
    babylonTime: new Date(),
  };
}

async function vote(fp: string, height: number, blockHash = hash(height)): Promise<void> {
  babylonHeight++;
  await insertSignatures(prisma, [signature(fp, height, blockHash)]);
}

async function verdicts(hashes: string[], btcHeight = 100): Promise<void> {
  await writeVerdicts(
    prisma,
    hashes.map((h) => ({ hash: h, btcHeight, votedPower: 0n, totalPower: 1n, voters: 0 })),
  );
}

/** The definition, over the whole history. */
async function definition(fp: string): Promise<bigint[]> {
  const rows = await prisma.$queryRawUnsafe<{ height: bigint }[]>(
    `SELECT b.height FROM l2_block b
     JOIN voting_power vp ON vp.btc_height = b.btc_height AND vp.fp_btc_pk = $1 AND vp.power > 0
     WHERE b.canonical AND b.checked
       AND NOT EXISTS (SELECT 1 FROM finality_signature s
                       WHERE s.height = b.height AND s.block_hash = b.hash AND s.fp_btc_pk = $1)
     ORDER BY b.height DESC`,
    fp,
  );
  return rows.map((r) => BigInt(r.height));
}

async function unvoted(fp: string): Promise<bigint[]> {
  return unvotedCheckedHeights(prisma, fp, {
    from: 0n,
    to: 1_000n,
    first: 1_000,
    rule: everything,
    which: "missed",
  });
}

async function expectDefinition(): Promise<void> {
  for (const fp of Object.values(FP)) expect(await unvoted(fp), fp.slice(0, 2)).toEqual(await definition(fp));
}

const heights = (...hs: number[]) => hs.map(BigInt);

beforeAll(async () => {
  db = await openTestDatabase();
  prisma = db.prisma;
  await insertL2Blocks(
    prisma,
    Array.from({ length: 10 }, (_, i) => ({
      height: BigInt(i + 1),
      hash: hash(i + 1),
      parentHash: hash(i),
      timestamp: BigInt(1_700_000_000 + i),
    })),
    grid,
  );
  await replaceVotingPower(
    prisma,
    100,
    new Map([
      [FP.A, 500n],
      [FP.B, 300n],
      [FP.C, 200n],
    ]),
  );
  // A votes everything, B all but 4 and 8, C up to 6; D has no power yet.
  for (let h = 1; h <= 10; h++) {
    await vote(FP.A, h);
    if (h !== 4 && h !== 8) await vote(FP.B, h);
    if (h <= 6) await vote(FP.C, h);
  }
  await verdicts(Array.from({ length: 10 }, (_, i) => hash(i + 1)));
}, 120_000);

afterAll(async () => {
  await db?.close();
});

describe("unvoted checked heights", () => {
  it("are recorded with the verdicts, and only the unvoted ones", async () => {
    expect(await unvoted(FP.A)).toEqual([]);
    expect(await unvoted(FP.B)).toEqual(heights(8, 4));
    expect(await unvoted(FP.C)).toEqual(heights(10, 9, 8, 7));
    expect(await prisma.unvotedBlock.count()).toBe(6);
    await expectDefinition();
  });

  it("lose a height when its vote arrives, and keep it for a vote for another block at that height", async () => {
    await vote(FP.C, 7);
    await vote(FP.B, 8, hash(8, "f0"));
    expect(await unvoted(FP.C)).toEqual(heights(10, 9, 8));
    expect(await unvoted(FP.B)).toEqual(heights(8, 4));
    // The vote deleted its candidate, rather than leaving it for every read to filter.
    expect(await prisma.unvotedBlock.count({ where: { fpBtcPk: FP.C, height: 7n } })).toBe(0);
    await expectDefinition();
  });

  it("gain the blocks already at a BTC height whose new power table gives a provider power", async () => {
    await replaceVotingPower(
      prisma,
      100,
      new Map([
        [FP.A, 500n],
        [FP.B, 300n],
        [FP.C, 200n],
        [FP.D, 100n],
      ]),
    );
    expect(await unvoted(FP.D)).toEqual(heights(10, 9, 8, 7, 6, 5, 4, 3, 2, 1));
    await expectDefinition();
  });

  it("drop a provider the new power table leaves out", async () => {
    await replaceVotingPower(
      prisma,
      100,
      new Map([
        [FP.A, 500n],
        [FP.B, 300n],
        [FP.D, 100n],
      ]),
    );
    expect(await unvoted(FP.C)).toEqual([]);
    await expectDefinition();
  });

  it("follow an L2 reorg: the orphaned block's drop out, the new block's come in with its verdict", async () => {
    await orphanAbove(prisma, 9n);
    await insertL2Blocks(
      prisma,
      [{ height: 10n, hash: hash(10, "e0"), parentHash: hash(9), timestamp: 1_700_000_009n }],
      grid,
    );
    await vote(FP.A, 10, hash(10, "e0"));
    await verdicts([hash(10, "e0")]);
    expect(await unvoted(FP.A)).toEqual([]);
    expect(await unvoted(FP.B)).toEqual(heights(10, 8, 4));
    await expectDefinition();
    // The old block back on the canonical chain brings its candidates back with it.
    await orphanAbove(prisma, 9n);
    await insertL2Blocks(
      prisma,
      [{ height: 10n, hash: hash(10), parentHash: hash(9), timestamp: 1_700_000_009n }],
      grid,
    );
    expect(await unvoted(FP.B)).toEqual(heights(8, 4));
    await expectDefinition();
  });

  it("are filled by the migration from a database that had none", async () => {
    const sql = readFileSync(
      new URL("../../prisma/migrations/20261206190000_unvoted_block/migration.sql", import.meta.url),
      "utf8",
    );
    const fill = sql.slice(sql.indexOf("INSERT INTO"));
    await prisma.$executeRawUnsafe("DELETE FROM unvoted_block");
    expect(await unvoted(FP.B)).toEqual([]);
    await prisma.$executeRawUnsafe(fill);
    await expectDefinition();
    expect(await unvoted(FP.D)).toHaveLength(10);
  });

  it("lose every height voted in a batch larger than one statement, the last statement's too", async () => {
    const candidates = await unvoted(FP.D);
    expect(candidates.length).toBeGreaterThan(0);
    babylonHeight++;
    // 4,500 votes for heights without blocks, then D's candidates: three statements, the candidates in the last.
    const batch = [...Array.from({ length: 4_500 }, (_, i) => 100_000 + i), ...candidates.map(Number)].map(
      (h, i) => signature(FP.D, h, hash(h), i),
    );
    await insertSignatures(prisma, batch);
    const rows = await prisma.$queryRawUnsafe<{ n: bigint }[]>(
      "SELECT count(*) AS n FROM finality_signature WHERE babylon_height = $1",
      babylonHeight,
    );
    expect(Number(rows[0]!.n)).toBe(batch.length);
    expect(await unvoted(FP.D)).toEqual([]);
    await expectDefinition();
  });
});
