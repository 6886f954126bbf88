// The graphql-ws transport: results reach the client intact through the serialise-once path, and a subscriber
// dropped as too slow while its socket is backed up (the client stopped reading) gets the socket closed with
// code 1013 and a reason, since an error message queued behind the unsent frames would never arrive.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import type { PushTarget } from "../../../src/api/graphql/finalized-feed.ts";
import type { ExecutionResult } from "../../../src/api/graphql/graphql-js.ts";
import { buildSchema, parse } from "../../../src/api/graphql/graphql-js.ts";
import {
  PUSH_HIGH_WATER,
  pushTarget,
  SLOW_CONSUMER_CLOSE,
  serveGraphqlWs,
} from "../../../src/api/graphql/ws-transport.ts";
import { SlowConsumerError } from "../../../src/errors.ts";

const schema = buildSchema(`type Query { ok: Boolean } type Subscription { s(kind: String!): String }`);
const BIG = "x".repeat(32 * 1024 * 1024); // far beyond what the kernel's socket buffers take

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c();
  cleanup = [];
});

async function start() {
  const http = createServer();
  const wss = new WebSocketServer({ server: http, path: "/graphql" });
  const targets = new Map<string, PushTarget<ExecutionResult>>();
  const transport = serveGraphqlWs(
    {
      // Parsed here, as yoga does in the API: graphql-ws's own parse would be the ESM graphql vitest loads.
      onSubscribe: (ctx, id, payload) => {
        const target = pushTarget(ctx.extra, id);
        if (target) targets.set(id, target);
        return {
          schema,
          document: parse(payload.query),
          variableValues: payload.variables ?? null,
        };
      },
      subscribe: async (args) => {
        const kind = (args.variableValues as { k: string }).k;
        return (async function* () {
          if (kind === "small") yield { data: { s: "hello" } };
          if (kind === "big") yield { data: { s: BIG } };
          if (kind === "slow") {
            await new Promise((r) => setTimeout(r, 100));
            throw new SlowConsumerError("subscription dropped: test");
          }
          await new Promise(() => {});
        })();
      },
    },
    wss,
  );
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  cleanup.push(async () => {
    await transport.dispose().catch(() => {});
    http.closeAllConnections();
    await new Promise((r) => http.close(r));
  });
  const client = new WebSocket(
    `ws://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`,
    "graphql-transport-ws",
  );
  cleanup.push(() => client.terminate());
  const messages: Array<{ type: string; id?: string; payload?: unknown }> = [];
  client.on("message", (m) => messages.push(JSON.parse(String(m))));
  await new Promise((r) => client.once("open", r));
  client.send(JSON.stringify({ type: "connection_init" }));
  await until(() => messages.some((m) => m.type === "connection_ack"));
  const subscribe = (id: string, kind: string) =>
    client.send(
      JSON.stringify({
        type: "subscribe",
        id,
        payload: { query: "subscription($k: String!) { s(kind: $k) }", variables: { k: kind } },
      }),
    );
  return { client, messages, subscribe, targets };
}

async function until(check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("graphql-ws transport", () => {
  it("delivers a result as a well-formed next message", async () => {
    const { messages, subscribe } = await start();
    subscribe("1", "small");
    await until(() => messages.some((m) => m.type === "next"));
    expect(messages.find((m) => m.type === "next")).toEqual({
      id: "1",
      type: "next",
      payload: { data: { s: "hello" } },
    });
  });

  it("closes a backed-up socket with 1013 when one of its subscribers is dropped as too slow", async () => {
    const { client, subscribe } = await start();
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.once("close", (code, reason) => resolve({ code, reason: String(reason) })),
    );
    subscribe("big", "big");
    subscribe("slow", "slow");
    // The client stops reading: the big frame stays unsent on the server.
    (client as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
    await new Promise((r) => setTimeout(r, 500));
    (client as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code, reason } = await closed;
    expect(code).toBe(SLOW_CONSUMER_CLOSE);
    expect(reason).toMatch(/too slow/);
  });

  it("pushes results as the next messages graphql-ws writes, and says when the socket is backed up", async () => {
    const { client, messages, subscribe, targets } = await start();
    subscribe("p", "none");
    await until(() => targets.has("p"));
    const target = targets.get("p")!;
    target.send({ data: { s: "pushed" } });
    await until(() => messages.some((m) => m.type === "next"));
    expect(messages.find((m) => m.type === "next")).toEqual({
      id: "p",
      type: "next",
      payload: { data: { s: "pushed" } },
    });
    expect(target.backedUp()).toBe(false);
    await target.drained(); // nothing unsent: at once
    // The client stops reading: a frame larger than the kernel's buffers stays on the server.
    const socket = (client as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    target.send({ data: { s: BIG } });
    await new Promise((r) => setTimeout(r, 200));
    expect(target.backedUp()).toBe(true);
    let drained = false;
    const draining = target.drained().then(() => {
      drained = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(drained).toBe(false);
    socket.resume();
    await draining;
    expect(target.backedUp()).toBe(false);
    expect(PUSH_HIGH_WATER).toBeLessThan(BIG.length);
  });
});
