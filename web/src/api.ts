// The explorer's one connection to the gadget: graphql-ws on /graphql for queries and subscriptions alike, so a
// page that is live needs no polling. The client reconnects for ever with backoff; `connection` tells the
// pages whether the socket is up and bumps `epoch` on every (re)connect so they reload what they show.
import { signal } from "@preact/signals";
import { type Client, createClient } from "graphql-ws";

export const connection = signal<{ state: "connecting" | "open" | "closed"; epoch: number }>({
  state: "connecting",
  epoch: 0,
});

let client: Client | undefined;

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
        const epoch = connection.value.epoch + 1;
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

/** One query over the socket; rejects with the first GraphQL error. */
export function query<T>(text: string, variables: Record<string, unknown> = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let data: T | undefined;
    socket().subscribe<T>(
      { query: text, variables },
      {
        next: (result) => {
          const error = firstError(result.errors as GraphqlError[] | undefined);
          if (error) reject(error);
          else data = result.data as T;
        },
        error: (error) => reject(error instanceof Error ? error : new ApiError(describe(error), undefined)),
        complete: () =>
          data === undefined ? reject(new ApiError("empty response", undefined)) : resolve(data),
      },
    );
  });
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

function describe(error: unknown): string {
  if (Array.isArray(error)) return firstError(error as GraphqlError[])?.message ?? "request failed";
  if (error && typeof error === "object" && "reason" in error) {
    return `connection closed (${String((error as CloseEvent).reason || (error as CloseEvent).code)})`;
  }
  return String(error);
}

export function startConnection(): void {
  socket();
}
