// The graphql-ws (`graphql-transport-ws`) transport on a `ws` server: graphql-ws's own `use/ws` adapter with two
// changes for fan-out to thousands of subscribers.
//  - A result shared by many subscribers (shared-execution.ts) is serialised once: graphql-ws stringifies every
//    message itself, so `onNext` hands it a marker, the JSON replacer swaps the marker for a sentinel string and
//    `send` splices the cached JSON in its place. stringify and send run back to back synchronously in graphql-ws,
//    so one pending payload is enough.
//  - Frames to one socket in one turn of the event loop are corked into one write (50 subscribers of one socket
//    get a block in one writev, not 50).
//  - A subscription whose stream can be pushed (finalized-feed.ts) gets a push target instead of being iterated:
//    its results are written to the socket as they come, with no promise per subscriber and event. It backs
//    off (and catches up later from the database) when the socket holds more than PUSH_HIGH_WATER unsent.
// A subscriber that stops reading: graphql-ws awaits each frame's flush before reading its stream again, so its
// stream's bounded inbox fills and it is dropped with a SlowConsumerError (streams.ts). Its socket is then closed
// with a close reason saying so when frames are still unsent on it, since an error message would never arrive.
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { CloseCode, type ExecutionResult, handleProtocols, makeServer, type ServerOptions } from "graphql-ws";
import type { WebSocket, WebSocketServer } from "ws";
import { SlowConsumerError } from "../../errors.ts";
import type { PushTarget } from "./finalized-feed.ts";

/** WebSocket close code for a client dropped for not reading ("Try Again Later"). */
export const SLOW_CONSUMER_CLOSE = 1013;
const KEEP_ALIVE_MS = 12_000;
/** Unsent bytes on a socket past which pushed subscriptions stop sending until it drains. */
export const PUSH_HIGH_WATER = 256 * 1024;

class SerializedPayload {
  constructor(readonly json: string) {}
}

export type Extra = { socket: WebSocket; request: IncomingMessage };

const SENTINEL = "\u0000serialized-payload\u0000";
const SENTINEL_TAIL = `"payload":${JSON.stringify(SENTINEL)}}`;
const serialized = new WeakMap<object, SerializedPayload>();
let pendingPayload: string | undefined;

/** The result as a marker carrying its JSON, made once per result object whoever receives it. */
function serializeOnce(result: ExecutionResult): SerializedPayload {
  let s = serialized.get(result);
  if (s === undefined) {
    // GraphQLError has toJSON: errors serialise as graphql-ws would write them.
    s = new SerializedPayload(JSON.stringify(result));
    serialized.set(result, s);
  }
  return s;
}

function replacer(_key: string, value: unknown): unknown {
  if (value instanceof SerializedPayload) {
    pendingPayload = value.json;
    return SENTINEL;
  }
  return value;
}

function withPayload(data: string): string {
  const payload = pendingPayload;
  pendingPayload = undefined;
  if (payload === undefined || !data.endsWith(SENTINEL_TAIL)) return data;
  return `${data.slice(0, -SENTINEL_TAIL.length)}"payload":${payload}}`;
}

/** Corks `raw` until the event loop's next turn, so the frames written meanwhile leave in one write. */
function corker(raw: Socket): () => void {
  let corked = false;
  return () => {
    if (corked) return;
    corked = true;
    raw.cork();
    setImmediate(() => {
      corked = false;
      raw.uncork();
    });
  };
}

/** Resolves the waiters when the socket has written everything it held, or closed. */
function drainer(socket: WebSocket, raw: Socket): () => Promise<void> {
  const waiters: Array<() => void> = [];
  const release = () => {
    for (const resolve of waiters.splice(0)) resolve();
  };
  raw.on("drain", release);
  socket.once("close", release);
  return () =>
    socket.readyState !== socket.OPEN || socket.bufferedAmount === 0
      ? Promise.resolve()
      : new Promise((resolve) => waiters.push(resolve));
}

interface Connection {
  cork(): void;
  drained(): Promise<void>;
}

const connections = new WeakMap<WebSocket, Connection>();

/** Where the results of subscription `id` on this connection can be written directly. */
export function pushTarget(extra: Extra, id: string): PushTarget<ExecutionResult> | undefined {
  const { socket } = extra;
  const connection = connections.get(socket);
  if (connection === undefined) return undefined;
  // graphql-ws writes a `next` message as {"id","type","payload"}: the same bytes, the payload spliced in.
  const head = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  return {
    send(result) {
      if (socket.readyState !== socket.OPEN) return;
      connection.cork();
      socket.send(`${head}${serializeOnce(result).json}}`);
    },
    backedUp: () => socket.bufferedAmount > PUSH_HIGH_WATER,
    drained: connection.drained,
  };
}

/** graphql-ws and the error masking each wrap the stream's error: look down the chain. */
function isSlowConsumer(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = (e as { originalError?: unknown }).originalError) {
    if (e instanceof SlowConsumerError) return true;
  }
  return false;
}

export function serveGraphqlWs(
  options: ServerOptions<Record<string, unknown> | undefined, Extra>,
  wsServer: WebSocketServer,
): { dispose(): Promise<void> } {
  const server = makeServer<Record<string, unknown> | undefined, Extra>({
    ...options,
    jsonMessageReplacer: replacer,
    onNext: (_ctx, _id, _payload, _args, result) =>
      serializeOnce(result) as unknown as ReturnType<NonNullable<ServerOptions["onNext"]>>,
    onError: (ctx, _id, _payload, errors) => {
      const socket = ctx.extra.socket;
      const slow = errors.some(isSlowConsumer);
      if (slow && socket.bufferedAmount > 0) {
        socket.close(SLOW_CONSUMER_CLOSE, "subscriber too slow: resubscribe (finalizedBlocks fromHeight)");
      }
    },
  });
  wsServer.options.handleProtocols = handleProtocols;
  wsServer.on("connection", (socket: WebSocket, request: IncomingMessage) => {
    socket.once("error", (err) => socket.close(CloseCode.InternalServerError, err.message.slice(0, 100)));
    const cork = corker(request.socket as Socket);
    connections.set(socket, { cork, drained: drainer(socket, request.socket as Socket) });
    let pongWait: NodeJS.Timeout | null = null;
    const ping = setInterval(() => {
      if (socket.readyState !== socket.OPEN) return;
      pongWait = setTimeout(() => socket.terminate(), KEEP_ALIVE_MS);
      socket.once("pong", () => {
        if (pongWait) clearTimeout(pongWait);
        pongWait = null;
      });
      socket.ping();
    }, KEEP_ALIVE_MS);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            const frame = withPayload(data);
            if (socket.readyState !== socket.OPEN) return resolve();
            cork();
            socket.send(frame, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on("message", async (event) => {
            try {
              await cb(String(event));
            } catch (err) {
              socket.close(CloseCode.InternalServerError, String((err as Error).message).slice(0, 100));
            }
          }),
      },
      { socket, request },
    );
    socket.once("close", (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      clearInterval(ping);
      void closed(code, String(reason));
    });
  });
  return {
    dispose: async () => {
      for (const client of wsServer.clients) client.close(1001, "Going away");
      wsServer.removeAllListeners();
      await new Promise<void>((resolve, reject) => wsServer.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
