// The explorer's keyed reads use raw SQL for speed; they must return exactly the rows (names, types, order)
// Prisma's model API returns, on Postgres and on PGlite alike.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PrismaClient } from "../../../src/db/generated/client.ts";
import { blocksByHash, canonicalBlocksAt, finalizedEnd } from "../../../src/store/reads/blocks.ts";
import { providersByPk } from "../../../src/store/reads/providers.ts";
import { votesOfBlocks } from "../../../src/store/reads/signatures.ts";
import { blockHash, FP, seedChain } from "../../api/fixtures.ts";
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

  it("votesOfBlocks returns Prisma's FinalitySignature rows for exactly the pairs asked, in accept order, each with its power", async () => {
    // The three answers a vote's power has: a value (20), 0 for a voter absent from the table (a vote of FP.D,
    // added here, at 10), and null for a block whose BTC height has no table (30, moved to BTC height 77).
    await prisma.finalitySignature.create({
      data: {
        babylonHeight: 999n,
        txHash: "0xadded",
        msgIndex: 0,
        fpBtcPk: FP.D,
        height: 10n,
        blockHash: blockHash(10n),
        babylonTime: new Date(0),
      },
    });
    await prisma.l2Block.update({ where: { hash: blockHash(30n) }, data: { btcHeight: 77 } });
    const blocks = [
      { height: 10n, hash: blockHash(10n) },
      { height: 20n, hash: blockHash(20n) },
      { height: 20n, hash: blockHash(20n) },
      { height: 30n, hash: blockHash(30n) },
      { height: 25n, hash: blockHash(30n) }, // a hash of another height: no votes
    ];
    const groups = await votesOfBlocks(prisma, blocks);
    // The power as Signature.votingPower finds it for a vote read on its own: its block, then the table.
    const powerOf = async (vote: { blockHash: string; fpBtcPk: string }) => {
      const block = await prisma.l2Block.findUnique({ where: { hash: vote.blockHash } });
      if (block?.btcHeight == null) return null;
      const table = await prisma.votingPower.findMany({ where: { btcHeight: block.btcHeight } });
      if (table.length === 0) return null;
      return table.find((row) => row.fpBtcPk === vote.fpBtcPk)?.power ?? 0n;
    };
    const powers = new Set<bigint | null>();
    for (const h of [10n, 20n, 30n]) {
      const signatures = await prisma.finalitySignature.findMany({
        where: { height: h, blockHash: blockHash(h) },
        orderBy: [{ babylonHeight: "asc" }, { txHash: "asc" }, { msgIndex: "asc" }],
      });
      expect(signatures.length).toBeGreaterThan(0);
      const expected = [];
      for (const vote of signatures) expected.push({ ...vote, votingPower: await powerOf(vote) });
      expect(groups.get(`${h}:${blockHash(h)}`)).toEqual(expected);
      for (const e of expected) powers.add(e.votingPower);
    }
    expect([...powers]).toEqual(expect.arrayContaining([null, 0n, 500n]));
    expect(groups.has(`25:${blockHash(30n)}`)).toBe(false);
  });
});
