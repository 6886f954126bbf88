// Signs the voted history's votes on worker threads, beside the devnet's thread: each worker owns some of the
// providers (provider i goes to worker i mod n), derives their randomness once and signs their votes for the
// blocks it is asked for. The history builder keeps a few batches signed ahead of what it sends, so signing
// overlaps the chain executing the previous ones.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Vote } from "../../contracts/finality/signing.ts";

export interface SignerSetup {
  secretKeys: Uint8Array[];
  /** The BSN id the randomness is derived under. */
  bsnId: string;
  activation: bigint;
  interval: bigint;
  /** Committed randomness values per provider, from `activation` every `interval`. */
  count: number;
  voteContext: string;
}

type SignerAsk =
  | { kind: "roots"; providers: number[] }
  | { kind: "sign"; providers: number[]; blocks: { height: bigint; hash: string }[] };

export type SignerRequest = SignerAsk & { id: number };

export type SignerResponse = { id: number; answer: Uint8Array[] | Vote[] } | { id: number; error: string };

export class VoteSigner {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, { resolve: (a: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(setup: SignerSetup, threads = Math.max(1, Math.min(availableParallelism(), 4))) {
    this.workers = Array.from({ length: Math.min(threads, setup.secretKeys.length) }, () => {
      const worker = new Worker(new URL("./vote-signer-entry.js", import.meta.url), { workerData: setup });
      worker.unref();
      worker.on("message", (r: SignerResponse) => {
        const p = this.pending.get(r.id);
        this.pending.delete(r.id);
        if ("error" in r) p?.reject(new Error(`vote signer: ${r.error}`));
        else p?.resolve(r.answer);
      });
      const failed = (error: Error) => {
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      };
      worker.on("error", failed);
      worker.on("exit", (code) => failed(new Error(`vote signer exited with code ${code}`)));
      return worker;
    });
  }

  /** The Merkle root of each provider's committed randomness. */
  roots(providers: number[]): Promise<Uint8Array[]> {
    return this.gather(providers, 1, (own) => ({ kind: "roots", providers: own }));
  }

  /** The votes of `providers` on `blocks`, block by block, providers in the order given. */
  sign(providers: number[], blocks: { height: bigint; hash: string }[]): Promise<Vote[]> {
    return this.gather(providers, blocks.length, (own) => ({ kind: "sign", providers: own, blocks }));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private owner(provider: number): number {
    return provider % this.workers.length;
  }

  /** Asks each worker about its own `providers`; the answers, `rows` rows each, interleaved back in order. */
  private async gather<T>(
    providers: number[],
    rows: number,
    ask: (own: number[]) => SignerAsk,
  ): Promise<T[]> {
    const parts = await Promise.all(
      this.split(providers).map((own, w) => (own.length ? (this.ask(w, ask(own)) as Promise<T[]>) : [])),
    );
    return this.merge(providers, parts, rows);
  }

  private split(providers: number[]): number[][] {
    const own: number[][] = this.workers.map(() => []);
    for (const p of providers) own[this.owner(p)]!.push(p);
    return own;
  }

  /** Interleaves the workers' answers (each `rows` rows of its own providers) back into `providers` order. */
  private merge<T>(providers: number[], parts: T[][], rows: number): T[] {
    const at = parts.map(() => 0);
    const out: T[] = [];
    for (let r = 0; r < rows; r++) {
      for (const p of providers) {
        const w = this.owner(p);
        out.push(parts[w]![at[w]!++]!);
      }
    }
    return out;
  }

  private ask(worker: number, request: SignerAsk): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[worker]!.postMessage({ ...request, id });
    });
  }
}
