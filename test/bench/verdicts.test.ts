// The backfill bench's verdict digest: the same md5 Postgres gives for the rows joined in (height, hash) order
// (what the bench printed before it also compared rows), and a row-by-row difference between two runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readVerdicts, verdictDifferences } from "../../bench/verdicts.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;

const hash = (h: number, fork = "a") => `0x${fork}${String(h).padStart(63, "0")}`;

async function insert(h: number, fork: string, votedPower: bigint | null) {
  await db.prisma.l2Block.create({
    data: {
      hash: hash(h, fork),
      height: BigInt(h),
      parentHash: hash(h - 1, fork),
      timestamp: BigInt(1_700_000_000 + h),
      canonical: fork === "a",
      checked: h % 2 === 1,
      status: fork === "a" ? "PENDING" : "ORPHANED",
      votedPower,
      totalPower: votedPower === null ? null : 100n,
    },
  });
}

beforeAll(async () => {
  db = await openTestDatabase();
}, 120_000);

afterAll(async () => {
  await db?.close();
});

describe("readVerdicts", () => {
  it("digests as Postgres does, and tells which rows two runs disagree on", async () => {
    const empty = await readVerdicts(db.prisma);
    expect(empty.md5).toBe("d41d8cd98f00b204e9800998ecf8427e"); // md5 of ''
    await insert(1, "a", 70n);
    await insert(2, "a", null);
    await insert(2, "b", null);
    await insert(3, "a", 50n);
    const before = await readVerdicts(db.prisma);
    const [sql] = await db.prisma.$queryRawUnsafe<{ md5: string }[]>(
      `SELECT md5(coalesce(string_agg(concat_ws(',', height, hash, canonical, checked, status, btc_height,
         voted_power, total_power, voter_count), ';' ORDER BY height, hash), '')) AS md5 FROM l2_block`,
    );
    expect(before.md5).toBe(sql!.md5);
    expect(verdictDifferences(before, before)).toEqual({ count: 0, heights: [] });

    await db.prisma.l2Block.update({ where: { hash: hash(3) }, data: { votedPower: 80n } });
    await db.prisma.l2Block.delete({ where: { hash: hash(2, "b") } });
    await insert(4, "a", null);
    const after = await readVerdicts(db.prisma);
    expect(after.md5).not.toBe(before.md5);
    expect(verdictDifferences(before, after)).toEqual({ count: 3, heights: [2n, 3n, 4n] });
  });
});
