// What a contract can ask the chain (wasmd's query plugins plus Babylon's custom bindings). Replies are a
// `SystemResult<ContractResult<Binary>>` in JSON. As wasmd does, a failing chain query reaches the contract
// redacted to "codespace: X, code: N" (its text could differ between nodes), while system errors (no such
// contract, unsupported request) keep their detail.
import { toBase64 } from "@cosmjs/encoding";
import { type JsonValue, parseJson, stringifyJson } from "../../../contracts/finality/json.ts";
import { AbciError } from "./module.ts";

/** Babylon's custom queries, answered from the devnet's epoching module. */
export interface BabylonQueries {
  currentEpoch(): bigint;
  lastFinalizedEpoch(): { epoch: bigint; lastBlockHeight: bigint };
}

export interface ChainQueryResult {
  code: number;
  codespace: string;
  value: Uint8Array;
}

export interface QuerierBackend {
  /** A gRPC query routed through the chain (protobuf in, protobuf out). */
  grpc(path: string, data: Uint8Array): ChainQueryResult;
  balance(address: string, denom: string): bigint;
  allBalances(address: string): { denom: string; amount: bigint }[];
  /** A smart query of another contract: its JSON reply, or throws (AbciError / system error). */
  smart(contract: string, msg: Uint8Array): Uint8Array;
  raw(contract: string, key: Uint8Array): Uint8Array | undefined;
  contractInfo(contract: string): JsonValue;
  codeInfo(codeId: bigint): JsonValue;
  babylon?: BabylonQueries;
}

/** A system error (not redacted): the contract sees `{"error":{<kind>:{…}}}`. */
export class QuerierSystemError extends Error {
  constructor(readonly payload: Record<string, JsonValue>) {
    super(stringifyJson(payload));
    this.name = "QuerierSystemError";
  }
}

const encoder = new TextEncoder();

function ok(data: Uint8Array): Uint8Array {
  return encoder.encode(`{"ok":{"ok":"${toBase64(data)}"}}`);
}

function json(value: JsonValue): Uint8Array {
  return ok(encoder.encode(stringifyJson(value)));
}

function unsupported(kind: string): QuerierSystemError {
  return new QuerierSystemError({ unsupported_request: { kind } });
}

function field(obj: JsonValue | undefined, name: string): JsonValue | undefined {
  return obj !== null && typeof obj === "object" && !Array.isArray(obj) ? obj[name] : undefined;
}

function text(obj: JsonValue | undefined, name: string): string {
  const v = field(obj, name);
  if (typeof v !== "string")
    throw new QuerierSystemError({ invalid_request: { error: `missing field \`${name}\``, request: "" } });
  return v;
}

function bytes(obj: JsonValue | undefined, name: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text(obj, name), "base64"));
}

function answer(request: JsonValue, q: QuerierBackend): Uint8Array {
  const [kind, body] = Object.entries(request as Record<string, JsonValue>)[0] ?? [];
  const [variant, args] = Object.entries((body ?? {}) as Record<string, JsonValue>)[0] ?? [];
  switch (kind) {
    case "bank":
      if (variant === "balance") {
        const denom = text(args, "denom");
        return json({ amount: { denom, amount: q.balance(text(args, "address"), denom).toString() } });
      }
      if (variant === "all_balances") {
        return json({
          amount: q
            .allBalances(text(args, "address"))
            .map((c) => ({ denom: c.denom, amount: c.amount.toString() })),
        });
      }
      throw unsupported(`bank ${variant}`);
    case "staking":
      // The devnet has no x/staking validators to report; the bonded denom is all a contract can ask.
      if (variant === "bonded_denom") return json({ denom: "ubbn" });
      throw unsupported(`staking ${variant}`);
    case "wasm":
      if (variant === "smart") return ok(q.smart(text(args, "contract_addr"), bytes(args, "msg")));
      if (variant === "raw")
        return ok(q.raw(text(args, "contract_addr"), bytes(args, "key")) ?? new Uint8Array());
      if (variant === "contract_info") return json(q.contractInfo(text(args, "contract_addr")));
      if (variant === "code_info") {
        const id = field(args, "code_id");
        return json(q.codeInfo(BigInt(typeof id === "number" || typeof id === "bigint" ? id : 0)));
      }
      throw unsupported(`wasm ${variant}`);
    case "grpc": {
      const path = text(body, "path");
      const result = q.grpc(path, bytes(body, "data"));
      if (result.code === 6 && result.codespace === "sdk")
        throw unsupported(`'${path}' path is not allowed from the contract`);
      if (result.code !== 0) throw new AbciError(result.codespace, result.code, "");
      return ok(result.value);
    }
    case "stargate":
      // wasmd answers stargate queries in JSON converted from protobuf; the devnet offers only grpc.
      throw unsupported(`'${text(body, "path")}' path is not allowed from the contract`);
    case "custom": {
      const [name] = Object.keys((body ?? {}) as Record<string, JsonValue>);
      if (q.babylon && name === "epoch") return json({ epoch: q.babylon.currentEpoch() });
      if (q.babylon && name === "latest_finalized_epoch_info") {
        const info = q.babylon.lastFinalizedEpoch();
        return json({ epoch_info: { epoch_number: info.epoch, last_block_height: info.lastBlockHeight } });
      }
      throw unsupported(`custom ${name}`);
    }
    default:
      throw unsupported(String(kind));
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Answers one `QueryRequest` (JSON bytes) with the `SystemResult<ContractResult<Binary>>` JSON bytes. */
export function answerQuery(request: Uint8Array, q: QuerierBackend): Uint8Array {
  let parsed: JsonValue;
  try {
    parsed = parseJson(utf8.decode(request));
  } catch (e) {
    return encoder.encode(
      stringifyJson({
        error: { invalid_request: { error: (e as Error).message, request: toBase64(request) } },
      }),
    );
  }
  try {
    return answer(parsed, q);
  } catch (e) {
    if (e instanceof QuerierSystemError) return encoder.encode(stringifyJson({ error: e.payload }));
    if (e instanceof AbciError) {
      return encoder.encode(stringifyJson({ ok: { error: `codespace: ${e.codespace}, code: ${e.code}` } }));
    }
    throw e;
  }
}
