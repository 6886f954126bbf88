// What a fault campaign does to the gadget's Postgres sessions, at chosen moments: a session of the test's own
// holding a lock the gadget wants (so the gadget waits on the server), and sessions ended as an operator's
// pg_terminate_backend ends them.
import pg from "pg";

const nameOf = (url: string) => new URL(url).pathname.slice(1);

/** A session of its own on `url` holding advisory lock `key`, so that whoever wants it waits on the server. */
export async function holdLock(url: string, key: number): Promise<{ pid: number; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ pid: number }>(
    "SELECT pg_backend_pid() AS pid, pg_advisory_lock($1)",
    [key],
  );
  return {
    pid: rows[0]!.pid,
    release: () => client.end(),
  };
}

/** Ends every session on the database of `url` but `spare`'s, as an operator's pg_terminate_backend does. */
export async function terminateAllBut(url: string, spare: number | number[], when?: string): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL! });
  await admin.connect();
  try {
    // `when`: a condition on pg_stat_activity to wait for first (some session of the database meets it).
    const deadline = Date.now() + 15_000;
    while (when) {
      const { rows } = await admin.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> ALL($2::int[]) AND ${when}`,
        [nameOf(url), [spare].flat()],
      );
      if (rows.length > 0) break;
      if (Date.now() > deadline) throw new Error(`timed out waiting for a session where ${when}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> ALL($2::int[])",
      [nameOf(url), [spare].flat()],
    );
  } finally {
    await admin.end();
  }
}

// The keys of src/db/migrate.ts and src/store/writer-lock.ts.
export const MIGRATION_LOCK = 72707369;
export const WRITER_LOCK = 72707370;
