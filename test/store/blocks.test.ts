// markNotActivatedBelow beside the API's finalized-block cache (store/reads/finalized-cache.ts), which serves a
// canonical FINALIZED row from memory for ever: no call may change such a row. Through the engine none does —
// activation is fixed once seen and only blocks at or above it are finalized (core/finality/consecutive.ts) —
// and the statement itself leaves FINALIZED rows alone whatever height it is given, as orphanAbove does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../src/db/generated/client.ts";
import { markFinalized, markNotActivatedBelow } from "../../src/store/blocks.ts";
import { canonicalBlocksAt } from "../../src/store/reads/blocks.ts";
import { FinalizedBlocks } from "../../src/store/reads/finalized-cache.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase;
let prisma: PrismaClient;

const hash = (h: number) => `0x${String(h).padStart(64, "0")}`;

beforeAll(async () => {
  db = await openTestDatabase();
  prisma = db.prisma;
  // Checked every 2 heights; 1 and 3 had no voting power, 5 is the activation block S, 7 and 9 follow it.
  for (let h = 1; h <= 10; h++) {
    const checked = h % 2 === 1;
    await prisma.l2Block.create({
      data: {
        hash: hash(h),
        height: BigInt(h),
        parentHash: hash(h - 1),
        timestamp: BigInt(1_700_000_000 + h),
        checked,
        status: !checked ? "NOT_CHECKED" : h < 5 ? "NO_VOTING_POWER" : "PENDING",
        evaluatedAt: checked ? new Date() : null,
        totalPower: checked ? (h < 5 ? 0n : 100n) : null,
        votedPower: checked ? (h < 5 ? 0n : 90n) : null,
      },
    });
  }
}, 120_000);

afterAll(async () => {
  await db?.close();
});

const statuses = async () =>
  (await prisma.l2Block.findMany({ orderBy: { height: "asc" } })).map((b) => `${b.height}:${b.status}`);

describe("markNotActivatedBelow", () => {
  it("marks the blocks below activation and leaves every finalized block as the cache holds it", async () => {
    // The engine's first finalization, as it commits it: S and the blocks up to the next checked block with
    // quorum, then everything below S.
    const finalizedAt = new Date();
    expect(await markFinalized(prisma, [5, 6, 7].map(hash), finalizedAt)).toBe(3);
    await markNotActivatedBelow(prisma, 5n);
    expect(await statuses()).toEqual([
      "1:NOT_ACTIVATED",
      "2:NOT_ACTIVATED",
      "3:NOT_ACTIVATED",
      "4:NOT_ACTIVATED",
      "5:FINALIZED",
      "6:FINALIZED",
      "7:FINALIZED",
      "8:NOT_CHECKED",
      "9:PENDING",
      "10:NOT_CHECKED",
    ]);
    const cache = new FinalizedBlocks();
    const cached = await canonicalBlocksAt(prisma, [5n, 6n, 7n], cache);
    expect(cached.map((b) => cache.atHeight(b.height)?.status)).toEqual([
      "FINALIZED",
      "FINALIZED",
      "FINALIZED",
    ]);

    // Each later finalization commits markNotActivatedBelow again; and were it ever given a height above
    // finalized blocks, those still stay FINALIZED, so what the cache serves is what the database holds.
    await markNotActivatedBelow(prisma, 5n);
    await markNotActivatedBelow(prisma, 9n);
    const fresh = await prisma.l2Block.findMany({
      where: { height: { in: [5n, 6n, 7n] } },
      orderBy: { height: "asc" },
    });
    expect(fresh).toEqual([5n, 6n, 7n].map((h) => cache.atHeight(h)));
    expect(await statuses()).toContain("8:NOT_ACTIVATED");
  });
});
