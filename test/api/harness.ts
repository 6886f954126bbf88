// Starts the real API (HTTP + gRPC on free ports) over a seeded test database.

import { ServiceHealth } from "../../src/api/health.ts";
import { GadgetMetrics } from "../../src/api/metrics.ts";
import { type ApiHandle, startApi } from "../../src/api/server.ts";
import { GadgetEvents } from "../../src/indexer/runtime/events.ts";
import type { FinalityFirst } from "../../src/indexer/runtime/finality-first.ts";
import { silentLogger } from "../../src/log.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { locateTransaction, type SeedOptions, seedChain } from "./fixtures.ts";

export interface TestApi {
  db: TestDatabase;
  events: GadgetEvents;
  health: ServiceHealth;
  api: ApiHandle;
  close(): Promise<void>;
}

export async function startTestApi(
  options: SeedOptions & {
    seed?: boolean;
    maxPageSize?: number;
    withLocator?: boolean;
    finalityFirst?: FinalityFirst;
  } = {},
): Promise<TestApi> {
  const db = await openTestDatabase();
  if (options.seed ?? true) await seedChain(db.prisma, options);
  const events = new GadgetEvents();
  const health = new ServiceHealth();
  const api = await startApi({
    db,
    events,
    health,
    config: { host: "127.0.0.1", httpPort: 0, grpcPort: 0, maxPageSize: options.maxPageSize ?? 1000 },
    log: silentLogger,
    metrics: new GadgetMetrics({ processMetrics: false }),
    ...((options.withLocator ?? true) ? { locateTransaction } : {}),
    finalityFirst: options.finalityFirst,
  });
  return {
    db,
    events,
    health,
    api,
    async close() {
      await api.close();
      await db.close();
    },
  };
}

export async function gql<T = Record<string, unknown>>(
  api: ApiHandle,
  query: string,
  variables?: Record<string, unknown>,
): Promise<{
  status: number;
  data?: T;
  errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
}> {
  const res = await fetch(`${api.httpUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as object) };
}
