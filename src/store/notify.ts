// Postgres LISTEN/NOTIFY for the event bus between instances (src/indexer/runtime/event-bridge.ts decides
// what travels): a listening connection of its own, and one sending connection, so notifications leave in
// the order they were sent. A listening connection that is lost (the server restarted, an operator ended
// it) is opened again with backoff: notifications sent meanwhile are gone, and listeners catch up from the
// database as after any gap.
import pg from "pg";
import type { FinalitySignatureEvent } from "../indexer/runtime/events.ts";
import { Backoff, sleep } from "../retry.ts";
import { signaturesCommittedIn } from "./signatures.ts";
import { pgTx } from "./tx.ts";

export interface NotifyChannel {
  /** Sends a payload (under 8,000 bytes); a failed send is dropped: listeners catch up from the database. */
  send(payload: string): void;
  /** The finality signatures committed at Babylon heights `from`…`to`, read on the listening connection. */
  signaturesIn(from: bigint, to: bigint): Promise<FinalitySignatureEvent[]>;
  close(): Promise<void>;
}

export interface NotifyHandlers {
  onPayload: (payload: string) => void;
  /** The listening connection was lost; it is being opened again. */
  onError: (error: Error) => void;
  /** Listening again after a loss. */
  onReconnect?: () => void;
}

export async function openNotifyChannel(
  url: string,
  channel: string,
  handlers: NotifyHandlers,
): Promise<NotifyChannel> {
  if (!/^[a-z_]+$/.test(channel)) throw new Error(`invalid notification channel name ${channel}`);
  const sender = new pg.Pool({ connectionString: url, max: 1 });
  sender.on("error", () => {});
  const closing = new AbortController();
  const backoff = new Backoff({ initialMs: 250, maxMs: 10_000 });
  let listener: pg.Client | undefined;

  const lost = (client: pg.Client, error: Error) => {
    if (closing.signal.aborted || client !== listener) return;
    listener = undefined;
    client.end().catch(() => {});
    handlers.onError(error);
    void relisten();
  };

  const listen = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: url });
    // Until it is the listener, a failure reaches us through the rejected connect or query below.
    client.on("error", (error) => lost(client, error));
    client.on("end", () => lost(client, new Error("the listening connection ended")));
    try {
      await client.connect();
      await client.query(`LISTEN ${channel}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    client.on("notification", (message) => {
      if (message.payload) handlers.onPayload(message.payload);
    });
    return client;
  };

  const relisten = async () => {
    while (!closing.signal.aborted && listener === undefined) {
      await sleep(backoff.next(), closing.signal);
      if (closing.signal.aborted) return;
      try {
        listener = await listen();
        backoff.reset();
        handlers.onReconnect?.();
      } catch {
        // the server is still away: try again after a longer pause
      }
    }
  };

  listener = await listen();
  return {
    send(payload) {
      sender.query("SELECT pg_notify($1, $2)", [channel, payload]).catch(() => {});
    },
    signaturesIn(from, to) {
      if (listener === undefined)
        return Promise.reject(new Error("the listening connection is reconnecting"));
      return signaturesCommittedIn(pgTx(listener), from, to);
    },
    async close() {
      closing.abort();
      const client = listener;
      listener = undefined;
      await client?.end().catch(() => {});
      await sender.end().catch(() => {});
    },
  };
}
