// Every connection the gadget holds outside Prisma's pool can be ended by the server (a restart, an operator's
// pg_terminate_backend): the process must live on and heal (DESIGN rule 10). Found by the fault campaign: a
// gadget exited with "terminating connection due to administrator command".
import pg from "pg";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { openDatabase, throughConnectionLosses } from "../../src/db/database.ts";
import { terminateConnections } from "../../src/db/server-admin.ts";
import { silentLogger } from "../../src/log.ts";
import { openNotifyChannel } from "../../src/store/notify.ts";
import { acquireWriterLock } from "../../src/store/writer-lock.ts";
import { createTestDatabaseUrl, usingPostgres } from "../helpers/database.ts";

async function until(done: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const nameOf = (url: string) => new URL(url).pathname.slice(1);

/** A session of its own on `url` holding advisory lock `key`, so that whoever wants it waits on the server. */
async function holdLock(url: string, key: number): Promise<{ pid: number; release(): Promise<void> }> {
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
async function terminateAllBut(url: string, spare: number, when?: string): Promise<void> {
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL! });
  await admin.connect();
  try {
    // `when`: a condition on pg_stat_activity to wait for first (some session of the database meets it).
    const deadline = Date.now() + 15_000;
    while (when) {
      const { rows } = await admin.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> $2 AND ${when}`,
        [nameOf(url), spare],
      );
      if (rows.length > 0) break;
      if (Date.now() > deadline) throw new Error(`timed out waiting for a session where ${when}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> $2",
      [nameOf(url), spare],
    );
  } finally {
    await admin.end();
  }
}

// The keys of src/db/migrate.ts and src/store/writer-lock.ts.
const MIGRATION_LOCK = 72707369;
const WRITER_LOCK = 72707370;

describe.skipIf(!usingPostgres)("connections ended by the server", () => {
  it("the notification listener reconnects and receives again", async () => {
    const { url, drop } = await createTestDatabaseUrl();
    const received: string[] = [];
    let errors = 0;
    let reconnects = 0;
    const channel = await openNotifyChannel(url, "obf_test", {
      onPayload: (p) => received.push(p),
      onError: () => errors++,
      onReconnect: () => reconnects++,
    });
    try {
      channel.send("before");
      await until(() => received.includes("before"), "the first notification");
      await terminateConnections(process.env.DATABASE_URL!, nameOf(url));
      await until(() => reconnects === 1, "the listener to reconnect");
      expect(errors).toBe(1);
      channel.send("after");
      await until(() => received.includes("after"), "a notification after the reconnect");
    } finally {
      await channel.close();
      await drop();
    }
  });

  it("a lost writer lock aborts the lease instead of ending the process", async () => {
    const { url, drop } = await createTestDatabaseUrl();
    const db = await openDatabase({ url, migrate: false, poolSize: 1 });
    try {
      const lease = await acquireWriterLock(db, url, silentLogger, new AbortController().signal);
      expect(lease?.lost.aborted).toBe(false);
      await terminateConnections(process.env.DATABASE_URL!, nameOf(url));
      await until(() => lease?.lost.aborted === true, "the lease to be lost");
      // The lock is free again, and can be taken by this instance or another.
      const again = await acquireWriterLock(db, url, silentLogger, new AbortController().signal);
      expect(again?.lost.aborted).toBe(false);
      await again?.release();
      await lease?.release();
    } finally {
      await db.close();
      await drop();
    }
  });

  it("a start whose connections are ended in the middle of migrating opens the database anyway", async () => {
    const { url, drop } = await createTestDatabaseUrl();
    // Migrating waits for the migration lock, inside its transaction: ended there, twice, it starts over.
    const holder = await holdLock(url, MIGRATION_LOCK);
    let retries = 0;
    const log = pino({ level: "warn" }, { write: () => void retries++ });
    const opening = throughConnectionLosses(() => openDatabase({ url, poolSize: 2 }), log);
    try {
      await terminateAllBut(url, holder.pid, "wait_event_type = 'Lock'");
      await terminateAllBut(url, holder.pid, "wait_event_type = 'Lock'");
      await holder.release();
      const db = await opening;
      try {
        const applied = await db.sql.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL",
        );
        expect(applied[0]!.n).toBeGreaterThan(0);
        expect(retries).toBeGreaterThanOrEqual(2);
      } finally {
        await db.close();
      }
    } finally {
      await holder.release().catch(() => {});
      await opening.then((db) => db.close()).catch(() => {});
      await drop();
    }
  });

  it("a database that was never reachable still fails at once", async () => {
    const started = Date.now();
    await expect(
      throughConnectionLosses(() => openDatabase({ url: "postgres://x@127.0.0.1:9/none" }), silentLogger),
    ).rejects.toThrow(/cannot connect to database/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a standby whose connections are ended while it tries the writer lock takes it when it is free", async () => {
    const { url, drop } = await createTestDatabaseUrl();
    const db = await openDatabase({ url, poolSize: 1 });
    const holder = await holdLock(url, WRITER_LOCK);
    try {
      // Tries the lock every 50 ms; ended repeatedly meanwhile, it keeps trying.
      const acquiring = acquireWriterLock(db, url, silentLogger, new AbortController().signal, 50);
      for (let i = 0; i < 5; i++) {
        await terminateAllBut(url, holder.pid);
        await new Promise((r) => setTimeout(r, 40 + i * 15));
      }
      await holder.release();
      const lease = await acquiring;
      expect(lease?.lost.aborted).toBe(false);
      await lease?.release();
    } finally {
      await holder.release().catch(() => {});
      await db.close();
      await drop();
    }
  });
});
