// The Babylon ingester's fail-safe against the devnet: an event it cannot read that can change voting power
// stops ingestion (and so evaluation) at its block, shows in /ready, syncStatus's source and the metrics, and is
// passed only by an operator's explicit decision naming it; power-neutral malformed events are skipped, counted.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceHealth } from "../../../src/api/health.ts";
import { GadgetMetrics } from "../../../src/api/metrics.ts";
import { refreshDatabaseMetrics } from "../../../src/api/metrics-db.ts";
import { type Devnet, startDevnet } from "../../../src/devnet/devnet.ts";
import { BabylonIngester } from "../../../src/indexer/babylon/ingester.ts";
import { canChangePower } from "../../../src/indexer/babylon/records.ts";
import { SkipEventRefused, skipUnreadableEvent } from "../../../src/indexer/babylon/skip-event.ts";
import { createLogger } from "../../../src/log.ts";
import { readUnreadableEvent } from "../../../src/store/babylon-unreadable.ts";
import { readCursor, readState } from "../../../src/store/state.ts";
import { Store } from "../../../src/store/store.ts";
import { openTestDatabase, type TestDatabase } from "../../helpers/database.ts";

let devnet: Devnet;
let db: TestDatabase;
let store: Store;
let ingester: BabylonIngester;
const log = createLogger("silent");

beforeAll(async () => {
  devnet = await startDevnet({ blockIntervalMs: 40, btcBlockIntervalMs: 0, accounts: 1, l2: false });
  db = await openTestDatabase();
  store = new Store(db.prisma);
  ingester = new BabylonIngester({
    store,
    rpcUrl: devnet.info.babylon.rpcUrl,
    contractAddress: devnet.info.contractAddress,
    log,
    startHeight: 1n,
    maxBlocksPerStep: 50,
    concurrency: 2,
  });
});

afterAll(async () => {
  await ingester?.close();
  await db?.close();
  await devnet?.stop();
});

async function malformedEvent(): Promise<{ height: bigint; eventType: string }> {
  const res = await fetch(`${devnet.info.adminUrl}/babylon/malformed-event`, { method: "POST", body: "{}" });
  const json = (await res.json()) as { height: string; eventType: string };
  expect(res.status).toBe(200);
  return { height: BigInt(json.height), eventType: json.eventType };
}

/** Steps the ingester until it has nothing more to do (or `limit` steps). */
async function drain(limit = 200): Promise<void> {
  for (let i = 0; i < limit; i++) if ((await ingester.step()) === "idle") return;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("an unreadable Babylon event", () => {
  it("classes only votes and randomness commits as unable to change voting power", () => {
    expect(canChangePower("wasm-submit_finality_signature")).toBe(false);
    expect(canChangePower("wasm-public_randomness_commit")).toBe(false);
    for (const type of [
      "babylon.btcstaking.v1.EventBTCDelgationUnbondedEarly",
      "babylon.btcstaking.v1.EventFinalityProviderStatusChange",
      "babylon.btcstaking.v1.EventBTCDelegationCreated",
      "wasm-add_to_allowlist",
      "babylon.finality.v1.EventSlashedFinalityProvider",
    ])
      expect(canChangePower(type)).toBe(true);
  });

  it("stops ingestion at its block until an operator's decision names it, then ingestion passes it", async () => {
    const bad = await malformedEvent();
    await sleep(300); // a few blocks after it
    await drain();
    expect((await readCursor(db.prisma, "babylon"))?.height).toBe(bad.height - 1n);
    const stopped = await readUnreadableEvent(db.prisma);
    expect(stopped).toMatchObject({ babylonHeight: bad.height, eventType: bad.eventType });
    expect(stopped?.error).toMatch(/start_height/);

    // Steps after it stay where they are: nothing at or after the event's block is committed.
    await sleep(200);
    await drain();
    expect((await readCursor(db.prisma, "babylon"))?.height).toBe(bad.height - 1n);

    const ready = await new ServiceHealth().readiness(db.prisma);
    expect(ready.ready).toBe(false);
    expect(ready.reasons.join("\n")).toMatch(
      new RegExp(`unreadable Babylon event ${bad.eventType} at height ${bad.height}`),
    );
    const metrics = new GadgetMetrics({ processMetrics: false });
    await refreshDatabaseMetrics(db.prisma, metrics);
    expect(
      await metrics.registry.getSingleMetricAsString("finality_gadget_babylon_unreadable_event_height"),
    ).toMatch(new RegExp(`event="${bad.eventType}"} ${bad.height}`));

    // The decision must name the event exactly.
    await expect(
      skipUnreadableEvent(db.prisma, { height: String(bad.height + 1n), event: bad.eventType }, log),
    ).rejects.toThrow(SkipEventRefused);
    await expect(
      skipUnreadableEvent(db.prisma, { height: String(bad.height), event: "wasm-add_to_allowlist" }, log),
    ).rejects.toThrow(SkipEventRefused);
    expect((await readCursor(db.prisma, "babylon"))?.height).toBe(bad.height - 1n);

    await skipUnreadableEvent(db.prisma, { height: String(bad.height), event: bad.eventType }, log);
    await drain();
    expect((await readCursor(db.prisma, "babylon"))!.height).toBeGreaterThanOrEqual(bad.height);
    expect(await readUnreadableEvent(db.prisma)).toBeUndefined();
    expect(await readState(db.prisma, "babylon_malformed_skipped")).toBe("1");
    await refreshDatabaseMetrics(db.prisma, metrics);
    expect(
      await metrics.registry.getSingleMetricAsString("finality_gadget_babylon_unreadable_event_height"),
    ).not.toMatch(/event=/);

    // A second unreadable event needs a decision of its own.
    const again = await malformedEvent();
    await sleep(200);
    await drain();
    expect((await readCursor(db.prisma, "babylon"))?.height).toBe(again.height - 1n);
    expect(await readUnreadableEvent(db.prisma)).toMatchObject({ babylonHeight: again.height });
  });

  it("is read from the database once per ingester, which keeps it in memory until it passes the event", async () => {
    // The previous test left ingestion stopped at a second unreadable event. A new ingester (a restart, or a new
    // writer lease) learns that from the database once; every later batch asks its memory.
    const stoppedAt = await readUnreadableEvent(db.prisma);
    expect(stoppedAt).toBeDefined();
    let reads = 0;
    const counted = new Proxy(db.prisma, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (key !== "$queryRawUnsafe") return typeof value === "function" ? value.bind(target) : value;
        return (sql: string, ...values: unknown[]) => {
          if (Array.isArray(values[0]) && values[0].includes("babylon_unreadable_height")) reads++;
          return target.$queryRawUnsafe(sql, ...values);
        };
      },
    });
    const restarted = new BabylonIngester({
      store: new Store(counted),
      rpcUrl: devnet.info.babylon.rpcUrl,
      contractAddress: devnet.info.contractAddress,
      log,
      startHeight: 1n,
      maxBlocksPerStep: 5,
      concurrency: 2,
    });
    try {
      const drainRestarted = async () => {
        for (let i = 0; i < 200; i++) if ((await restarted.step()) === "idle") return;
      };
      await drainRestarted();
      await drainRestarted();
      expect((await readCursor(db.prisma, "babylon"))?.height).toBe(stoppedAt!.babylonHeight - 1n);
      // The operator's decision comes from another process (the skip-event command), through the database.
      await skipUnreadableEvent(
        db.prisma,
        { height: String(stoppedAt!.babylonHeight), event: stoppedAt!.eventType },
        log,
      );
      await sleep(200); // more blocks after it: several batches of 5 blocks each
      await drainRestarted();
      expect((await readCursor(db.prisma, "babylon"))!.height).toBeGreaterThan(stoppedAt!.babylonHeight + 5n);
      expect(await readUnreadableEvent(db.prisma)).toBeUndefined();
      expect(reads).toBe(1);
    } finally {
      await restarted.close();
    }
  });
});
