// Two instances sharing a Postgres: what one publishes, the other's subscribers receive, once, with bigints
// and dates intact; nothing echoes back.
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
});
