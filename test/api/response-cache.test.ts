// The real API's response cache over a real database: a repeated query is answered without executing, and a
// committed write — including one whose transaction was already open when the entry was computed — is seen
// by the next request. The snapshot is the whole server's: on a Postgres that other tests write to at the same
// time it moves between any two requests, so whether a request hits is asserted only where nothing else
// writes (PGlite), and what every request sees is asserted on both.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { blockHash, FINALIZED } from "./fixtures.ts";
import { gql, startTestApi, type TestApi } from "./harness.ts";

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
});
afterAll(async () => t.close());

async function outcomes(): Promise<Record<string, number>> {
  const { values } = await t.api.metrics.graphqlResponseCache.get();
  return Object.fromEntries(values.map((v) => [v.labels.outcome, v.value]));
}

const STATUS = `query($h: BigInt) { block(height: $h) { status votedPower } }`;
const HEIGHT = FINALIZED + 2n;

describe("GraphQL response cache on the real API", () => {
  it("answers a repeated query from the cache and sees a committed write at once", async () => {
    const before = await outcomes();
    const first = await gql(t.api, STATUS, { h: String(HEIGHT) });
    expect(await gql(t.api, STATUS, { h: String(HEIGHT) })).toEqual(first);
    const after = await outcomes();
    if (t.db.kind === "pglite") expect((after.hit ?? 0) - (before.hit ?? 0)).toBe(1);

    await t.db.prisma.$executeRawUnsafe(
      `UPDATE l2_block SET voted_power = 4242 WHERE hash = $1`,
      blockHash(HEIGHT),
    );
    const changed = await gql<{ block: { votedPower: string } }>(t.api, STATUS, { h: String(HEIGHT) });
    expect(changed.data?.block.votedPower).toBe("4242");
  });

  it("sees a write whose transaction was open while the cached answer was computed", async () => {
    let commit!: () => void;
    const committed = new Promise<void>((r) => (commit = r));
    let written!: () => void;
    const inTx = new Promise<void>((r) => (written = r));
    const tx = t.db.prisma.$transaction(
      async (db) => {
        await db.$executeRawUnsafe(
          `UPDATE l2_block SET voted_power = 777 WHERE hash = $1`,
          blockHash(HEIGHT),
        );
        written();
        await committed;
      },
      { timeout: 20_000 },
    );
    await inTx;
    // PGlite has one connection, held by the open transaction: only Postgres can answer meanwhile.
    if (t.db.kind === "postgres") {
      const during = await gql<{ block: { votedPower: string } }>(t.api, STATUS, { h: String(HEIGHT) });
      expect(during.data?.block.votedPower).not.toBe("777");
      await gql(t.api, STATUS, { h: String(HEIGHT) }); // served from the cache, at the open snapshot
    }
    commit();
    await tx;
    const after = await gql<{ block: { votedPower: string } }>(t.api, STATUS, { h: String(HEIGHT) });
    expect(after.data?.block.votedPower).toBe("777");
  });
});
