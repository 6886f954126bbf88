// Babylon blocks as the indexer reads them: `block` and `block_results` of many heights in one JSON-RPC batch
// request, decoded only as far as the indexer needs (time, raw txs, result codes and events). CosmJS's Comet
// client checks and converts every field of every reply — a regular expression over each base64 tx, a walk
// over the whole JSON — which cost a 20,000-block backfill about 5 s of CPU and much garbage. The gadget's
// ABCI queries (`abciQuery`, which BabylonQueryClient decodes) go the same way: a reconciler pass reads every
// delegation of the BSN, and CosmJS's base64 check alone was a third of its CPU. Failed calls are retried on
// their own (see `call`).

import { RpcError } from "../../errors.ts";
import { withRetry } from "../../retry.ts";
import type { AbciEventLike } from "./events.ts";

export interface BabylonBlock {
  height: bigint;
  time: Date;
  /** Raw txs of the block, in order. */
  txs: readonly Uint8Array[];
  /** Per tx, its result code and events. */
  txResults: readonly { code: number; events: readonly AbciEventLike[] }[];
  /** finalize_block (begin/end block) events. */
  blockEvents: readonly AbciEventLike[];
}

/** A Babylon JSON-RPC call failed or answered an error. */
export class BabylonRpcError extends RpcError {}

/** An ABCI query, in the shape of CosmJS's `abciQuery` (so that either can serve BabylonQueryClient). */
export interface AbciQuery {
  path: string;
  data: Uint8Array;
  /** Latest when omitted. */
  height?: number;
  prove?: boolean;
}

/** What BabylonQueryClient reads of an ABCI query's answer. */
export interface AbciQueryReply {
  code?: number;
  codespace?: string;
  log?: string;
  value: Uint8Array;
  height?: number;
}

interface JsonRpcReply {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: string };
}

export class BabylonBlockReader {
  private nextId = 1;

  constructor(
    private readonly url: string,
    private readonly attempts = 5,
  ) {}

  /** The latest block height the node has. */
  async latestHeight(): Promise<bigint> {
    return (await this.latest()).height;
  }

  /** The latest block the node has: its height and time, from `status` (a small reply, not the block). */
  async latest(): Promise<{ height: bigint; time: Date }> {
    const [status] = await this.call([{ method: "status", params: {} }]);
    const height = field(status, ["sync_info", "latest_block_height"], "status");
    const time = field(status, ["sync_info", "latest_block_time"], "status");
    return {
      height: parseHeight(height, "status: sync_info.latest_block_height"),
      time: parseTime(time, "status: sync_info.latest_block_time"),
    };
  }

  /**
   * Blocks of the given heights, in order, in one request (`block` and `block_results` of each); throws a
   * BabylonRpcError when the node lacks one or a reply is malformed.
   */
  async blocks(heights: readonly bigint[]): Promise<BabylonBlock[]> {
    const replies = await this.call(
      heights.flatMap((h) => [
        { method: "block", params: { height: h.toString() } },
        { method: "block_results", params: { height: h.toString() } },
      ]),
    );
    return heights.map((height, i) => toBlock(height, replies[2 * i], replies[2 * i + 1]));
  }

  /** Nothing to close: each call is a fetch of its own (kept alive by the runtime's HTTP agent). */
  disconnect(): void {}

  /** An ABCI query (`abci_query`); a non-zero code is the caller's to judge, as with CosmJS. */
  async abciQuery(q: AbciQuery): Promise<AbciQueryReply> {
    const [result] = await this.call([
      {
        method: "abci_query",
        params: {
          path: q.path,
          data: Buffer.from(q.data.buffer, q.data.byteOffset, q.data.byteLength).toString("hex"),
          height: String(q.height ?? 0),
          prove: q.prove ?? false,
        },
      },
    ]);
    const where = `abci_query ${q.path}`;
    const r = field(result, ["response"], where) as Record<string, unknown> | null;
    if (r === null || typeof r !== "object") throw new BabylonRpcError(`${where}: response is not an object`);
    const value = r.value ?? "";
    if (typeof value !== "string") throw new BabylonRpcError(`${where}: value is not base64`);
    const bytes = Buffer.from(value, "base64");
    const height = r.height === undefined || r.height === null ? undefined : Number(r.height);
    if (height !== undefined && !Number.isSafeInteger(height))
      throw new BabylonRpcError(`${where}: height ${JSON.stringify(r.height)} is not a height`);
    return {
      code: Number(r.code ?? 0),
      codespace: typeof r.codespace === "string" ? r.codespace : "",
      log: typeof r.log === "string" ? r.log : "",
      value: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
      height,
    };
  }

  /**
   * The results of a batch, in order. A node answers each call of a batch on its own, so an error fails only
   * its call: what failed (or the whole batch, when the request itself fails) is asked again, up to
   * `attempts` times, and answers already received are kept.
   */
  private async call(requests: { method: string; params: object }[]): Promise<unknown[]> {
    const results: unknown[] = new Array(requests.length);
    let todo = requests.map((_, i) => i);
    await withRetry(async () => {
      const first = this.nextId;
      this.nextId += todo.length;
      const body = todo.map((i, k) => ({ jsonrpc: "2.0", id: first + k, ...requests[i]! }));
      const res = await fetch(this.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new BabylonRpcError(`Babylon RPC ${this.url}: HTTP ${res.status}`);
      const parsed = (await res.json()) as unknown;
      const list = Array.isArray(parsed) ? (parsed as JsonRpcReply[]) : [parsed as JsonRpcReply];
      const byId = new Map(list.map((r) => [r?.id, r]));
      const failed: number[] = [];
      let failure: BabylonRpcError | undefined;
      body.forEach((req, k) => {
        const reply = byId.get(req.id);
        if (reply && !reply.error) {
          results[todo[k]!] = reply.result;
          return;
        }
        failed.push(todo[k]!);
        const e = reply?.error;
        failure ??= new BabylonRpcError(
          e
            ? `Babylon RPC ${req.method}: ${e.message}${e.data ? ` (${e.data})` : ""}`
            : `Babylon RPC ${req.method}: no reply in the batch`,
        );
      });
      todo = failed;
      if (failure) throw failure;
    }, this.attempts);
    return results;
  }
}

function toBlock(height: bigint, block: unknown, results: unknown): BabylonBlock {
  const where = `block ${height}`;
  const replyHeight = parseHeight(
    field(block, ["block", "header", "height"], where),
    `${where}: header.height`,
  );
  if (replyHeight !== height)
    throw new BabylonRpcError(`${where}: the node answered for height ${replyHeight}`);
  const time = parseTime(field(block, ["block", "header", "time"], where), `${where}: header.time`);
  const txsField = field(block, ["block", "data", "txs"], where, true) ?? [];
  if (!Array.isArray(txsField)) throw new BabylonRpcError(`${where}: data.txs is not a list`);
  const txs = txsField.map((tx, i) => {
    if (typeof tx !== "string") throw new BabylonRpcError(`${where}: data.txs[${i}] is not base64`);
    const bytes = Buffer.from(tx, "base64");
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  });
  const rWhere = `block_results ${height}`;
  const txResultsField = field(results, ["txs_results"], rWhere, true) ?? [];
  if (!Array.isArray(txResultsField)) throw new BabylonRpcError(`${rWhere}: txs_results is not a list`);
  if (txResultsField.length !== txs.length)
    throw new BabylonRpcError(`${rWhere}: ${txResultsField.length} tx results for ${txs.length} txs`);
  const txResults = txResultsField.map((r, i) => ({
    code: Number((r as { code?: unknown })?.code ?? 0),
    events: events((r as { events?: unknown })?.events, `${rWhere}: txs_results[${i}]`),
  }));
  const blockEvents = events(field(results, ["finalize_block_events"], rWhere, true), rWhere);
  return { height, time, txs, txResults, blockEvents };
}

/** The reply's own event objects, checked (and attribute values made strings where a node sent null). */
function events(value: unknown, where: string): AbciEventLike[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BabylonRpcError(`${where}: events is not a list`);
  for (const [i, e] of (value as { type?: unknown; attributes?: unknown }[]).entries()) {
    if (typeof e?.type !== "string") throw new BabylonRpcError(`${where}: events[${i}] has no type`);
    if (!Array.isArray(e.attributes)) {
      e.attributes = [];
      continue;
    }
    for (const a of e.attributes as { key?: unknown; value?: unknown }[]) {
      if (typeof a.key !== "string") a.key = String(a.key ?? "");
      if (typeof a.value !== "string") a.value = String(a.value ?? "");
    }
  }
  return value as AbciEventLike[];
}

function field(value: unknown, path: string[], where: string, optional = false): unknown {
  let v = value;
  for (const key of path) {
    if (v === null || typeof v !== "object" || !(key in v)) {
      if (optional) return undefined;
      throw new BabylonRpcError(`${where}: reply without ${path.join(".")}`);
    }
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function parseHeight(value: unknown, where: string): bigint {
  if (typeof value !== "string" || !/^\d+$/.test(value)) throw new BabylonRpcError(`${where}: not a height`);
  return BigInt(value);
}

function parseTime(value: unknown, where: string): Date {
  const time = typeof value === "string" ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(time.getTime())) throw new BabylonRpcError(`${where} is not a timestamp`);
  return time;
}
