// The CometBFT JSON-RPC methods, over the chain. Params arrive as CosmJS sends them (POST objects) or as
// URI query strings (GET), where strings may be quoted and hashes 0x-hex.
import { fromHex } from "@cosmjs/encoding";
import { fromBase64, toBase64, bytesToHex as toHex } from "../../core/crypto/bytes.ts";
import { type Chain, RpcInputError } from "../chain/chain.ts";
import { parseQuery, QueryParseError } from "../chain/query.ts";
import {
  blockIdJson,
  blockJson,
  blockMetaJson,
  blockResultsJson,
  COMET_VERSION,
  commitJson,
  headerJson,
  indexedTxJson,
  statusJson,
  validatorJson,
} from "./json.ts";

export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, unknown>;

const invalid = (data: string) => new RpcError(-32602, "Invalid params", data);
const internal = (data: string) => new RpcError(-32603, "Internal error", data);

function str(params: Params, name: string): string | undefined {
  const v = params[name];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "number") return String(v);
  if (typeof v !== "string") throw invalid(`${name} must be a string, got ${JSON.stringify(v)}`);
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

function int(params: Params, name: string): bigint | undefined {
  const v = str(params, name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw invalid(`${name} must be an integer, got ${JSON.stringify(v)}`);
  return BigInt(v);
}

/** Bytes given as base64 (POST JSON) or 0x-hex (URI). */
function bytes(params: Params, name: string): Uint8Array {
  const v = str(params, name);
  if (v === undefined) throw invalid(`missing ${name}`);
  try {
    return v.startsWith("0x") ? fromHex(v.slice(2)) : fromBase64(v);
  } catch {
    throw invalid(`${name} is neither base64 nor 0x-hex: ${JSON.stringify(v)}`);
  }
}

/** The query, page, per_page and order_by of tx_search and block_search, checked as CometBFT does. */
function searchParams(params: Params): {
  query: string;
  page: number;
  perPage: number;
  orderBy: "asc" | "desc";
} {
  const query = str(params, "query");
  if (!query) throw invalid("missing query");
  const page = Number(int(params, "page") ?? 1n);
  const perPage = Number(int(params, "per_page") ?? 30n);
  const orderBy = str(params, "order_by") ?? "asc";
  if (orderBy !== "asc" && orderBy !== "desc") {
    throw internal(`expected order_by to be either 'asc' or 'desc' or empty, got ${JSON.stringify(orderBy)}`);
  }
  return { query, page, perPage, orderBy };
}

function wrapInput<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof RpcInputError || e instanceof QueryParseError) throw internal(e.message);
    throw e;
  }
}

export interface MethodOptions {
  /** How long broadcast_tx_commit waits for inclusion. */
  commitTimeoutMs: number;
}

export async function callMethod(
  chain: Chain,
  method: string,
  params: Params,
  opts: MethodOptions,
): Promise<unknown> {
  if (chain.height === 0n && method !== "health") {
    throw internal("the chain has not produced its first block yet");
  }
  switch (method) {
    case "health":
      return {};
    case "status":
      return statusJson(chain);
    case "abci_info": {
      const latest = chain.latestBlock!;
      return {
        response: {
          data: "op-btc-finality-devnet",
          version: COMET_VERSION,
          app_version: "1",
          last_block_height: latest.header.height.toString(),
          last_block_app_hash: toBase64(latest.resultingAppHash),
        },
      };
    }
    case "abci_query": {
      const path = str(params, "path");
      if (!path) throw invalid("missing path");
      const dataHex = str(params, "data") ?? "";
      let data: Uint8Array;
      try {
        data = fromHex(dataHex.startsWith("0x") ? dataHex.slice(2) : dataHex);
      } catch {
        throw invalid(`data must be hex, got ${JSON.stringify(dataHex)}`);
      }
      const r = chain.query(path, data, int(params, "height"));
      return {
        response: {
          code: r.code,
          log: r.log,
          info: "",
          index: "0",
          key: null,
          value: r.code === 0 ? toBase64(r.value) : null,
          proofOps: null,
          height: r.height.toString(),
          codespace: r.codespace,
        },
      };
    }
    case "broadcast_tx_sync":
    case "broadcast_tx_async": {
      const r = chain.checkTx(bytes(params, "tx"));
      if (method === "broadcast_tx_async") return { code: 0, data: "", log: "", codespace: "", hash: r.hash };
      return { code: r.code, data: "", log: r.log, codespace: r.codespace, hash: r.hash };
    }
    case "broadcast_tx_commit": {
      const r = chain.checkTx(bytes(params, "tx"));
      const checkTx = {
        code: r.code,
        data: null,
        log: r.log,
        info: "",
        gas_wanted: r.gasWanted.toString(),
        gas_used: r.gasUsed.toString(),
        events: [],
        codespace: r.codespace,
      };
      if (r.code !== 0) return { check_tx: checkTx, tx_result: null, hash: r.hash, height: "0" };
      const included = await chain.waitForTx(r.hash, opts.commitTimeoutMs).catch((e: Error) => {
        throw internal(e.message);
      });
      const json = indexedTxJson(included);
      return { check_tx: checkTx, tx_result: json.tx_result, hash: r.hash, height: json.height };
    }
    case "tx": {
      const hash = toHex(bytes(params, "hash")).toUpperCase();
      const t = chain.getTx(hash);
      if (!t) throw internal(`tx (${hash}) not found`);
      return indexedTxJson(t);
    }
    case "tx_search": {
      const { query, page, perPage, orderBy } = searchParams(params);
      const result = wrapInput(() => chain.searchTxs(parseQuery(query), page, perPage, orderBy));
      return { txs: result.txs.map(indexedTxJson), total_count: String(result.totalCount) };
    }
    case "block_search": {
      const { query, page, perPage, orderBy } = searchParams(params);
      const result = wrapInput(() => chain.searchBlocks(parseQuery(query), page, perPage, orderBy));
      return {
        blocks: result.blocks.map((b) => ({
          block_id: blockIdJson(b.id),
          block: blockJson(b, b.header.height > 1n ? chain.block(b.header.height - 1n) : undefined),
        })),
        total_count: String(result.totalCount),
      };
    }
    case "block": {
      const block = wrapInput(() => chain.block(int(params, "height")));
      const previous = block.header.height > 1n ? chain.block(block.header.height - 1n) : undefined;
      return { block_id: blockIdJson(block.id), block: blockJson(block, previous) };
    }
    case "block_results":
      return blockResultsJson(wrapInput(() => chain.block(int(params, "height"))));
    case "commit": {
      const block = wrapInput(() => chain.block(int(params, "height")));
      return {
        signed_header: { header: headerJson(block.header), commit: commitJson(block) },
        canonical: true,
      };
    }
    case "blockchain": {
      const last = chain.height;
      let max = int(params, "maxHeight") ?? last;
      if (max === 0n || max > last) max = last;
      let min = int(params, "minHeight") ?? 1n;
      if (min < 1n) min = 1n;
      if (max - min >= 20n) min = max - 19n;
      if (min > max) throw internal(`min height ${min} can't be greater than max height ${max}`);
      const metas = [];
      for (let h = max; h >= min; h--) metas.push(blockMetaJson(chain.block(h)));
      return { last_height: last.toString(), block_metas: metas };
    }
    case "validators":
      return { block_height: chain.height.toString(), validators: [validatorJson()], count: "1", total: "1" };
    case "num_unconfirmed_txs":
      return { n_txs: "0", total: "0", total_bytes: "0", txs: null };
    case "genesis": {
      const first = chain.earliestBlock!;
      return {
        genesis: {
          genesis_time: first.header.time.toISOString(),
          chain_id: chain.chainId,
          initial_height: "1",
          consensus_params: {
            block: { max_bytes: "22020096", max_gas: "-1" },
            evidence: {
              max_age_num_blocks: "100000",
              max_age_duration: "172800000000000",
              max_bytes: "1048576",
            },
            validator: { pub_key_types: ["ed25519"] },
            version: { app: "0" },
          },
          validators: [{ ...validatorJson(), power: validatorJson().voting_power, name: "devnet" }],
          app_hash: "",
          app_state: {},
        },
      };
    }
    default:
      throw new RpcError(-32601, "Method not found", method);
  }
}
