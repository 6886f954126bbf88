// Backpressure of the live streams: every subscriber has a bounded inbox on the one event bus. A subscriber
// that stops reading is dropped with a SlowConsumerError naming why, and the others on the same bus still get
// every event; a burst larger than the inbox (one commit finalizing many blocks) drops no one, because
// finalizedBlocks reads what it skipped from the database.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedLoads } from "../../src/api/graphql/context.ts";
import * as streams from "../../src/api/graphql/streams.ts";
import type { PrismaClient } from "../../src/db/generated/client.ts";
import { SlowConsumerError } from "../../src/errors.ts";
import { GadgetEvents } from "../../src/indexer/runtime/events.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { blockHash, timestampOf } from "./fixtures.ts";

const CAPACITY = 32;
let db: TestDatabase;
let prisma: PrismaClient;
let next = 1n;

/** Commits `n` finalized blocks, as the engine does, and returns their heights. */
async function finalize(n: number): Promise<bigint[]> {
  const heights = Array.from({ length: n }, (_, i) => next + BigInt(i));
  next += BigInt(n);
  await prisma.l2Block.createMany({
    data: heights.map((h) => ({
      hash: blockHash(h),
      height: h,
      parentHash: blockHash(h - 1n),
      timestamp: timestampOf(h),
      checked: true,
      status: "FINALIZED" as const,
      finalizedAt: new Date(),
    })),
  });
  return heights;
}

function announce(events: GadgetEvents, h: bigint): void {
  events.publish("blockFinalized", {
    height: h,
    hash: blockHash(h),
    timestamp: timestampOf(h),
    finalizedAt: new Date(),
  });
}

async function readHeights(
  stream: AsyncIterableIterator<{ height: bigint }>,
  upTo: bigint,
): Promise<bigint[]> {
  const seen: bigint[] = [];
  for await (const row of stream) {
    seen.push(row.height);
    if (row.height >= upTo) break;
  }
  return seen;
}

const range = (from: bigint, to: bigint) =>
  Array.from({ length: Number(to - from) + 1 }, (_, i) => from + BigInt(i));
const settle = () => new Promise((resolve) => setImmediate(resolve));

beforeAll(async () => {
  db = await openTestDatabase();
  prisma = db.prisma;
}, 120_000);

afterAll(async () => {
  await db?.close();
});

describe("subscriber backpressure", () => {
  it("a subscriber that stops reading is dropped with a clear reason; the other still gets every block", async () => {
    const events = new GadgetEvents();
    const shared = new SharedLoads();
    const first = next;
    const slow = streams.finalizedBlocks(prisma, events, shared, first - 1n, CAPACITY);
    const fast = streams.finalizedBlocks(prisma, events, shared, first - 1n, CAPACITY);
    const total = 600;
    const received = readHeights(fast, first + BigInt(total) - 1n);
    // The engine commits and announces in small batches; the slow subscriber never reads.
    for (let i = 0; i < total / 10; i++) {
      for (const h of await finalize(10)) announce(events, h);
      await settle();
    }
    expect(await received).toEqual(range(first, first + BigInt(total) - 1n));
    const dropped = await slow.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(dropped).toBeInstanceOf(SlowConsumerError);
    expect((dropped as Error).message).toBe(
      `subscription dropped: the client fell ${CAPACITY} events behind; resubscribe (finalizedBlocks with fromHeight) to resume`,
    );
    // Dropped means gone: later events buffer nothing for it, and it keeps answering with the reason.
    for (const h of await finalize(5)) announce(events, h);
    await expect(slow.next()).rejects.toBeInstanceOf(SlowConsumerError);
  });

  it("a burst of events larger than the inbox drops no one: the gap is read from the database", async () => {
    const events = new GadgetEvents();
    const first = next;
    const reader = streams.finalizedBlocks(prisma, events, new SharedLoads(), first - 1n, CAPACITY);
    const heights = await finalize(CAPACITY * 10);
    const received = readHeights(reader, heights[heights.length - 1]!);
    for (const h of heights) announce(events, h); // one synchronous burst, as after one large commit
    expect(await received).toEqual(heights);
  });

  it("a stream without a database catch-up drops a subscriber that is a full inbox behind", async () => {
    const events = new GadgetEvents();
    const stuck = streams.blockStatus(prisma, events, 999_999n, CAPACITY);
    await settle();
    // Status changes cannot be re-read later, so a full inbox of unread events ends the subscription.
    for (let i = 0; i < 2 * CAPACITY; i++) {
      events.publish("blockStatus", { height: 999_999n, hash: blockHash(999_999n), status: "PENDING" });
    }
    await expect(stuck.next()).rejects.toBeInstanceOf(SlowConsumerError);
  });
});
