// CometBFT-compatible JSON-RPC over HTTP (POST single/batch, GET URI style) and WebSocket (/websocket,
// subscribe/unsubscribe), on loopback, with fault injection for the devnet admin API.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { toBase64 } from "../../core/crypto/bytes.ts";
import { type Block, txHash } from "../chain/block.ts";
import type { Chain } from "../chain/chain.ts";
import { type Condition, matches, parseQuery, QueryParseError } from "../chain/query.ts";
import { blockIdJson, blockJson, blockResultsJson, eventMap, headerJson, txResultJson } from "./json.ts";
import { callMethod, type Params, RpcError } from "./methods.ts";

export interface Faults {
  /** Probability (0..1) that a request gets a JSON-RPC error instead of its answer. */
  errorRate: number;
  /** Delay added before every reply. */
  latencyMs: number;
  /** Probability (0..1) that a request's connection is destroyed without a reply. */
  dropRate: number;
}

export interface RpcServerOptions {
  host?: string;
  port?: number;
  /** How long broadcast_tx_commit waits for its block (default 30 s). */
  commitTimeoutMs?: number;
}

export interface RpcServer {
  url: string;
  wsUrl: string;
  setFaults(faults: Partial<Faults>): void;
  close(): Promise<void>;
}

interface JsonRpcRequest {
  jsonrpc?: string;
  id?: number | string | null;
  method?: unknown;
  params?: unknown;
}

const MAX_BODY = 8 * 1024 * 1024;

function errorReply(id: JsonRpcRequest["id"], code: number, message: string, data?: string) {
  return {
    jsonrpc: "2.0",
    id: id ?? -1,
    error: data === undefined ? { code, message } : { code, message, data },
  };
}

function validateFaults(f: Partial<Faults>): void {
  for (const key of ["errorRate", "dropRate"] as const) {
    const v = f[key];
    if (v !== undefined && !(v >= 0 && v <= 1))
      throw new Error(`fault ${key} must be between 0 and 1, got ${v}`);
  }
  if (f.latencyMs !== undefined && !(f.latencyMs >= 0)) {
    throw new Error(`fault latencyMs must be >= 0, got ${f.latencyMs}`);
  }
}

export async function startRpcServer(chain: Chain, options: RpcServerOptions = {}): Promise<RpcServer> {
  const faults: Faults = { errorRate: 0, latencyMs: 0, dropRate: 0 };
  const methodOptions = { commitTimeoutMs: options.commitTimeoutMs ?? 30_000 };

  /** Runs one request; undefined means "drop the connection". */
  async function handle(req: JsonRpcRequest): Promise<object | undefined> {
    if (Math.random() < faults.dropRate) return undefined;
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (Math.random() < faults.errorRate)
      return errorReply(req.id, -32603, "Internal error", "injected fault");
    if (typeof req !== "object" || req === null || typeof req.method !== "string") {
      return errorReply(req?.id, -32600, "Invalid Request", "missing method");
    }
    const params = (req.params ?? {}) as Params;
    if (typeof params !== "object" || Array.isArray(params)) {
      return errorReply(req.id, -32602, "Invalid params", "params must be an object");
    }
    try {
      const result = await callMethod(chain, req.method, params, methodOptions);
      return { jsonrpc: "2.0", id: req.id ?? -1, result };
    } catch (e) {
      if (e instanceof RpcError) return errorReply(req.id, e.code, e.message, e.data);
      return errorReply(req.id, -32603, "Internal error", (e as Error).message);
    }
  }

  function send(res: ServerResponse, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  }

  async function onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET") {
      const method = url.pathname.replace(/^\//, "");
      if (method === "") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end(
          "CometBFT-compatible JSON-RPC (op-btc-finality devnet): POST JSON-RPC or GET /<method>?<params>\n",
        );
        return;
      }
      const reply = await handle({
        jsonrpc: "2.0",
        id: -1,
        method,
        params: Object.fromEntries(url.searchParams),
      });
      if (!reply) return void req.socket.destroy();
      send(res, reply);
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch (e) {
      send(res, errorReply(-1, -32700, "Parse error", (e as Error).message));
      return;
    }
    if (Array.isArray(body)) {
      if (body.length === 0) return send(res, errorReply(-1, -32600, "Invalid Request", "empty batch"));
      const replies = await Promise.all(body.map((r) => handle(r as JsonRpcRequest)));
      if (replies.some((r) => r === undefined)) return void req.socket.destroy();
      send(res, replies);
      return;
    }
    const reply = await handle(body as JsonRpcRequest);
    if (!reply) return void req.socket.destroy();
    send(res, reply);
  }

  const server = createServer((req, res) => {
    onHttp(req, res).catch((e: Error) => {
      if (!res.headersSent) send(res, errorReply(-1, -32603, "Internal error", e.message));
    });
  });
  // A block of large contract txs keeps the event loop busy for seconds; with Node's 5 s keep-alive the
  // server then closes idle client sockets just as clients reuse them (ECONNRESET). CometBFT keeps them.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 125_000;
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    let path: string | undefined;
    try {
      path = new URL(req.url ?? "/", "http://localhost").pathname;
    } catch {
      // A target no URL parser reads (`//[`) is refused like any other path: thrown, it would end the devnet.
    }
    if (path !== "/websocket") {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });

  interface Subscription {
    id: JsonRpcRequest["id"];
    query: string;
    conditions: Condition[];
  }
  const subscriptions = new Map<WebSocket, Subscription[]>();

  wss.on("connection", (ws: WebSocket) => {
    subscriptions.set(ws, []);
    ws.on("close", () => subscriptions.delete(ws));
    ws.on("message", (raw) => {
      void (async () => {
        let req: JsonRpcRequest;
        try {
          req = JSON.parse(raw.toString()) as JsonRpcRequest;
        } catch (e) {
          ws.send(JSON.stringify(errorReply(-1, -32700, "Parse error", (e as Error).message)));
          return;
        }
        const subs = subscriptions.get(ws) ?? [];
        const params = (req.params ?? {}) as Params;
        if (req.method === "subscribe" || req.method === "unsubscribe") {
          const query = typeof params.query === "string" ? params.query : "";
          if (req.method === "subscribe") {
            let conditions: Condition[];
            try {
              conditions = parseQuery(query);
            } catch (e) {
              const msg = e instanceof QueryParseError ? e.message : String(e);
              ws.send(JSON.stringify(errorReply(req.id, -32603, "Internal error", msg)));
              return;
            }
            if (subs.some((s) => s.query === query)) {
              ws.send(JSON.stringify(errorReply(req.id, -32603, "Internal error", "already subscribed")));
              return;
            }
            subs.push({ id: req.id, query, conditions });
          } else {
            const i = subs.findIndex((s) => s.query === query);
            if (i < 0) {
              ws.send(JSON.stringify(errorReply(req.id, -32603, "Internal error", "subscription not found")));
              return;
            }
            subs.splice(i, 1);
          }
          ws.send(JSON.stringify({ jsonrpc: "2.0", id: req.id, result: {} }));
          return;
        }
        if (req.method === "unsubscribe_all") {
          subs.length = 0;
          ws.send(JSON.stringify({ jsonrpc: "2.0", id: req.id, result: {} }));
          return;
        }
        const reply = await handle(req);
        if (!reply) {
          ws.terminate();
          return;
        }
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply));
      })();
    });
  });

  function publish(block: Block): void {
    if (subscriptions.size === 0) return;
    const height = block.header.height.toString();
    const blockEvents = eventMap({ "tm.event": "NewBlock", "block.height": height }, block.finalizeEvents);
    const frames: {
      target: Parameters<typeof matches>[1];
      type: string;
      value: () => object;
      events: () => object;
    }[] = [
      {
        target: {
          reserved: { "tm.event": "NewBlock", "block.height": height },
          events: block.finalizeEvents,
        },
        type: "tendermint/event/NewBlock",
        value: () => ({
          block: blockJson(
            block,
            block.header.height > 1n ? chain.block(block.header.height - 1n) : undefined,
          ),
          block_id: blockIdJson(block.id),
          result_finalize_block: {
            events: blockResultsJson(block).finalize_block_events,
            tx_results: block.results.map(txResultJson),
            validator_updates: [],
            consensus_param_updates: null,
            app_hash: toBase64(block.resultingAppHash),
          },
        }),
        events: () => blockEvents,
      },
      {
        target: {
          reserved: { "tm.event": "NewBlockHeader", "block.height": height },
          events: block.finalizeEvents,
        },
        type: "tendermint/event/NewBlockHeader",
        value: () => ({ header: headerJson(block.header) }),
        events: () => ({ ...blockEvents, "tm.event": ["NewBlockHeader"] }),
      },
    ];
    block.txs.forEach((tx, index) => {
      const result = block.results[index]!;
      const reserved = { "tm.event": "Tx", "tx.hash": txHash(tx), "tx.height": height };
      frames.push({
        target: { reserved, events: result.events },
        type: "tendermint/event/Tx",
        value: () => ({ TxResult: { height, index, tx: toBase64(tx), result: txResultJson(result) } }),
        events: () => eventMap(reserved, result.events),
      });
    });
    for (const [ws, subs] of subscriptions) {
      if (ws.readyState !== ws.OPEN) continue;
      for (const sub of subs) {
        for (const f of frames) {
          if (!matches(sub.conditions, f.target)) continue;
          ws.send(
            JSON.stringify({
              jsonrpc: "2.0",
              id: sub.id,
              result: { query: sub.query, data: { type: f.type, value: f.value() }, events: f.events() },
            }),
          );
        }
      }
    }
  }
  const unsubscribeChain = chain.onBlock(publish);

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    wsUrl: `ws://${host}:${address.port}/websocket`,
    setFaults(f) {
      validateFaults(f);
      Object.assign(faults, f);
    },
    async close() {
      unsubscribeChain();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
