// Only one instance writes: the writer holds a Postgres session advisory lock on a connection of its own.
// Other instances wait as hot standbys, trying the lock, and take over when the writer's session ends —
// which Postgres guarantees when the writer dies. Embedded PGlite belongs to one process, so it needs no lock.
import pg from "pg";
import type { Database } from "../db/database.ts";
import type { Logger } from "../log.ts";
import { sleep } from "../retry.ts";

const WRITER_LOCK_KEY = 72707370;

export interface WriterLease {
  /** Aborted when the lock is lost (its connection ended); writing must stop. */
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export async function acquireWriterLock(
  db: Database,
  url: string | undefined,
  log: Logger,
  signal: AbortSignal,
  retryMs = 2000,
): Promise<WriterLease | undefined> {
  const lost = new AbortController();
  if (db.kind === "pglite" || !url) return { lost: lost.signal, release: async () => {} };
  let announced = false;
  while (!signal.aborted) {
    const client = new pg.Client({ connectionString: url });
    // While the lock is only being tried, a lost connection reaches us through the rejected call below; an
    // 'error' event with no listener would end the process.
    const whileTrying = () => {};
    client.on("error", whileTrying);
    try {
      await client.connect();
      const rows = (
        await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [WRITER_LOCK_KEY])
      ).rows;
      if (rows[0]?.ok) {
        const onGone = () => {
          if (!lost.signal.aborted) {
            log.error("writer lock connection lost; stopping writes");
            lost.abort();
          }
        };
        client.removeListener("error", whileTrying);
        client.on("error", onGone);
        client.on("end", onGone);
        // A keepalive query notices a dead connection even when nothing else uses it.
        const timer = setInterval(() => client.query("SELECT 1").catch(onGone), 5_000);
        log.info("acquired the writer lock");
        return {
          lost: lost.signal,
          async release() {
            clearInterval(timer);
            client.removeListener("end", onGone);
            await client.query("SELECT pg_advisory_unlock($1)", [WRITER_LOCK_KEY]).catch(() => {});
            await client.end().catch(() => {});
          },
        };
      }
      await client.end();
      if (!announced) log.info("another instance is writing; waiting as a hot standby");
      announced = true;
    } catch (error) {
      await client.end().catch(() => {});
      log.warn({ err: (error as Error).message }, "cannot reach the database for the writer lock; retrying");
    }
    await sleep(retryMs, signal);
  }
  return undefined;
}
