// The explorer's keyed reads use raw SQL for speed; they must return exactly the rows (names, types, order)
// Prisma's model API returns, on Postgres and on PGlite alike.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../../src/db/generated/client.ts";
import { blocksByHash, canonicalBlocksAt, finalizedEnd } from "../../../src/store/reads/blocks.ts";
import { providersByPk } from "../../../src/store/reads/providers.ts";
import { votesOfBlocks } from "../../../src/store/reads/signatures.ts";
import { blockHash, seedChain } from "../../api/fixtures.ts";
import { openTestDatabase, type TestDatabase } from "../../helpers/database.ts";

let db: TestDatabase;
let prisma: PrismaClient;

beforeAll(async () => {
  db = await openTestDatabase();
  prisma = db.prisma;
  await seedChain(prisma);
}, 120_000);

afterAll(async () => {
  await db?.close();
});

const byHeight = <T extends { height: bigint }>(rows: T[]) =>
  [...rows].sort((a, b) => (a.height < b.height ? -1 : a.height > b.height ? 1 : 0));

describe("raw keyed reads", () => {
  it("canonicalBlocksAt and blocksByHash return Prisma's L2Block rows", async () => {
    const heights = [10n, 15n, 40n, 45n, 46n, 48n, 999n];
    const expected = await prisma.l2Block.findMany({ where: { canonical: true, height: { in: heights } } });
    expect(expected.length).toBeGreaterThan(3);
    expect(byHeight(await canonicalBlocksAt(prisma, heights))).toEqual(byHeight(expected));
    const hashes = [...expected.map((b) => b.hash), "0xnone"];
    expect(byHeight(await blocksByHash(prisma, hashes))).toEqual(byHeight(expected));
  });

  it("finalizedEnd and providersByPk return Prisma's rows", async () => {
    for (const end of ["newest", "oldest"] as const) {
      const expected = await prisma.l2Block.findFirst({
        where: { canonical: true, status: "FINALIZED" },
        orderBy: { height: end === "newest" ? "desc" : "asc" },
      });
      expect(expected).not.toBeNull();
      expect(await finalizedEnd(prisma, end)).toEqual(expected);
    }
    const providers = await prisma.finalityProvider.findMany();
    expect(providers.length).toBeGreaterThan(1);
    const pks = [...providers.map((p) => p.btcPk), "none"];
    const sort = (rows: { btcPk: string }[]) => [...rows].sort((a, b) => a.btcPk.localeCompare(b.btcPk));
    expect(sort(await providersByPk(prisma, pks))).toEqual(sort(providers));
  });

  it("votesOfBlocks returns Prisma's FinalitySignature rows for exactly the pairs asked, in accept order", async () => {
    const blocks = [
      { height: 10n, hash: blockHash(10n) },
      { height: 20n, hash: blockHash(20n) },
      { height: 20n, hash: blockHash(20n) },
      { height: 25n, hash: blockHash(30n) }, // a hash of another height: no votes
    ];
    const groups = await votesOfBlocks(prisma, blocks);
    for (const h of [10n, 20n]) {
      const expected = await prisma.finalitySignature.findMany({
        where: { height: h, blockHash: blockHash(h) },
        orderBy: [{ babylonHeight: "asc" }, { txHash: "asc" }, { msgIndex: "asc" }],
      });
      expect(expected.length).toBeGreaterThan(0);
      expect(groups.get(`${h}:${blockHash(h)}`)).toEqual(expected);
    }
    expect(groups.has(`25:${blockHash(30n)}`)).toBe(false);
  });
});
