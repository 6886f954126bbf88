// One code path, two databases: Postgres through @prisma/adapter-pg when a URL is given, embedded PGlite through
// pglite-prisma-adapter otherwise (persisted in a directory, or in memory). Everything above this module sees
// the same PrismaClient and the same SqlExecutor.
import { mkdirSync } from "node:fs";
// PGlite and its adapter are imported when a PGlite database is opened: a gadget on Postgres never loads them.
import type { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { connectionLost, DatabaseError, errorKind, errorText } from "../errors.ts";
import type { Logger } from "../log.ts";
import { retryWhile } from "../retry.ts";
import type { Tx } from "../store/tx.ts";
import { driverReads } from "./driver-reads.ts";
import { PrismaClient } from "./generated/client.ts";
import { migrate } from "./migrate.ts";
import { pgExecutor, pgliteExecutor, type SqlExecutor } from "./sql.ts";

export type { PrismaClient } from "./generated/client.ts";

export interface DatabaseOptions {
  /** postgres://… — when absent, the embedded PGlite database is used. */
  url?: string;
  /** PGlite directory; ignored for Postgres. `undefined` with `memory` false means ./data/pglite. */
  dataDir?: string;
  /** PGlite in memory (tests, demos). */
  memory?: boolean;
  /** Apply pending migrations when opening (the service does; `db migrate` does it explicitly). */
  migrate?: boolean;
  /** Postgres pool size. */
  poolSize?: number;
}

export interface Database {
  readonly kind: "postgres" | "pglite";
  readonly prisma: PrismaClient;
  readonly sql: SqlExecutor;
  /**
   * Raw reads typed as Prisma's raw statements (the store's `Tx`), for the API: on the driver for Postgres,
   * where Prisma's raw path costs three times the CPU (src/db/driver-reads.ts), and on a pool of their own
   * (half `poolSize`, at least 2) so that readers never wait the writer out of connections; Prisma itself for
   * PGlite.
   */
  readonly reads: Tx;
  /** The PGlite instance when kind is "pglite" (single connection: locks are process-local). */
  readonly pglite?: PGlite;
  /** The node-postgres pool when kind is "postgres". */
  readonly pool?: pg.Pool;
  close(): Promise<void>;
}

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const db = options.url
    ? await openPostgres(options.url, options.poolSize ?? 10)
    : await openPglite(options);
  if (options.migrate ?? true) {
    try {
      await migrate(db.sql);
    } catch (error) {
      await db.close();
      throw error;
    }
  }
  return db;
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new Error(`database url must start with postgres:// or postgresql:// (got ${redactUrl(url)})`);
  }
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5_000 });
  // An idle client that loses its server must not crash the process; the pool replaces it. A checked-out one
  // (inside a transaction, between its statements) reports the loss on itself, not on the pool: its next
  // statement fails as a lost connection, which the caller retries, so the event itself is only absorbed.
  pool.on("error", () => {});
  pool.on("connect", (client) => client.on("error", () => {}));
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseError(`cannot connect to database ${redactUrl(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  // The API's reads wait for connections of their own: a burst of slow explorer queries must never hold the
  // connections the engine commits verdicts on (with one pool, finalization under the explorer mix waited
  // seconds for a free connection).
  const readPool = new pg.Pool({
    connectionString: url,
    max: Math.max(2, Math.ceil(poolSize / 2)),
    connectionTimeoutMillis: 5_000,
    // The reads are prepared once per connection (driver-reads.ts) and are lookups by key, id lists and ranges
    // whose best plan does not depend on the values: one generic plan per statement instead of planning every
    // call (a block's votes, prepared, still spent 0.46 of their 0.53 ms in Postgres planning). The pool awaits
    // this before it hands the connection out; a server that refuses the setting still serves the reads.
    onConnect: async (client) => {
      await client.query("SET plan_cache_mode = force_generic_plan").catch(() => {});
    },
  });
  readPool.on("error", () => {});
  readPool.on("connect", (client) => client.on("error", () => {}));
  return {
    kind: "postgres",
    prisma,
    sql: pgExecutor(pool),
    reads: driverReads(readPool),
    pool,
    async close() {
      await prisma.$disconnect();
      await Promise.all([pool.end(), readPool.end()]);
    },
  };
}

async function openPglite(options: DatabaseOptions): Promise<Database> {
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([
    import("@electric-sql/pglite"),
    import("pglite-prisma-adapter"),
  ]);
  let pglite: PGlite;
  if (options.memory) {
    pglite = new PGlite();
  } else {
    const dir = options.dataDir ?? "./data/pglite";
    mkdirSync(dir, { recursive: true });
    pglite = new PGlite(dir);
  }
  await pglite.waitReady;
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    kind: "pglite",
    prisma,
    sql: pgliteExecutor(pglite),
    reads: prisma,
    pglite,
    async close() {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

/**
 * Runs `open` (connect, migrate, listen) again when the server ends a connection under it: a Postgres restart
 * or an operator's pg_terminate_backend while the service starts is a fault it lives through (DESIGN rule 10).
 * After such a loss a refused connection is retried too (the server is coming back), for up to `withinMs`;
 * a database that was never reachable, or a migration that does not apply, still fails at once.
 */
export async function throughConnectionLosses<T>(
  open: () => Promise<T>,
  log: Logger,
  withinMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  let lost = false;
  const refused = (error: unknown) =>
    errorKind(error) === "database" || (error as { code?: unknown }).code === "ECONNREFUSED";
  return retryWhile(
    open,
    (error) => {
      lost ||= connectionLost(error);
      return Date.now() < deadline && (connectionLost(error) || (lost && refused(error)));
    },
    {
      initialMs: 250,
      maxMs: 5_000,
      onRetry: (error, delay) =>
        log.warn(
          { err: errorText(error), retryInMs: Math.round(delay) },
          "database connection lost; retrying",
        ),
    },
  );
}

/** A database URL fit for logs and error messages: the password replaced. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, "$1***@");
}
