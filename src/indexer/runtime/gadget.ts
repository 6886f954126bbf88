// The indexer as one unit: takes the writer lock, then runs the reconciler, the Babylon and L2 ingesters and
// the finality engine side by side until the signal aborts (or the lock is lost, when it waits to take it
// again). Each runs as a retrying loop, so no chain fault ends the service. The Babylon node's new-block notices
// wake the loops that read Babylon; their polls remain for a node that does not send them.

import { CosmWasmClient } from "@cosmjs/cosmwasm";
import type { Dialect } from "../../../contracts/finality/messages.ts";
import { BabylonBlockReader } from "../../chains/babylon/block-reader.ts";
import { watchNewBlocks } from "../../chains/babylon/new-blocks.ts";
import { BabylonQueryClient } from "../../chains/babylon/query-client.ts";
import { L2Client } from "../../chains/l2.ts";
import { retryingComet } from "../../chains/rpc-retry.ts";
import type { Database } from "../../db/database.ts";
import type { Logger } from "../../log.ts";
import { Store } from "../../store/store.ts";
import { acquireWriterLock } from "../../store/writer-lock.ts";
import { BabylonFetcher } from "../babylon/fetch/fetcher.ts";
import { BabylonIngester } from "../babylon/ingester.ts";
import { FinalityEngine } from "../engine/engine.ts";
import { L2Ingester } from "../l2/ingester.ts";
import { Reconciler } from "../reconciler/reconciler.ts";
import type { GadgetEvents } from "./events.ts";
import { FinalityFirst } from "./finality-first.ts";
import { type HealthReporter, runLoop, type StepResult, Wakeup } from "./loop.ts";

export interface GadgetSettings {
  l2RpcUrl: string;
  babylonRpcUrl: string;
  contractAddress: string;
  dialect: Dialect;
  l2StartHeight: bigint;
  babylonStartHeight: bigint;
  follow: "latest" | "safe" | "finalized";
  l2BatchSize: number;
  l2Concurrency: number;
  l2PollMs: number;
  babylonPollMs: number;
  reconcileMs: number;
  /** Most L2 blocks evaluated per engine step. */
  engineBatch?: number;
}

export interface GadgetHooks {
  /** A step failed; `component` is the stage's endpoint (l2, babylon) or "engine". */
  onStepError?: (component: string, error: unknown) => void;
  onReorg?: (depth: number) => void;
  onSafetyIncident?: (kind: string, details: string) => void;
  onDisagreement?: (what: string) => void;
  onFinalized?: (blocks: { height: bigint; timestamp: bigint; finalizedAt: Date }[]) => void;
}

export interface GadgetOptions {
  db: Database;
  /** Postgres URL for the writer lock's own connection (unused with PGlite). */
  databaseUrl?: string;
  settings: GadgetSettings;
  events: GadgetEvents;
  log: Logger;
  health?: HealthReporter;
  hooks?: GadgetHooks;
  /** Shared with the API, whose requests wait while a step of the finality path runs. */
  finalityFirst?: FinalityFirst;
}

export async function runGadget(o: GadgetOptions, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const lease = await acquireWriterLock(o.db, o.databaseUrl, o.log, signal);
    if (!lease) return;
    const run = new AbortController();
    const stop = () => run.abort();
    signal.addEventListener("abort", stop, { once: true });
    lease.lost.addEventListener("abort", stop, { once: true });
    try {
      await runWriter(o, run.signal);
    } finally {
      signal.removeEventListener("abort", stop);
      await lease.release();
    }
  }
}

async function runWriter(o: GadgetOptions, signal: AbortSignal): Promise<void> {
  const { db, settings: s, log, events, health, hooks } = o;
  const first = o.finalityFirst ?? new FinalityFirst();
  // The store publishes what each commit wrote, and advances the engine's input generations.
  const store = new Store(db.prisma, events);
  const engineWakeup = new Wakeup();
  // A new Babylon block wakes both loops that read it at once, side by side, instead of at their next polls.
  const babylonWakeup = new Wakeup();
  const btcWakeup = new Wakeup();
  // Queries through the gadget's own JSON-RPC reader; the contract's through CosmJS (a handful per pass).
  const reader = new BabylonBlockReader(s.babylonRpcUrl);
  const babylon = new BabylonQueryClient(reader);
  const cosmwasm = lazy(async () => CosmWasmClient.create(retryingComet(s.babylonRpcUrl)));

  const engine = new FinalityEngine({
    store,
    log: log.child({ component: "engine" }),
    maxBlocksPerStep: s.engineBatch ?? 5000,
    onFinalized: hooks?.onFinalized,
  });
  // One fetch worker reads Babylon for both: the ingester's ranges and the reconciler's delegation lists.
  const fetcher = new BabylonFetcher({
    rpcUrl: s.babylonRpcUrl,
    contractAddress: s.contractAddress,
    concurrency: 8,
  });
  const reconciler = new Reconciler({
    store,
    babylon,
    cosmwasm,
    reader,
    contractAddress: s.contractAddress,
    dialect: s.dialect,
    babylonStartHeight: s.babylonStartHeight,
    log: log.child({ component: "reconciler" }),
    onDisagreement: hooks?.onDisagreement,
    delegationStates: (fpBtcPk, quorum) => fetcher.delegations(fpBtcPk, quorum),
  });
  const babylonIngester = new BabylonIngester({
    store,
    rpcUrl: s.babylonRpcUrl,
    contractAddress: s.contractAddress,
    log: log.child({ component: "babylon" }),
    startHeight: s.babylonStartHeight,
    maxBlocksPerStep: 200,
    concurrency: 8,
    fetcher,
    onBatch: async (records) => {
      engineWakeup.notify();
      if (records.contractConfigTouched) await reconciler.syncContract();
    },
  });
  const l2Ingester = new L2Ingester({
    store,
    l2: new L2Client(s.l2RpcUrl, { batchSize: s.l2BatchSize, concurrency: s.l2Concurrency }),
    log: log.child({ component: "l2" }),
    startHeight: s.l2StartHeight,
    follow: s.follow,
    // Several rounds of batched requests per step: in a backfill, a step's dozen round trips (tags, cursor,
    // link check, transaction) cost more than its rows do.
    maxBlocksPerStep: 5000,
    onReorg: hooks?.onReorg,
    onSafetyIncident: hooks?.onSafetyIncident,
  });

  let lastFull = Number.NEGATIVE_INFINITY;
  const errorsOf = (component: string) => (error: unknown) => hooks?.onStepError?.(component, error);
  // What an ingester or the BTC loop commits is what the engine evaluates from: it runs at once, not at its poll.
  const wakingEngine = (step: () => Promise<StepResult>) => async () => {
    const result = await step();
    if (result === "progress") engineWakeup.notify();
    return result;
  };
  try {
    await Promise.all([
      watchNewBlocks(
        {
          rpcUrl: s.babylonRpcUrl,
          onBlock: () => {
            babylonWakeup.notify();
            btcWakeup.notify();
          },
          log,
        },
        signal,
      ),
      runLoop({
        name: "btc",
        step: wakingEngine(() => first.run(() => reconciler.followBtcHeaders())),
        idleMs: s.babylonPollMs,
        wakeup: btcWakeup,
        signal,
        log,
        health,
        onError: errorsOf("babylon"),
      }),
      runLoop({
        name: "reconciler",
        step: async () => {
          if (Date.now() - lastFull < s.reconcileMs) return "idle";
          const result = await reconciler.reconcile();
          lastFull = Date.now();
          return result;
        },
        idleMs: s.babylonPollMs,
        signal,
        log,
        health,
        onError: errorsOf("babylon"),
      }),
      runLoop({
        name: "babylon",
        step: wakingEngine(() => first.run(() => babylonIngester.step())),
        idleMs: s.babylonPollMs,
        wakeup: babylonWakeup,
        signal,
        log,
        health,
        onError: (e) => {
          babylonIngester.reset();
          errorsOf("babylon")(e);
        },
      }),
      runLoop({
        name: "l2",
        step: wakingEngine(() => l2Ingester.step()),
        idleMs: s.l2PollMs,
        signal,
        log,
        health,
        onError: errorsOf("l2"),
      }),
      runLoop({
        name: "engine",
        step: () => first.within(() => engine.step()),
        idleMs: 100,
        wakeup: engineWakeup,
        signal,
        log,
        health,
        onError: errorsOf("engine"),
      }),
    ]);
  } finally {
    // The fetch worker and the CosmJS client belong to this lease: a later one starts its own.
    await babylonIngester.close(); // and the fetch worker it shares
    (await cosmwasm.current())?.disconnect();
  }
}

/** Connects on first use and again after a failed connect; HTTP clients need no reconnect after errors. */
function lazy<T>(connect: () => Promise<T>): (() => Promise<T>) & { current(): Promise<T | undefined> } {
  let pending: Promise<T> | undefined;
  const get = () => {
    pending ??= connect().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
  return Object.assign(get, {
    current: () => (pending ? pending.catch(() => undefined) : Promise.resolve(undefined)),
  });
}
