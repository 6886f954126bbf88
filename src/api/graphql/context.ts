// Per-request context and its DataLoaders: every field that reaches across tables (a block's votes, a vote's
// provider, a provider's power) asks a loader, and the loader answers all parents of one level with a single
// store read, so a page of N blocks costs a fixed number of queries, not N. Loaders do not cache: a subscription
// context lives for hours and must not serve a block's status from when it started.
import DataLoader from "dataloader";
import type { FinalityProvider, L2Block, PrismaClient } from "../../db/generated/client.ts";
import type { GadgetEvents } from "../../indexer/runtime/events.ts";
import type { Logger } from "../../log.ts";
import { blocksByHash, canonicalBlocksAt } from "../../store/reads/blocks.ts";
import { providersOfDelegations } from "../../store/reads/delegations.ts";
import type { FinalizedBlocks } from "../../store/reads/finalized-cache.ts";
import { currentPowers, powerTables, providersByPk } from "../../store/reads/providers.ts";
import { highestVotedHeights, type VoteWithPower, votesOfBlocks } from "../../store/reads/signatures.ts";
import { readStates, type StateKey } from "../../store/state.ts";
import type { Tx } from "../../store/tx.ts";
import type { FinalityReader, TransactionLocator } from "../finality.ts";
import type { ServiceHealth } from "../health.ts";
import type { GadgetMetrics } from "../metrics.ts";
import type { FinalizedFeed, PushTarget } from "./finalized-feed.ts";
import type { ExecutionResult } from "./graphql-js.ts";

export interface ApiServices {
  prisma: PrismaClient;
  /** Raw reads typed as Prisma's, on the driver where the database has one (src/db/driver-reads.ts). */
  reads: Tx;
  reader: FinalityReader;
  events: GadgetEvents;
  health: ServiceHealth;
  metrics: GadgetMetrics;
  maxPageSize: number;
  locateTransaction?: TransactionLocator | undefined;
  /** Loads a row once for every subscriber of the same event (fan-out to thousands of subscribers). */
  shared: SharedLoads;
  /** BTC-finalized blocks already read: they never change, so every request may reuse them. */
  finalized: FinalizedBlocks;
  /** The live edge of finalizedBlocks for subscriptions whose results are pushed. */
  feed: FinalizedFeed;
  log: Logger;
}

export interface GraphQLContext extends ApiServices {
  loaders: Loaders;
  /** Given by the graphql-ws transport to a subscription: its results may be pushed to its socket. */
  push?: PushTarget<ExecutionResult>;
}

export type {
  BtcDelegation,
  Equivocation,
  FinalityProvider,
  FinalitySignature,
  L2Block,
  PubRandCommit,
} from "../../db/generated/client.ts";

interface Flight {
  started: number;
  result: Promise<unknown>;
}

const ignore = () => {};

/**
 * Rows loaded once per published event object and shared by every subscriber that receives it; and reads
 * many subscribers make at the same moment (10,000 resuming from the same height) made once while in flight.
 */
export class SharedLoads {
  private readonly memo = new WeakMap<object, Promise<unknown>>();
  private readonly flights = new Map<string, { running?: Flight; queued?: Promise<unknown> }>();
  private clock = 0;

  /** A point in time for `joined`: take it once the caller's bus listener is attached. */
  now(): number {
    return ++this.clock;
  }

  /**
   * At most one read per key runs, and one waits. A caller shares the running read only if it began after
   * `since` (so it sees everything committed before the caller's listener was attached); otherwise it joins
   * the next read, which starts when the running one ends. 10,000 subscribers resuming together cost two reads.
   */
  joined<T>(key: string, since: number, load: () => Promise<T>): Promise<T> {
    let flight = this.flights.get(key);
    if (flight === undefined) {
      flight = {};
      this.flights.set(key, flight);
    }
    const f = flight;
    if (f.running === undefined) return this.run(key, f, load) as Promise<T>;
    if (f.running.started > since) return f.running.result as Promise<T>;
    f.queued ??= f.running.result.then(ignore, ignore).then(() => {
      f.queued = undefined;
      return this.run(key, f, load);
    });
    return f.queued as Promise<T>;
  }

  private run(key: string, f: { running?: Flight; queued?: Promise<unknown> }, load: () => Promise<unknown>) {
    const running: Flight = { started: this.now(), result: load() };
    f.running = running;
    const done = () => {
      if (f.running === running) f.running = undefined;
      if (f.running === undefined && f.queued === undefined) this.flights.delete(key);
    };
    running.result.then(done, done);
    return running.result;
  }

  once<T>(event: object, load: () => Promise<T>): Promise<T> {
    let p = this.memo.get(event) as Promise<T> | undefined;
    if (p === undefined) {
      p = load();
      this.memo.set(event, p);
    }
    return p;
  }
}

const noCache = { cache: false } as const;

function unique<T>(keys: readonly T[]): T[] {
  return [...new Set(keys)];
}

function byKey<T, K>(rows: readonly T[], keyOf: (row: T) => K): Map<K, T> {
  return new Map(rows.map((r) => [keyOf(r), r]));
}

/**
 * A request's loaders, each made on first use: a subscription's context lives as long as the subscription, and
 * 10,000 subscribers whose shared execution runs in one context (shared-execution.ts) need none of their own.
 */
export class Loaders {
  private readonly made = new Map<string, unknown>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly reads: Tx,
    private readonly finalized?: FinalizedBlocks,
  ) {}

  private once<T>(name: string, make: () => T): T {
    let loader = this.made.get(name) as T | undefined;
    if (loader === undefined) {
      loader = make();
      this.made.set(name, loader);
    }
    return loader;
  }

  get blockByHash() {
    return this.once(
      "blockByHash",
      () =>
        new DataLoader<string, L2Block | null>(async (hashes) => {
          const map = byKey(await blocksByHash(this.reads, unique(hashes), this.finalized), (r) => r.hash);
          return hashes.map((h) => map.get(h) ?? null);
        }, noCache),
    );
  }

  get canonicalBlockByHeight() {
    return this.once(
      "canonicalBlockByHeight",
      () =>
        new DataLoader<bigint, L2Block | null, string>(
          async (heights) => {
            const map = byKey(
              await canonicalBlocksAt(this.reads, unique(heights), this.finalized),
              (r) => r.height,
            );
            return heights.map((h) => map.get(h) ?? null);
          },
          { ...noCache, cacheKeyFn: (h) => h.toString() },
        ),
    );
  }

  /** Key: `${height}:${blockHash}`. */
  get votesOfBlock() {
    return this.once(
      "votesOfBlock",
      () =>
        new DataLoader<string, VoteWithPower[]>(async (keys) => {
          const blocks = unique(keys).map((k) => {
            const [height, hash] = k.split(":");
            return { height: BigInt(height!), hash: hash! };
          });
          const groups = await votesOfBlocks(this.reads, blocks);
          return keys.map((k) => groups.get(k) ?? []);
        }, noCache),
    );
  }

  get providerByPk() {
    return this.once(
      "providerByPk",
      () =>
        new DataLoader<string, FinalityProvider | null>(async (pks) => {
          const map = byKey(await providersByPk(this.reads, unique(pks)), (r) => r.btcPk);
          return pks.map((pk) => map.get(pk) ?? null);
        }, noCache),
    );
  }

  /** Power at the newest BTC height the engine computed a table for ("now"); 0 when absent from it. */
  get currentPower() {
    return this.once(
      "currentPower",
      () =>
        new DataLoader<string, bigint>(async (pks) => {
          const powers = await currentPowers(this.reads, unique(pks));
          return pks.map((pk) => powers.get(pk) ?? 0n);
        }, noCache),
    );
  }

  /** Key: `${btcHeight}:${fpBtcPk}`; null when the engine has no table for that BTC height. */
  get powerAt() {
    return this.once(
      "powerAt",
      () =>
        new DataLoader<string, bigint | null>(async (keys) => {
          const parsed = unique(keys).map((k) => k.split(":"));
          const tables = await powerTables(
            this.reads,
            unique(parsed.map(([h]) => Number(h))),
            unique(parsed.map(([, pk]) => pk!)),
          );
          return keys.map((k) => {
            const power = tables.power.get(k);
            if (power !== undefined) return power;
            return tables.heights.has(Number(k.split(":")[0])) ? 0n : null;
          });
        }, noCache),
    );
  }

  get highestVotedHeight() {
    return this.once(
      "highestVotedHeight",
      () =>
        new DataLoader<string, bigint | null>(async (pks) => {
          const heights = await highestVotedHeights(this.reads, unique(pks));
          return pks.map((pk) => heights.get(pk) ?? null);
        }, noCache),
    );
  }

  /** Rows of gadget_state; absent keys are undefined. */
  get state() {
    return this.once(
      "state",
      () =>
        new DataLoader<StateKey, string | undefined>(async (keys) => {
          const values = await readStates(this.reads, unique(keys));
          return keys.map((k) => values.get(k));
        }, noCache),
    );
  }

  get providersOfDelegation() {
    return this.once(
      "providersOfDelegation",
      () =>
        new DataLoader<string, string[]>(async (hashes) => {
          const groups = await providersOfDelegations(this.prisma, unique(hashes));
          return hashes.map((h) => groups.get(h) ?? []);
        }, noCache),
    );
  }
}

export function createContext(services: ApiServices): GraphQLContext {
  return { ...services, loaders: new Loaders(services.prisma, services.reads, services.finalized) };
}
