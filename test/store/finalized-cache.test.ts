// The API's cache of finalized blocks: only rows the database returned as canonical and FINALIZED are kept
// (and served without asking again); a block that is not finalized is read fresh every time, so a reorg of
// the unfinalized tip is seen at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../src/db/generated/client.ts";
import { orphanAbove } from "../../src/store/blocks.ts";
import { blocksByHash, canonicalBlocksAt, canonicalStatusesBetween } from "../../src/store/reads/blocks.ts";
import { FinalizedBlocks } from "../../src/store/reads/finalized-cache.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;
let prisma: PrismaClient;

const hash = (h: number, fork = "") => `0x${fork.padEnd(1, "a")}${String(h).padStart(63, "0")}`;

async function insert(h: number, fork: string, status: "PENDING" | "FINALIZED", evaluated = true) {
  await prisma.l2Block.create({
    data: {
      hash: hash(h, fork),
      height: BigInt(h),
      parentHash: hash(h - 1, fork),
      timestamp: BigInt(1_700_000_000 + h),
      checked: true,
      status,
      evaluatedAt: evaluated ? new Date() : null,
    },
  });
}

beforeAll(async () => {
  db = await openTestDatabase();
  prisma = db.prisma;
}, 120_000);

afterAll(async () => {
  await db?.close();
});

describe("FinalizedBlocks", () => {
  it("reads an unfinalized block fresh after a reorg, and serves a finalized one from memory", async () => {
    const cache = new FinalizedBlocks();
    await insert(1, "a", "FINALIZED");
    await insert(2, "a", "PENDING");
    expect((await canonicalBlocksAt(prisma, [1n, 2n], cache)).map((b) => b.hash).sort()).toEqual([
      hash(1, "a"),
      hash(2, "a"),
    ]);
    // The unfinalized block at 2 is reorged away and replaced: the next read sees the new one.
    await orphanAbove(prisma, 1n);
    await insert(2, "b", "PENDING");
    const [at2] = await canonicalBlocksAt(prisma, [2n], cache);
    expect(at2?.hash).toBe(hash(2, "b"));
    expect(cache.atHeight(2n)).toBeUndefined();
    // The finalized block at 1 is answered from memory: the database is not asked (here: the row is gone).
    await prisma.l2Block.delete({ where: { hash: hash(1, "a") } });
    expect((await canonicalBlocksAt(prisma, [1n], cache))[0]?.hash).toBe(hash(1, "a"));
    expect((await blocksByHash(prisma, [hash(1, "a")], cache))[0]?.height).toBe(1n);
    expect(await canonicalStatusesBetween(prisma, 1n, 2n, cache)).toEqual([
      { height: 1n, hash: hash(1, "a"), status: "FINALIZED" },
      { height: 2n, hash: hash(2, "b"), status: "PENDING" },
    ]);
  });

  it("does not keep a finalized checked block whose tally is not written yet, but knows its hash", async () => {
    const cache = new FinalizedBlocks();
    await insert(10, "c", "FINALIZED", false);
    await canonicalBlocksAt(prisma, [10n], cache);
    expect(cache.atHeight(10n)).toBeUndefined();
    expect(cache.finalizedHashAt(10n)).toBe(hash(10, "c"));
  });

  it("stays within its size, dropping the oldest first", async () => {
    const cache = new FinalizedBlocks({ rows: 2, hashes: 3 });
    for (const h of [20, 21, 22, 23]) await insert(h, "d", "FINALIZED");
    for (const h of [20n, 21n, 22n, 23n]) await canonicalBlocksAt(prisma, [h], cache);
    expect([20n, 21n, 22n, 23n].map((h) => cache.atHeight(h) !== undefined)).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect([20n, 21n, 22n, 23n].map((h) => cache.finalizedHashAt(h) !== undefined)).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });
});
