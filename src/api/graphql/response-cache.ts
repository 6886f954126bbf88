// GraphQL query results kept for as long as the database has not changed. An explorer's visitors ask the same few
// queries (the sync status, the newest blocks, a provider's page) many times between two blocks; answering them
// again from the same rows is most of what the API would spend.
//
// An entry is keyed by the request's query, operation name and variables, and stamped with the database snapshot
// read after the request arrived and before it executed (src/store/reads/snapshot.ts). A later request is
// answered from the entry only if a snapshot read after it arrived is the same: no writing transaction committed
// in between, so the rows the entry was computed from are the rows the database holds. The answer is never older
// than the request, as if it had executed. Any write (a new block, a vote, a delegation) makes every entry stale.
//
// What the database does not hold is not in the snapshot: a resolver that reads the process's own health or a
// chain RPC calls `uncacheable(ctx)`, and its request is not kept; one whose answer holds only until a moment
// (a rule on the clock's current second) calls `cacheableUntil(ctx, ms)`. As a second line, no entry outlives
// `maxAgeMs`. Only results without errors are kept; subscriptions and graphql-ws never are.
//
// The snapshot is the whole Postgres server's: on a server shared with databases that are written all the time,
// entries rarely survive to a second request. The cache then costs one small read per request and never serves
// an answer older than the request.
import type { Plugin } from "graphql-yoga";
import type { ExecutionResult } from "./graphql-js.ts";

export interface ResponseCacheOptions {
  /** The database's current snapshot, read after this call began. */
  snapshot: () => Promise<string>;
  /** Entries kept at most; the oldest leave first. */
  maxEntries?: number;
  /** No entry is served after this long, whatever the snapshot says. */
  maxAgeMs?: number;
  /** Counts each cacheable request: answered from an entry, or executed. */
  onOutcome?: (outcome: "hit" | "miss") => void;
}

interface Entry {
  snapshot: string;
  /** Epoch ms after which the entry is not served. */
  expiresAt: number;
  result: ExecutionResult;
}

interface Pending {
  key: string;
  snapshot: string;
  startedAt: number;
}

/** The moment, in epoch ms, until which a request's answer may be served again, set by its resolvers. */
const deadlines = new WeakMap<object, number>();

/** The answer holds only until `epochMs` (it read the clock): an entry of it is not served after that. */
export function cacheableUntil(ctx: object, epochMs: number): void {
  deadlines.set(ctx, Math.min(epochMs, deadlines.get(ctx) ?? Number.POSITIVE_INFINITY));
}

/** The request this context belongs to read more than the database (the process, a chain): not kept. */
export function uncacheable(ctx: object): void {
  cacheableUntil(ctx, Number.NEGATIVE_INFINITY);
}

export function responseCachePlugin(options: ResponseCacheOptions): Plugin {
  const maxEntries = options.maxEntries ?? 1_000;
  const maxAgeMs = options.maxAgeMs ?? 1_000;
  const entries = new Map<string, Entry>();
  const pending = new WeakMap<Request, Pending>();
  // The newest snapshot seen: entries of any other can never be served again.
  let latest = "";

  return {
    async onParams({ params, request, setResult }) {
      if (typeof params.query !== "string") return;
      let snapshot: string;
      try {
        snapshot = await options.snapshot();
      } catch {
        return; // the request executes and reports the database's state itself
      }
      if (snapshot !== latest) {
        latest = snapshot;
        entries.clear();
      }
      const key = JSON.stringify([params.query, params.operationName ?? null, params.variables ?? null]);
      const now = Date.now();
      const entry = entries.get(key);
      if (entry !== undefined && entry.snapshot === snapshot && now < entry.expiresAt) {
        options.onOutcome?.("hit");
        setResult(entry.result);
        return;
      }
      options.onOutcome?.("miss");
      pending.set(request, { key, snapshot, startedAt: now });
    },
    onExecute({ args }) {
      const context = args.contextValue as { request?: Request };
      const started = context.request === undefined ? undefined : pending.get(context.request);
      if (started === undefined) return;
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in result || result.errors !== undefined) return;
          const expiresAt = Math.min(
            started.startedAt + maxAgeMs,
            deadlines.get(context) ?? Number.POSITIVE_INFINITY,
          );
          if (expiresAt <= Date.now() || started.snapshot !== latest) return;
          entries.delete(started.key);
          entries.set(started.key, { snapshot: started.snapshot, expiresAt, result });
          if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
        },
      };
    },
  };
}
