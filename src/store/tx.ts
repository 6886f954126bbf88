// The one way the store reaches the database: Prisma's raw statements, on the client or inside one of its
// interactive transactions. Statements are hand-written SQL because the indexer's writes are batched
// (`unnest` of arrays) with conflict rules Prisma's model API cannot express.
import type pg from "pg";

/**
 * A Prisma client or an interactive-transaction client: every store function runs on either (and on a bare
 * node-postgres connection, which only the LISTEN side of the event bus needs).
 */
export interface Tx {
  $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): PromiseLike<T>;
  $executeRawUnsafe(sql: string, ...values: unknown[]): PromiseLike<number>;
}

/** A node-postgres connection seen as a Tx. */
export function pgTx(client: pg.ClientBase): Tx {
  return {
    $queryRawUnsafe: async <T>(sql: string, ...values: unknown[]) =>
      (await client.query(sql, values)).rows as T,
    $executeRawUnsafe: async (sql: string, ...values: unknown[]) =>
      (await client.query(sql, values)).rowCount ?? 0,
  };
}

/** bigint and number parameters travel as decimal text, cast in SQL: node-postgres has no bigint type. */
export const dec = (v: bigint | number): string => v.toString();
