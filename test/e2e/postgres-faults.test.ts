// A whole gadget against the devnet while Postgres ends its sessions, as the fault campaign's postgres_restart
// does with pg_terminate_backend: mid-batch, while /metrics and /ready are scraped, while the writer lock is
// taken again, and while the service starts (migrate, event bridge). The gadget must neither end nor stop:
// finality advances again afterwards (DESIGN rule 10). An unhandled 'error' of a pg client fails this file too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { terminateConnections } from "../../src/db/server-admin.ts";
import { usingPostgres } from "../helpers/database.ts";
import { holdLock, MIGRATION_LOCK, terminateAllBut, WRITER_LOCK } from "../helpers/pg-faults.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

const databaseOf = (t: TestSystem) => {
  const url = t.service.db.pool?.options.connectionString;
  if (!url) throw new Error("the gadget runs on PGlite");
  return new URL(url).pathname.slice(1);
};

/** Ends every session of the gadget's database `times` times, `gapMs(i)` apart, until done. */
async function terminateRepeatedly(t: TestSystem, times: number, gapMs: (i: number) => number) {
  const name = databaseOf(t);
  for (let i = 0; i < times; i++) {
    await terminateConnections(process.env.DATABASE_URL!, name);
    await new Promise((r) => setTimeout(r, gapMs(i)));
  }
}

describe.skipIf(!usingPostgres)("the gadget while Postgres ends its connections", () => {
  let t: TestSystem;
  beforeAll(async () => {
    t = await startTestSystem([{ stakeSat: 300_000n }, { stakeSat: 300_000n }, { stakeSat: 300_000n }]);
    await t.waitFor("finality past activation", async () =>
      (await t.finalizedHeight()) >= 14n ? true : undefined,
    );
  }, 120_000);
  afterAll(async () => t?.stop());

  const finalizesAgain = async (what: string) => {
    const before = await t.finalizedHeight();
    await t.waitFor(
      what,
      async () => ((await t.finalizedHeight()) >= before + 4n ? true : undefined),
      90_000,
    );
  };

  it("keeps running through terminations mid-batch and during scrapes, and finalizes again", async () => {
    let ended = false;
    void t.service.done.finally(() => {
      ended = true;
    });
    const scrapes: number[] = [];
    const scraping = (async () => {
      for (let i = 0; i < 40; i++) {
        for (const path of ["/metrics", "/ready", "/v1/chainSyncStatus"]) {
          const res = await fetch(`${t.service.httpUrl}${path}`);
          await res.text();
          scrapes.push(res.status);
        }
      }
    })();
    // Gaps from none to a few batches long, so that sessions end at different moments of the loops' steps.
    await terminateRepeatedly(t, 12, (i) => (i * 97) % 400);
    await scraping;
    // Every scrape got an answer (an error status while the database was away is an answer).
    expect(scrapes).toHaveLength(120);
    expect(ended).toBe(false);
    await finalizesAgain("finality after the terminations");
    expect(ended).toBe(false);
    const ready = await fetch(`${t.service.httpUrl}/metrics`);
    expect(ready.status).toBe(200);
  }, 150_000);

  it("starts while its sessions are ended in migrate and as a standby, then takes over and finalizes", async () => {
    const url = t.service.db.pool!.options.connectionString!;
    let migration: Awaited<ReturnType<typeof holdLock>> | undefined;
    let writer: Awaited<ReturnType<typeof holdLock>> | undefined;
    // Between the old instance's end and the new one's start, this test's sessions take the migration lock
    // and the writer lock: the start waits in migrate, then as a hot standby, so each is ended deterministically.
    const restarting = t.restartService(async () => {
      migration = await holdLock(url, MIGRATION_LOCK);
      writer = await holdLock(url, WRITER_LOCK);
    });
    const held = async () => {
      while (!migration || !writer) await new Promise((r) => setTimeout(r, 10));
      return [migration.pid, writer.pid];
    };
    try {
      await terminateAllBut(url, await held(), "wait_event_type = 'Lock'");
      await terminateAllBut(url, await held(), "wait_event_type = 'Lock'");
      await migration!.release();
      await restarting;
      let ended = false;
      void t.service.done.finally(() => {
        ended = true;
      });
      // A standby now, trying the lock every 2 s: its pool and LISTEN sessions (and a lock attempt when one
      // is under way) ended six times over 2 s.
      for (let i = 0; i < 6; i++) {
        await terminateAllBut(url, writer!.pid);
        await new Promise((r) => setTimeout(r, 350));
      }
      await writer!.release();
      await finalizesAgain("finality after the standby took over");
      expect(ended).toBe(false);
    } finally {
      await migration?.release().catch(() => {});
      await writer?.release().catch(() => {});
      await restarting.catch(() => {});
    }
  }, 150_000);
});
