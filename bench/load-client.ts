// The API bench's load generator, run as a child process of the bench (bench/api.bench.ts forks it), so that
// the clients' work — gRPC and fetch requests, JSON parsing, WebSocket frames — is not done on the thread the
// API servers run on, as real clients' is not. The bench sends a command over IPC, this process runs it and
// answers with the samples; the bench does the arithmetic and the printing.
import { credentials, Client as GrpcClient } from "@grpc/grpc-js";
import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";
import type { BlockInfo } from "../src/api/finality.ts";
import { finalityGadgetService } from "../src/api/grpc/proto.ts";
import { type MixResult, type MixTarget, runMix, timeEachKind } from "./explorer-mix.ts";
import { wallClockMs } from "./harness.ts";

/** Each command's arguments and answer. Values cross by structured clone (`serialization: "advanced"`). */
export interface LoadCommands {
  /** QueryBlockRangeBabylonFinalized over `blocks`, checking each answer: the timed calls' latencies (ms). */
  range: {
    args: { address: string; blocks: BlockInfo[]; expected: bigint; warmup: number; samples: number };
    result: number[];
  };
  /**
   * The explorer mix one request at a time (latencies by kind; `alone` false skips it), then at `concurrency`
   * for `seconds`.
   */
  mix: {
    args: { target: MixTarget; seconds: number; concurrency: number; alone?: boolean };
    result: { alone: number[][]; mix: MixResult };
  };
  /** Opens `sockets` graphql-ws clients and `subscribers` finalizedBlocks subscriptions spread over them. */
  subscribe: {
    args: { wsUrl: string; subscribers: number; sockets: number; fromHeight: bigint };
    result: null;
  };
  /**
   * Waits until `expected` messages were delivered (or `timeoutMs`), closes every subscription and socket and
   * answers with the messages delivered and, by height, the wall-clock time (wallClockMs) each was received.
   */
  collect: {
    args: { expected: number; timeoutMs: number };
    result: { delivered: number; receipts: Map<bigint, number[]> };
  };
}

export type LoadCommand = keyof LoadCommands;
export type LoadRequest = {
  [K in LoadCommand]: { id: number; command: K; args: LoadCommands[K]["args"] };
}[LoadCommand];
export type LoadReply = { ready: true } | { id: number; result: unknown } | { id: number; error: string };

async function range(o: LoadCommands["range"]["args"]): Promise<number[]> {
  // The request is encoded once, as bytes, and sent as such: the figure is the server's. Encoding a thousand
  // blocks on every call made this process's own collector (a mark-compact about every 50 calls, its pauses
  // up to 15 ms) set the p99 of what was reported as the server's latency.
  const method = finalityGadgetService().QueryBlockRangeBabylonFinalized!;
  const request = method.requestSerialize({ blocks: o.blocks });
  const client = new GrpcClient(o.address, credentials.createInsecure());
  const call = () =>
    new Promise<bigint>((resolve, reject) =>
      client.makeUnaryRequest(
        method.path,
        (bytes: Buffer) => bytes,
        method.responseDeserialize,
        request,
        (error, reply) =>
          error
            ? reject(error)
            : resolve(BigInt((reply as { last_finalized_block_height: string }).last_finalized_block_height)),
      ),
    );
  try {
    for (let i = 0; i < o.warmup; i++) await call();
    const samples: number[] = [];
    for (let i = 0; i < o.samples; i++) {
      const start = performance.now();
      const last = await call();
      samples.push(performance.now() - start);
      if (last !== o.expected) throw new Error(`range answered ${last}, expected ${o.expected}`);
    }
    return samples;
  } finally {
    client.close();
  }
}

async function mix(o: LoadCommands["mix"]["args"]): Promise<LoadCommands["mix"]["result"]> {
  const timed = o.alone !== false;
  const alone = timed ? await timeEachKind(o.target, { warmup: 50, requests: 500 }) : [];
  // The one-at-a-time requests, when made, were the warm-up; otherwise runMix makes its own.
  const warmup = timed ? 0 : undefined;
  return { alone, mix: await runMix(o.target, { seconds: o.seconds, concurrency: o.concurrency, warmup }) };
}

let fanout:
  | { clients: Client[]; disposers: Array<() => void>; receipts: Map<bigint, number[]>; delivered: number }
  | undefined;

async function subscribe(o: LoadCommands["subscribe"]["args"]): Promise<null> {
  const clients = Array.from({ length: o.sockets }, () =>
    createClient({ url: o.wsUrl, webSocketImpl: WebSocket }),
  );
  const state = {
    clients,
    disposers: [] as Array<() => void>,
    receipts: new Map<bigint, number[]>(),
    delivered: 0,
  };
  fanout = state;
  for (let i = 0; i < o.subscribers; i++) {
    state.disposers.push(
      clients[i % o.sockets]!.subscribe<{ finalizedBlocks: { height: string } }>(
        // Each subscriber resumes from the last stored height, so it is live once its catch-up read is done.
        {
          query: `subscription($f: BigInt) { finalizedBlocks(fromHeight: $f) { height } }`,
          variables: { f: String(o.fromHeight) },
        },
        {
          next: (r) => {
            const at = wallClockMs();
            const height = BigInt(r.data?.finalizedBlocks.height ?? "0");
            const times = state.receipts.get(height);
            if (times) times.push(at);
            else state.receipts.set(height, [at]);
            state.delivered++;
          },
          error: (e) => console.error("subscription error", e),
          complete: () => {},
        },
      ),
    );
  }
  return null;
}

async function collect(o: LoadCommands["collect"]["args"]): Promise<LoadCommands["collect"]["result"]> {
  const state = fanout;
  if (!state) throw new Error("collect without subscribe");
  const deadline = performance.now() + o.timeoutMs;
  while (state.delivered < o.expected && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const dispose of state.disposers) dispose();
  await Promise.all(state.clients.map((c) => c.dispose()));
  fanout = undefined;
  return { delivered: state.delivered, receipts: state.receipts };
}

const handlers: {
  [K in LoadCommand]: (args: LoadCommands[K]["args"]) => Promise<LoadCommands[K]["result"]>;
} = {
  range,
  mix,
  subscribe,
  collect,
};

// A reply to a bench that has gone is dropped (the callback takes the write error); 'disconnect' below ends
// this process.
const send = (reply: LoadReply) => {
  if (process.connected) process.send?.(reply, undefined, undefined, () => {});
};
process.on("message", (request: LoadRequest) => {
  const handler = handlers[request.command] as (args: unknown) => Promise<unknown>;
  handler(request.args).then(
    (result) => send({ id: request.id, result }),
    (error: unknown) =>
      send({
        id: request.id,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});
// The bench closes the channel when it is done, or dies: either way this process has nothing left to do.
process.on("disconnect", () => process.exit(0));
send({ ready: true });
