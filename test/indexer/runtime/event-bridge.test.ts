// Two instances sharing a Postgres: what one publishes, the other's subscribers receive, once, with bigints
// and dates intact; nothing echoes back.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/db/database.ts";
import { bridgeEvents } from "../../../src/indexer/runtime/event-bridge.ts";
import { GadgetEvents } from "../../../src/indexer/runtime/events.ts";
import { silentLogger } from "../../../src/log.ts";
import { createTestDatabaseUrl, usingPostgres } from "../../helpers/database.ts";

describe.skipIf(!usingPostgres)("event bridge between instances (Postgres LISTEN/NOTIFY)", () => {
  it("delivers the writer's events to another instance's bus, once and in order", async () => {
    const { url, drop } = await createTestDatabaseUrl();
    const writer = new GadgetEvents();
    const standby = new GadgetEvents();
    const a = await bridgeEvents(url, writer, silentLogger);
    const b = await bridgeEvents(url, standby, silentLogger);
    try {
      const seenByStandby: bigint[] = [];
      const seenByWriter: bigint[] = [];
      standby.subscribe("blockFinalized", (e) => {
        seenByStandby.push(e.height);
        expect(e.finalizedAt).toBeInstanceOf(Date);
        expect(typeof e.timestamp).toBe("bigint");
      });
      writer.subscribe("blockFinalized", (e) => seenByWriter.push(e.height));
      for (let h = 1n; h <= 5n; h++) {
        writer.publish("blockFinalized", {
          height: h,
          hash: `0x${h}`,
          timestamp: 1000n + h,
          finalizedAt: new Date(),
        });
      }
      const deadline = Date.now() + 5_000;
      while (seenByStandby.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 200)); // room for a wrong echo to arrive
      expect(seenByStandby).toEqual([1n, 2n, 3n, 4n, 5n]);
      expect(seenByWriter).toEqual([1n, 2n, 3n, 4n, 5n]);
    } finally {
      await a.close();
      await b.close();
      await drop();
    }
  });

  it("packs a tick's events into few notifications; signatures travel as a Babylon range read back from the database", async () => {
    const { url, drop } = await createTestDatabaseUrl();
    const db = await openDatabase({ url, migrate: true, poolSize: 1 });
    const writer = new GadgetEvents();
    const standby = new GadgetEvents();
    const a = await bridgeEvents(url, writer, silentLogger);
    const b = await bridgeEvents(url, standby, silentLogger);
    const counter = new pg.Client({ connectionString: url });
    await counter.connect();
    await counter.query("LISTEN obf_gadget_events");
    // Every listener's backend delivers on its own schedule: the counter waits for the last status event
    // itself rather than trusting that it has heard everything once the standby has.
    let notifications = 0;
    let statusEvents = 0;
    counter.on("notification", (message) => {
      notifications++;
      const payload = message.payload ?? "";
      const items = JSON.parse(payload.slice(payload.indexOf("\n") + 1)) as [string, unknown][];
      statusEvents += items.filter(([name]) => name === "blockStatus").length;
    });
    try {
      const n = 2_000;
      const signatures = Array.from({ length: n }, (_, i) => ({
        fpBtcPk: (i % 20).toString(16).padStart(64, "0"),
        height: BigInt(i + 1),
        blockHash: `0x${(i + 1).toString(16).padStart(64, "0")}`,
        babylonHeight: 7n + BigInt(Math.floor(i / 250)),
        txHash: Math.floor(i / 250)
          .toString(16)
          .padStart(64, "0")
          .toUpperCase(),
        msgIndex: i % 250,
      }));
      await db.prisma.$executeRawUnsafe(
        `INSERT INTO finality_signature (babylon_height, tx_hash, msg_index, fp_btc_pk, height, block_hash, babylon_time)
         SELECT bh, tx, mi, fp, h, hash, now() FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::text[])
           AS t(bh, tx, mi, fp, h, hash)`,
        signatures.map((x) => x.babylonHeight.toString()),
        signatures.map((x) => x.txHash),
        signatures.map((x) => x.msgIndex),
        signatures.map((x) => x.fpBtcPk),
        signatures.map((x) => x.height.toString()),
        signatures.map((x) => x.blockHash),
      );
      const seen: string[] = [];
      standby.subscribe("finalitySignature", (e) => seen.push(`s${e.height}`));
      standby.subscribe("blockStatus", (e) => seen.push(`b${e.height}`));
      for (const sig of signatures) writer.publish("finalitySignature", sig);
      for (let h = 1n; h <= 500n; h++) {
        writer.publish("blockStatus", {
          height: h,
          hash: `0x${h}`,
          status: "PENDING",
          votedPower: 1n,
          totalPower: 3n,
        });
      }
      const expected = [
        ...signatures.map((x) => `s${x.height}`),
        ...Array.from({ length: 500 }, (_, i) => `b${i + 1}`),
      ];
      const deadline = Date.now() + 10_000;
      while (seen.length < expected.length && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(expected);
      while (statusEvents < 500 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(statusEvents).toBe(500);
      // One range for the signatures; about 150 bytes a status event, 7,500 bytes a notification.
      expect(notifications).toBeGreaterThan(1);
      expect(notifications).toBeLessThan(25);
    } finally {
      await counter.end();
      await a.close();
      await b.close();
      await db.close();
      await drop();
    }
  });
});
