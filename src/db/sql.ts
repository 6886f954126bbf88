// The smallest SQL surface the project needs below Prisma: the migration runner and the writer lock use it,
// so they behave the same on Postgres (node-postgres) and on embedded PGlite.
import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";

export interface SqlExecutor {
  /** Runs one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  query<T extends Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs `fn` in one transaction on one connection; a throw rolls everything back. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

export function pgExecutor(pool: pg.Pool): SqlExecutor {
  const onClient = (client: pg.PoolClient | pg.Pool): SqlExecutor => ({
    async exec(sql) {
      await client.query(sql);
    },
    async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async transaction() {
      throw new Error("nested transactions are not supported");
    },
  });
  return {
    ...onClient(pool),
    async transaction(fn) {
      const client = await pool.connect();
      // A checked-out client has no listener of the pool's: a server ending the session (a restart, an
      // operator's pg_terminate_backend) would emit an 'error' nobody hears and end the process. The loss
      // reaches us anyway, as the rejection of the query in flight or the next one.
      const onError = () => {};
      client.on("error", onError);
      try {
        await client.query("BEGIN");
        const result = await fn(onClient(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.removeListener("error", onError);
        client.release();
      }
    },
  };
}

export function pgliteExecutor(db: PGlite): SqlExecutor {
  return {
    async exec(sql) {
      await db.exec(sql);
    },
    async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
      return (await db.query<T>(sql, params)).rows;
    },
    async transaction(fn) {
      return db.transaction(async (tx) =>
        fn({
          async exec(sql) {
            await tx.exec(sql);
          },
          async query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []) {
            return (await tx.query<T>(sql, params)).rows;
          },
          async transaction() {
            throw new Error("nested transactions are not supported");
          },
        }),
      );
    },
  };
}
