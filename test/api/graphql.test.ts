// GraphQL queries over a real HTTP server and a seeded database: every query field, pagination, filters,
// the page, depth and cost limits, errors that name the bad argument, and schema.graphql freshness.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { printedSchema, SCHEMA_FILE } from "../../scripts/print-schema.ts";
import { blockHash, FINALIZED, FP, HEAD, hex, TX_IN_BTC_FINALIZED, timestampOf } from "./fixtures.ts";
import { gql, startTestApi, type TestApi } from "./harness.ts";

type Edges<T> = {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string };
};

describe("schema.graphql", () => {
  it("is the printed schema (regenerate with `npx tsx scripts/print-schema.ts`)", () => {
    expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(printedSchema());
  });
});

describe("GraphQL queries", () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(() => t.close());

  it("serves GraphiQL to a browser", async () => {
    const res = await fetch(`${t.api.httpUrl}/graphql`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/graphiql/i);
  });

  it("syncStatus", async () => {
    t.health.report("l2", { state: "ok" });
    const r = await gql(
      t.api,
      `{ syncStatus { l2HeadHeight l2SafeHeight l2FinalizedHeight btcFinalizedHeight btcFinalizedBlock { hash }
         babylonHeight babylonIndexedHeight btcTipHeight activated activatedTimestamp activatedHeight lagBlocks lagSeconds
         evaluatedHeight components { name state } ready notReadyReasons safetyIncidents { kind } } }`,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data?.syncStatus).toEqual({
      l2HeadHeight: HEAD.toString(),
      l2SafeHeight: "46",
      l2FinalizedHeight: "20",
      btcFinalizedHeight: FINALIZED.toString(),
      btcFinalizedBlock: { hash: blockHash(FINALIZED) },
      babylonHeight: "900",
      babylonIndexedHeight: "900",
      btcTipHeight: 105,
      activated: true,
      activatedTimestamp: timestampOf(10n).toString(),
      activatedHeight: "10",
      lagBlocks: "10",
      lagSeconds: 20,
      evaluatedHeight: HEAD.toString(),
      components: [{ name: "l2", state: "OK" }],
      ready: true,
      notReadyReasons: [],
      safetyIncidents: [],
    });
  });

  it("block by height or hash, with votes, providers and time to finality", async () => {
    const q = `query($h: BigInt, $hash: String) { block(height: $h, hash: $hash) {
      hash height parentHash parent { height } timestamp status btcFinalized checked btcHeight votedPower totalPower
      votedPowerRatio voterCount timeToFinalitySeconds votes { fpBtcPk votingPower provider { description { moniker } } } } }`;
    const byHeight = await gql(t.api, q, { h: "20" });
    expect(byHeight.errors).toBeUndefined();
    expect(byHeight.data?.block).toEqual({
      hash: blockHash(20n),
      height: "20",
      parentHash: blockHash(19n),
      parent: { height: "19" },
      timestamp: timestampOf(20n).toString(),
      status: "FINALIZED",
      btcFinalized: true,
      checked: true,
      btcHeight: 100,
      votedPower: "1000",
      totalPower: "1000",
      votedPowerRatio: 1,
      voterCount: 3,
      timeToFinalitySeconds: 7,
      votes: [
        { fpBtcPk: FP.A, votingPower: "500", provider: { description: { moniker: "Alpha" } } },
        { fpBtcPk: FP.B, votingPower: "300", provider: { description: { moniker: "Bravo" } } },
        { fpBtcPk: FP.C, votingPower: "200", provider: { description: { moniker: "Charlie" } } },
      ],
    });
    const orphan = await gql(t.api, q, { hash: blockHash(46n, "fork-").toUpperCase().replace("0X", "0x") });
    expect(orphan.data?.block).toMatchObject({
      height: "46",
      status: "ORPHANED",
      btcFinalized: false,
      votes: [],
    });
    const canonical46 = await gql(t.api, q, { h: "46" });
    expect(canonical46.data?.block).toMatchObject({ hash: blockHash(46n), status: "NOT_CHECKED" });
    expect((await gql(t.api, q, { h: "9999" })).data?.block).toBeNull();
  });

  it("block rejects ambiguous or malformed arguments, naming them", async () => {
    const both = await gql(t.api, `{ block(height: "1", hash: "0x00") { height } }`);
    expect(both.errors?.[0]).toMatchObject({
      message: "argument hash: give exactly one of height and hash",
      extensions: { code: "BAD_USER_INPUT", argument: "hash" },
    });
    const neither = await gql(t.api, `{ block { height } }`);
    expect(neither.errors?.[0]?.message).toBe("argument height: give exactly one of height and hash");
    const badHash = await gql(t.api, `{ block(hash: "0x12") { height } }`);
    expect(badHash.errors?.[0]?.message).toMatch(/^argument hash: expected a 32-byte hex block hash/);
    const badHeight = await gql(t.api, `{ block(height: "-3") { height } }`);
    expect(badHeight.errors?.[0]?.message).toBe("argument height: must not be negative (got -3)");
    const notNumber = await gql(t.api, `query($h: BigInt) { block(height: $h) { height } }`, { h: "ten" });
    expect(notNumber.errors?.[0]?.message).toMatch(/BigInt expects an integer/);
  });

  it("blocks: filters, order and keyset pages without overlap", async () => {
    const q = `query($after: String, $where: BlockWhere, $order: BlockOrder) {
      blocks(first: 3, after: $after, where: $where, orderBy: $order) {
        edges { cursor node { height status canonical } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
    const where = { status: "FINALIZED", heightGte: "33" };
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: { data?: { blocks: Edges<{ height: string }> }; errors?: unknown } = await gql(t.api, q, {
        after,
        where,
        order: "HEIGHT_ASC",
      });
      expect(r.errors).toBeUndefined();
      seen.push(...r.data!.blocks.edges.map((e) => e.node.height));
      if (!r.data!.blocks.pageInfo.hasNextPage) break;
      after = r.data!.blocks.pageInfo.endCursor;
    }
    expect(seen).toEqual(["33", "34", "35", "36", "37", "38", "39", "40"]);

    const desc = await gql<{ blocks: Edges<{ height: string }> }>(t.api, q, { where: { checked: true } });
    expect(desc.data!.blocks.edges.map((e) => e.node.height)).toEqual(["50", "45", "40"]);

    const all46 = await gql<{ blocks: Edges<{ height: string; canonical: boolean }> }>(t.api, q, {
      where: { canonical: null, heightGte: "46", heightLte: "46" },
    });
    expect(all46.data!.blocks.edges.map((e) => e.node.canonical).sort()).toEqual([false, true]);

    const pending = await gql<{ blocks: Edges<{ height: string }> }>(t.api, q, {
      where: { statusIn: ["PENDING", "ORPHANED"], canonical: null },
    });
    expect(pending.data!.blocks.edges.map((e) => e.node.height)).toEqual(["50", "46", "45"]);
  });

  it("caps page sizes and rejects bad paging arguments by name", async () => {
    const tooBig = await gql(t.api, `{ blocks(first: 1001) { edges { node { height } } } }`);
    expect(tooBig.errors?.[0]).toMatchObject({
      message: "argument first: must be an integer from 0 to 1000 (got 1001)",
      extensions: { argument: "first" },
    });
    const negative = await gql(t.api, `{ finalitySignatures(first: -1) { edges { cursor } } }`);
    expect(negative.errors?.[0]?.message).toBe("argument first: must be an integer from 0 to 1000 (got -1)");
    const cursor = await gql(t.api, `{ blocks(after: "bogus") { edges { cursor } } }`);
    expect(cursor.errors?.[0]?.message).toBe("argument after: not a cursor returned by this connection");
    const backwards = await gql(t.api, `{ delegations(last: 2) { edges { cursor } } }`);
    expect(backwards.errors?.[0]?.message).toMatch(/^argument last: only forward paging/);
    const zero = await gql<{ blocks: Edges<unknown> }>(
      t.api,
      `{ blocks(first: 0) { edges { cursor } pageInfo { hasNextPage } } }`,
    );
    expect(zero.data?.blocks.edges).toEqual([]);
  });

  it("limits query depth and cost", async () => {
    const deep = await gql(
      t.api,
      `{ block(height: "20") { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { parent { height } } } } } } } } } } } } } }`,
    );
    expect(deep.errors?.[0]).toMatchObject({ extensions: { code: "QUERY_TOO_DEEP" } });
    const costly = await gql(
      t.api,
      `query($n: Int) { blocks(first: $n) { edges { node { votes { provider { delegations(first: 1000) { edges { node { stakingTxHash } } } } } } } } }`,
      { n: 1000 },
    );
    expect(costly.errors?.[0]).toMatchObject({ extensions: { code: "QUERY_TOO_COSTLY" } });
    expect(costly.errors?.[0]?.message).toMatch(/ask for smaller pages/);
    // introspection (GraphiQL's) is not counted against the limits
    const introspection = await gql(
      t.api,
      `{ __schema { types { name fields { name type { ofType { ofType { ofType { name } } } } } } } }`,
    );
    expect(introspection.errors).toBeUndefined();
  });

  it("finalityProvider: status, power now and at a BTC height, votes, misses, participation, randomness", async () => {
    const r = await gql(
      t.api,
      `query($pk: String!) { finalityProvider(btcPk: $pk) {
        btcPk status commission description { moniker website } votingPower at100: votingPowerAt(btcHeight: 100)
        at90: votingPowerAt(btcHeight: 90) at7: votingPowerAt(btcHeight: 7) highestVotedHeight
        missedCheckedHeights missedOld: missedCheckedHeights(toHeight: "30", first: 1)
        participation(window: 100) { window checkedBlocks votedBlocks missedBlocks rate }
        recent: participation(window: 2) { checkedBlocks votedBlocks }
        votes(first: 2) { edges { node { height blockHash } } pageInfo { hasNextPage } }
        delegations { edges { node { stakingTxHash totalSat status } } }
        randomnessCommits { edges { node { startHeight numPubRand endHeight } } } } }`,
      { pk: FP.C },
    );
    expect(r.errors).toBeUndefined();
    expect(r.data?.finalityProvider).toEqual({
      btcPk: FP.C,
      status: "ACTIVE",
      commission: "0.05",
      description: { moniker: "Charlie", website: "https://charlie.example" },
      votingPower: "200",
      at100: "200",
      at90: "0",
      at7: null,
      highestVotedHeight: "30",
      missedCheckedHeights: ["50", "45", "40", "35", "25", "15"],
      missedOld: ["25"],
      participation: { window: 100, checkedBlocks: 9, votedBlocks: 3, missedBlocks: 6, rate: 3 / 9 },
      recent: { checkedBlocks: 2, votedBlocks: 0 },
      votes: {
        edges: [
          { node: { height: "30", blockHash: blockHash(30n) } },
          { node: { height: "20", blockHash: blockHash(20n) } },
        ],
        pageInfo: { hasNextPage: true },
      },
      delegations: { edges: [{ node: { stakingTxHash: hex("del-c"), totalSat: "200", status: "ACTIVE" } }] },
      randomnessCommits: { edges: [] },
    });
    const a = await gql(
      t.api,
      `{ finalityProvider(btcPk: "${FP.A.toUpperCase()}") { at90: votingPowerAt(btcHeight: 90)
         randomnessCommits { edges { node { startHeight endHeight } } } } }`,
    );
    expect(a.data?.finalityProvider).toEqual({
      at90: "400",
      randomnessCommits: { edges: [{ node: { startHeight: "1", endHeight: "4996" } }] },
    });
    const bad = await gql(t.api, `{ finalityProvider(btcPk: "xyz") { btcPk } }`);
    expect(bad.errors?.[0]?.message).toMatch(
      /^argument btcPk: expected a 64-hex-digit x-only BTC public key/,
    );
    const window = await gql(
      t.api,
      `{ finalityProvider(btcPk: "${FP.A}") { participation(window: 0) { rate } } }`,
    );
    expect(window.errors?.[0]?.message).toMatch(/^argument window/);
    expect(
      (await gql(t.api, `{ finalityProvider(btcPk: "${"0".repeat(64)}") { btcPk } }`)).data?.finalityProvider,
    ).toBeNull();
  });

  it("finalityProviders: ranked by power, filtered by status, paged", async () => {
    const q = `query($where: FinalityProviderWhere, $after: String, $order: FinalityProviderOrder) {
      finalityProviders(first: 2, after: $after, where: $where, orderBy: $order) {
        edges { node { description { moniker } status votingPower } } pageInfo { hasNextPage endCursor } } }`;
    type P = { finalityProviders: Edges<{ description: { moniker: string }; status: string }> };
    const first = await gql<P>(t.api, q);
    expect(first.data!.finalityProviders.edges.map((e) => e.node.description.moniker)).toEqual([
      "Alpha",
      "Bravo",
    ]);
    const second = await gql<P>(t.api, q, { after: first.data!.finalityProviders.pageInfo.endCursor });
    expect(
      second.data!.finalityProviders.edges.map((e) => [e.node.description.moniker, e.node.status]),
    ).toEqual([
      ["Charlie", "ACTIVE"],
      ["Delta", "SLASHED"],
    ]);
    expect(second.data!.finalityProviders.pageInfo.hasNextPage).toBe(false);
    const slashed = await gql<P>(t.api, q, { where: { status: "SLASHED" } });
    expect(slashed.data!.finalityProviders.edges.map((e) => e.node.description.moniker)).toEqual(["Delta"]);
  });

  it("delegations, finalitySignatures, equivocations, pubRandCommits", async () => {
    const d = await gql<{
      delegations: Edges<{
        stakingTxHash: string;
        fpBtcPks: string[];
        providers: Array<{ description: { moniker: string } }>;
      }>;
    }>(
      t.api,
      `query($pk: String) { delegations(where: { fpBtcPk: $pk }) { edges { node { stakingTxHash fpBtcPks providers { description { moniker } } } } } }`,
      { pk: FP.A },
    );
    expect(d.errors).toBeUndefined();
    const byHash = new Map(d.data!.delegations.edges.map((e) => [e.node.stakingTxHash, e.node]));
    expect([...byHash.keys()].sort()).toEqual([hex("del-a"), hex("del-ab")].sort());
    expect(byHash.get(hex("del-ab"))!.providers.map((p) => p.description.moniker)).toEqual(
      [FP.A, FP.B].sort().map((pk) => (pk === FP.A ? "Alpha" : "Bravo")),
    );
    const unbonded = await gql<{ delegations: Edges<unknown> }>(
      t.api,
      `{ delegations(where: { status: "UNBONDED" }) { edges { cursor } } }`,
    );
    expect(unbonded.data!.delegations.edges).toHaveLength(1);

    const s = await gql<{ finalitySignatures: Edges<{ fpBtcPk: string; block: { status: string } }> }>(
      t.api,
      `{ finalitySignatures(where: { height: "20" }, orderBy: HEIGHT_ASC) { edges { node { fpBtcPk block { status } } } } }`,
    );
    expect(s.data!.finalitySignatures.edges.map((e) => e.node.fpBtcPk).sort()).toEqual(
      [FP.A, FP.B, FP.C].sort(),
    );
    expect(s.data!.finalitySignatures.edges[0]!.node.block.status).toBe("FINALIZED");
    const range = await gql<{ finalitySignatures: Edges<{ height: string }> }>(
      t.api,
      `{ finalitySignatures(where: { fpBtcPk: "${FP.C}", heightGte: "15", heightLte: "30" }) { edges { node { height } } } }`,
    );
    expect(range.data!.finalitySignatures.edges.map((e) => e.node.height)).toEqual(["30", "20"]);

    const e = await gql(
      t.api,
      `{ equivocations { edges { node { fpBtcPk height provider { status } forkBlockHash } } } }`,
    );
    expect(e.data?.equivocations).toEqual({
      edges: [
        {
          node: {
            fpBtcPk: FP.D,
            height: "30",
            provider: { status: "SLASHED" },
            forkBlockHash: blockHash(30n, "fork-"),
          },
        },
      ],
    });
    const none = await gql<{ equivocations: Edges<unknown> }>(
      t.api,
      `{ equivocations(where: { fpBtcPk: "${FP.A}" }) { edges { cursor } } }`,
    );
    expect(none.data!.equivocations.edges).toEqual([]);

    const p = await gql<{ pubRandCommits: Edges<{ startHeight: string }> }>(
      t.api,
      `{ pubRandCommits(fpBtcPk: "${FP.B}") { edges { node { startHeight } } } }`,
    );
    expect(p.data!.pubRandCommits.edges.map((x) => x.node.startHeight)).toEqual(["2501", "1"]);
  });

  it("transaction(hash) has /v1/transaction's statuses", async () => {
    const r = await gql(
      t.api,
      `query($h: String!) { transaction(hash: $h) { txHash blockHeight status babylonFinalized block { status } } }`,
      { h: TX_IN_BTC_FINALIZED },
    );
    expect(r.data?.transaction).toEqual({
      txHash: TX_IN_BTC_FINALIZED,
      blockHeight: "35",
      status: "BTC_FINALIZED",
      babylonFinalized: true,
      block: { status: "FINALIZED" },
    });
    const unknown = await gql(t.api, `{ transaction(hash: "0x${"cd".repeat(32)}") { status } }`);
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data?.transaction).toBeNull();
    const bad = await gql(t.api, `{ transaction(hash: "0x12") { status } }`);
    expect(bad.errors?.[0]?.message).toMatch(/^argument hash: invalid EVM transaction hash/);
  });
});

describe("GraphQL page size from config", () => {
  it("applies api.max_page_size", async () => {
    const t = await startTestApi({ maxPageSize: 5 });
    try {
      const r = await gql(t.api, `{ blocks(first: 6) { edges { cursor } } }`);
      expect(r.errors?.[0]?.message).toBe("argument first: must be an integer from 0 to 5 (got 6)");
      const ok = await gql<{ blocks: Edges<unknown> }>(t.api, `{ blocks { edges { cursor } } }`);
      expect(ok.data!.blocks.edges).toHaveLength(5);
    } finally {
      await t.close();
    }
  });
});
