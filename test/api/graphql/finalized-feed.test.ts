// The live edge of finalizedBlocks shared by pushed subscriptions: every sink gets every finalized height
// after its start exactly once and in order, whatever the publisher batches and whenever it joins; a row is
// prepared once per key for all sinks; a sink whose socket backs up leaves the feed and catches up without
// holding anyone back; an aborted sink gets nothing more; a failed read ends the sinks it would have served.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SharedLoads } from "../../../src/api/graphql/context.ts";
import { FinalizedFeed, type PushSink } from "../../../src/api/graphql/finalized-feed.ts";
import type { L2Block, PrismaClient } from "../../../src/db/generated/client.ts";
import { GadgetEvents } from "../../../src/indexer/runtime/events.ts";
import { openTestDatabase, type TestDatabase } from "../../helpers/database.ts";
import { blockHash, timestampOf } from "../fixtures.ts";

let db: TestDatabase;
let prisma: PrismaClient;
let next = 1n;

beforeAll(async () => {
  db = await openTestDatabase();
  prisma = db.prisma;
  await finalize(10); // history before any subscriber
}, 120_000);

afterAll(async () => {
  await db?.close();
});

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

/** Commits and announces `n` blocks, in batches of `batch` (one event per batch: the engine's newest). */
async function finalizeAndAnnounce(events: GadgetEvents, n: number, batch = 1): Promise<void> {
  for (let done = 0; done < n; done += batch) {
    const heights = await finalize(Math.min(batch, n - done));
    const h = heights[heights.length - 1]!;
    events.publish("blockFinalized", {
      height: h,
      hash: blockHash(h),
      timestamp: timestampOf(h),
      finalizedAt: new Date(),
    });
    await new Promise((r) => setImmediate(r));
  }
}

const range = (from: bigint, to: bigint) =>
  Array.from({ length: Number(to - from) + 1 }, (_, i) => from + BigInt(i));

interface TestSink extends PushSink<string> {
  heights: bigint[];
  /** Unsent "bytes": a sink is backed up past 3 until `drain`. */
  pending: number;
  drain(): void;
}

function sink(key = "k", prepared?: Map<string, number>): TestSink {
  const waiters: Array<() => void> = [];
  const s: TestSink = {
    key,
    heights: [],
    pending: 0,
    prepare: async (row: L2Block) => {
      const id = `${key}:${row.height}`;
      prepared?.set(id, (prepared.get(id) ?? 0) + 1);
      return id;
    },
    send: (value: string) => {
      s.heights.push(BigInt(value.split(":")[1]!));
      s.pending++;
    },
    backedUp: () => s.pending > 3,
    drained: () => (s.pending <= 3 ? Promise.resolve() : new Promise<void>((r) => waiters.push(r))),
    drain: () => {
      s.pending = 0;
      for (const w of waiters.splice(0)) w();
    },
  };
  return s;
}

/** A sink that drains by itself after every send, as a socket that keeps up does. */
function keepingUp(key = "k", prepared?: Map<string, number>): TestSink {
  const s = sink(key, prepared);
  const send = s.send;
  s.send = (value) => {
    send(value);
    s.pending = 0;
  };
  return s;
}

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("FinalizedFeed", () => {
  it("gives every sink each height after its start once, in order, and prepares a row once per key", async () => {
    const events = new GadgetEvents();
    const feed = new FinalizedFeed(prisma, events, new SharedLoads());
    const prepared = new Map<string, number>();
    const stop = new AbortController();
    const start = next - 1n;
    // Resuming from the start of history, from the last finalized height, and from "now".
    const sinks = [
      ...Array.from({ length: 20 }, () => keepingUp("a", prepared)),
      ...Array.from({ length: 5 }, () => keepingUp("b", prepared)),
    ];
    const froms = sinks.map((_, i) => (i % 3 === 0 ? 0n : i % 3 === 1 ? start : undefined));
    const pushes = sinks.map((s, i) => feed.push(s, froms[i], stop.signal));
    await until(() => feed.size === sinks.length);
    await finalizeAndAnnounce(events, 30, 1);
    await finalizeAndAnnounce(events, 40, 7); // batches: one event stands for several heights
    const last = next - 1n;
    await until(() => sinks.every((s) => s.heights.at(-1) === last));
    sinks.forEach((s, i) => {
      expect(s.heights).toEqual(range((froms[i] ?? start) + 1n, last));
    });
    for (const h of range(start + 1n, last)) {
      expect(prepared.get(`a:${h}`)).toBe(1);
      expect(prepared.get(`b:${h}`)).toBe(1);
    }
    stop.abort();
    await Promise.all(pushes);
    expect(feed.size).toBe(0);
    feed.close();
  });

  it("lets sinks of new keys join while rows are being prepared, without gap or repeat", async () => {
    const events = new GadgetEvents();
    const feed = new FinalizedFeed(prisma, events, new SharedLoads());
    const stop = new AbortController();
    // Preparing takes a while, so joiners arrive while the feed is delivering a row.
    const slowly = (s: TestSink) => {
      const prepare = s.prepare;
      s.prepare = async (row) => {
        await new Promise((r) => setTimeout(r, 2));
        return prepare(row);
      };
      return s;
    };
    const early = slowly(keepingUp("early"));
    const pushes = [feed.push(early, undefined, stop.signal)];
    const joiners: Array<{ sink: TestSink; from: bigint }> = [];
    const publishing = finalizeAndAnnounce(events, 60, 3);
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 3));
      const from = next - 5n; // behind the feed: it catches up on its own first
      const s = slowly(keepingUp(`joiner-${i}`));
      joiners.push({ sink: s, from });
      pushes.push(feed.push(s, from, stop.signal));
    }
    await publishing;
    const last = next - 1n;
    await until(() => [early, ...joiners.map((j) => j.sink)].every((s) => s.heights.at(-1) === last));
    for (const { sink: s, from } of joiners) expect(s.heights).toEqual(range(from + 1n, last));
    expect(early.heights[early.heights.length - 1]).toBe(last);
    expect(new Set(early.heights).size).toBe(early.heights.length);
    stop.abort();
    await Promise.all(pushes);
    feed.close();
  });

  it("without a start height, a sink gets what is finalized after it subscribed", async () => {
    const events = new GadgetEvents();
    const feed = new FinalizedFeed(prisma, events, new SharedLoads());
    const stop = new AbortController();
    const first = keepingUp();
    const pushes = [feed.push(first, undefined, stop.signal)];
    await until(() => feed.size === 1);
    stop.abort();
    await Promise.all(pushes);
    // Announced while nobody listens.
    await finalizeAndAnnounce(events, 5);
    const again = new AbortController();
    const later = keepingUp();
    const push = feed.push(later, undefined, again.signal);
    await until(() => feed.size === 1);
    await finalizeAndAnnounce(events, 2);
    await until(() => later.heights.length >= 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(later.heights).toEqual(range(next - 2n, next - 1n));
    again.abort();
    await push;
    feed.close();
  });

  it("a sink resuming above the feed's height waits in the feed and gets each height after its own", async () => {
    const events = new GadgetEvents();
    const feed = new FinalizedFeed(prisma, events, new SharedLoads());
    const stop = new AbortController();
    const from = next + 4n; // five heights the gadget has not finalized yet
    const ahead = keepingUp();
    const level = keepingUp();
    const pushes = [feed.push(ahead, from, stop.signal), feed.push(level, undefined, stop.signal)];
    await until(() => feed.size === 2);
    await finalizeAndAnnounce(events, 12, 3);
    const last = next - 1n;
    await until(() => ahead.heights.at(-1) === last && level.heights.at(-1) === last);
    expect(ahead.heights).toEqual(range(from + 1n, last));
    expect(level.heights).toEqual(range(last - 11n, last));
    stop.abort();
    await Promise.all(pushes);
    expect(feed.size).toBe(0);
    feed.close();
  });

  it("a sink that backs up leaves the feed, holds no one back, and catches up once drained", async () => {
    const events = new GadgetEvents();
    const feed = new FinalizedFeed(prisma, events, new SharedLoads());
    const stop = new AbortController();
    const start = next - 1n;
    const slow = sink();
    const fast = keepingUp();
    const pushes = [feed.push(slow, start, stop.signal), feed.push(fast, start, stop.signal)];
    await until(() => feed.size === 2);
    await finalizeAndAnnounce(events, 20, 2);
    const last = next - 1n;
    await until(() => fast.heights.at(-1) === last);
    expect(fast.heights).toEqual(range(start + 1n, last));
    // The slow one took four rows (backed up after the fourth) and left.
    expect(slow.heights).toEqual(range(start + 1n, start + 4n));
    expect(feed.size).toBe(1);
    // Draining lets it catch up from the database, four rows per drain, then join again.
    while (slow.heights.at(-1) !== last) {
      slow.drain();
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(slow.heights).toEqual(range(start + 1n, last));
    slow.drain();
    await until(() => feed.size === 2);
    await finalizeAndAnnounce(events, 2);
    await until(() => slow.heights.at(-1) === next - 1n && fast.heights.at(-1) === next - 1n);
    expect(slow.heights).toEqual(range(start + 1n, next - 1n));
    stop.abort();
    await Promise.all(pushes);
    feed.close();
  });

  it("sends nothing more to an aborted sink", async () => {
    const events = new GadgetEvents();
    const feed = new FinalizedFeed(prisma, events, new SharedLoads());
    const stop = new AbortController();
    const s = keepingUp();
    const push = feed.push(s, undefined, stop.signal);
    await until(() => feed.size === 1);
    await finalizeAndAnnounce(events, 2);
    await until(() => s.heights.length === 2);
    stop.abort();
    await push;
    expect(feed.size).toBe(0);
    await finalizeAndAnnounce(events, 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(s.heights).toHaveLength(2);
    feed.close();
  });

  it("ends the sinks in the feed with the error when it cannot read the next rows", async () => {
    const events = new GadgetEvents();
    const failing = new Proxy(prisma, {
      get(target, prop) {
        if (prop !== "l2Block") return Reflect.get(target, prop);
        return {
          findMany: async () => {
            throw new Error("connection lost");
          },
        };
      },
    });
    const feed = new FinalizedFeed(failing, events, new SharedLoads());
    const stop = new AbortController();
    const outcome = feed.push(keepingUp(), undefined, stop.signal).then(
      () => undefined,
      (error: unknown) => error,
    );
    await until(() => feed.size === 1);
    await finalizeAndAnnounce(events, 1);
    expect(await outcome).toMatchObject({ message: "connection lost" });
    expect(feed.size).toBe(0);
    feed.close();
  });
});
