// Two instances sharing a Postgres: what one publishes, the other's subscribers receive, once, with bigints
// and dates intact; nothing echoes back.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { bridgeEvents } from "../../src/indexer/event-bridge.ts";
import { GadgetEvents } from "../../src/indexer/events.ts";
import { silentLogger } from "../../src/log.ts";
import { createTestDatabaseUrl, usingPostgres } from "../helpers/database.ts";

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

  it("packs the events of one tick into few notifications, and delivers all of them in order", async () => {
    const { url, drop } = await createTestDatabaseUrl();
    const writer = new GadgetEvents();
    const standby = new GadgetEvents();
    const a = await bridgeEvents(url, writer, silentLogger);
    const b = await bridgeEvents(url, standby, silentLogger);
    const counter = new pg.Client({ connectionString: url });
    await counter.connect();
    await counter.query("LISTEN obf_gadget_events");
    let notifications = 0;
    counter.on("notification", () => notifications++);
    try {
      const seen: bigint[] = [];
      standby.subscribe("finalitySignature", (e) => seen.push(e.height));
      const n = 2_000;
      for (let h = 1n; h <= BigInt(n); h++) {
        writer.publish("finalitySignature", {
          fpBtcPk: "ab".repeat(32),
          height: h,
          blockHash: `0x${"cd".repeat(32)}`,
          babylonHeight: 7n,
          txHash: "EF".repeat(32),
          msgIndex: Number(h % 250n),
        });
      }
      const deadline = Date.now() + 10_000;
      while (seen.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(seen).toEqual(Array.from({ length: n }, (_, i) => BigInt(i + 1)));
      // About 230 bytes an event, 7,500 bytes a notification.
      expect(notifications).toBeGreaterThan(1);
      expect(notifications).toBeLessThan(n / 20);
    } finally {
      await counter.end();
      await a.close();
      await b.close();
      await drop();
    }
  });
});
