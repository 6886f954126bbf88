// Postgres LISTEN/NOTIFY for the event bus between instances (src/indexer/event-bridge.ts decides what
// travels): a listening connection of its own, and one sending connection, so notifications leave in the
// order they were sent.
import pg from "pg";
import type { FinalitySignatureEvent } from "../indexer/runtime/events.ts";
import { signaturesCommittedIn } from "./signatures.ts";
import { pgTx } from "./tx.ts";

export interface NotifyChannel {
  /** Sends a payload (under 8,000 bytes); a failed send is dropped: listeners catch up from the database. */
  send(payload: string): void;
  /** The finality signatures committed at Babylon heights `from`…`to`, read on the listening connection. */
  signaturesIn(from: bigint, to: bigint): Promise<FinalitySignatureEvent[]>;
  close(): Promise<void>;
}

export async function openNotifyChannel(
  url: string,
  channel: string,
  handlers: { onPayload: (payload: string) => void; onError: (error: Error) => void },
): Promise<NotifyChannel> {
  if (!/^[a-z_]+$/.test(channel)) throw new Error(`invalid notification channel name ${channel}`);
  const listener = new pg.Client({ connectionString: url });
  const sender = new pg.Pool({ connectionString: url, max: 1 });
  sender.on("error", () => {});
  listener.on("error", handlers.onError);
  await listener.connect();
  await listener.query(`LISTEN ${channel}`);
  listener.on("notification", (message) => {
    if (message.payload) handlers.onPayload(message.payload);
  });
  const tx = pgTx(listener);
  return {
    send(payload) {
      sender.query("SELECT pg_notify($1, $2)", [channel, payload]).catch(() => {});
    },
    signaturesIn: (from, to) => signaturesCommittedIn(tx, from, to),
    async close() {
      await listener.end().catch(() => {});
      await sender.end().catch(() => {});
    },
  };
}
