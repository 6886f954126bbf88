// GraphQL query responses kept for as long as the database has not changed. An explorer's visitors ask the same
// few queries (the sync status, the newest blocks, a provider's page) many times between two blocks; answering
// them again from the same rows is most of what the API would spend, and going through yoga again to send the
// same bytes is most of the rest. So a kept response is sent from the HTTP handler, as bytes, before yoga.
//
// An entry is keyed by the request's Accept and Origin headers and body bytes (the answer's CORS headers name
// the origin it was sent to), and stamped with the database snapshot read after the request arrived and before
// it executed (src/store/reads/snapshot.ts). A later request is answered from the entry only if a snapshot read
// after it arrived is the same: no writing transaction committed in between, so the rows the entry was
// computed from are the rows the database holds. The answer is never older
// than the request, as if it had executed. Any write (a new block, a vote, a delegation) makes every entry stale.
//
// What the database does not hold is not in the snapshot: a resolver that reads the process's own health or a
// chain RPC calls `uncacheable(ctx)`, and its response is not kept; one whose answer holds only until a moment
// (a rule on the clock's current second) calls `cacheableUntil(ctx, ms)`. As a second line, no entry outlives
// `maxAgeMs`. Only query results without errors are kept; subscriptions, GET requests, SSE and graphql-ws never
// are.
//
// The snapshot is the whole Postgres server's: on a server shared with databases that are written all the time,
// entries rarely survive to a second request. The cache then costs one small read per request and never serves
// an answer older than the request.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Plugin, YogaServerInstance } from "graphql-yoga";

export interface ResponseCacheOptions {
  /** The database's current snapshot, read after this call began. */
  snapshot: () => Promise<string>;
  /** Entries kept at most, and their bodies' bytes at most; the oldest leave first. */
  maxEntries?: number;
  maxBytes?: number;
  /** No entry is served after this long, whatever the snapshot says. */
  maxAgeMs?: number;
  /** Counts each request of the cacheable kind: answered from an entry, or executed. */
  onOutcome?: (outcome: "hit" | "miss") => void;
}

interface Entry {
  snapshot: string;
  /** Epoch ms after which the entry is not served. */
  expiresAt: number;
  headers: [string, string][];
  body: Buffer;
}

/** Headers of the connection, not of the request: not passed on to yoga. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"]);

/** Bodies larger than this go to yoga unread: no explorer query is near it. */
const MAX_BODY_BYTES = 64 * 1024;

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

// biome-ignore lint/suspicious/noExplicitAny: yoga's server and user context types do not matter here
type AnyYoga = YogaServerInstance<any, any>;

export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  /** Executions under way, by key: what they will keep, once they are done (undefined if nothing). */
  private readonly running = new Map<string, { snapshot: string; entry: Promise<Entry | undefined> }>();
  /** Requests this cache sent to yoga, and until when their result may be kept (set once it executed). */
  private readonly keepable = new WeakMap<Request, number>();
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly maxAgeMs: number;
  private bytes = 0;
  // The newest snapshot seen: entries of any other can never be served again.
  private latest = "";

  constructor(private readonly options: ResponseCacheOptions) {
    this.maxEntries = options.maxEntries ?? 1_000;
    this.maxBytes = options.maxBytes ?? 32 * 2 ** 20;
    this.maxAgeMs = options.maxAgeMs ?? 1_000;
  }

  /** The yoga plugin that tells this cache which executions may be kept, and until when. */
  plugin(): Plugin {
    return {
      onExecute: ({ args }) => {
        const context = args.contextValue as { request?: Request };
        const request = context.request;
        if (request === undefined || !this.keepable.has(request)) return;
        return {
          onExecuteDone: ({ result }) => {
            if (Symbol.asyncIterator in result || result.errors !== undefined) return;
            this.keepable.set(request, deadlines.get(context) ?? Number.POSITIVE_INFINITY);
          },
        };
      },
    };
  }

  /**
   * Handles a request to the GraphQL endpoint if it is of the kind kept (a POST of JSON asking for JSON):
   * from an entry, or through `yoga` and then kept when it may be. Returns false, having read nothing, for
   * any other request; the caller hands it to yoga's own listener.
   */
  handle(req: IncomingMessage, res: ServerResponse, yoga: AnyYoga): boolean {
    if (req.method !== "POST" || !/^application\/json\b/i.test(req.headers["content-type"] ?? ""))
      return false;
    const accept = req.headers.accept ?? "";
    if (/text\/event-stream|multipart\//i.test(accept)) return false;
    const length = Number(req.headers["content-length"] ?? Number.NaN);
    if (!(length <= MAX_BODY_BYTES)) return false;
    void this.answer(req, res, yoga, accept).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ errors: [{ message: `request failed: ${(error as Error).message}` }] }));
    });
    return true;
  }

  private async answer(req: IncomingMessage, res: ServerResponse, yoga: AnyYoga, accept: string) {
    const body = await readBody(req);
    let snapshot: string | undefined;
    try {
      snapshot = await this.options.snapshot();
    } catch {
      // Not kept: the request executes and reports the database's state itself.
    }
    if (snapshot !== undefined && snapshot !== this.latest) {
      this.latest = snapshot;
      this.entries.clear();
      this.bytes = 0;
    }
    const key = `${accept}\n${req.headers.origin ?? ""}\n${body.toString("latin1")}`;
    const startedAt = Date.now();
    const kept = this.usable(this.entries.get(key), snapshot) ?? (await this.joinRunning(key, snapshot));
    if (kept !== undefined) {
      this.options.onOutcome?.("hit");
      send(res, 200, kept.headers, kept.body);
      return;
    }
    if (snapshot === undefined) {
      await this.execute(req, res, yoga, body);
      return;
    }
    this.options.onOutcome?.("miss");
    // Requests for the same key at the same snapshot that arrive meanwhile wait for this answer instead of
    // executing it again: an expensive query asked by many visitors at once runs once.
    let settle!: (entry: Entry | undefined) => void;
    const running = { snapshot, entry: new Promise<Entry | undefined>((resolve) => (settle = resolve)) };
    this.running.set(key, running);
    try {
      settle(await this.executeAndKeep(req, res, yoga, body, key, snapshot, startedAt));
    } finally {
      settle(undefined);
      if (this.running.get(key) === running) this.running.delete(key);
    }
  }

  private usable(entry: Entry | undefined, snapshot: string | undefined): Entry | undefined {
    if (entry === undefined || entry.snapshot !== snapshot || Date.now() >= entry.expiresAt) return undefined;
    return entry;
  }

  private async joinRunning(key: string, snapshot: string | undefined): Promise<Entry | undefined> {
    const running = this.running.get(key);
    if (running === undefined || running.snapshot !== snapshot) return undefined;
    return this.usable(await running.entry, snapshot);
  }

  /** Executes through yoga and sends the answer; returns the entry kept for it, if it may be kept. */
  private async executeAndKeep(
    req: IncomingMessage,
    res: ServerResponse,
    yoga: AnyYoga,
    body: Buffer,
    key: string,
    snapshot: string,
    startedAt: number,
  ): Promise<Entry | undefined> {
    const { request, status, headers, answer } = await this.execute(req, res, yoga, body, true);
    const expiresAt = Math.min(
      startedAt + this.maxAgeMs,
      this.keepable.get(request) ?? Number.NEGATIVE_INFINITY,
    );
    if (status !== 200 || snapshot !== this.latest) return undefined;
    if (expiresAt <= Date.now() || answer.length > this.maxBytes) return undefined;
    const entry = { snapshot, expiresAt, headers, body: answer };
    this.forget(key);
    this.entries.set(key, entry);
    this.bytes += answer.length;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      this.forget(this.entries.keys().next().value as string);
    }
    return entry;
  }

  /** Executes the request through yoga and sends its answer; `keepable` lets the plugin judge the execution. */
  private async execute(
    req: IncomingMessage,
    res: ServerResponse,
    yoga: AnyYoga,
    body: Buffer,
    keepable = false,
  ) {
    const headers = new yoga.fetchAPI.Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers.set(name, String(value));
    }
    const url = `http://${req.headers.host ?? "localhost"}${req.url ?? "/graphql"}`;
    const request = new yoga.fetchAPI.Request(url, { method: "POST", headers, body: new Uint8Array(body) });
    if (keepable) this.keepable.set(request, Number.NEGATIVE_INFINITY);
    const response = await yoga.fetch(request, { req, res });
    const answer = Buffer.from(await response.arrayBuffer());
    const sent: [string, string][] = [];
    response.headers.forEach((value, name) => {
      if (name !== "content-length") sent.push([name, value]);
    });
    send(res, response.status, sent, answer);
    return { request, status: response.status, headers: sent, answer };
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.bytes -= entry.body.length;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, status: number, headers: [string, string][], body: Buffer): void {
  for (const [name, value] of headers) res.setHeader(name, value);
  res.setHeader("content-length", body.length);
  res.writeHead(status);
  res.end(body);
}
