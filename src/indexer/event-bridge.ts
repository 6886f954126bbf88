// Carries the event bus between instances that share one Postgres: the writer's events are sent with
// NOTIFY, and every instance LISTENs and republishes what other instances sent, so a hot standby's GraphQL
// subscriptions see blocks finalize too. Subscribers still fill any gap from the database, so a lost
// notification (a dropped connection) delays an event, it never loses one.
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { Logger } from "../log.ts";
import type { GadgetEventMap, GadgetEvents } from "./events.ts";

const CHANNEL = "obf_gadget_events";
const NAMES: (keyof GadgetEventMap)[] = [
  "blockFinalized",
  "blockStatus",
  "finalitySignature",
  "equivocation",
];

// NOTIFY payloads must stay under 8,000 bytes. Events published in one tick travel together, packed into as
// few notifications as fit: a backfill publishes a hundred thousand signature events.
const MAX_PAYLOAD = 7_500;

/** A notification: the sending instance, a newline, then `[name, event]` pairs as JSON. */
type Batch = [keyof GadgetEventMap, unknown][];

// Events carry bigints and dates; JSON carries neither, so both are tagged on the way out.
const encode = (value: unknown) =>
  JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? { $big: v.toString() } : v));
const decode = (text: string) =>
  JSON.parse(text, (k, v) => {
    if (v && typeof v === "object" && typeof v.$big === "string") return BigInt(v.$big);
    if (typeof v === "string" && /At$/.test(k) && !Number.isNaN(Date.parse(v))) return new Date(v);
    return v;
  });

export interface EventBridge {
  close(): Promise<void>;
}

export async function bridgeEvents(url: string, events: GadgetEvents, log: Logger): Promise<EventBridge> {
  const origin = randomUUID();
  const received = new WeakSet<object>();
  const listener = new pg.Client({ connectionString: url });
  const sender = new pg.Pool({ connectionString: url, max: 1 });
  sender.on("error", () => {});
  listener.on("error", (error) => log.warn({ err: error.message }, "event bridge connection lost"));
  await listener.connect();
  await listener.query(`LISTEN ${CHANNEL}`);
  listener.on("notification", (message) => {
    const payload = message.payload;
    // Every instance hears its own notifications too: those are dropped before any parsing.
    if (!payload || payload.startsWith(origin)) return;
    try {
      const batch = decode(payload.slice(payload.indexOf("\n") + 1)) as Batch;
      for (const [name, event] of batch) {
        if (!NAMES.includes(name)) continue;
        received.add(event as object);
        events.publish(name, event as never);
      }
    } catch (error) {
      log.warn({ err: (error as Error).message }, "malformed event notification ignored");
    }
  });

  let pending: string[] = [];
  const flush = () => {
    const items = pending;
    pending = [];
    let body: string[] = [];
    let size = 0;
    const send = () => {
      if (body.length === 0) return;
      const payload = `${origin}\n[${body.join(",")}]`;
      // One connection: notifications leave in the order events were published.
      sender.query("SELECT pg_notify($1, $2)", [CHANNEL, payload]).catch(() => {});
      body = [];
      size = 0;
    };
    for (const item of items) {
      if (size + item.length + 1 > MAX_PAYLOAD - origin.length - 3) send();
      body.push(item);
      size += item.length + 1;
    }
    send();
  };
  const unsubscribe = NAMES.map((name) =>
    events.subscribe(name, (event) => {
      if (received.has(event as object)) return; // came from another instance: do not send it back
      if (pending.length === 0) setImmediate(flush);
      pending.push(encode([name, event]));
    }),
  );
  return {
    async close() {
      for (const off of unsubscribe) off();
      flush();
      await listener.end().catch(() => {});
      await sender.end().catch(() => {});
    },
  };
}
