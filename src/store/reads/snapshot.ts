// Which committed writes a read would see now. Two equal readings mean no transaction that writes committed,
// aborted or began in between, so everything read between them is still what the database holds: the API's
// response cache keys its entries on it (src/api/graphql/response-cache.ts).
import type { SqlExecutor } from "../../db/sql.ts";

/**
 * The database's current snapshot (`xmin:xmax:xip…`): every writing transaction moves it. Read on the driver
 * below Prisma: a request may ask it, and Prisma's raw statement costs four times the CPU (0.10 against
 * 0.02 ms).
 */
export async function databaseSnapshot(db: SqlExecutor): Promise<string> {
  const [row] = await db.query<{ snapshot: string }>("SELECT pg_current_snapshot()::text AS snapshot");
  if (row === undefined) throw new Error("pg_current_snapshot() returned no row");
  return row.snapshot;
}
