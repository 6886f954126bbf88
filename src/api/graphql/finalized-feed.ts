// The live edge of finalizedBlocks for subscriptions whose transport takes results pushed (graphql-ws): one
// bus listener for all of them; each newly finalized row is read once, prepared (executed) once per distinct
// selection, and written to every subscriber in one synchronous loop. Through its own iterator chain each of
// 10,000 subscribers paid a dozen promises per block, and delivery time was mostly the collector's.
//
// A subscription reads its catch-up from the database on its own, at the pace its socket drains, and joins
// the feed when it has reached the feed's height while the feed is between rows (or waits in the feed when it
// resumes from a height the feed has not delivered yet). One whose socket backs up
// leaves the feed at the row it was last sent and catches up again on its own: the feed never waits for a
// subscriber, and a subscriber costs at most a socket buffer's worth of memory, however far behind it is.
import type { L2Block, PrismaClient } from "../../db/generated/client.ts";
import type { GadgetEvents } from "../../indexer/runtime/events.ts";
import { finalizedAfter, finalizedEnd } from "../../store/reads/blocks.ts";
import type { SharedLoads } from "./context.ts";

const BATCH = 500;

/** Where a transport that takes results pushed (graphql-ws) sends one subscription's. */
export interface PushTarget<P> {
  send(prepared: P): void;
  /** The socket holds more unsent bytes than it should be given more. */
  backedUp(): boolean;
  /** Resolves once the socket has written what it held, or closed. */
  drained(): Promise<void>;
}

/** A push target with the way its rows become what it sends. */
export interface PushSink<P> extends PushTarget<P> {
  /** Sinks with the same key take the same prepared value for a row, so it is prepared once for all. */
  readonly key: string;
  prepare(row: L2Block): Promise<P>;
}

/** A subscription's stream that a transport may have pushed to a sink instead of iterating it. */
export interface PushableStream<T> extends AsyncIterableIterator<T> {
  pushTo(sink: PushSink<unknown>, signal: AbortSignal): Promise<void>;
}

export function isPushable<T>(stream: AsyncIterableIterator<T>): stream is PushableStream<T> {
  return typeof (stream as Partial<PushableStream<T>>).pushTo === "function";
}

/** A stream iterated through `iterate` (made on the first read) or pushed through `push`. */
export function pushable<T>(
  iterate: () => AsyncIterableIterator<T>,
  push: PushableStream<T>["pushTo"],
): PushableStream<T> {
  const done = { value: undefined, done: true } as const;
  let iterator: AsyncIterableIterator<T> | undefined;
  let ended = false;
  const stream: PushableStream<T> = {
    next: () => {
      if (ended) return Promise.resolve(done);
      iterator ??= iterate();
      return iterator.next();
    },
    return: () => {
      ended = true;
      return iterator?.return?.() ?? Promise.resolve(done);
    },
    pushTo: push,
    [Symbol.asyncIterator]: () => stream,
  };
  return stream;
}

function addTo<K>(sets: Map<K, Set<Member>>, key: K, member: Member): void {
  let set = sets.get(key);
  if (set === undefined) {
    set = new Set();
    sets.set(key, set);
  }
  set.add(member);
}

function removeFrom<K>(sets: Map<K, Set<Member>>, key: K, member: Member): boolean {
  const set = sets.get(key);
  if (!set?.delete(member)) return false;
  if (set.size === 0) sets.delete(key);
  return true;
}

class Member {
  private wake: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  closed = false;

  constructor(
    readonly sink: PushSink<unknown>,
    public last: bigint,
  ) {}

  /** Sends a row the feed prepared; leaves the feed when the socket has taken what it should for now. */
  receive(feed: FinalizedFeed, height: bigint, prepared: unknown): void {
    this.sink.send(prepared);
    this.last = height;
    if (this.sink.backedUp()) {
      feed.leave(this);
      this.rouse();
    }
  }

  /** Waits while the member is in the feed: until it leaves it, its subscription ends or the feed fails. */
  inFeed(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.wake = { resolve, reject };
    });
  }

  rouse(error?: unknown): void {
    const wake = this.wake;
    this.wake = undefined;
    if (error === undefined) wake?.resolve();
    else wake?.reject(error);
  }
}

export class FinalizedFeed {
  /** The newest height the bus announced as finalized. */
  private announced: bigint | undefined;
  /** Every member has been sent every finalized row up to this height. */
  private delivered: bigint | undefined;
  private starting: Promise<void> | undefined;
  private readonly groups = new Map<string, Set<Member>>();
  /** Members that joined at a height the feed has not delivered yet, by that height. */
  private readonly ahead = new Map<bigint, Set<Member>>();
  private members = 0;
  private busy = false;
  private waiting: Array<() => void> = [];
  private readonly unsubscribe: () => void;

  constructor(
    private readonly prisma: PrismaClient,
    events: GadgetEvents,
    private readonly shared: SharedLoads,
  ) {
    // Attached before any subscriber reads the database, so no height committed after such a read is missed.
    this.unsubscribe = events.subscribe("blockFinalized", (event) => {
      if (this.announced === undefined || event.height > this.announced) this.announced = event.height;
      void this.advance();
    });
  }

  close(): void {
    this.unsubscribe();
  }

  /** Subscribers of the feed's live edge now. */
  get size(): number {
    return this.members;
  }

  /**
   * Pushes every finalized row above `fromHeight` (or, without it, every one finalized from now on) to `sink`,
   * in height order, none skipped or repeated, until `signal` aborts. Rejects when the database cannot be read.
   */
  async push(sink: PushSink<unknown>, fromHeight: bigint | undefined, signal: AbortSignal): Promise<void> {
    const start = await this.start();
    const member = new Member(sink, fromHeight ?? start);
    let abort: (() => void) | undefined;
    const aborted = new Promise<void>((resolve) => {
      abort = () => {
        member.closed = true;
        this.leave(member);
        member.rouse();
        resolve();
      };
      signal.addEventListener("abort", abort, { once: true });
    });
    try {
      while (!signal.aborted) {
        if (sink.backedUp()) await Promise.race([sink.drained(), aborted]);
        if (signal.aborted) break;
        const upTo = this.delivered as bigint;
        if (member.last < upTo) await this.catchUp(member, upTo);
        else if (this.join(member)) await member.inFeed();
        else await Promise.race([this.changed(), aborted]);
      }
    } finally {
      member.closed = true;
      this.leave(member);
      signal.removeEventListener("abort", abort as () => void);
    }
  }

  /** Sends the member the finalized rows above its height up to `upTo` that its socket takes now. */
  private async catchUp(member: Member, upTo: bigint): Promise<void> {
    const after = member.last;
    // Finalized rows never change: any read of the same range may be shared, whenever it began.
    const rows = await this.shared.joined(`feed:${after}:${upTo}`, 0, () =>
      finalizedAfter(this.prisma, after, upTo, BATCH),
    );
    for (const row of rows) {
      const prepared = await member.sink.prepare(row);
      if (member.closed) return;
      member.sink.send(prepared);
      member.last = row.height;
      if (member.sink.backedUp()) return;
    }
  }

  /** The height the feed has delivered up to, read from the database the first time. */
  private start(): Promise<bigint> {
    this.starting ??= finalizedEnd(this.prisma, "newest").then(
      (row) => {
        const newest = row?.height ?? -1n;
        if (this.announced === undefined || newest > this.announced) this.announced = newest;
        this.delivered ??= this.announced;
      },
      (error: unknown) => {
        this.starting = undefined;
        throw error;
      },
    );
    return this.starting.then(() => this.delivered as bigint);
  }

  /**
   * Adds the member at its height: to its group when the feed is there, to wait for it when the feed is
   * behind (a subscriber resuming from a height the feed has not delivered yet). False while the feed is
   * delivering, or when the member is behind it and must catch up first.
   */
  private join(member: Member): boolean {
    const delivered = this.delivered as bigint;
    if (this.busy || member.closed || member.last < delivered) return false;
    if (member.last === delivered) addTo(this.groups, member.sink.key, member);
    else addTo(this.ahead, member.last, member);
    this.members++;
    // Rows announced while the member caught up are delivered to it with everyone else's.
    void this.advance();
    return true;
  }

  leave(member: Member): void {
    if (removeFrom(this.groups, member.sink.key, member) || removeFrom(this.ahead, member.last, member)) {
      this.members--;
    }
  }

  /** Resolves when the feed has finished delivering what it was delivering (or had nothing to deliver). */
  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private async advance(): Promise<void> {
    if (this.busy || this.delivered === undefined) return;
    this.busy = true;
    try {
      while (this.members > 0 && (this.announced as bigint) > this.delivered) {
        const rows = await finalizedAfter(this.prisma, this.delivered, this.announced, BATCH);
        // The bus announces a height after its commit, so the rows are there; an empty read would spin.
        if (rows.length === 0) break;
        for (const row of rows) {
          // Members waiting at a height below this row's take it and what follows.
          for (const [height, waiting] of this.ahead) {
            if (height >= row.height) continue;
            this.ahead.delete(height);
            for (const member of waiting) addTo(this.groups, member.sink.key, member);
          }
          await this.deliver(row);
          this.delivered = row.height;
        }
      }
      if (this.members === 0) this.delivered = this.announced;
    } catch (error) {
      // The members cannot be sent what comes next: their subscriptions end with the error.
      for (const set of [...this.groups.values(), ...this.ahead.values()]) {
        for (const member of set) member.rouse(error);
      }
      this.groups.clear();
      this.ahead.clear();
      this.members = 0;
      this.delivered = this.announced;
    } finally {
      this.busy = false;
      for (const resolve of this.waiting.splice(0)) resolve();
    }
  }

  private async deliver(row: L2Block): Promise<void> {
    const prepared = [...this.groups.values()].map(
      (group) => [group, group.values().next().value?.sink.prepare(row)] as const,
    );
    for (const [group, preparing] of prepared) {
      const value = await preparing;
      for (const member of group) member.receive(this, row.height, value);
    }
  }
}
