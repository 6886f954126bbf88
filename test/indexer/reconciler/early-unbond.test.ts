// An early unbonding takes effect at the BTC height of its spend, which only its event carries: Babylon's state
// says that a delegation unbonded, not when. These tests run the reconciler and the Babylon stage in the orders
// a fresh backfill meets them, against the devnet, and check the height the delegation's row ends with.
import { CosmWasmClient } from "@cosmjs/cosmwasm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BabylonBlockReader } from "../../../src/chains/babylon/block-reader.ts";
import { BabylonQueryClient } from "../../../src/chains/babylon/query-client.ts";
import { type Devnet, startDevnet } from "../../../src/devnet/devnet.ts";
import { BabylonIngester } from "../../../src/indexer/babylon/ingester.ts";
import { Reconciler } from "../../../src/indexer/reconciler/reconciler.ts";
import { GadgetEvents } from "../../../src/indexer/runtime/events.ts";
import { silentLogger } from "../../../src/log.ts";
import { delegationStakes } from "../../../src/store/delegations.ts";
import { Store } from "../../../src/store/store.ts";
import { openTestDatabase, type TestDatabase } from "../../helpers/database.ts";

const SPEND_HEIGHT = 6;

let devnet: Devnet;
let babylon: BabylonQueryClient;
let cosmwasm: CosmWasmClient;
/** The last Babylon height before the early delegation's unbonding, and the first after it. */
let beforeUnbond: bigint;
let afterUnbond: bigint;
let unbonded: string;
let later: string;

async function admin<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${devnet.info.adminUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`devnet admin ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

beforeAll(async () => {
  devnet = await startDevnet({ l2: false, blockIntervalMs: 50, btcBlockIntervalMs: 0, accounts: 2 });
  const reader = new BabylonBlockReader(devnet.info.babylon.rpcUrl);
  const fp = await admin<{ btcPkHex: string }>("/providers", { moniker: "unbond-test" });
  await admin("/btc/advance", { blocks: 10 });
  type Summary = { stakingTxHash: string; unbondedAt: number | null };
  const early = await admin<Summary>("/delegations", {
    fp: fp.btcPkHex,
    amountSat: "500000",
    stakingTime: 60_000,
    startHeight: 2,
  });
  beforeUnbond = await reader.latestHeight();
  const spent = await admin<Summary>("/delegations/unbond", {
    stakingTxHash: early.stakingTxHash,
    spendHeight: SPEND_HEIGHT,
  });
  expect(spent.unbondedAt).toBe(SPEND_HEIGHT);
  afterUnbond = (await reader.latestHeight()) + 1n;
  // The BTC tip moves well past the spend before the gadget first reads Babylon, as in a backfill.
  await admin("/btc/advance", { blocks: 30 });
  const next = await admin<Summary>("/delegations", {
    fp: fp.btcPkHex,
    amountSat: "300000",
    stakingTime: 60_000,
    startHeight: 12,
  });
  unbonded = early.stakingTxHash;
  later = next.stakingTxHash;
  babylon = await BabylonQueryClient.connect(devnet.info.babylon.rpcUrl);
  cosmwasm = await CosmWasmClient.connect(devnet.info.babylon.rpcUrl);
});
afterAll(async () => {
  babylon?.disconnect();
  cosmwasm?.disconnect();
  await devnet?.stop();
});

let db: TestDatabase;
let store: Store;
let disagreements: string[];

beforeEach(async () => {
  db = await openTestDatabase();
  store = new Store(db.prisma, new GadgetEvents());
  disagreements = [];
});
afterEach(async () => db.close());

function reconciler(babylonStartHeight: bigint): Reconciler {
  return new Reconciler({
    store,
    babylon,
    cosmwasm: async () => cosmwasm,
    reader: new BabylonBlockReader(devnet.info.babylon.rpcUrl),
    contractAddress: devnet.info.contractAddress,
    dialect: "rollup-bsn",
    babylonStartHeight,
    log: silentLogger,
    onDisagreement: (what) => disagreements.push(what),
  });
}

async function ingestFrom(startHeight: bigint): Promise<void> {
  const ingester = new BabylonIngester({
    store,
    rpcUrl: devnet.info.babylon.rpcUrl,
    contractAddress: devnet.info.contractAddress,
    log: silentLogger,
    startHeight,
    maxBlocksPerStep: 1000,
    concurrency: 2,
  });
  try {
    while ((await ingester.step()) !== "idle");
  } finally {
    await ingester.close();
  }
}

async function unbondedAt(): Promise<Map<string, number | null>> {
  const rows = await delegationStakes(db.prisma, [unbonded, later]);
  return new Map(rows.map((r) => [r.stakingTxHash, r.unbondedAtBtcHeight]));
}

describe("an early unbonding's BTC height", () => {
  it("is the spend's, when the reconciler reads Babylon's state before the Babylon stage reaches the event", async () => {
    const r = reconciler(1n);
    await r.step();
    // Known to be unbonded, not yet when: no height is made up (the BTC tip would be the end of the history).
    expect(await unbondedAt()).toEqual(
      new Map([
        [unbonded, null],
        [later, null],
      ]),
    );
    await ingestFrom(1n);
    await r.step();
    expect(await unbondedAt()).toEqual(
      new Map([
        [unbonded, SPEND_HEIGHT],
        [later, null],
      ]),
    );
    expect(disagreements).toEqual([]);
  });

  it("is the spend's, for a delegation created before the first indexed height and unbonded after it", async () => {
    // The stage records the unbonding before any row of the delegation exists; the reconciler's row takes it.
    await ingestFrom(beforeUnbond + 1n);
    await reconciler(beforeUnbond + 1n).step();
    expect((await unbondedAt()).get(unbonded)).toBe(SPEND_HEIGHT);
    expect(disagreements).toEqual([]);
  });

  it("is bounded by Babylon's BTC tip at the first indexed height when it happened before it", async () => {
    // The event precedes the indexed range: the baseline records Babylon's BTC tip after block S - 1 (the
    // devnet keeps no history: its "state at S - 1" is today's, so today's tip) as the height from which the
    // delegation no longer counts, never nothing, which would count it forever.
    const r = reconciler(afterUnbond);
    await r.step();
    await ingestFrom(afterUnbond);
    await r.step();
    const tip = (await babylon.btcTip()).height;
    expect(await unbondedAt()).toEqual(
      new Map([
        [unbonded, tip],
        [later, null],
      ]),
    );
    expect(disagreements).toEqual([]);
  });
});

// Voting power counts a delegation fact only from the Babylon block after the one that reported it (the
// README's finality rules): these are the heights the staking history carries for that.
describe("when Babylon learned of a delegation", () => {
  async function learned() {
    const rows = await delegationStakes(db.prisma, [unbonded, later]);
    return new Map(rows.map((r) => [r.stakingTxHash, [r.activeBabylonHeight, r.unbondedBabylonHeight]]));
  }

  it("is the Babylon block of the event that reported it, in a history indexed from the first block", async () => {
    await ingestFrom(1n);
    await reconciler(1n).step();
    const heights = await learned();
    const [active, unbondedReport] = heights.get(unbonded)!;
    expect(active).toBeGreaterThan(0n);
    expect(active).toBeLessThanOrEqual(beforeUnbond);
    expect(unbondedReport).toBe(afterUnbond - 1n);
    const [laterActive, laterUnbonded] = heights.get(later)!;
    expect(laterActive).toBeGreaterThanOrEqual(afterUnbond);
    expect(laterUnbonded).toBeNull();
  });

  it("is 0 for a delegation active in the state the history starts from, whichever stage runs first", async () => {
    // The devnet keeps no history: its state "at S - 1" is today's, where both delegations are active.
    await ingestFrom(afterUnbond);
    const r = reconciler(afterUnbond);
    await r.step();
    const heights = await learned();
    expect(heights.get(unbonded)![0]).toBe(0n);
    expect(heights.get(later)![0]).toBe(0n);
  });

  it("never comes from Babylon's current state: a delegation the stage has not reached does not count", async () => {
    // The reconciler reads today's state (both delegations active) before the Babylon stage has indexed
    // anything: neither has a reported height yet, so neither counts until the stage reaches its event.
    await reconciler(1n).step();
    const heights = await learned();
    expect(heights.get(unbonded)).toEqual([null, null]);
    expect(heights.get(later)).toEqual([null, null]);
  });
});
