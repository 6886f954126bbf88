// The reference gadget's HTTP endpoints with its JSON field names, minus its faults: malformed input is 400,
// unknown is 404, only failures of ours are 500, and blockHash carries 0x like txHash. Plus /ready and /metrics.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { PrismaClient } from "../db/generated/client.ts";
import { progressRecord } from "../indexer/runtime/progress.ts";
import type { Logger } from "../log.ts";
import { asQueryError, type QueryErrorKind } from "./errors.ts";
import { type FinalityReader, parseTransactionHash, type TransactionLocator } from "./finality.ts";
import type { ServiceHealth } from "./health.ts";
import type { GadgetMetrics } from "./metrics.ts";
import { refreshDatabaseMetrics } from "./metrics-db.ts";

export interface RestDeps {
  reader: FinalityReader;
  prisma: PrismaClient;
  health: ServiceHealth;
  metrics: GadgetMetrics;
  log: Logger;
  locateTransaction?: TransactionLocator | undefined;
}

const HTTP_STATUS: Record<QueryErrorKind, number> = {
  invalid_argument: 400,
  not_found: 404,
  not_activated: 409,
  unavailable: 503,
};

export const REST_PATHS = new Set([
  "/v1/transaction",
  "/v1/chainSyncStatus",
  "/health",
  "/ready",
  "/metrics",
]);

function send(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, {
    "content-type": contentType,
    "content-length": Buffer.byteLength(body),
    "access-control-allow-origin": "*",
    "cache-control": "no-store",
  });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), "application/json; charset=utf-8");
}

/** Answers one of REST_PATHS. */
export async function handleRest(req: IncomingMessage, res: ServerResponse, url: URL, deps: RestDeps) {
  const end = deps.metrics.apiRequestDuration.startTimer({ api: "rest", operation: url.pathname });
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("allow", "GET, HEAD");
    sendJson(res, 405, { error: `${req.method} is not allowed on ${url.pathname}; use GET` });
    end({ outcome: "invalid_argument" });
    return;
  }
  try {
    switch (url.pathname) {
      case "/health":
        send(res, 200, "Finality gadget is healthy", "text/plain; charset=utf-8");
        break;
      case "/ready": {
        const r = await deps.health.readiness(deps.prisma);
        sendJson(res, r.ready ? 200 : 503, {
          ready: r.ready,
          reasons: r.reasons,
          lagBlocks: r.lagBlocks?.toString() ?? null,
          openSafetyIncidents: r.openSafetyIncidents,
          progress: deps.health.progress.snapshot().map(progressRecord),
          components: r.components.map((c) => ({
            name: c.name,
            state: c.state,
            detail: c.detail ?? null,
            lastProgressAt: c.lastProgressAt?.toISOString() ?? null,
          })),
        });
        break;
      }
      case "/metrics": {
        await refreshDatabaseMetrics(deps.prisma, deps.metrics);
        const { contentType, body } = await deps.metrics.render();
        send(res, 200, body, contentType);
        break;
      }
      case "/v1/chainSyncStatus": {
        const s = await deps.reader.chainSyncStatus();
        sendJson(res, 200, {
          latest_block: Number(s.latestBlock),
          latest_btc_finalized_block: Number(s.latestBtcFinalizedBlock),
          earliest_btc_finalized_block: Number(s.earliestBtcFinalizedBlock),
          latest_eth_finalized_block: Number(s.latestEthFinalizedBlock),
        });
        break;
      }
      case "/v1/transaction": {
        const hash = parseTransactionHash(url.searchParams.get("hash"));
        if (deps.locateTransaction === undefined) {
          sendJson(res, 503, { error: "transaction lookup is not available: no L2 RPC is configured" });
          break;
        }
        const t = await deps.reader.transactionStatus(hash, deps.locateTransaction);
        sendJson(res, 200, {
          txHash: t.txHash,
          blockHash: t.blockHash,
          status: t.status,
          blockTimestamp: Number(t.blockTimestamp),
          blockHeight: Number(t.blockHeight),
          babylonFinalized: t.babylonFinalized,
        });
        break;
      }
      default:
        sendJson(res, 404, { error: `no such endpoint ${url.pathname}` });
    }
    end({ outcome: "ok" });
  } catch (error) {
    const known = asQueryError(error);
    if (known !== undefined) {
      sendJson(res, HTTP_STATUS[known.kind], { error: known.message });
      end({ outcome: known.kind });
      return;
    }
    deps.log.error({ err: error, path: url.pathname }, "REST request failed");
    sendJson(res, 500, { error: "internal error" });
    end({ outcome: "internal" });
  }
}
