// missedCheckedHeights counts a height only once the provider's vote can no longer count; until then it is in
// pendingCheckedHeights, and participation keeps it out of both the misses and the rate.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unvotedCheckedHeights } from "../../src/store/participation.ts";
import { FP } from "./fixtures.ts";
import { gql, startTestApi, type TestApi } from "./harness.ts";

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi();
  // The seeded chain is from 2023: make its head (height 50) two seconds old and the blocks below it a
  // quarter of an hour and more.
  const now = Math.floor(Date.now() / 1000);
  await t.db.prisma.$executeRawUnsafe(
    `UPDATE l2_block SET timestamp = CASE WHEN height >= 50 THEN $1::bigint - 2 ELSE $1::bigint - 1000 - (49 - height) END`,
    now,
  );
});
afterAll(async () => {
  await t?.close();
});

const query = `query($pk: String!, $grace: Int) { finalityProvider(btcPk: $pk) {
  highestVotedHeight
  missedCheckedHeights(graceSeconds: $grace) pendingCheckedHeights(graceSeconds: $grace)
  participation(window: 100, graceSeconds: $grace) { checkedBlocks votedBlocks missedBlocks pendingBlocks rate } } }`;

describe("missed and pending checked heights", () => {
  it("keeps the heights above finality and the provider's highest vote pending within the grace period", async () => {
    // C voted up to 30 and had power at every checked height 10..50; heights ≤ 40 are BTC-finalized.
    const r = await gql(t.api, query, { pk: FP.C, grace: 3600 });
    expect(r.errors).toBeUndefined();
    expect(r.data?.finalityProvider).toEqual({
      highestVotedHeight: "30",
      missedCheckedHeights: ["40", "35", "25", "15"],
      pendingCheckedHeights: ["50", "45"],
      participation: { checkedBlocks: 9, votedBlocks: 3, missedBlocks: 4, pendingBlocks: 2, rate: 3 / 7 },
    });
  });

  it("counts them missed once the grace period has passed", async () => {
    const r = await gql(t.api, query, { pk: FP.C, grace: 0 });
    expect(r.data?.finalityProvider).toMatchObject({
      missedCheckedHeights: ["50", "45", "40", "35", "25", "15"],
      pendingCheckedHeights: [],
      participation: { missedBlocks: 6, pendingBlocks: 0, rate: 3 / 9 },
    });
    // A minute of grace: 50 (2 s old) still waits, 45 (over 16 min old) does not.
    const minute = await gql(t.api, query, { pk: FP.C, grace: 60 });
    expect(minute.data?.finalityProvider).toMatchObject({
      missedCheckedHeights: ["45", "40", "35", "25", "15"],
      pendingCheckedHeights: ["50"],
    });
  });

  it("rejects a bad grace period, naming it", async () => {
    const r = await gql(t.api, query, { pk: FP.C, grace: -5 });
    expect(r.errors?.[0]?.message).toMatch(/graceSeconds: grace period must be an integer/);
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });

  it("splits unvoted heights at the rule's throughHeight, the next height being the first pending one", async () => {
    // C did not vote at 15, 25, 35, 40, 45 and 50; with throughHeight 44 and no cutoff, 45 is the first pending.
    const rule = { throughHeight: 44n, timestampCutoff: 0n };
    const ask = (which: "missed" | "pending") =>
      unvotedCheckedHeights(t.db.reads, FP.C, { from: 0n, to: 100n, first: 100, rule, which });
    expect(await ask("pending")).toEqual([50n, 45n]);
    expect(await ask("missed")).toEqual([40n, 35n, 25n, 15n]);
  });
});
