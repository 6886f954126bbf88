// x/wasm: hosts compiled CosmWasm contracts the way wasmd does — store (gzip or not, sha256 checksum),
// instantiate (classic addresses), execute, migrate, admin changes; smart/raw/info/history/code queries;
// wasmd's events (execute, instantiate, migrate, reply, wasm, wasm-<type>); response messages run as
// sub-messages (bank, wasm, Babylon's custom `msg_equivocation_evidence`, any) with replies. Contract
// storage lives in byte-ordered stores whose writes are journaled, so a failed call, a failed sub-message
// (reply_on error) or a failed tx leaves no trace.
import { join } from "node:path";
import { toBase64, toHex } from "@cosmjs/encoding";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
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
import { ContractCodeHistoryOperationType } from "cosmjs-types/cosmwasm/wasm/v1/types";
import { type JsonValue, parseJson, stringifyJson } from "../../../contracts/finality/json.ts";
import { isValidAddress, requireAddress, utf8 } from "./encoding.ts";
import { AbciError, type BlockContext, type Coin, type Module, type MsgContext } from "./module.ts";
import { addressApi, classicContractAddress } from "./wasm-address.ts";
import { prepareCode } from "./wasm-code.ts";
import { dispatchContractMessage } from "./wasm-dispatch.ts";
import { attr, emitResponseEvents } from "./wasm-events.ts";
import { wasmQueries } from "./wasm-grpc.ts";
import { answerQuery, type BabylonQueries, type ChainQueryResult } from "./wasm-querier.ts";
import { type QuerierHost, querierBackend } from "./wasm-querier-backend.ts";
import {
  type Code,
  type CodeBlobs,
  type ContractEntry,
  DirCodeBlobs,
  exportWasmState,
  importWasmState,
  MemoryCodeBlobs,
  type Meta,
} from "./wasm-state.ts";
import { ContractStore, StorageJournal } from "./wasm-store.ts";
import { callEntry, GasCounter, type VmBackend, WasmOutOfGas, WasmVmError } from "./wasm-vm.ts";

/** wasmd's limit on contracts calling contracts (queries and sub-messages). */
const MAX_CALL_DEPTH = 10;

export interface WasmModuleOptions {
  /** The chain's gRPC query router: contracts' `QueryRequest::Grpc` and bank queries go through it. */
  chainQuery: (path: string, data: Uint8Array, height: bigint) => ChainQueryResult;
  /** Babylon's custom queries; absent = the chain has no Babylon bindings. */
  babylon?: BabylonQueries;
}

/** wasmd `BuildContractAddressClassic`: address.Module("wasm", codeID ‖ instanceID) — 32 bytes. */
const decoder = new TextDecoder("utf-8", { fatal: true });

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
  /** Where code bytes are kept by checksum: in memory unless the chain has a state directory. */
  private codeBlobs: CodeBlobs = new MemoryCodeBlobs();
  private lastBlock: CallEnv = { height: 0n, timeNs: 0n, chainId: "" };

  /** Flat costs per message on top of what the VM measures (compiling, the message itself). */
  readonly messageGas = {
    "/cosmwasm.wasm.v1.MsgStoreCode": 400_000n,
    "/cosmwasm.wasm.v1.MsgInstantiateContract": 20_000n,
    "/cosmwasm.wasm.v1.MsgExecuteContract": 10_000n,
    "/cosmwasm.wasm.v1.MsgMigrateContract": 20_000n,
  };

  constructor(private readonly options: WasmModuleOptions) {}

  /** Code bytes go to `<dir>/wasm-codes/<checksum>.wasm`, once each; saved state names codes by checksum. */
  useStateDir(dir: string): void {
    const blobs = new DirCodeBlobs(join(dir, "wasm-codes"));
    for (const c of this.meta.codes.values()) blobs.put(toHex(c.prepared.checksum), c.prepared.original);
    this.codeBlobs = blobs;
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
      const oldVersion = this.code(previous).prepared.migrateVersion; // MigrateInfo's, CosmWasm 2.2
      entry.codeId = msg.codeId;
      try {
        const data = this.run(
          entry,
          "migrate",
          [
            this.env(ctx, entry.address),
            msg.msg,
            utf8(stringifyJson({ sender: msg.sender, old_migrate_version: oldVersion ?? null })),
          ],
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

  readonly queries = wasmQueries({
    contract: (address) => this.contract(address),
    code: (id) => this.code(id),
    codes: () => [...this.meta.codes.values()],
    contracts: () => [...this.meta.contracts.values()],
    querySmart: (address, msg, height) => this.querySmart(address, msg, height),
  });

  /** Stores a code without a tx (devnet genesis) or for MsgStoreCode. */
  storeCode(wasm: Uint8Array, creator: string): Code {
    const code = { id: this.meta.nextCodeId, creator, prepared: prepareCode(wasm) };
    this.codeBlobs.put(toHex(code.prepared.checksum), code.prepared.original);
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

  private querierHost(): QuerierHost {
    return {
      chainQuery: this.options.chainQuery,
      babylon: this.options.babylon,
      contracts: this.meta.contracts,
      codes: this.meta.codes,
      querySmart: (address, msg, height) => this.querySmart(address, msg, height),
    };
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
      query: (request) => answerQuery(request, querierBackend(this.querierHost(), height)),
    };
    const checkpoint = this.journal.checkpoint();
    this.depth++;
    try {
      const bytes = callEntry(code.prepared, name, args, backend);
      const result = parseJson(decoder.decode(bytes)) as ContractResult;
      if ("error" in result) this.journal.rollbackTo(checkpoint);
      return result;
    } catch (e) {
      this.journal.rollbackTo(checkpoint);
      if (e instanceof WasmOutOfGas) {
        throw new AbciError(
          "sdk",
          11,
          `out of gas in location: wasm contract ${what} (took more than ${e.steps} steps): out of gas`,
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
    emitResponseEvents(entry.address, response, ctx);
    let data: Uint8Array = response.data
      ? Uint8Array.from(Buffer.from(response.data, "base64"))
      : new Uint8Array();
    for (const sub of response.messages ?? []) {
      const replyData = this.runSubMessage(entry, sub, ctx);
      if (replyData !== undefined) data = replyData;
    }
    return data;
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
      outcome = { ok: dispatchContractMessage(entry.address, sub.msg, msgCtx) };
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
    return exportWasmState(this.meta);
  }

  importState(state: unknown): void {
    this.journal.clear();
    this.meta = importWasmState(state, this.journal, this.codeBlobs);
  }
}
