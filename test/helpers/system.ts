// A whole system for end-to-end tests: the devnet with real provider daemons, and the gadget service on its own
// database (Postgres when DATABASE_URL is set, in-memory PGlite otherwise), all on free loopback ports.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config.ts";
import type { DevnetOptions } from "../../src/devnet/devnet.ts";
import { type DevnetSystem, type SystemProvider, startDevnetSystem } from "../../src/devnet/system.ts";
import { createLogger } from "../../src/log.ts";
import { type ServiceHandle, startService } from "../../src/service.ts";
import { readState } from "../../src/store/state.ts";
import { createTestDatabaseUrl, usingPostgres } from "./database.ts";

export interface TestSystem {
  system: DevnetSystem;
  service: ServiceHandle;
  finalizedHeight(): Promise<bigint>;
  waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  admin(path: string, body?: unknown): Promise<unknown>;
  /** Stops the gadget and starts it again on the same HTTP port and database (a fresh one when in memory). */
  restartService(onStopped?: () => Promise<void> | void): Promise<void>;
  stop(): Promise<void>;
}

const log = createLogger(process.env.TEST_LOG_LEVEL ?? "silent");

export async function startTestSystem(
  providers: SystemProvider[],
  devnet: DevnetOptions = {},
): Promise<TestSystem> {
  const dir = mkdtempSync(join(tmpdir(), "obf-e2e-"));
  const system = await startDevnetSystem({
    dir,
    log,
    providers,
    providerPollMs: 200,
    devnet: {
      blockIntervalMs: 250,
      btcBlockIntervalMs: 1_000,
      activationHeight: 12n,
      finalitySignatureInterval: 2n,
      l2: { blockTimeSec: 1 },
      ...devnet,
    },
  });
  let dropDb: (() => Promise<void>) | undefined;
  let url = "";
  if (usingPostgres) ({ url, drop: dropDb } = await createTestDatabaseUrl());
  const info = system.devnet.info;
  const config = loadConfig({
    env: {},
    flags: {
      "database.url": url,
      "l2.rpc_url": info.l2!.rpcUrl,
      "l2.poll_interval_ms": "200",
      "babylon.rpc_url": info.babylon.rpcUrl,
      "babylon.contract_address": info.contractAddress,
      "babylon.poll_interval_ms": "100",
      "babylon.reconcile_interval_ms": "2000",
      "api.http_port": "0",
      "api.grpc_port": "0",
    },
  });
  let service = await startService(config, log, { memoryDb: !usingPostgres });
  const waitFor = async <T>(
    what: string,
    fn: () => Promise<T | undefined | false>,
    timeoutMs = 60_000,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await fn();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  return {
    system,
    get service() {
      return service;
    },
    waitFor,
    async finalizedHeight() {
      const v = await readState(service.db.prisma, "finalized_height");
      return v === undefined ? 0n : BigInt(v);
    },
    async admin(path, body = {}) {
      const res = await fetch(`${info.adminUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`admin ${path}: ${res.status} ${text}`);
      return JSON.parse(text);
    },
    async restartService(onStopped) {
      const port = new URL(service.httpUrl).port;
      await service.stop();
      await onStopped?.();
      service = await startService({ ...config, api: { ...config.api, http_port: Number(port) } }, log, {
        memoryDb: !usingPostgres,
      });
    },
    async stop() {
      await service.stop();
      await system.stop();
      await dropDb?.();
    },
  };
}
