// The finality engine over a real database (Postgres or PGlite), fed with rows as the ingesters write them.
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { finalityGrid } from "../../../src/core/finality/index.ts";
import { emptyRecords, type SignatureRecord } from "../../../src/indexer/babylon/records.ts";
import { FinalityEngine } from "../../../src/indexer/engine/engine.ts";
import { GadgetEvents } from "../../../src/indexer/runtime/events.ts";
import { silentLogger } from "../../../src/log.ts";
import { commitBabylonBatch } from "../../../src/store/babylon-batch.ts";
import { insertL2Blocks } from "../../../src/store/blocks.ts";
import { recordDelegationChanges } from "../../../src/store/delegations.ts";
import { recordJailedAtStart } from "../../../src/store/providers.ts";
import { readCursor, readState, writeState } from "../../../src/store/state.ts";
import { Store } from "../../../src/store/store.ts";
import { openTestDatabase, type TestDatabase } from "../../helpers/database.ts";

const fp = (n: number) => n.toString(16).padStart(64, "0");
const hash = (height: number, fork = 0) => `0x${(fork * 1_000_000 + height).toString(16).padStart(64, "0")}`;
const BSN = "op-devnet";

let db: TestDatabase;
let events: GadgetEvents;
let engine: FinalityEngine;
let store: Store;

async function seedStaking(powers: number[], opts: { slashed?: number[] } = {}) {
  const p = db.prisma;
  await p.$executeRawUnsafe(
    `INSERT INTO contract_config (contract_address, dialect, bsn_id, min_pub_rand, bsn_activation_height, finality_signature_interval, updated_babylon_height)
     VALUES ('bbn1contract', 'rollup-bsn', $1, 1, 10, 5, 1)`,
    BSN,
  );
  await p.$executeRawUnsafe(`INSERT INTO staking_params VALUES (1, 1, 2, 4)`);
  // BTC headers 100..199, one every 600 s from t=1_000_000
  await p.$executeRawUnsafe(
    `INSERT INTO btc_header SELECT h, 'h'||h, 'h'||(h-1), 1000000 + (h-100)*600 FROM generate_series(100, 199) h`,
  );
  // Babylon blocks 1..100 on the same clock: block b at t = 1_000_000 + b*600, so BTC height 150 (t=1_030_000)
  // sees the allow-list and jail status of Babylon height 50 (changes made in blocks up to 49).
  await p.$executeRawUnsafe(
    `INSERT INTO babylon_block SELECT b, to_timestamp(1000000 + b*600) AT TIME ZONE 'UTC' FROM generate_series(1, 100) b`,
  );
  for (const [i, power] of powers.entries()) {
    await p.$executeRawUnsafe(
      `INSERT INTO finality_provider (btc_pk, bsn_id, updated_babylon_height, slashed_babylon_height, slashed_btc_height) VALUES ($1, $2, 1, $3::bigint, $4::int)`,
      fp(i + 1),
      BSN,
      opts.slashed?.includes(i) ? "5" : null,
      opts.slashed?.includes(i) ? 150 : null,
    );
    await p.$executeRawUnsafe(
      `INSERT INTO btc_delegation (staking_tx_hash, total_sat, staking_time, start_height, end_height, covenant_quorum_reached, status, updated_babylon_height)
       VALUES ($1, $2::bigint, 1000, 100, 1100, true, 'ACTIVE', 1)`,
      `d${i}`,
      String(power),
    );
    await p.$executeRawUnsafe(`INSERT INTO delegation_provider VALUES ($1, $2)`, `d${i}`, fp(i + 1));
    // Active before the first indexed Babylon height, as the reconciler's baseline records it.
    await p.$executeRawUnsafe(
      `INSERT INTO delegation_status_change VALUES (0, $1, $2, 'ACTIVE', NULL)`,
      -(i + 1),
      `d${i}`,
    );
  }
  await writeState(p, { babylon_synced_time: 9e12, btc_synced_time: 9e12, staking_params_synced: 1 });
}

/** L2 blocks from..to; block h at t = 1_030_000 + h*2 (BTC height ~150) unless `start` moves the clock. */
async function addChain(from: number, to: number, fork = 0, parentFork = fork, start = 1_030_000) {
  const blocks = [];
  for (let h = from; h <= to; h++) {
    blocks.push({
      height: BigInt(h),
      hash: hash(h, fork),
      parentHash: hash(h - 1, h === from ? parentFork : fork),
      timestamp: BigInt(start + h * 2),
    });
  }
  await insertL2Blocks(db.prisma, blocks, finalityGrid(10n, 5n));
}

async function vote(fpIndex: number, height: number, fork = 0, babylonHeight = 10) {
  await db.prisma.$executeRawUnsafe(
    `INSERT INTO finality_signature (babylon_height, tx_hash, msg_index, fp_btc_pk, height, block_hash, babylon_time)
     VALUES ($5::bigint, $1, 0, $2, $3::bigint, $4, now())`,
    `tx-${fpIndex}-${height}-${fork}`,
    fp(fpIndex),
    String(height),
    hash(height, fork),
    String(babylonHeight),
  );
  await db.prisma.$executeRawUnsafe(
    `UPDATE l2_block SET evaluated_at = NULL WHERE height = $1::bigint AND status <> 'FINALIZED'`,
    String(height),
  );
}

const allow = (fpIndex: number, added: number, removed?: number) =>
  db.prisma.$executeRawUnsafe(
    `INSERT INTO allowlist_entry (fp_btc_pk, added_at_babylon, removed_at_babylon) VALUES ($1, $2::bigint, $3::bigint)`,
    fp(fpIndex),
    String(added),
    removed === undefined ? null : String(removed),
  );
const jail = (fpIndex: number, babylonHeight: number, kind = "JAILED") =>
  db.prisma.$executeRawUnsafe(
    `INSERT INTO finality_provider_event (babylon_height, event_index, fp_btc_pk, kind) VALUES ($1::bigint, 0, $2, $3)`,
    String(babylonHeight),
    fp(fpIndex),
    kind,
  );

async function statuses(from: number, to: number): Promise<string[]> {
  const rows = await db.prisma.$queryRawUnsafe<{ status: string }[]>(
    `SELECT status::text FROM l2_block WHERE canonical AND height BETWEEN $1::bigint AND $2::bigint ORDER BY height`,
    String(from),
    String(to),
  );
  return rows.map((r) => r.status);
}

async function run() {
  for (let i = 0; i < 10; i++) if ((await engine.step()) === "idle") return;
}

// One database for the file, emptied before each test: making and migrating one per test took most of the
// file's time, and the mutation run (npm run mutate) runs these tests once per mutant.
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => db.close());
beforeEach(async () => {
  const tables = await db.prisma.$queryRawUnsafe<{ name: string }[]>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
  );
  await db.prisma.$executeRawUnsafe(
    `TRUNCATE ${tables.map((t) => `"${t.name}"`).join(", ")} RESTART IDENTITY CASCADE`,
  );
  events = new GadgetEvents();
  store = new Store(db.prisma, events);
  engine = new FinalityEngine({ store, log: silentLogger, maxBlocksPerStep: 1000 });
});

describe("finality engine", () => {
  it("finalizes checked blocks with quorum consecutively, and the blocks between them", async () => {
    await seedStaking([100, 100, 100]);
    await addChain(1, 30);
    const finalized: bigint[] = [];
    events.subscribe("blockFinalized", (e) => finalized.push(e.height));
    for (const h of [10, 15, 20]) {
      await vote(1, h);
      await vote(2, h);
    }
    await run();
    expect(await statuses(10, 20)).toEqual(Array(11).fill("FINALIZED"));
    expect(await statuses(21, 25)).toEqual([
      "NOT_CHECKED",
      "NOT_CHECKED",
      "NOT_CHECKED",
      "NOT_CHECKED",
      "PENDING",
    ]);
    expect(await statuses(1, 9)).toEqual(Array(9).fill("NOT_ACTIVATED"));
    expect(finalized).toEqual(Array.from({ length: 11 }, (_, i) => BigInt(10 + i)));
    expect(await readState(db.prisma, "activated_timestamp")).toBe(String(1_030_000 + 10 * 2));
    expect(await readState(db.prisma, "finalized_height")).toBe("20");
    const block = await db.prisma.l2Block.findUniqueOrThrow({ where: { hash: hash(15) } });
    expect(block.votedPower).toBe(200n);
    expect(block.totalPower).toBe(300n);
    expect(block.btcHeight).toBe(150);
  });

  it("stalls at a block short of 2/3 and resumes when the missing vote lands", async () => {
    await seedStaking([100, 100, 100]);
    await addChain(1, 30);
    for (const h of [10, 15, 20, 25]) await vote(1, h);
    for (const h of [10, 20, 25]) await vote(2, h);
    await run();
    expect(await readState(db.prisma, "finalized_height")).toBe("10");
    expect(await statuses(15, 15)).toEqual(["PENDING"]);
    await vote(3, 15);
    await run();
    expect(await readState(db.prisma, "finalized_height")).toBe("25");
  });

  const votedPowerAt = async (h: number) =>
    (await db.prisma.l2Block.findUniqueOrThrow({ where: { hash: hash(h) } })).votedPower;

  it("keeps the voted power it decided on when a vote lands in a later Babylon block", async () => {
    await seedStaking([100, 100, 100]);
    await addChain(1, 12);
    // 1 and 2 complete the quorum in Babylon blocks 10 and 11; the engine decides; 3 votes in block 12.
    await vote(1, 10, 0, 10);
    await vote(2, 10, 0, 11);
    await run();
    expect(await statuses(10, 10)).toEqual(["FINALIZED"]);
    expect(await votedPowerAt(10)).toBe(200n);
    await vote(3, 10, 0, 12);
    await run();
    expect(await votedPowerAt(10)).toBe(200n);
  });

  it("gives a backfill that reads the later vote the same voted power, up to the block that completed the quorum", async () => {
    await seedStaking([100, 100, 100]);
    await addChain(1, 17);
    await vote(1, 10, 0, 10);
    await vote(2, 10, 0, 11);
    await vote(3, 10, 0, 12);
    // At 15 the third vote is in the Babylon block that completes the quorum: it counts.
    await vote(1, 15, 0, 10);
    await vote(2, 15, 0, 11);
    await vote(3, 15, 0, 11);
    await run();
    expect(await statuses(10, 15)).toEqual(Array(6).fill("FINALIZED"));
    expect(await votedPowerAt(10)).toBe(200n);
    expect(await votedPowerAt(15)).toBe(300n);
  });

  it("counts a slashed provider's power only below its slashing height", async () => {
    // provider 3 (index 2) slashed at BTC 150: blocks map to BTC ~150, so it has no power there
    await seedStaking([100, 100, 200], { slashed: [2] });
    await addChain(1, 12);
    await vote(1, 10);
    await vote(2, 10);
    await run();
    const block = await db.prisma.l2Block.findUniqueOrThrow({ where: { hash: hash(10) } });
    expect(block.totalPower).toBe(200n);
    expect(await statuses(10, 10)).toEqual(["FINALIZED"]);
  });

  it("never finalizes a block whose hash does not link to the last finalized block", async () => {
    await seedStaking([100]);
    await addChain(1, 14);
    await addChain(15, 16, 1, 7); // block 15 claims a parent that is not the stored block 14
    await vote(1, 10);
    await vote(1, 15, 1);
    await run();
    expect(await readState(db.prisma, "finalized_height")).toBe("10");
    expect(await statuses(15, 15)).toEqual(["PENDING"]);
  });

  it("treats zero total power as 'no voting power', before and after activation, without crashing", async () => {
    await seedStaking([]);
    await addChain(1, 20);
    await run();
    expect(await statuses(10, 10)).toEqual(["NO_VOTING_POWER"]);
    expect(await readState(db.prisma, "activated_timestamp")).toBeUndefined();
  });

  it("replaces a stored power table when stake changes: a provider slashed since keeps no row", async () => {
    await seedStaking([100, 100, 100]);
    await addChain(1, 12);
    await vote(1, 10); // short of quorum: the block stays pending and is evaluated again below
    await run();
    const stored = async () =>
      (await db.prisma.votingPower.findMany({ where: { btcHeight: 150 }, orderBy: { fpBtcPk: "asc" } })).map(
        (r) => [r.fpBtcPk, r.power],
      );
    expect(await stored()).toEqual([
      [fp(1), 100n],
      [fp(2), 100n],
      [fp(3), 100n],
    ]);
    await db.prisma.$executeRawUnsafe(
      `UPDATE finality_provider SET slashed_babylon_height = 5, slashed_btc_height = 140 WHERE btc_pk = $1`,
      fp(3),
    );
    await db.prisma.$executeRawUnsafe(`UPDATE l2_block SET evaluated_at = NULL WHERE status = 'PENDING'`);
    await store.commit(async (c) => c.changed("staking"));
    await run();
    expect(await stored()).toEqual([
      [fp(1), 100n],
      [fp(2), 100n],
    ]);
    const block = await db.prisma.l2Block.findUniqueOrThrow({ where: { hash: hash(10) } });
    expect([block.votedPower, block.totalPower]).toEqual([100n, 200n]);
  });

  it("waits for Babylon to be read past a block's time before evaluating it", async () => {
    await seedStaking([100]);
    await writeState(db.prisma, { babylon_synced_time: 1_030_000 * 1000 + 24_000 }); // covers heights ≤ 12
    await addChain(1, 20);
    await vote(1, 10);
    await vote(1, 15);
    await run();
    expect(await readState(db.prisma, "finalized_height")).toBe("10");
    const b15 = await db.prisma.l2Block.findUniqueOrThrow({ where: { hash: hash(15) } });
    expect(b15.evaluatedAt).toBeNull();
  });

  it("evaluates a block only once a BTC header past its time is known, so a backfill gives it the same BTC height", async () => {
    // Headers 100..120 only: the tip (120) has time 1_012_000, before every block of the chain.
    await seedStaking([100]);
    await db.prisma.$executeRawUnsafe(`DELETE FROM btc_header WHERE height > 120`);
    await addChain(1, 12);
    await vote(1, 10);
    await run();
    // Rule 2 alone would place block 10 (t = 1_030_020) at the tip, 120; it waits instead.
    const waiting = await db.prisma.l2Block.findUniqueOrThrow({ where: { hash: hash(10) } });
    expect(waiting.evaluatedAt).toBeNull();
    expect(await readState(db.prisma, "finalized_height")).toBeUndefined();

    // A later header arrives with an earlier timestamp than the tip's (its effective time is the tip's), then
    // one past the block's time: the block now has the height the complete header chain gives.
    await db.prisma.$executeRawUnsafe(`INSERT INTO btc_header VALUES (121, 'h121', 'h120', 1011000)`);
    await run();
    expect((await db.prisma.l2Block.findUniqueOrThrow({ where: { hash: hash(10) } })).evaluatedAt).toBeNull();
    await db.prisma.$executeRawUnsafe(`INSERT INTO btc_header VALUES (122, 'h122', 'h121', 1030021)`);
    await run();
    const evaluated = await db.prisma.l2Block.findUniqueOrThrow({ where: { hash: hash(10) } });
    expect(evaluated.btcHeight).toBe(121);
    expect(await readState(db.prisma, "finalized_height")).toBe("10");
  });
});

// The engine reads votes and stake, computes, then writes its verdicts. An ingester commit that lands in
// between must not be lost: the verdict written from the older inputs would otherwise stand, and finality
// would stall (or finalize on stake that is gone) although the database holds what the rules need.
describe("finality engine: allow-list and jailing placed in time", () => {
  // Providers 1 and 2 hold 100 each, provider 3 holds 300; providers 1 and 2 vote on block 10 (BTC height 150,
  // Babylon height 50). With provider 3 counted the block has 200 of 500; without it, 200 of 200.
  async function votedBlock() {
    await seedStaking([100, 100, 300]);
    await addChain(1, 12);
    await vote(1, 10);
    await vote(2, 10);
  }
  const powers = async () => {
    const block = await db.prisma.l2Block.findUniqueOrThrow({ where: { hash: hash(10) } });
    return [block.status, block.votedPower, block.totalPower];
  };

  it("leaves out a provider allow-listed only after the BTC height's time", async () => {
    await votedBlock();
    await allow(1, 10);
    await allow(2, 49);
    await allow(3, 50); // shows from Babylon height 51: too late for BTC height 150
    await run();
    expect(await powers()).toEqual(["FINALIZED", 200n, 200n]);
    const table = await db.prisma.votingPower.findMany({
      where: { btcHeight: 150 },
      orderBy: { fpBtcPk: "asc" },
    });
    expect(table.map((r) => [r.fpBtcPk, r.power])).toEqual([
      [fp(1), 100n],
      [fp(2), 100n],
    ]);
  });

  it("keeps counting a provider removed from the allow-list after the BTC height's time", async () => {
    await votedBlock();
    await allow(1, 10);
    await allow(2, 10);
    await allow(3, 10, 50); // removed in block 50: still listed at height 50
    await run();
    expect(await powers()).toEqual(["PENDING", 200n, 500n]);
  });

  it("drops a provider removed before it, and counts one learnt from state at every height", async () => {
    await votedBlock();
    await allow(1, 0); // known only from the contract's current state
    await allow(2, 0);
    await allow(3, 10, 49);
    await run();
    expect(await powers()).toEqual(["FINALIZED", 200n, 200n]);
  });

  it("excludes a provider while jailed by its indexed history, not by its current flag", async () => {
    await votedBlock();
    // Jailed now, but only since Babylon height 50: at height 50 it was not.
    await db.prisma.$executeRawUnsafe(`UPDATE finality_provider SET jailed = true WHERE btc_pk = $1`, fp(3));
    await jail(3, 50);
    await run();
    expect(await powers()).toEqual(["PENDING", 200n, 500n]);
  });

  it("never falls back to the current jailed flag of a provider with no indexed jail history", async () => {
    await votedBlock();
    // The reconciler writes Babylon's live flag; a verdict must not depend on when it ran (rule 3).
    await db.prisma.$executeRawUnsafe(`UPDATE finality_provider SET jailed = true WHERE btc_pk = $1`, fp(3));
    await run();
    expect(await powers()).toEqual(["PENDING", 200n, 500n]);
  });

  it("excludes a provider recorded as jailed at the first indexed height until it is unjailed", async () => {
    await votedBlock();
    await recordJailedAtStart(db.prisma, 0n, [fp(3)]);
    await run();
    expect(await powers()).toEqual(["FINALIZED", 200n, 200n]);
  });

  it("excludes a provider jailed before the BTC height's time until it is unjailed", async () => {
    await votedBlock();
    await jail(3, 20);
    await run();
    expect(await powers()).toEqual(["FINALIZED", 200n, 200n]);
  });

  // Provider 3's 300 come from delegation d2. What Babylon reported about it counts from the next Babylon block.
  const unbondEarly = (babylonHeight: bigint, spendHeight: number) =>
    recordDelegationChanges(db.prisma, [
      {
        babylonHeight,
        eventIndex: 0,
        stakingTxHash: "d2",
        status: "UNBONDED",
        unbondedAtBtcHeight: spendHeight,
      },
    ]);
  const reportActive = (babylonHeight: number) =>
    db.prisma.$executeRawUnsafe(
      `UPDATE delegation_status_change SET babylon_height = $1 WHERE staking_tx_hash = 'd2'`,
      babylonHeight,
    );

  it("drops stake whose early unbonding Babylon reported before the BTC height's time", async () => {
    await votedBlock();
    await unbondEarly(49n, 140);
    await run();
    expect(await powers()).toEqual(["FINALIZED", 200n, 200n]);
  });

  it("keeps stake whose early unbonding Babylon reported after the BTC height's time, though the spend is earlier", async () => {
    await votedBlock();
    await unbondEarly(50n, 140);
    await run();
    expect(await powers()).toEqual(["PENDING", 200n, 500n]);
  });

  it("counts a delegation only once Babylon reported it ACTIVE before the BTC height's time", async () => {
    await votedBlock();
    await reportActive(50);
    await run();
    expect(await powers()).toEqual(["FINALIZED", 200n, 200n]);
  });

  it("counts a delegation Babylon reported ACTIVE before the BTC height's time", async () => {
    await votedBlock();
    await reportActive(49);
    await run();
    expect(await powers()).toEqual(["PENDING", 200n, 500n]);
  });

  it("counts a provider unjailed before the BTC height's time", async () => {
    await votedBlock();
    await jail(3, 20);
    await jail(3, 30, "INACTIVE");
    await run();
    expect(await powers()).toEqual(["PENDING", 200n, 500n]);
  });
});

describe("finality engine racing the Babylon ingester", () => {
  const sig = (fpIndex: number, height: number, babylonHeight: bigint): SignatureRecord => ({
    babylonHeight,
    txHash: `race-${fpIndex}-${height}`,
    msgIndex: 0,
    fpBtcPk: fp(fpIndex),
    height: BigInt(height),
    blockHash: hash(height),
    pubRand: null,
    signature: null,
    babylonTime: new Date(),
  });

  /** Runs `commit` once, right after the engine's first read of votes returns. */
  function commitDuringEvaluation(commit: () => Promise<void>) {
    type Query = (this: unknown, ...args: unknown[]) => Promise<unknown>;
    const prisma = db.prisma as unknown as { $queryRawUnsafe: Query };
    const unpatched = prisma.$queryRawUnsafe;
    onTestFinished(() => {
      prisma.$queryRawUnsafe = unpatched;
    });
    let done = false;
    // A transaction's client reaches this through the root client: `this` keeps the query in its transaction.
    prisma.$queryRawUnsafe = async function (this: unknown, ...args: unknown[]) {
      const result = await unpatched.apply(this, args);
      if (!done && String(args[0]).includes("FROM finality_signature WHERE height = ANY")) {
        done = true;
        await commit();
      }
      return result;
    };
    return () => done;
  }

  it("re-evaluates a block whose votes were committed while it was being evaluated", async () => {
    await seedStaking([100, 100, 100]);
    await addChain(1, 12);
    const batch = emptyRecords();
    batch.signatures.push(sig(1, 10, 20n), sig(2, 10, 20n));
    const committed = commitDuringEvaluation(() =>
      commitBabylonBatch(store, batch, { height: 20n, time: new Date(9e12) }),
    );
    await run();
    expect(committed()).toBe(true);
    expect(await statuses(10, 10)).toEqual(["FINALIZED"]);
  });

  it("does not finalize on stake that a commit removed while the block was being evaluated", async () => {
    await seedStaking([100, 100, 100]);
    await addChain(1, 12);
    await vote(1, 10);
    await vote(2, 10);
    const batch = emptyRecords();
    batch.providerEvents.push({ babylonHeight: 20n, eventIndex: 0, fpBtcPk: fp(1), kind: "JAILED" });
    const committed = commitDuringEvaluation(() =>
      commitBabylonBatch(store, batch, { height: 20n, time: new Date(9e12) }),
    );
    await run();
    expect(committed()).toBe(true);
    // Provider 1 is jailed: 100 of the remaining 200 voted, short of 2/3.
    expect(await statuses(10, 10)).toEqual(["PENDING"]);
    const block = await db.prisma.l2Block.findUniqueOrThrow({ where: { hash: hash(10) } });
    expect([block.votedPower, block.totalPower]).toEqual([100n, 200n]);
  });
});

// The edges of the indexed history: blocks older than every BTC header, headers older than every Babylon
// block, an allow-list that has emptied, and a table already computed.
describe("finality engine at the edges of the indexed history", () => {
  const block = (height: number) => db.prisma.l2Block.findUniqueOrThrow({ where: { hash: hash(height) } });

  it("gives a block older than the first BTC header no voting power, and tells subscribers so", async () => {
    await seedStaking([100, 100, 100]);
    await allow(1, 5); // a status that changes with the Babylon height: the engine asks Babylon heights
    await addChain(1, 12, 0, 0, 990_000); // before BTC header 100 (t = 1_000_000)
    await vote(1, 10);
    const published: unknown[] = [];
    events.subscribe("blockStatus", (e) => published.push(e));
    await run();
    const b = await block(10);
    expect([b.status, b.btcHeight, b.votedPower, b.totalPower, b.voterCount]).toEqual([
      "NO_VOTING_POWER",
      null,
      0n,
      0n,
      0,
    ]);
    expect(published).toEqual([
      { height: 10n, hash: hash(10), status: "NO_VOTING_POWER", votedPower: 0n, totalPower: 0n },
    ]);
    expect(await db.prisma.votingPower.count()).toBe(0);
  });

  it("evaluates nothing until Babylon, the BTC light client and the staking parameters have all been read", async () => {
    await seedStaking([100]);
    await addChain(1, 12);
    await vote(1, 10);
    for (const key of ["babylon_synced_time", "btc_synced_time", "staking_params_synced"]) {
      const [{ value }] = await db.prisma.$queryRawUnsafe<[{ value: string }]>(
        `DELETE FROM gadget_state WHERE key = $1 RETURNING value`,
        key,
      );
      await run();
      expect((await block(10)).evaluatedAt, key).toBeNull();
      await writeState(db.prisma, { [key]: value });
    }
    await run();
    expect((await block(10)).status).toBe("FINALIZED");
  });

  it("publishes each verdict with its tally", async () => {
    await seedStaking([100, 100, 100]);
    await addChain(1, 16);
    await vote(1, 10);
    await vote(2, 15);
    await vote(3, 15);
    const published: unknown[] = [];
    events.subscribe("blockStatus", (e) => published.push(e));
    await run();
    expect(published).toEqual([
      { height: 10n, hash: hash(10), status: "PENDING", votedPower: 100n, totalPower: 300n },
      { height: 15n, hash: hash(15), status: "PENDING", votedPower: 200n, totalPower: 300n },
    ]);
    expect((await block(15)).voterCount).toBe(2);
    expect((await readCursor(db.prisma, "engine"))?.height).toBe(15n);
  });

  it("reads the statuses in force before the first Babylon block for a BTC header older than every one", async () => {
    await seedStaking([100, 100, 300]);
    // Babylon is indexed from height 20 (t = 1_012_000) on; block 10 is at BTC height 110 (t = 1_006_000).
    await db.prisma.$executeRawUnsafe(`DELETE FROM babylon_block WHERE height < 20`);
    await allow(1, 0); // known from the contract's state: listed before the first indexed height
    await allow(2, 0);
    await allow(3, 20); // listed by an indexed block: not yet at BTC height 110
    await addChain(1, 12, 0, 0, 1_006_000);
    await vote(1, 10);
    await vote(2, 10);
    await run();
    const b = await block(10);
    expect([b.status, b.btcHeight, b.votedPower, b.totalPower]).toEqual(["FINALIZED", 110, 200n, 200n]);
  });

  it("counts every provider once the allow-list has emptied", async () => {
    await seedStaking([100, 100, 300]);
    await allow(1, 10, 20); // the only entry, removed long before BTC height 150 (Babylon height 50)
    await addChain(1, 12);
    await vote(1, 10);
    await vote(2, 10);
    await run();
    const b = await block(10);
    expect([b.status, b.votedPower, b.totalPower]).toEqual(["PENDING", 200n, 500n]);
  });

  it("keeps a BTC height's table for later steps instead of computing and storing it again", async () => {
    await seedStaking([100, 100, 100]);
    await addChain(1, 12);
    await vote(1, 10);
    await run();
    // xmin changes when a row is written again, even with the same values.
    const versions = () =>
      db.prisma.$queryRawUnsafe<{ v: string }[]>(
        `SELECT xmin::text AS v FROM voting_power ORDER BY fp_btc_pk`,
      );
    const stored = await versions();
    expect(stored).toHaveLength(3);
    await vote(2, 10);
    await run();
    expect((await block(10)).status).toBe("FINALIZED");
    expect(await versions()).toEqual(stored);
  });
});
