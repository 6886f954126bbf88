// Which committed writes a read would see now. Two equal readings mean no transaction that writes committed,
// aborted or began in between, so everything read between them is still what the database holds: the API's
// response cache keys its entries on it (src/api/graphql/response-cache.ts).
import type { Tx } from "../tx.ts";

/**
 * The database's current snapshot (`xmin:xmax:xip…`): every writing transaction moves it. A request may ask
 * it: give it the driver reads (Database.reads), where it costs a fifth of Prisma's raw statement.
 */
export async function databaseSnapshot(db: Tx): Promise<string> {
  const [row] = await db.$queryRawUnsafe<{ snapshot: string }[]>(
    "SELECT pg_current_snapshot()::text AS snapshot",
  );
  if (row === undefined) throw new Error("pg_current_snapshot() returned no row");
  return row.snapshot;
}
