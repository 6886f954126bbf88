// The gadget's query surface in one call: one HTTP server (the explorer UI; GraphQL over HTTP, SSE and
// graphql-ws; REST; health; metrics) and one gRPC server (proto.FinalityGadget for op-node). Port 0 picks a free port.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import type { Database } from "../db/database.ts";
import type { GadgetEvents } from "../indexer/runtime/events.ts";
import type { FinalityFirst } from "../indexer/runtime/finality-first.ts";
import type { Logger } from "../log.ts";
import { FinalizedBlocks } from "../store/reads/finalized-cache.ts";
import { FinalityReader, type TransactionLocator } from "./finality.ts";
import { SharedLoads } from "./graphql/context.ts";
import { FinalizedFeed } from "./graphql/finalized-feed.ts";
import type { QueryLimits } from "./graphql/limits.ts";
import { attachGraphqlWs, createGadgetYoga, createResponseCache } from "./graphql/yoga.ts";
import { startGrpcServer } from "./grpc/server.ts";
import type { ServiceHealth } from "./health.ts";
import { GadgetMetrics } from "./metrics.ts";
import { handleRest, REST_PATHS } from "./rest.ts";
import { setSecurityHeaders, WebAssets } from "./web.ts";

export interface ApiConfig {
  host: string;
  httpPort: number;
  grpcPort: number;
  maxPageSize: number;
}

export interface StartApiOptions {
  db: Pick<Database, "prisma" | "reads">;
  events: GadgetEvents;
  health: ServiceHealth;
  config: ApiConfig;
  log: Logger;
  /** The indexer's metrics; a fresh set when omitted. */
  metrics?: GadgetMetrics;
  /** How /v1/transaction and `transaction(hash)` find a transaction's block (an L2 receipt lookup). */
  locateTransaction?: TransactionLocator;
  /** GraphQL depth and cost limits (defaults in graphql/limits.ts). */
  limits?: QueryLimits;
  /** The indexer's: HTTP requests that arrive while a step of the finality path runs wait for it (bounded). */
  finalityFirst?: FinalityFirst;
}

export interface ApiHandle {
  /** http://host:port — the explorer at /, GraphQL at /graphql (GraphiQL in a browser), REST at /v1/…, probes at /health and /ready, /metrics. */
  httpUrl: string;
  /** host:port of proto.FinalityGadget. */
  grpcAddress: string;
  metrics: GadgetMetrics;
  close(): Promise<void>;
}

export async function startApi(options: StartApiOptions): Promise<ApiHandle> {
  const { db, events, health, config, log } = options;
  if (!Number.isInteger(config.maxPageSize) || config.maxPageSize < 1) {
    throw new Error(`api.max_page_size must be a positive integer (got ${config.maxPageSize})`);
  }
  const metrics = options.metrics ?? new GadgetMetrics();
  const finalized = new FinalizedBlocks();
  const reader = new FinalityReader(db.reads, finalized);
  const shared = new SharedLoads();
  const feed = new FinalizedFeed(db.prisma, events, shared);
  const services = {
    prisma: db.prisma,
    reads: db.reads,
    reader,
    events,
    health,
    metrics,
    log,
    maxPageSize: config.maxPageSize,
    locateTransaction: options.locateTransaction,
    shared,
    finalized,
    feed,
  };
  const responses = createResponseCache(services);
  const yoga = createGadgetYoga(services, options.limits, responses);
  const restDeps = {
    reader,
    prisma: db.prisma,
    health,
    metrics,
    log,
    locateTransaction: options.locateTransaction,
  };

  const web = new WebAssets();
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const turn = options.finalityFirst?.turn();
    if (turn) void turn.then(() => serve(req, res));
    else serve(req, res);
  });
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://localhost");
    } catch {
      // A target no URL parser reads (`GET //[`) is the client's mistake: thrown here it would end the process.
      res.writeHead(400, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ error: `malformed request target ${JSON.stringify(req.url)}` }));
      return;
    }
    setSecurityHeaders(res);
    if (REST_PATHS.has(url.pathname)) {
      void handleRest(req, res, url, restDeps);
      return;
    }
    if (url.pathname === "/graphql") {
      if (!responses.handle(req, res, yoga)) void yoga.requestListener(req, res);
      return;
    }
    if (web.handle(req, res, url)) return;
    res.writeHead(404, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ error: `no such endpoint ${url.pathname}; GraphQL is at /graphql` }));
  };
  const wsServer = new WebSocketServer({ server: http, path: "/graphql" });
  const graphqlWs = attachGraphqlWs(yoga, wsServer);

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.httpPort, config.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  let grpc: Awaited<ReturnType<typeof startGrpcServer>>;
  try {
    grpc = await startGrpcServer({ reader, host: config.host, port: config.grpcPort, log, metrics });
  } catch (error) {
    await new Promise<void>((resolve) => http.close(() => resolve()));
    throw new Error(
      `cannot listen for gRPC on ${config.host}:${config.grpcPort}: ${(error as Error).message}`,
    );
  }
  const address = http.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const httpUrl = `http://${host}:${address.port}`;
  log.info({ httpUrl, grpcAddress: grpc.address }, "API listening");

  let closing: Promise<void> | undefined;
  return {
    httpUrl,
    grpcAddress: grpc.address,
    metrics,
    close() {
      closing ??= (async () => {
        // Subscriptions end first so their sockets do not hold the HTTP server open.
        await graphqlWs.dispose();
        feed.close();
        for (const client of wsServer.clients) client.terminate();
        await new Promise<void>((resolve) => wsServer.close(() => resolve()));
        await Promise.all([
          new Promise<void>((resolve) => {
            http.close(() => resolve());
            http.closeAllConnections();
          }),
          grpc.close(),
        ]);
      })();
      return closing;
    },
  };
}
