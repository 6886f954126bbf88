// The gadget as a service: the database (migrated), the indexer, and the query surfaces, started together and
// stopped together. With no chain configured, `start` first brings up the local devnet (src/devnet-start.ts).

import { ServiceHealth } from "./api/health.ts";
import type { GadgetMetrics } from "./api/metrics.ts";
import { startApi } from "./api/server.ts";
import { l2TransactionLocator } from "./api/transactions.ts";
import type { Config } from "./config.ts";
import { type Database, openDatabase, throughConnectionLosses } from "./db/database.ts";
import { errorKind, errorText, rpcFailure } from "./errors.ts";
import { bridgeEvents } from "./indexer/runtime/event-bridge.ts";
import { GadgetEvents } from "./indexer/runtime/events.ts";
import { FinalityFirst } from "./indexer/runtime/finality-first.ts";
import { type GadgetSettings, runGadget } from "./indexer/runtime/gadget.ts";
import { type CatchUpProgress, startProgressOutput } from "./indexer/runtime/progress.ts";
import type { Logger } from "./log.ts";
import { readCursor, readState } from "./store/state.ts";

export interface ServiceHandle {
  readonly db: Database;
  readonly events: GadgetEvents;
  readonly httpUrl: string;
  readonly grpcAddress: string;
  /** Resolves when the indexer has stopped (after `stop`, or if it ends by itself). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

export function gadgetSettings(config: Config): GadgetSettings {
  return {
    l2RpcUrl: config.l2.rpc_url,
    babylonRpcUrl: config.babylon.rpc_url,
    contractAddress: config.babylon.contract_address,
    dialect: config.babylon.contract_dialect as GadgetSettings["dialect"],
    l2StartHeight: BigInt(config.l2.start_height),
    babylonStartHeight: BigInt(config.babylon.start_height),
    follow: config.l2.follow as GadgetSettings["follow"],
    l2BatchSize: config.l2.batch_size,
    l2Concurrency: config.l2.concurrency,
    l2PollMs: config.l2.poll_interval_ms,
    babylonPollMs: config.babylon.poll_interval_ms,
    reconcileMs: config.babylon.reconcile_interval_ms,
  };
}

/** Checks that the chain settings a gadget needs are all present, naming the missing ones. */
function requireChainSettings(config: Config): void {
  const missing = [
    ["l2.rpc_url", config.l2.rpc_url],
    ["babylon.rpc_url", config.babylon.rpc_url],
    ["babylon.contract_address", config.babylon.contract_address],
  ]
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length > 0) throw new Error(`configuration is missing ${missing.join(", ")}`);
}

export async function startService(
  config: Config,
  log: Logger,
  options: { memoryDb?: boolean } = {},
): Promise<ServiceHandle> {
  requireChainSettings(config);
  const db = await throughConnectionLosses(
    () =>
      openDatabase({
        url: config.database.url || undefined,
        dataDir: `${config.database.data_dir}/pglite`,
        memory: options.memoryDb,
        poolSize: config.database.pool_size,
      }),
    log,
  );
  const events = new GadgetEvents();
  // Instances sharing a Postgres share their events, so every instance's subscriptions are live.
  const url = config.database.url;
  const bridge = url
    ? await throughConnectionLosses(() => bridgeEvents(url, events, log), log).catch(async (error) => {
        await db.close();
        throw error;
      })
    : undefined;
  const health = new ServiceHealth({ expected: ["l2", "babylon", "btc", "reconciler", "engine"] });
  // The indexer's finality path goes before HTTP requests (bounded): see indexer/runtime/finality-first.ts.
  const finalityFirst = new FinalityFirst();
  let api: Awaited<ReturnType<typeof startApi>>;
  try {
    api = await startApi({
      db,
      events,
      health,
      log: log.child({ component: "api" }),
      finalityFirst,
      locateTransaction: l2TransactionLocator(config.l2.rpc_url),
      config: {
        host: config.api.host,
        httpPort: config.api.http_port,
        grpcPort: config.api.grpc_port,
        maxPageSize: config.api.max_page_size,
      },
    });
  } catch (error) {
    await bridge?.close();
    await db.close();
    throw error;
  }
  const metrics = api.metrics;
  if (db.pool) metrics.watchPool(db.pool);
  const stop = new AbortController();
  const lagTimer = setInterval(() => void updateLag(db, metrics, health.progress).catch(() => {}), 2_000);
  const stopProgressOutput = startProgressOutput(health.progress, { log, stream: process.stderr });
  const done = runGadget(
    {
      db,
      databaseUrl: config.database.url || undefined,
      settings: gadgetSettings(config),
      events,
      log,
      health,
      hooks: metricHooks(metrics),
      finalityFirst,
    },
    stop.signal,
  ).finally(() => {
    clearInterval(lagTimer);
    stopProgressOutput();
  });
  return {
    db,
    events,
    httpUrl: api.httpUrl,
    grpcAddress: api.grpcAddress,
    done,
    async stop() {
      stop.abort();
      await done.catch((error: unknown) =>
        log.error({ err: errorText(error) }, "indexer ended with an error"),
      );
      await api.close();
      await bridge?.close();
      await db.close();
    },
  };
}

function metricHooks(metrics: GadgetMetrics) {
  return {
    // Only chain endpoints' failures are RPC errors: a database fault or a reorg race is logged by its loop.
    onStepError: (component: string, error: unknown) => {
      if (errorKind(error) === "rpc")
        metrics.rpcErrorsTotal.inc({ endpoint: component, kind: rpcFailure(error) });
    },
    onDisagreement: () => metrics.stateDisagreementsTotal.inc(),
    onSafetyIncident: (kind: string) => {
      metrics.safetyIncidentsTotal.inc({ kind });
      metrics.safetyIncidentsOpen.inc();
    },
    onFinalized: (blocks: { height: bigint; timestamp: bigint; finalizedAt: Date }[]) => {
      metrics.finalizedBlocksTotal.inc(blocks.length);
      for (const b of blocks)
        metrics.finalityLatencySeconds.observe(
          Math.max(0, b.finalizedAt.getTime() / 1000 - Number(b.timestamp)),
        );
      const last = blocks[blocks.length - 1];
      if (last) {
        metrics.latestFinalizedBlockHeight.set(Number(last.height));
        metrics.finalizedHeight.set(Number(last.height));
      }
    },
  };
}

async function updateLag(db: Database, metrics: GadgetMetrics, progress: CatchUpProgress): Promise<void> {
  const [l2Head, babylonHead, l2, babylon] = await Promise.all([
    readState(db.prisma, "l2_head_height"),
    readState(db.prisma, "babylon_head_height"),
    readCursor(db.prisma, "l2"),
    readCursor(db.prisma, "babylon"),
  ]);
  for (const [source, head, cursor] of [
    ["l2", l2Head, l2],
    ["babylon", babylonHead, babylon],
  ] as const) {
    if (head) metrics.headHeight.set({ source }, Number(head));
    if (cursor) metrics.ingestedHeight.set({ source }, Number(cursor.height));
    if (head && cursor) {
      metrics.ingestionLagBlocks.set({ source }, Math.max(0, Number(BigInt(head) - cursor.height)));
      progress.report(source, cursor.height, BigInt(head));
    }
  }
}
