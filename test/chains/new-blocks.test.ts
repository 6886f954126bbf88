import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { probeNewBlocks, watchNewBlocks, websocketUrl } from "../../src/chains/babylon/new-blocks.ts";
import { startDevnet } from "../../src/devnet/devnet.ts";
import { silentLogger } from "../../src/log.ts";
import { Backoff } from "../../src/retry.ts";

const fastRetry = () => new Backoff({ initialMs: 20, maxMs: 40 });
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A node whose websocket answers `subscribe` with `reply`, counting connections. */
async function fakeNode(reply: (ws: import("ws").WebSocket) => void) {
  const http: Server = createServer((_req, res) => res.end());
  const wss = new WebSocketServer({ server: http, path: "/websocket" });
  let connections = 0;
  wss.on("connection", (ws) => {
    connections++;
    ws.on("message", () => reply(ws));
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  closers.push(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await new Promise<void>((r) => http.close(() => r()));
  });
  return { url, connections: () => connections };
}

describe("websocketUrl", () => {
  it("puts /websocket beside the RPC endpoint, keeping a path prefix and TLS", () => {
    expect(websocketUrl("http://127.0.0.1:26657")).toBe("ws://127.0.0.1:26657/websocket");
    expect(websocketUrl("https://rpc.example.org/babylon")).toBe("wss://rpc.example.org/babylon/websocket");
    expect(websocketUrl("https://rpc.example.org/babylon/")).toBe("wss://rpc.example.org/babylon/websocket");
  });
});

describe("watchNewBlocks", () => {
  it("reports each block the devnet commits, and ends when aborted", async () => {
    const devnet = await startDevnet({ l2: false, blockIntervalMs: 50, btcBlockIntervalMs: 0 });
    closers.push(() => devnet.stop());
    let blocks = 0;
    const abort = new AbortController();
    const watching = watchNewBlocks(
      { rpcUrl: devnet.info.babylon.rpcUrl, onBlock: () => blocks++, log: silentLogger },
      abort.signal,
    );
    await waitFor(() => blocks >= 5);
    abort.abort();
    await watching;
    const after = blocks;
    await new Promise((r) => setTimeout(r, 150));
    expect(blocks).toBe(after);
  });

  it("connects again after the node refuses the subscription or closes the socket, and never throws", async () => {
    const refusing = await fakeNode((ws) =>
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32603, message: "no" } })),
    );
    const closing = await fakeNode((ws) => ws.close());
    for (const node of [refusing, closing]) {
      const abort = new AbortController();
      let blocks = 0;
      const watching = watchNewBlocks(
        { rpcUrl: node.url, onBlock: () => blocks++, log: silentLogger, backoff: fastRetry() },
        abort.signal,
      );
      await waitFor(() => node.connections() >= 3);
      abort.abort();
      await expect(watching).resolves.toBeUndefined();
      expect(blocks).toBe(0);
    }
  });

  it("keeps trying a node that is not listening, and ends when aborted", async () => {
    const abort = new AbortController();
    const watching = watchNewBlocks(
      { rpcUrl: "http://127.0.0.1:9", onBlock: () => {}, log: silentLogger, backoff: fastRetry() },
      abort.signal,
    );
    await new Promise((r) => setTimeout(r, 200));
    abort.abort();
    await expect(watching).resolves.toBeUndefined();
  });

  it("counts only notices that carry event data (not the subscribe reply)", async () => {
    const node = await fakeNode((ws) => {
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, result: {} }));
      ws.send("not json");
      ws.send(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          result: { data: { type: "tendermint/event/NewBlockHeader" } },
        }),
      );
    });
    let blocks = 0;
    const abort = new AbortController();
    const watching = watchNewBlocks(
      { rpcUrl: node.url, onBlock: () => blocks++, log: silentLogger },
      abort.signal,
    );
    await waitFor(() => blocks === 1);
    await new Promise((r) => setTimeout(r, 50));
    abort.abort();
    await watching;
    expect(blocks).toBe(1);
  });
});

describe("probeNewBlocks", () => {
  it("resolves when the node takes the subscription, and says why when it does not", async () => {
    const devnet = await startDevnet({ l2: false, blockIntervalMs: 1000, btcBlockIntervalMs: 0 });
    closers.push(() => devnet.stop());
    await expect(probeNewBlocks(devnet.info.babylon.rpcUrl, 2_000)).resolves.toBeUndefined();
    const refusing = await fakeNode((ws) =>
      ws.send(JSON.stringify({ jsonrpc: "2.0", id: 1, error: { code: -32603, message: "no" } })),
    );
    await expect(probeNewBlocks(refusing.url, 2_000)).rejects.toThrow(/subscribe refused/);
    const silent = await fakeNode(() => {});
    await expect(probeNewBlocks(silent.url, 200)).rejects.toThrow(/no answer within 200 ms/);
    await expect(probeNewBlocks("http://127.0.0.1:9", 2_000)).rejects.toThrow();
  });
});
