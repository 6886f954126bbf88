// x/wasm: hosts compiled CosmWasm contracts the way wasmd does — store (gzip or not, sha256 checksum),
// instantiate (classic addresses), execute, migrate, admin changes; smart/raw/info/history/code queries;
// wasmd's events (execute, instantiate, migrate, reply, wasm, wasm-<type>); response messages run as
// sub-messages (bank, wasm, Babylon's custom `msg_equivocation_evidence`, any) with replies. Contract
// storage lives in byte-ordered stores whose writes are journaled, so a failed call, a failed sub-message
// (reply_on error) or a failed tx leaves no trace.
import { fromBech32, toBase64, toBech32, toHex } from "@cosmjs/encoding";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import {
  QueryCodeInfoRequest,
  QueryCodeInfoResponse,
  QueryCodeRequest,
  QueryCodeResponse,
  QueryCodesResponse,
  QueryContractHistoryRequest,
  QueryContractHistoryResponse,
  QueryContractInfoRequest,
  QueryContractInfoResponse,
  QueryContractsByCodeRequest,
  QueryContractsByCodeResponse,
  QueryRawContractStateRequest,
  QueryRawContractStateResponse,
  QuerySmartContractStateRequest,
  QuerySmartContractStateResponse,
} from "cosmjs-types/cosmwasm/wasm/v1/query";
import {
  MsgClearAdmin,
  MsgClearAdminResponse,
  MsgExecuteContract,
  MsgExecuteContractResponse,
  MsgInstantiateContract,
  MsgInstantiateContractResponse,
  MsgMigrateContract,
  MsgMigrateContractResponse,
  MsgStoreCode,
  MsgStoreCodeResponse,
  MsgUpdateAdmin,
  MsgUpdateAdminResponse,
} from "cosmjs-types/cosmwasm/wasm/v1/tx";
import { AccessType, ContractCodeHistoryOperationType } from "cosmjs-types/cosmwasm/wasm/v1/types";
import { type JsonValue, parseJson, stringifyJson } from "../../../contracts/finality/json.ts";
import { sha256 } from "../../core/crypto/sha256.ts";
import { ADDRESS_PREFIX, isValidAddress, requireAddress, utf8 } from "./encoding.ts";
import { AbciError, type BlockContext, type Coin, type Module, type MsgContext } from "./module.ts";
import { compileCode, type PreparedCode, prepareCode } from "./wasm-code.ts";
import {
  answerQuery,
  type BabylonQueries,
  type ChainQueryResult,
  QuerierSystemError,
} from "./wasm-querier.ts";
import { ContractStore, StorageJournal } from "./wasm-store.ts";
import {
  type AddressApi,
  callEntry,
  DEFAULT_CALL_DEADLINE_MS,
  GasCounter,
  type VmBackend,
  WasmOutOfGas,
  WasmVmError,
  withDeadline,
} from "./wasm-vm.ts";

/** Contract custom messages (BabylonMsg variants) and the Babylon type URLs they are dispatched as. */
export const CUSTOM_MESSAGE_TYPES: Record<string, string> = {
  msg_equivocation_evidence: "/babylon.finality.v1.MsgEquivocationEvidence",
};

/** wasmd's limit on contracts calling contracts (queries and sub-messages). */
const MAX_CALL_DEPTH = 10;

interface Code {
  id: bigint;
  creator: string;
  prepared: PreparedCode;
}

interface HistoryEntry {
  operation: ContractCodeHistoryOperationType;
  codeId: bigint;
  height: bigint;
  msg: Uint8Array;
}

interface ContractEntry {
  address: string;
  codeId: bigint;
  creator: string;
  admin: string;
  label: string;
  createdHeight: bigint;
  store: ContractStore;
  history: HistoryEntry[];
}

interface Meta {
  nextCodeId: bigint;
  nextInstanceId: bigint;
  codes: Map<bigint, Code>;
  contracts: Map<string, ContractEntry>;
}

export interface WasmModuleOptions {
  /** The chain's gRPC query router: contracts' `QueryRequest::Grpc` and bank queries go through it. */
  chainQuery: (path: string, data: Uint8Array, height: bigint) => ChainQueryResult;
  /** Babylon's custom queries; absent = the chain has no Babylon bindings. */
  babylon?: BabylonQueries;
  /** How long one contract call may run before it fails as out of gas. */
  callDeadlineMs?: number;
}

/** wasmd `BuildContractAddressClassic`: address.Module("wasm", codeID ‖ instanceID) — 32 bytes. */
export function classicContractAddress(codeId: bigint, instanceId: bigint): string {
  const key = new Uint8Array(16);
  const view = new DataView(key.buffer);
  view.setBigUint64(0, codeId);
  view.setBigUint64(8, instanceId);
  const typeHash = sha256(utf8("module"));
  const payload = new Uint8Array([...typeHash, ...utf8("wasm"), 0, ...key]);
  return toBech32(ADDRESS_PREFIX, sha256(payload));
}

function attr(key: string, value: string) {
  return { key, value, index: true };
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** The Cosmos SDK's address checks, with the texts wasmd's API hands to a contract. */
const addressApi: AddressApi = {
  validate(address) {
    const canonical = addressApi.canonicalize(address);
    if (typeof canonical === "string") return canonical;
    return addressApi.humanize(canonical) === address ? undefined : "address not normalized";
  },
  canonicalize(address) {
    if (address.trim() === "") return "empty address string is not allowed";
    try {
      const { prefix, data } = fromBech32(address, 90);
      if (prefix !== ADDRESS_PREFIX)
        return `invalid Bech32 prefix; expected ${ADDRESS_PREFIX}, got ${prefix}`;
      if (data.length === 0 || data.length > 255) return `address length must be between 1 and 255 bytes`;
      return data;
    } catch (e) {
      // The SDK's bech32 library words the commonest failure so; other failures keep CosmJS's text.
      const reason = address.includes("1") ? (e as Error).message : "invalid separator index -1";
      return `decoding bech32 failed: ${reason}`;
    }
  },
  humanize(canonical) {
    return toBech32(ADDRESS_PREFIX, canonical, 90);
  },
};

interface CallEnv {
  height: bigint;
  timeNs: bigint;
  chainId: string;
}

/** The JSON a contract replied with: `{"ok": …}` or `{"error": "…"}`. */
type ContractResult = { ok: JsonValue } | { error: string };

interface Response {
  messages: SubMsg[];
  attributes: { key: string; value: string }[];
  events: { type: string; attributes: { key: string; value: string }[] }[];
  data: string | null;
}

interface SubMsg {
  id: JsonValue;
  msg: Record<string, JsonValue>;
  reply_on: "always" | "success" | "error" | "never";
  payload?: string;
}

export class WasmModule implements Module {
  readonly name = "wasm";
  private meta: Meta = { nextCodeId: 1n, nextInstanceId: 1n, codes: new Map(), contracts: new Map() };
  private readonly journal = new StorageJournal();
  private depth = 0;
  private readonly deadlineMs: number;
  /** Gas of the contract calls made in the current tx (charged through MsgContext as it accrues). */
  private lastBlock: CallEnv = { height: 0n, timeNs: 0n, chainId: "" };

  /** Flat costs per message on top of what the VM measures (compiling, the message itself). */
  readonly messageGas = {
    "/cosmwasm.wasm.v1.MsgStoreCode": 400_000n,
    "/cosmwasm.wasm.v1.MsgInstantiateContract": 20_000n,
    "/cosmwasm.wasm.v1.MsgExecuteContract": 10_000n,
    "/cosmwasm.wasm.v1.MsgMigrateContract": 20_000n,
  };

  constructor(private readonly options: WasmModuleOptions) {
    this.deadlineMs = options.callDeadlineMs ?? DEFAULT_CALL_DEADLINE_MS;
  }

  beginBlock(ctx: BlockContext): void {
    this.lastBlock = {
      height: ctx.height,
      chainId: ctx.chainId,
      timeNs: BigInt(ctx.time.getTime()) * 1_000_000n,
    };
  }

  readonly messages = {
    "/cosmwasm.wasm.v1.MsgStoreCode": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      const msg = MsgStoreCode.decode(value);
      this.checkSender(msg.sender, ctx);
      if (msg.wasmByteCode.length === 0) throw new AbciError("wasm", 12, "empty wasm code: empty");
      const code = this.storeCode(msg.wasmByteCode, msg.sender);
      ctx.consumeGas(3n * BigInt(code.prepared.original.length));
      ctx.emit({
        type: "store_code",
        attributes: [
          attr("code_checksum", toHex(code.prepared.checksum)),
          attr("code_id", code.id.toString()),
        ],
      });
      return MsgStoreCodeResponse.encode({ codeId: code.id, checksum: code.prepared.checksum }).finish();
    },
    "/cosmwasm.wasm.v1.MsgInstantiateContract": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      const msg = MsgInstantiateContract.decode(value);
      this.checkSender(msg.sender, ctx);
      if (msg.admin !== "") requireAddress(msg.admin, "admin");
      const { address, data } = this.instantiate(
        msg.codeId,
        msg.sender,
        msg.admin,
        msg.label,
        msg.msg,
        ctx,
        msg.funds,
      );
      return MsgInstantiateContractResponse.encode({ address, data }).finish();
    },
    "/cosmwasm.wasm.v1.MsgExecuteContract": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      const msg = MsgExecuteContract.decode(value);
      this.checkSender(msg.sender, ctx);
      const entry = this.contract(msg.contract);
      this.sendFunds(msg.sender, entry.address, msg.funds, ctx);
      ctx.emit({ type: "execute", attributes: [attr("_contract_address", entry.address)] });
      const info = { sender: msg.sender, funds: msg.funds };
      const data = this.run(entry, "execute", [this.env(ctx, entry.address), info, msg.msg], ctx, "execute");
      return MsgExecuteContractResponse.encode({ data }).finish();
    },
    "/cosmwasm.wasm.v1.MsgMigrateContract": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      const msg = MsgMigrateContract.decode(value);
      this.checkSender(msg.sender, ctx);
      const entry = this.contract(msg.contract);
      if (entry.admin === "" || entry.admin !== msg.sender)
        throw new AbciError("sdk", 4, "can not migrate: unauthorized");
      const code = this.code(msg.codeId);
      if (!code.prepared.entryPoints.has("migrate")) {
        throw new AbciError("wasm", 11, "Missing export migrate: migrate wasm contract failed");
      }
      const previous = entry.codeId;
      entry.codeId = msg.codeId;
      try {
        const data = this.run(
          entry,
          "migrate",
          [this.env(ctx, entry.address), msg.msg, { sender: msg.sender, old_migrate_version: null }],
          ctx,
          "migrate",
        );
        entry.history.push({
          operation: ContractCodeHistoryOperationType.CONTRACT_CODE_HISTORY_OPERATION_TYPE_MIGRATE,
          codeId: msg.codeId,
          height: ctx.height,
          msg: msg.msg,
        });
        ctx.emit({
          type: "migrate",
          attributes: [attr("code_id", msg.codeId.toString()), attr("_contract_address", entry.address)],
        });
        return MsgMigrateContractResponse.encode({ data }).finish();
      } catch (e) {
        entry.codeId = previous;
        throw e;
      }
    },
    "/cosmwasm.wasm.v1.MsgUpdateAdmin": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      const msg = MsgUpdateAdmin.decode(value);
      this.checkSender(msg.sender, ctx);
      requireAddress(msg.newAdmin, "new admin");
      this.changeAdmin(msg.contract, msg.sender, msg.newAdmin, ctx);
      return MsgUpdateAdminResponse.encode({}).finish();
    },
    "/cosmwasm.wasm.v1.MsgClearAdmin": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      const msg = MsgClearAdmin.decode(value);
      this.checkSender(msg.sender, ctx);
      this.changeAdmin(msg.contract, msg.sender, "", ctx);
      return MsgClearAdminResponse.encode({}).finish();
    },
  };

  readonly queries = {
    "/cosmwasm.wasm.v1.Query/SmartContractState": (request: Uint8Array, height: bigint): Uint8Array => {
      const { address, queryData } = QuerySmartContractStateRequest.decode(request);
      return QuerySmartContractStateResponse.encode({
        data: this.querySmart(address, queryData, height),
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/RawContractState": (request: Uint8Array): Uint8Array => {
      const { address, queryData } = QueryRawContractStateRequest.decode(request);
      const data = this.contract(address).store.get(queryData) ?? new Uint8Array();
      return QueryRawContractStateResponse.encode({ data }).finish();
    },
    "/cosmwasm.wasm.v1.Query/ContractInfo": (request: Uint8Array): Uint8Array => {
      const { address } = QueryContractInfoRequest.decode(request);
      const e = this.contract(address);
      return QueryContractInfoResponse.encode({
        address: e.address,
        contractInfo: {
          codeId: e.codeId,
          creator: e.creator,
          admin: e.admin,
          label: e.label,
          created: { blockHeight: e.createdHeight, txIndex: 0n },
          ibcPortId: "",
          ibc2PortId: "",
        },
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/ContractsByCode": (request: Uint8Array): Uint8Array => {
      const { codeId } = QueryContractsByCodeRequest.decode(request);
      const contracts = [...this.meta.contracts.values()]
        .filter((c) => c.codeId === codeId)
        .map((c) => c.address);
      return QueryContractsByCodeResponse.encode({
        contracts,
        pagination: { nextKey: new Uint8Array(), total: BigInt(contracts.length) },
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/ContractHistory": (request: Uint8Array): Uint8Array => {
      const { address } = QueryContractHistoryRequest.decode(request);
      const entries = this.contract(address).history.map((h) => ({
        operation: h.operation,
        codeId: h.codeId,
        updated: { blockHeight: h.height, txIndex: 0n },
        msg: h.msg,
      }));
      return QueryContractHistoryResponse.encode({
        entries,
        pagination: { nextKey: new Uint8Array(), total: BigInt(entries.length) },
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/Code": (request: Uint8Array): Uint8Array => {
      const code = this.code(QueryCodeRequest.decode(request).codeId);
      return QueryCodeResponse.encode({
        codeInfo: this.codeInfo(code),
        data: code.prepared.original,
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/Codes": (): Uint8Array => {
      const codeInfos = [...this.meta.codes.values()].map((c) => this.codeInfo(c));
      return QueryCodesResponse.encode({
        codeInfos,
        pagination: { nextKey: new Uint8Array(), total: BigInt(codeInfos.length) },
      }).finish();
    },
    "/cosmwasm.wasm.v1.Query/CodeInfo": (request: Uint8Array): Uint8Array => {
      const code = this.code(QueryCodeInfoRequest.decode(request).codeId);
      return QueryCodeInfoResponse.encode({
        codeId: code.id,
        creator: code.creator,
        checksum: code.prepared.checksum,
        instantiatePermission: { permission: AccessType.ACCESS_TYPE_EVERYBODY, addresses: [] },
      }).finish();
    },
  };

  /** Stores a code without a tx (devnet genesis) or for MsgStoreCode. */
  storeCode(wasm: Uint8Array, creator: string): Code {
    const code = { id: this.meta.nextCodeId, creator, prepared: prepareCode(wasm) };
    this.meta.nextCodeId++;
    this.meta.codes.set(code.id, code);
    return code;
  }

  /**
   * Instantiates a contract from a stored code: MsgInstantiateContract, WasmMsg::Instantiate, and the
   * devnet's genesis deployment (pass a BlockContext; its contract may send no messages).
   */
  instantiate(
    codeId: bigint,
    sender: string,
    admin: string,
    label: string,
    msgJson: Uint8Array,
    ctx: BlockContext | MsgContext,
    funds: Coin[] | { denom: string; amount: string }[] = [],
  ): { address: string; data: Uint8Array } {
    const code = this.code(codeId);
    if (label.trim() === "") throw new AbciError("wasm", 14, "label cannot be empty: invalid");
    const address = classicContractAddress(codeId, this.meta.nextInstanceId);
    this.meta.nextInstanceId++;
    const entry: ContractEntry = {
      address,
      codeId,
      creator: sender,
      admin,
      label,
      createdHeight: ctx.height,
      store: new ContractStore(this.journal),
      history: [
        {
          operation: ContractCodeHistoryOperationType.CONTRACT_CODE_HISTORY_OPERATION_TYPE_INIT,
          codeId,
          height: ctx.height,
          msg: msgJson,
        },
      ],
    };
    if (!code.prepared.entryPoints.has("instantiate")) {
      throw new AbciError("wasm", 4, "Missing export instantiate: instantiate wasm contract failed");
    }
    this.meta.contracts.set(address, entry);
    try {
      if (funds.length > 0)
        this.sendFunds(
          sender,
          address,
          funds.map((c) => ({ denom: c.denom, amount: String(c.amount) })),
          ctx,
        );
      ctx.emit({
        type: "instantiate",
        attributes: [attr("_contract_address", address), attr("code_id", codeId.toString())],
      });
      const info = { sender, funds: funds.map((c) => ({ denom: c.denom, amount: String(c.amount) })) };
      const data = this.run(
        entry,
        "instantiate",
        [this.env(ctx, address), info, msgJson],
        ctx,
        "instantiate",
      );
      return { address, data };
    } catch (e) {
      this.meta.contracts.delete(address);
      throw e;
    }
  }

  /** A smart query at `height` (the env carries it; state is the latest, as the devnet keeps no history). */
  querySmart(address: string, msg: Uint8Array, height: bigint = this.lastBlock.height): Uint8Array {
    const entry = this.contract(address);
    const env = {
      block: {
        height: Number(height),
        time: this.lastBlock.timeNs.toString(),
        chain_id: this.lastBlock.chainId,
      },
      transaction: null,
      contract: { address },
    };
    const gas = new GasCounter();
    const result = this.call(entry, "query", [env, msg], gas, true, "query", height);
    if ("error" in result) throw new AbciError("wasm", 16, `${result.error}: query wasm contract failed`);
    return Uint8Array.from(Buffer.from(String(result.ok), "base64"));
  }

  /** Number of keys a contract stores (benches and tests). */
  storageSize(address: string): number {
    return this.contract(address).store.size;
  }

  private codeInfo(c: Code) {
    return {
      codeId: c.id,
      creator: c.creator,
      dataHash: c.prepared.checksum,
      instantiatePermission: { permission: AccessType.ACCESS_TYPE_EVERYBODY, addresses: [] },
    };
  }

  private env(ctx: BlockContext, contractAddress: string) {
    return {
      block: {
        height: Number(ctx.height),
        time: (BigInt(ctx.time.getTime()) * 1_000_000n).toString(),
        chain_id: ctx.chainId,
      },
      transaction: { index: 0 },
      contract: { address: contractAddress },
    };
  }

  private checkSender(sender: string, ctx: MsgContext): void {
    requireAddress(sender, "sender");
    if (sender !== ctx.signer) {
      throw new AbciError("sdk", 8, `invalid signer; expected ${sender}, got ${ctx.signer}: invalid pubkey`);
    }
  }

  private code(id: bigint): Code {
    const code = this.meta.codes.get(id);
    if (!code) throw new AbciError("wasm", 8, `code id ${id}: not found`);
    return code;
  }

  private contract(address: string): ContractEntry {
    if (!isValidAddress(address)) {
      throw new AbciError("sdk", 7, `invalid contract address ${JSON.stringify(address)}: invalid address`);
    }
    const entry = this.meta.contracts.get(address);
    if (!entry) throw new AbciError("wasm", 22, `address ${address}: no such contract`);
    return entry;
  }

  private changeAdmin(address: string, sender: string, admin: string, ctx: MsgContext): void {
    const entry = this.contract(address);
    if (entry.admin === "" || entry.admin !== sender)
      throw new AbciError("sdk", 4, "can not modify contract: unauthorized");
    entry.admin = admin;
    ctx.emit({
      type: admin === "" ? "clear_admin" : "update_contract_admin",
      attributes: [
        attr("_contract_address", address),
        ...(admin === "" ? [] : [attr("new_admin_address", admin)]),
      ],
    });
  }

  private sendFunds(
    from: string,
    to: string,
    funds: { denom: string; amount: string }[],
    ctx: BlockContext,
  ): void {
    if (funds.length === 0) return;
    if (!("dispatch" in ctx)) throw new Error("funds can only move inside a tx");
    const send = MsgSend.encode({ fromAddress: from, toAddress: to, amount: funds }).finish();
    (ctx as MsgContext).dispatch("/cosmos.bank.v1beta1.MsgSend", send, from);
  }

  /** Runs an entry point on a fresh instance; its writes are undone if it fails. */
  private call(
    entry: ContractEntry,
    name: string,
    args: unknown[],
    gas: GasCounter,
    readonly: boolean,
    what: string,
    height: bigint,
  ): ContractResult {
    if (this.depth >= MAX_CALL_DEPTH)
      throw new AbciError(
        "wasm",
        29,
        `Error calling the VM: exceeded max call depth ${MAX_CALL_DEPTH}: wasmvm error`,
      );
    const code = this.code(entry.codeId);
    const backend: VmBackend = {
      store: entry.store,
      readonly,
      api: addressApi,
      gas,
      query: (request) => answerQuery(request, this.querier(height)),
    };
    const checkpoint = this.journal.checkpoint();
    this.depth++;
    try {
      const bytes = withDeadline(this.deadlineMs, () => callEntry(code.prepared, name, args, backend));
      const result = parseJson(decoder.decode(bytes)) as ContractResult;
      if ("error" in result) this.journal.rollbackTo(checkpoint);
      return result;
    } catch (e) {
      this.journal.rollbackTo(checkpoint);
      if (e instanceof WasmOutOfGas) {
        throw new AbciError(
          "sdk",
          11,
          `out of gas in location: wasm contract ${what} (ran past ${e.deadlineMs} ms): out of gas`,
        );
      }
      if (e instanceof WasmVmError) {
        throw new AbciError(
          "wasm",
          29,
          `Error calling the VM: Error executing Wasm: Wasmer runtime error: ${e.message}: wasmvm error`,
        );
      }
      throw e;
    } finally {
      this.depth--;
    }
  }

  private querier(height: bigint) {
    return {
      grpc: (path: string, data: Uint8Array) => this.options.chainQuery(path, data, height),
      balance: (address: string, denom: string) => {
        const reply = this.chainQueryOk(
          "/cosmos.bank.v1beta1.Query/Balance",
          QueryBalanceRequest.encode({ address, denom }).finish(),
          height,
        );
        return BigInt(QueryBalanceResponse.decode(reply).balance?.amount ?? "0");
      },
      allBalances: (address: string) => {
        const reply = this.chainQueryOk(
          "/cosmos.bank.v1beta1.Query/AllBalances",
          QueryAllBalancesRequest.encode({ address, resolveDenom: false }).finish(),
          height,
        );
        return QueryAllBalancesResponse.decode(reply).balances.map((c) => ({
          denom: c.denom,
          amount: BigInt(c.amount),
        }));
      },
      babylon: this.options.babylon,
      smart: (contract: string, msg: Uint8Array) => {
        if (!this.meta.contracts.has(contract))
          throw new QuerierSystemError({ no_such_contract: { addr: contract } });
        return this.querySmart(contract, msg, height);
      },
      raw: (contract: string, key: Uint8Array) => {
        const entry = this.meta.contracts.get(contract);
        if (!entry) throw new QuerierSystemError({ no_such_contract: { addr: contract } });
        return entry.store.get(key);
      },
      contractInfo: (contract: string): JsonValue => {
        const c = this.meta.contracts.get(contract);
        if (!c) throw new QuerierSystemError({ no_such_contract: { addr: contract } });
        return {
          code_id: c.codeId,
          creator: c.creator,
          admin: c.admin === "" ? null : c.admin,
          pinned: false,
          ibc_port: null,
        };
      },
      codeInfo: (codeId: bigint): JsonValue => {
        const c = this.meta.codes.get(codeId);
        if (!c) throw new QuerierSystemError({ no_such_code: { code_id: codeId } });
        return { code_id: c.id, creator: c.creator, checksum: toHex(c.prepared.checksum) };
      },
    };
  }

  private chainQueryOk(path: string, data: Uint8Array, height: bigint): Uint8Array {
    const r = this.options.chainQuery(path, data, height);
    if (r.code !== 0) throw new AbciError(r.codespace, r.code, "");
    return r.value;
  }

  /**
   * Runs an entry point that may change state (instantiate, execute, migrate, reply): charges its gas,
   * emits its events, runs its messages; returns the response data. A contract error becomes wasmd's
   * "<error>: <what> wasm contract failed".
   */
  private run(
    entry: ContractEntry,
    name: string,
    args: unknown[],
    ctx: BlockContext,
    what: string,
  ): Uint8Array {
    const gas = new GasCounter();
    let result: ContractResult;
    try {
      result = this.call(entry, name, args, gas, false, what, ctx.height);
    } finally {
      if ("consumeGas" in ctx) (ctx as MsgContext).consumeGas(gas.used);
    }
    if ("error" in result) {
      const codes: Record<string, number> = { instantiate: 4, execute: 5, migrate: 11, reply: 5 };
      throw new AbciError("wasm", codes[what] ?? 5, `${result.error}: ${what} wasm contract failed`);
    }
    const response = result.ok as unknown as Response;
    this.emitResponse(entry.address, response, ctx);
    let data: Uint8Array = response.data
      ? Uint8Array.from(Buffer.from(response.data, "base64"))
      : new Uint8Array();
    for (const sub of response.messages ?? []) {
      const replyData = this.runSubMessage(entry, sub, ctx);
      if (replyData !== undefined) data = replyData;
    }
    return data;
  }

  private emitResponse(address: string, response: Response, ctx: BlockContext): void {
    const checked = (attributes: { key: string; value: string }[]) =>
      attributes.map((a) => {
        if (a.key.trim() === "")
          throw new AbciError("wasm", 30, "Event attribute key must not be empty: invalid event");
        if (a.key.startsWith("_"))
          throw new AbciError(
            "wasm",
            30,
            `Event attribute key ${a.key} starts with reserved prefix _: invalid event`,
          );
        return attr(a.key, a.value);
      });
    if (response.attributes.length > 0) {
      ctx.emit({
        type: "wasm",
        attributes: [attr("_contract_address", address), ...checked(response.attributes)],
      });
    }
    for (const event of response.events) {
      if (event.type.trim().length < 2)
        throw new AbciError("wasm", 30, "Event type too short: invalid event");
      ctx.emit({
        type: `wasm-${event.type}`,
        attributes: [attr("_contract_address", address), ...checked(event.attributes)],
      });
    }
  }

  /** Runs one response message as wasmd's message handler does; returns reply data if a reply set it. */
  private runSubMessage(entry: ContractEntry, sub: SubMsg, ctx: BlockContext): Uint8Array | undefined {
    if (!("dispatch" in ctx)) throw new Error("contract messages can only be dispatched inside a tx");
    const msgCtx = ctx as MsgContext;
    const catches = sub.reply_on === "error" || sub.reply_on === "always";
    const checkpoint = this.journal.checkpoint();
    const mark = msgCtx.eventMark();
    let outcome: { ok: Uint8Array } | { error: string };
    try {
      outcome = { ok: this.dispatchMessage(entry.address, sub.msg, msgCtx) };
    } catch (e) {
      if (!catches) throw e;
      this.journal.rollbackTo(checkpoint);
      msgCtx.dropEventsFrom(mark);
      const err = e instanceof AbciError ? `codespace: ${e.codespace}, code: ${e.code}` : String(e);
      outcome = { error: err };
    }
    const replies =
      sub.reply_on === "always" ||
      (sub.reply_on === "success" && "ok" in outcome) ||
      (sub.reply_on === "error" && "error" in outcome);
    if (!replies) return undefined;
    const reply = {
      id: sub.id,
      payload: sub.payload ?? "",
      gas_used: 0,
      result:
        "ok" in outcome
          ? {
              ok: {
                events: [],
                data: outcome.ok.length > 0 ? toBase64(outcome.ok) : null,
                msg_responses: [],
              },
            }
          : { error: outcome.error },
    };
    ctx.emit({ type: "reply", attributes: [attr("_contract_address", entry.address)] });
    const current = this.contract(entry.address);
    const data = this.run(
      current,
      "reply",
      [this.env(ctx, entry.address), utf8(stringifyJson(reply))],
      ctx,
      "reply",
    );
    return data.length > 0 ? data : undefined;
  }

  /** A CosmosMsg from a contract, dispatched as the SDK message wasmd's handler would build. */
  private dispatchMessage(sender: string, msg: Record<string, JsonValue>, ctx: MsgContext): Uint8Array {
    const [kind, body] = Object.entries(msg)[0] ?? [];
    const [variant, raw] = Object.entries((body ?? {}) as Record<string, JsonValue>)[0] ?? [];
    const args = (raw ?? {}) as Record<string, JsonValue>;
    const binary = (v: JsonValue | undefined) => Uint8Array.from(Buffer.from(String(v ?? ""), "base64"));
    const coins = (v: JsonValue | undefined) =>
      ((v ?? []) as { denom: string; amount: string }[]).map((c) => ({
        denom: c.denom,
        amount: String(c.amount),
      }));
    switch (kind) {
      case "bank":
        if (variant === "send") {
          const send = MsgSend.encode({
            fromAddress: sender,
            toAddress: String(args.to_address),
            amount: coins(args.amount),
          }).finish();
          return ctx.dispatch("/cosmos.bank.v1beta1.MsgSend", send, sender);
        }
        break;
      case "wasm": {
        const dispatch = (typeUrl: string, value: Uint8Array) => ctx.dispatch(typeUrl, value, sender);
        if (variant === "execute") {
          return dispatch(
            "/cosmwasm.wasm.v1.MsgExecuteContract",
            MsgExecuteContract.encode({
              sender,
              contract: String(args.contract_addr),
              msg: binary(args.msg),
              funds: coins(args.funds),
            }).finish(),
          );
        }
        if (variant === "instantiate") {
          return dispatch(
            "/cosmwasm.wasm.v1.MsgInstantiateContract",
            MsgInstantiateContract.encode({
              sender,
              admin: args.admin ? String(args.admin) : "",
              codeId: BigInt(args.code_id as number),
              label: String(args.label),
              msg: binary(args.msg),
              funds: coins(args.funds),
            }).finish(),
          );
        }
        if (variant === "migrate") {
          return dispatch(
            "/cosmwasm.wasm.v1.MsgMigrateContract",
            MsgMigrateContract.encode({
              sender,
              contract: String(args.contract_addr),
              codeId: BigInt(args.new_code_id as number),
              msg: binary(args.msg),
            }).finish(),
          );
        }
        if (variant === "update_admin") {
          return dispatch(
            "/cosmwasm.wasm.v1.MsgUpdateAdmin",
            MsgUpdateAdmin.encode({
              sender,
              contract: String(args.contract_addr),
              newAdmin: String(args.admin),
            }).finish(),
          );
        }
        if (variant === "clear_admin") {
          return dispatch(
            "/cosmwasm.wasm.v1.MsgClearAdmin",
            MsgClearAdmin.encode({ sender, contract: String(args.contract_addr) }).finish(),
          );
        }
        break;
      }
      case "custom": {
        const [name, inner] = Object.entries((body ?? {}) as Record<string, JsonValue>)[0] ?? [];
        const typeUrl = name === undefined ? undefined : CUSTOM_MESSAGE_TYPES[name];
        if (!typeUrl) throw new AbciError("wasm", 10, `unsupported custom message ${name}: invalid`);
        // Babylon's wasm binding decodes the contract's JSON; the devnet hands that JSON over unchanged.
        return ctx.dispatch(typeUrl, utf8(stringifyJson(inner ?? null)), sender);
      }
      case "any":
      case "stargate": {
        const b = body as Record<string, JsonValue>;
        return ctx.dispatch(String(b.type_url), binary(b.value), sender);
      }
    }
    throw new AbciError("wasm", 10, `unsupported message ${kind}${variant ? `.${variant}` : ""}: invalid`);
  }

  /**
   * Cheap snapshot: the small metadata is copied (contract entries too: migrate and admin changes edit
   * them); contract storage is covered by the write journal, so restore() is only valid for the most
   * recent snapshot, which is how the chain uses it.
   */
  snapshot(): unknown {
    this.journal.clear();
    return this.copyMeta(this.meta);
  }

  restore(snapshot: unknown): void {
    this.journal.rollbackTo(0);
    this.meta = this.copyMeta(snapshot as Meta);
  }

  private copyMeta(m: Meta): Meta {
    return {
      nextCodeId: m.nextCodeId,
      nextInstanceId: m.nextInstanceId,
      codes: new Map(m.codes),
      contracts: new Map([...m.contracts].map(([k, c]) => [k, { ...c, history: [...c.history] }])),
    };
  }

  exportState(): unknown {
    return {
      nextCodeId: this.meta.nextCodeId.toString(),
      nextInstanceId: this.meta.nextInstanceId.toString(),
      codes: [...this.meta.codes.values()].map((c) => ({
        id: c.id.toString(),
        creator: c.creator,
        wasm: toBase64(c.prepared.original),
      })),
      contracts: [...this.meta.contracts.values()].map((c) => ({
        address: c.address,
        codeId: c.codeId.toString(),
        creator: c.creator,
        admin: c.admin,
        label: c.label,
        createdHeight: c.createdHeight.toString(),
        history: c.history.map((h) => ({
          operation: h.operation,
          codeId: h.codeId.toString(),
          height: h.height.toString(),
          msg: toBase64(h.msg),
        })),
        storage: c.store.entries(),
      })),
    };
  }

  importState(state: unknown): void {
    const s = state as {
      nextCodeId: string;
      nextInstanceId: string;
      codes: { id: string; creator: string; wasm: string }[];
      contracts: {
        address: string;
        codeId: string;
        creator: string;
        admin: string;
        label: string;
        createdHeight: string;
        history: { operation: number; codeId: string; height: string; msg: string }[];
        storage: [string, string][];
      }[];
    };
    this.journal.clear();
    const codes = new Map<bigint, Code>();
    for (const c of s.codes) {
      const original = Uint8Array.from(Buffer.from(c.wasm, "base64"));
      codes.set(BigInt(c.id), {
        id: BigInt(c.id),
        creator: c.creator,
        prepared: { ...compileCode(original), original, checksum: sha256(original) },
      });
    }
    const contracts = new Map<string, ContractEntry>();
    for (const c of s.contracts) {
      const store = new ContractStore(this.journal);
      for (const [k, v] of c.storage) store.restoreRaw(k, Uint8Array.from(Buffer.from(v, "hex")));
      contracts.set(c.address, {
        address: c.address,
        codeId: BigInt(c.codeId),
        creator: c.creator,
        admin: c.admin,
        label: c.label,
        createdHeight: BigInt(c.createdHeight),
        store,
        history: c.history.map((h) => ({
          operation: h.operation,
          codeId: BigInt(h.codeId),
          height: BigInt(h.height),
          msg: Uint8Array.from(Buffer.from(h.msg, "base64")),
        })),
      });
    }
    this.meta = {
      nextCodeId: BigInt(s.nextCodeId),
      nextInstanceId: BigInt(s.nextInstanceId),
      codes,
      contracts,
    };
  }
}
