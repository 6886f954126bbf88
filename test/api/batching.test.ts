// No N+1: a page of blocks with their votes, the voters' providers and the parents costs the same number of
// database calls whether the page holds 5 blocks or 30 — DataLoaders batch each level into one query.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceHealth } from "../../src/api/health.ts";
import { GadgetMetrics } from "../../src/api/metrics.ts";
import { type ApiHandle, startApi } from "../../src/api/server.ts";
import type { PrismaClient } from "../../src/db/generated/client.ts";
import { GadgetEvents } from "../../src/indexer/runtime/events.ts";
import { silentLogger } from "../../src/log.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { seedChain } from "./fixtures.ts";
import { gql } from "./harness.ts";

/** The real client, with every model call (prisma.<model>.<method>) and raw query counted. */
function counting(prisma: PrismaClient): { prisma: PrismaClient; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(prisma, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof prop === "string" && prop.startsWith("$queryRaw") && typeof value === "function") {
        return (...args: unknown[]) => {
          calls.push(prop);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      if (typeof prop !== "string" || prop.startsWith("$") || value === null || typeof value !== "object")
        return value;
      return new Proxy(value, {
        get(model, method, r) {
          const fn = Reflect.get(model, method, r) as unknown;
          if (typeof fn !== "function") return fn;
          return (...args: unknown[]) => {
            calls.push(`${prop}.${String(method)}`);
            return (fn as (...a: unknown[]) => unknown).apply(model, args);
          };
        },
      });
    },
  });
  return { prisma: proxy, calls };
}

describe("GraphQL batching", () => {
  let db: TestDatabase;
  let api: ApiHandle;
  let calls: string[];
  beforeAll(async () => {
    db = await openTestDatabase();
    await seedChain(db.prisma);
    const counted = counting(db.prisma);
    calls = counted.calls;
    api = await startApi({
      db: { prisma: counted.prisma, reads: counted.prisma },
      events: new GadgetEvents(),
      health: new ServiceHealth(),
      config: { host: "127.0.0.1", httpPort: 0, grpcPort: 0, maxPageSize: 1000 },
      log: silentLogger,
      metrics: new GadgetMetrics({ processMetrics: false }),
    });
  });
  afterAll(async () => {
    await api.close();
    await db.close();
  });

  const query = `query($n: Int) { blocks(first: $n, where: { heightGte: "10", heightLte: "40" }) { edges { node {
    height parent { hash } votes { fpBtcPk votingPower provider { description { moniker } status votingPower } } } } } }`;

  it("costs a fixed number of queries per level, not per row", async () => {
    calls.length = 0;
    const small = await gql(api, query, { n: 5 });
    expect(small.errors).toBeUndefined();
    const smallCalls = calls.length;
    calls.length = 0;
    const large = await gql<{ blocks: { edges: unknown[] } }>(api, query, { n: 30 });
    expect(large.errors).toBeUndefined();
    expect(large.data!.blocks.edges).toHaveLength(30);
    // At most as many: finalized parents the first page read are served from the finalized-block cache.
    expect(calls.length, JSON.stringify(calls)).toBeLessThanOrEqual(smallCalls);
    expect(calls.length).toBeLessThanOrEqual(10);
  });
});
