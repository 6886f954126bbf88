// The store: the indexer's one door to its tables. Reads go straight to the aggregate modules beside this
// one; writes that the engine's verdicts depend on go through `commit`, which runs them in one transaction
// under the write lock, then — only once committed — advances the generation of what changed and publishes
// the events the writes queued. Callers never hold the lock or publish themselves.
import type { PrismaClient } from "../db/database.ts";
import type { GadgetEventMap, GadgetEvents } from "../indexer/runtime/events.ts";
import { Mutex } from "./mutex.ts";
import type { Tx } from "./tx.ts";

/** What verdicts are computed from, by kind: stake (providers, delegations, params, allow-list) and BTC headers. */
export type InputKind = "staking" | "btc";

/** Counts committed changes to each kind of input; a verdict computed at an older generation is stale. */
export type Generation = Readonly<Record<InputKind, number>>;

export interface Commit {
  readonly tx: Tx;
  /** The generation when the lock was taken: what the writes see. */
  readonly generation: Generation;
  /** Queues an event, published after the transaction commits (never if it rolls back). */
  publish<K extends keyof GadgetEventMap>(name: K, event: GadgetEventMap[K]): void;
  /** Marks a kind of verdict input changed: its generation advances when the transaction commits. */
  changed(kind: InputKind): void;
}

export class Store {
  private readonly lock = new Mutex();
  private current: Generation = { staking: 0, btc: 0 };

  constructor(
    readonly prisma: PrismaClient,
    private readonly events?: GadgetEvents,
  ) {}

  /** For reads and for writes no verdict depends on (heads, cursors of the ingest stages, new L2 blocks). */
  get db(): Tx {
    return this.prisma;
  }

  get generation(): Generation {
    return this.current;
  }

  /** Runs `write` in one transaction under the write lock; then advances generations and publishes. */
  async commit<T>(write: (c: Commit) => Promise<T>, options: { timeoutMs?: number } = {}): Promise<T> {
    return this.lock.run(async () => {
      const queued: [keyof GadgetEventMap, unknown][] = [];
      const changed = new Set<InputKind>();
      const generation = this.current;
      const result = await this.prisma.$transaction(
        (tx) =>
          write({
            tx,
            generation,
            publish: (name, event) => queued.push([name, event]),
            changed: (kind) => changed.add(kind),
          }),
        { timeout: options.timeoutMs ?? 120_000, maxWait: 30_000 },
      );
      if (changed.size > 0) {
        this.current = {
          staking: generation.staking + (changed.has("staking") ? 1 : 0),
          btc: generation.btc + (changed.has("btc") ? 1 : 0),
        };
      }
      for (const [name, event] of queued) this.events?.publish(name, event as never);
      return result;
    });
  }
}
