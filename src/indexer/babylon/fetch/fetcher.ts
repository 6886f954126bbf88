// The main thread's side of the fetch worker (worker.ts): the ingester's ranges and the reconciler's
// delegation lists are asked for by message and come back as records. A worker that dies fails what it had in
// hand, and the next request starts a new one, so a crash there costs a retry, as an RPC fault does.
import { Worker } from "node:worker_threads";
import { BabylonRpcError } from "../../../chains/babylon/block-reader.ts";
import type { DelegationState } from "../../reconciler/delegation-states.ts";
import type { BabylonBlockRecords } from "../records.ts";

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

  constructor(private readonly settings: FetchWorkerSettings) {}

  /** The records of Babylon blocks `from`..`to` (inclusive), read in the worker thread. */
  fetch(from: bigint, to: bigint): Promise<BabylonBlockRecords> {
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
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (answer: unknown) => void, reject });
      worker.postMessage({ id, kind, ...ask });
    });
  }

  /** Stops the worker; what it had in hand fails. */
  async close(): Promise<void> {
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

  private failAll(error: Error): void {
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
