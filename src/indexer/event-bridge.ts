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

interface Envelope {
  origin: string;
  name: keyof GadgetEventMap;
  event: unknown;
}

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
    if (!message.payload) return;
    try {
      const envelope = decode(message.payload) as Envelope;
      if (envelope.origin === origin || !NAMES.includes(envelope.name)) return;
      received.add(envelope.event as object);
      events.publish(envelope.name, envelope.event as never);
    } catch (error) {
      log.warn({ err: (error as Error).message }, "malformed event notification ignored");
    }
  });
  const unsubscribe = NAMES.map((name) =>
    events.subscribe(name, (event) => {
      if (received.has(event as object)) return; // came from another instance: do not send it back
      const payload = encode({ origin, name, event } satisfies Envelope);
      sender.query("SELECT pg_notify($1, $2)", [CHANNEL, payload]).catch(() => {});
    }),
  );
  return {
    async close() {
      for (const off of unsubscribe) off();
      await listener.end().catch(() => {});
      await sender.end().catch(() => {});
    },
  };
}
