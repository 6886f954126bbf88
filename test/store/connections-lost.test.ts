// Every connection the gadget holds outside Prisma's pool can be ended by the server (a restart, an operator's
// pg_terminate_backend): the process must live on and heal (DESIGN rule 10). Found by the fault campaign: a
// gadget exited with "terminating connection due to administrator command".
import pino from "pino";
import { describe, expect, it } from "vitest";
import { openDatabase, throughConnectionLosses } from "../../src/db/database.ts";
import { terminateConnections } from "../../src/db/server-admin.ts";
import { silentLogger } from "../../src/log.ts";
import { openNotifyChannel } from "../../src/store/notify.ts";
import { acquireWriterLock } from "../../src/store/writer-lock.ts";
import { createTestDatabaseUrl, usingPostgres } from "../helpers/database.ts";
import { holdLock, MIGRATION_LOCK, terminateAllBut, WRITER_LOCK } from "../helpers/pg-faults.ts";

async function until(done: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const nameOf = (url: string) => new URL(url).pathname.slice(1);

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
