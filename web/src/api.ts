// The explorer's connection to the gadget: queries over HTTP POST and subscriptions over graphql-ws, both on
// /graphql, so a page that is live needs no polling. The socket reconnects for ever with backoff;
// `connection` tells the pages whether it is up and bumps `epoch` on every (re)connect so they reload what
// they show (what happened while it was down).
import { signal } from "@preact/signals";
import { type Client, createClient } from "graphql-ws";

export const connection = signal<{ state: "connecting" | "open" | "closed"; epoch: number }>({
  state: "connecting",
  epoch: 0,
});

let client: Client | undefined;
let everConnected = false;

function socket(): Client {
  if (client) return client;
  const url = new URL("/graphql", location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  client = createClient({
    url: url.href,
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** retries, 5_000)));
    },
    on: {
      connected: () => {
        // The first connection finds the pages' first queries current; every later one follows a gap.
        const epoch = connection.value.epoch + (everConnected ? 1 : 0);
        everConnected = true;
        connection.value = { state: "open", epoch };
      },
      closed: () => {
        connection.value = { ...connection.value, state: "closed" };
      },
      connecting: () => {
        if (connection.value.state !== "open") return;
        connection.value = { ...connection.value, state: "connecting" };
      },
    },
  });
  return client;
}

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

interface GraphqlError {
  message: string;
  extensions?: { code?: string };
}

function firstError(errors: readonly GraphqlError[] | undefined): ApiError | undefined {
  const e = errors?.[0];
  return e ? new ApiError(e.message, e.extensions?.code) : undefined;
}

/**
 * One query over HTTP; rejects with the first GraphQL error. Queries do not wait for the socket's handshake
 * (the first screen shows sooner) and do not queue behind a reconnect.
 */
export async function query<T>(text: string, variables: Record<string, unknown> = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
      body: JSON.stringify({ query: text, variables }),
    });
  } catch {
    throw new ApiError("the gadget cannot be reached", undefined);
  }
  let body: { data?: T | null; errors?: GraphqlError[] };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new ApiError(`the gadget answered HTTP ${response.status} without a GraphQL result`, undefined);
  }
  const error = firstError(body.errors);
  if (error) throw error;
  if (body.data === undefined || body.data === null) throw new ApiError("empty response", undefined);
  return body.data;
}

/** A live subscription; returns its unsubscribe. */
export function subscribe<T>(text: string, variables: Record<string, unknown>, onData: (data: T) => void) {
  return socket().subscribe<T>(
    { query: text, variables },
    {
      next: (result) => {
        if (result.data) onData(result.data as T);
      },
      error: () => {},
      complete: () => {},
    },
  );
}

export function startConnection(): void {
  socket();
}
