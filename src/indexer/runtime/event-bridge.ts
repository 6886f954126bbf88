// Carries the event bus between instances that share one Postgres: the writer's events are sent with
// NOTIFY, and every instance LISTENs and republishes what other instances sent, so a hot standby's GraphQL
// subscriptions see blocks finalize too. Finality signatures — a hundred thousand in a backfill — travel as
// the range of Babylon heights they were committed at, and a listening instance reads them from the database:
// sent one by one, they were as many bytes of NOTIFY traffic as the signature rows themselves. Subscribers
// still fill any gap from the database, so a lost notification (a dropped connection) delays an event, it
// never loses one.
import { randomUUID } from "node:crypto";
import type { Logger } from "../../log.ts";
import { openNotifyChannel } from "../../store/notify.ts";
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

/** Finality signatures committed at Babylon heights `from`…`to` (inclusive). */
interface SignatureRange {
  from: bigint;
  to: bigint;
}

/** A notification: the sending instance, a newline, then `[name, event]` pairs as JSON. */
type Batch = ([keyof GadgetEventMap, unknown] | ["signatureRange", SignatureRange])[];

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
  // Notifications are republished in the order they came, reads for signature ranges included.
  let inbound = Promise.resolve();
  const onPayload = (payload: string) => {
    // Every instance hears its own notifications too: those are dropped before any parsing.
    if (payload.startsWith(origin)) return;
    let batch: Batch;
    try {
      batch = decode(payload.slice(payload.indexOf("\n") + 1)) as Batch;
    } catch (error) {
      log.warn({ err: (error as Error).message }, "malformed event notification ignored");
      return;
    }
    inbound = inbound.then(async () => {
      for (const [name, event] of batch) {
        if (name === "signatureRange") {
          const range = event as SignatureRange;
          for (const signature of await channel.signaturesIn(range.from, range.to)) {
            received.add(signature);
            events.publish("finalitySignature", signature);
          }
        } else if (NAMES.includes(name)) {
          received.add(event as object);
          events.publish(name, event as never);
        }
      }
    });
    inbound = inbound.catch((error: unknown) =>
      log.warn({ err: (error as Error).message }, "event notification not republished"),
    );
  };
  const channel = await openNotifyChannel(url, CHANNEL, {
    onPayload,
    onError: (error) => log.warn({ err: error.message }, "event bridge connection lost; reconnecting"),
    onReconnect: () => log.info("event bridge listening again"),
  });

  let pending: string[] = [];
  let range: SignatureRange | undefined; // the signature range being gathered, after the last of `pending`
  const closeRange = () => {
    if (range) pending.push(encode(["signatureRange", range]));
    range = undefined;
  };
  const flush = () => {
    closeRange();
    const items = pending;
    pending = [];
    let body: string[] = [];
    let size = 0;
    const send = () => {
      if (body.length === 0) return;
      const payload = `${origin}\n[${body.join(",")}]`;
      // One connection: notifications leave in the order events were published.
      channel.send(payload);
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
      if (pending.length === 0 && range === undefined) setImmediate(flush);
      if (name === "finalitySignature") {
        const at = (event as GadgetEventMap["finalitySignature"]).babylonHeight;
        if (range) {
          if (at < range.from) range.from = at;
          if (at > range.to) range.to = at;
        } else range = { from: at, to: at };
        return;
      }
      closeRange();
      pending.push(encode([name, event]));
    }),
  );
  return {
    async close() {
      for (const off of unsubscribe) off();
      flush();
      await channel.close();
    },
  };
}
