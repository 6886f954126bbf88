// Per-request context and its DataLoaders: every field that reaches across tables (a block's votes, a vote's
// provider, a provider's power) asks a loader, and the loader answers all parents of one level with a single
// query, so a page of N blocks costs a fixed number of queries, not N. Loaders do not cache: a subscription
// context lives for hours and must not serve a block's status from when it started.
import DataLoader from "dataloader";
import type {
  FinalityProvider,
  FinalitySignature,
  L2Block,
  PrismaClient,
} from "../../db/generated/client.ts";
import type { GadgetEvents } from "../../indexer/runtime/events.ts";
import type { Logger } from "../../log.ts";
import type { FinalityReader, TransactionLocator } from "../finality.ts";
import type { ServiceHealth } from "../health.ts";
import type { GadgetMetrics } from "../metrics.ts";

export interface ApiServices {
  prisma: PrismaClient;
  reader: FinalityReader;
  events: GadgetEvents;
  health: ServiceHealth;
  metrics: GadgetMetrics;
  maxPageSize: number;
  locateTransaction?: TransactionLocator | undefined;
  /** Loads a row once for every subscriber of the same event (fan-out to thousands of subscribers). */
  shared: SharedLoads;
  log: Logger;
}

export interface GraphQLContext extends ApiServices {
  loaders: Loaders;
}

export type {
  BtcDelegation,
  Equivocation,
  FinalityProvider,
  FinalitySignature,
  L2Block,
  PubRandCommit,
} from "../../db/generated/client.ts";

/** Rows loaded once per published event object and shared by every subscriber that receives it. */
export class SharedLoads {
  private readonly memo = new WeakMap<object, Promise<unknown>>();

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

export function createLoaders(prisma: PrismaClient) {
  return {
    blockByHash: new DataLoader<string, L2Block | null>(async (hashes) => {
      const rows = await prisma.l2Block.findMany({ where: { hash: { in: unique(hashes) } } });
      const map = byKey(rows, (r) => r.hash);
      return hashes.map((h) => map.get(h) ?? null);
    }, noCache),

    canonicalBlockByHeight: new DataLoader<bigint, L2Block | null, string>(
      async (heights) => {
        const rows = await prisma.l2Block.findMany({
          where: { canonical: true, height: { in: unique(heights) } },
        });
        const map = byKey(rows, (r) => r.height);
        return heights.map((h) => map.get(h) ?? null);
      },
      { ...noCache, cacheKeyFn: (h) => h.toString() },
    ),

    /** Key: `${height}:${blockHash}`. */
    votesOfBlock: new DataLoader<string, FinalitySignature[]>(async (keys) => {
      const pairs = unique(keys).map((k) => {
        const [height, hash] = k.split(":");
        return { height: BigInt(height!), blockHash: hash! };
      });
      const rows = await prisma.finalitySignature.findMany({
        where: {
          height: { in: unique(pairs.map((p) => p.height)) },
          blockHash: { in: unique(pairs.map((p) => p.blockHash)) },
        },
        orderBy: [{ babylonHeight: "asc" }, { txHash: "asc" }, { msgIndex: "asc" }],
      });
      const groups = new Map<string, FinalitySignature[]>();
      for (const row of rows) {
        const key = `${row.height}:${row.blockHash}`;
        const group = groups.get(key);
        if (group) group.push(row);
        else groups.set(key, [row]);
      }
      return keys.map((k) => groups.get(k) ?? []);
    }, noCache),

    providerByPk: new DataLoader<string, FinalityProvider | null>(async (pks) => {
      const rows = await prisma.finalityProvider.findMany({ where: { btcPk: { in: unique(pks) } } });
      const map = byKey(rows, (r) => r.btcPk);
      return pks.map((pk) => map.get(pk) ?? null);
    }, noCache),

    /** Power at the newest BTC height the engine computed a table for ("now"); 0 when absent from it. */
    currentPower: new DataLoader<string, bigint>(async (pks) => {
      const latest = await prisma.votingPower.aggregate({ _max: { btcHeight: true } });
      const btcHeight = latest._max.btcHeight;
      if (btcHeight === null) return pks.map(() => 0n);
      const rows = await prisma.votingPower.findMany({ where: { btcHeight, fpBtcPk: { in: unique(pks) } } });
      const map = byKey(rows, (r) => r.fpBtcPk);
      return pks.map((pk) => map.get(pk)?.power ?? 0n);
    }, noCache),

    /** Key: `${btcHeight}:${fpBtcPk}`; null when the engine has no table for that BTC height. */
    powerAt: new DataLoader<string, bigint | null>(async (keys) => {
      const parsed = unique(keys).map((k) => {
        const [h, pk] = k.split(":");
        return { btcHeight: Number(h), fpBtcPk: pk! };
      });
      const heights = unique(parsed.map((p) => p.btcHeight));
      const [rows, tables] = await Promise.all([
        prisma.votingPower.findMany({
          where: { btcHeight: { in: heights }, fpBtcPk: { in: unique(parsed.map((p) => p.fpBtcPk)) } },
        }),
        prisma.votingPower.groupBy({ by: ["btcHeight"], where: { btcHeight: { in: heights } } }),
      ]);
      const known = new Set(tables.map((t) => t.btcHeight));
      const map = byKey(rows, (r) => `${r.btcHeight}:${r.fpBtcPk}`);
      return keys.map((k) => {
        const row = map.get(k);
        if (row) return row.power;
        return known.has(Number(k.split(":")[0])) ? 0n : null;
      });
    }, noCache),

    highestVotedHeight: new DataLoader<string, bigint | null>(async (pks) => {
      const rows = await prisma.finalitySignature.groupBy({
        by: ["fpBtcPk"],
        where: { fpBtcPk: { in: unique(pks) } },
        _max: { height: true },
      });
      const map = new Map(rows.map((r) => [r.fpBtcPk, r._max.height]));
      return pks.map((pk) => map.get(pk) ?? null);
    }, noCache),

    providersOfDelegation: new DataLoader<string, string[]>(async (hashes) => {
      const rows = await prisma.delegationProvider.findMany({
        where: { stakingTxHash: { in: unique(hashes) } },
        orderBy: { fpBtcPk: "asc" },
      });
      const groups = new Map<string, string[]>();
      for (const r of rows) groups.set(r.stakingTxHash, [...(groups.get(r.stakingTxHash) ?? []), r.fpBtcPk]);
      return hashes.map((h) => groups.get(h) ?? []);
    }, noCache),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

export function createContext(services: ApiServices): GraphQLContext {
  return { ...services, loaders: createLoaders(services.prisma) };
}
