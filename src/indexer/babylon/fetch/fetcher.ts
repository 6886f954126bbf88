// The main thread's side of the fetch worker (worker.ts): the ingester's ranges and the reconciler's
// delegation lists are asked for by message and come back as records. A worker that dies fails what it had in
// hand, and the next request starts a new one, so a crash there costs a retry, as an RPC fault does.
// The worker runs only while there is work for it: following a live chain, a step reads a block or two, which
// is read on the calling thread, and a worker left idle is stopped — its heap was tens of MiB of a following
// gadget's resident memory.
import { Worker } from "node:worker_threads";
import { BabylonBlockReader, BabylonRpcError } from "../../../chains/babylon/block-reader.ts";
import type { DelegationState } from "../../reconciler/delegation-states.ts";
import type { BabylonBlockRecords } from "../records.ts";
import { fetchRange } from "./fetch.ts";

/** Ranges of at most this many blocks are read on the calling thread. */
const IN_THREAD_BLOCKS = 2n;

/** A worker with nothing in hand for this long is stopped; the next request starts another. */
const IDLE_STOP_MS = 2_000;

export interface FetchWorkerSettings {
  rpcUrl: string;
  contractAddress: string;
  /** JSON-RPC batch requests in flight per range. */
  concurrency: number;
}

/** What the worker is asked for, and what it answers each kind with. */
export interface FetchKinds {
  range: { ask: { from: bigint; to: bigint }; answer: BabylonBlockRecords };
  delegations: { ask: { fpBtcPk: string; quorum: number }; answer: DelegationState[] };
}

export type FetchRequest = {
  [K in keyof FetchKinds]: { id: number; kind: K } & FetchKinds[K]["ask"];
}[keyof FetchKinds];

export type FetchResponse = { id: number; answer: unknown } | { id: number; error: string };

interface Pending {
  resolve: (answer: unknown) => void;
  reject: (error: Error) => void;
}

export class BabylonFetcher {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly reader: BabylonBlockReader;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: FetchWorkerSettings,
    private readonly idleStopMs = IDLE_STOP_MS,
  ) {
    this.reader = new BabylonBlockReader(settings.rpcUrl);
  }

  /** The records of Babylon blocks `from`..`to` (inclusive): a block or two on this thread, more in the worker. */
  fetch(from: bigint, to: bigint): Promise<BabylonBlockRecords> {
    if (to - from < IN_THREAD_BLOCKS) {
      const { contractAddress, concurrency } = this.settings;
      return fetchRange(this.reader, contractAddress, from, to, concurrency);
    }
    return this.ask("range", { from, to });
  }

  /** A provider's delegations as Babylon's state has them (delegation-states.ts), read in the worker thread. */
  delegations(fpBtcPk: string, quorum: number): Promise<DelegationState[]> {
    return this.ask("delegations", { fpBtcPk, quorum });
  }

  private ask<K extends keyof FetchKinds>(
    kind: K,
    ask: FetchKinds[K]["ask"],
  ): Promise<FetchKinds[K]["answer"]> {
    const worker = this.started();
    clearTimeout(this.idle);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (answer: unknown) => void, reject });
      worker.postMessage({ id, kind, ...ask });
    });
  }

  /** Stops the worker; what it had in hand fails. */
  async close(): Promise<void> {
    clearTimeout(this.idle);
    const worker = this.worker;
    this.worker = undefined;
    this.failAll(new BabylonRpcError("Babylon fetcher closed"));
    await worker?.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(new URL("./worker-entry.js", import.meta.url), { workerData: this.settings });
    // The service ends when its loops do; an idle worker must not hold the process open.
    worker.unref();
    worker.on("message", (response: FetchResponse) => {
      const p = this.pending.get(response.id);
      if (!p) return;
      this.pending.delete(response.id);
      if ("answer" in response) p.resolve(response.answer);
      else p.reject(new BabylonRpcError(response.error));
      if (this.pending.size === 0) this.stopWhenIdle(worker);
    });
    const lost = (reason: string) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll(new BabylonRpcError(`Babylon fetch worker ${reason}`));
    };
    worker.on("error", (error) => lost(`failed: ${error.message}`));
    worker.on("exit", (code) => lost(`exited with code ${code}`));
    this.worker = worker;
    return worker;
  }

  private stopWhenIdle(worker: Worker): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      if (this.worker !== worker || this.pending.size > 0) return;
      this.worker = undefined; // its exit is then no loss (see `lost`)
      void worker.terminate();
    }, this.idleStopMs);
    this.idle.unref();
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
