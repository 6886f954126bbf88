// x/wasm hosting the finality contract model: store/instantiate/execute messages, smart and info queries,
// wasmd's classic contract addresses and its events (execute, instantiate, wasm, wasm-<type>).
// Every stored code runs the finality contract (the only contract the devnet deploys).
import { gunzipSync } from "node:zlib";
import { toBech32, toHex } from "@cosmjs/encoding";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import {
  QueryContractInfoRequest,
  QueryContractInfoResponse,
  QueryContractsByCodeRequest,
  QueryContractsByCodeResponse,
  QuerySmartContractStateRequest,
  QuerySmartContractStateResponse,
} from "cosmjs-types/cosmwasm/wasm/v1/query";
import {
  MsgExecuteContract,
  MsgExecuteContractResponse,
  MsgInstantiateContract,
  MsgInstantiateContractResponse,
  MsgStoreCode,
  MsgStoreCodeResponse,
} from "cosmjs-types/cosmwasm/wasm/v1/tx";
import {
  type BabylonHost,
  ContractError,
  type Env,
  type ExecuteResult,
  FinalityContract,
  parseExecuteMsg,
  parseInstantiateMsg,
  parseJson,
  parseQueryMsg,
  stringifyJson,
} from "../../../contracts/finality/index.ts";
import { sha256 } from "../../core/crypto/sha256.ts";
import { ADDRESS_PREFIX, isValidAddress, requireAddress, utf8 } from "./encoding.ts";
import { AbciError, type BlockContext, type Module, type MsgContext } from "./module.ts";

/** Contract custom messages (BabylonMsg variants) and the Babylon type URLs they are dispatched as. */
export const CUSTOM_MESSAGE_TYPES: Record<string, string> = {
  msg_equivocation_evidence: "/babylon.finality.v1.MsgEquivocationEvidence",
};

interface Code {
  id: bigint;
  checksum: Uint8Array;
  creator: string;
}

interface ContractEntry {
  address: string;
  codeId: bigint;
  creator: string;
  admin: string;
  label: string;
  createdHeight: bigint;
  contract: FinalityContract;
}

interface Meta {
  nextCodeId: bigint;
  nextInstanceId: bigint;
  codes: Map<bigint, Code>;
  contracts: Map<string, ContractEntry>;
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

function parseFailure(typeName: string, e: unknown): string {
  return `Error parsing into type ${typeName}: ${e instanceof Error ? e.message : String(e)}`;
}

export class WasmModule implements Module {
  readonly name = "wasm";
  private meta: Meta = { nextCodeId: 1n, nextInstanceId: 1n, codes: new Map(), contracts: new Map() };
  /** Contracts with an open undo journal (see snapshot()). */
  private readonly journaled = new Set<FinalityContract>();

  readonly messageGas = {
    "/cosmwasm.wasm.v1.MsgStoreCode": 400_000n,
    "/cosmwasm.wasm.v1.MsgInstantiateContract": 120_000n,
    "/cosmwasm.wasm.v1.MsgExecuteContract": 60_000n,
  };

  /** The latest block's chain id and time, for the env of queries (which carry only a height). */
  private lastBlock: { chainId: string; timeNs: bigint } = { chainId: "", timeNs: 0n };

  constructor(private readonly host: BabylonHost) {}

  beginBlock(ctx: BlockContext): void {
    this.lastBlock = { chainId: ctx.chainId, timeNs: BigInt(ctx.time.getTime()) * 1_000_000n };
  }

  readonly messages = {
    "/cosmwasm.wasm.v1.MsgStoreCode": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      const msg = MsgStoreCode.decode(value);
      this.checkSender(msg.sender, ctx);
      if (msg.wasmByteCode.length === 0) throw new AbciError("wasm", 12, "empty wasm code: empty");
      const code = this.storeCode(msg.wasmByteCode, msg.sender);
      ctx.emit({
        type: "store_code",
        attributes: [attr("code_checksum", toHex(code.checksum)), attr("code_id", code.id.toString())],
      });
      return MsgStoreCodeResponse.encode({ codeId: code.id, checksum: code.checksum }).finish();
    },
    "/cosmwasm.wasm.v1.MsgInstantiateContract": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      const msg = MsgInstantiateContract.decode(value);
      this.checkSender(msg.sender, ctx);
      if (msg.admin !== "") requireAddress(msg.admin, "admin");
      if (msg.funds.length > 0)
        throw new AbciError("wasm", 10, "the finality contract accepts no funds: invalid");
      const address = this.instantiate(msg.codeId, msg.sender, msg.admin, msg.label, msg.msg, ctx);
      return MsgInstantiateContractResponse.encode({ address, data: new Uint8Array() }).finish();
    },
    "/cosmwasm.wasm.v1.MsgExecuteContract": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      const msg = MsgExecuteContract.decode(value);
      this.checkSender(msg.sender, ctx);
      const entry = this.contract(msg.contract);
      if (msg.funds.length > 0) {
        // Funds move to the contract before it runs, as in wasmd (the contract itself ignores them).
        const send = MsgSend.encode({
          fromAddress: msg.sender,
          toAddress: msg.contract,
          amount: msg.funds,
        }).finish();
        ctx.dispatch("/cosmos.bank.v1beta1.MsgSend", send, msg.sender);
      }
      ctx.emit({ type: "execute", attributes: [attr("_contract_address", entry.address)] });
      let result: ExecuteResult;
      try {
        const parsed = parseExecuteMsg(parseJson(new TextDecoder("utf-8", { fatal: true }).decode(msg.msg)));
        this.journal(entry.contract);
        result = entry.contract.execute(parsed, this.env(ctx, entry.address), this.host, msg.sender);
      } catch (e) {
        throw this.contractFailure(e, "finality::msg::ExecuteMsg", "execute wasm contract failed", 5);
      }
      this.emitResult(entry.address, result, ctx);
      return MsgExecuteContractResponse.encode({ data: new Uint8Array() }).finish();
    },
  };

  readonly queries = {
    "/cosmwasm.wasm.v1.Query/SmartContractState": (request: Uint8Array, height: bigint): Uint8Array => {
      const { address, queryData } = QuerySmartContractStateRequest.decode(request);
      const entry = this.contract(address);
      let answer: unknown;
      try {
        const parsed = parseQueryMsg(parseJson(new TextDecoder("utf-8", { fatal: true }).decode(queryData)));
        const env: Env = {
          blockHeight: height,
          blockTimeNs: this.lastBlock.timeNs,
          chainId: this.lastBlock.chainId,
          contractAddress: address,
        };
        answer = entry.contract.query(parsed, env, this.host);
      } catch (e) {
        throw this.contractFailure(e, "finality::msg::QueryMsg", "query wasm contract failed", 9);
      }
      return QuerySmartContractStateResponse.encode({ data: utf8(stringifyJson(answer)) }).finish();
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
  };

  /** The contract at `address`, for hosts and tests that read it directly. */
  contractAt(address: string): FinalityContract | undefined {
    return this.meta.contracts.get(address)?.contract;
  }

  /** Stores a code without a tx (devnet genesis); returns its id. */
  storeCode(wasm: Uint8Array, creator: string): Code {
    const raw = wasm[0] === 0x1f && wasm[1] === 0x8b ? new Uint8Array(gunzipSync(wasm)) : wasm;
    const code = { id: this.meta.nextCodeId++, checksum: sha256(raw), creator };
    this.meta.codes.set(code.id, code);
    return code;
  }

  /**
   * Instantiates the finality contract from a stored code. Used by MsgInstantiateContract and by the devnet
   * to deploy at genesis (pass a BlockContext whose emit may discard events).
   */
  instantiate(
    codeId: bigint,
    sender: string,
    admin: string,
    label: string,
    msgJson: Uint8Array,
    ctx: BlockContext,
  ): string {
    if (!this.meta.codes.has(codeId)) throw new AbciError("wasm", 8, `code id ${codeId}: not found`);
    if (label.trim() === "") throw new AbciError("wasm", 14, "label cannot be empty: invalid");
    const address = classicContractAddress(codeId, this.meta.nextInstanceId);
    let created: { contract: FinalityContract; result: ExecuteResult };
    try {
      const parsed = parseInstantiateMsg(
        parseJson(new TextDecoder("utf-8", { fatal: true }).decode(msgJson)),
      );
      created = FinalityContract.instantiate(parsed, this.env(ctx, address), this.host, sender);
    } catch (e) {
      throw this.contractFailure(e, "finality::msg::InstantiateMsg", "instantiate wasm contract failed", 4);
    }
    this.meta.nextInstanceId++;
    this.meta.contracts.set(address, {
      address,
      codeId,
      creator: sender,
      admin,
      label,
      createdHeight: ctx.height,
      contract: created.contract,
    });
    ctx.emit({
      type: "instantiate",
      attributes: [attr("_contract_address", address), attr("code_id", codeId.toString())],
    });
    this.emitResult(address, created.result, ctx);
    return address;
  }

  private env(ctx: BlockContext, contractAddress: string): Env {
    return {
      blockHeight: ctx.height,
      blockTimeNs: BigInt(ctx.time.getTime()) * 1_000_000n,
      chainId: ctx.chainId,
      contractAddress,
    };
  }

  private checkSender(sender: string, ctx: MsgContext): void {
    requireAddress(sender, "sender");
    if (sender !== ctx.signer) {
      throw new AbciError("sdk", 8, `invalid signer; expected ${sender}, got ${ctx.signer}: invalid pubkey`);
    }
  }

  private contract(address: string): ContractEntry {
    if (!isValidAddress(address)) {
      throw new AbciError("sdk", 7, `invalid contract address ${JSON.stringify(address)}: invalid address`);
    }
    const entry = this.meta.contracts.get(address);
    if (!entry) throw new AbciError("wasm", 22, `address ${address}: no such contract`);
    return entry;
  }

  /** wasmd wraps a contract's error text with the operation's error ("…: execute wasm contract failed"). */
  private contractFailure(e: unknown, typeName: string, what: string, code: number): AbciError {
    if (e instanceof AbciError) return e;
    const text = e instanceof ContractError ? e.message : parseFailure(typeName, e);
    return new AbciError("wasm", code, `${text}: ${what}`);
  }

  private emitResult(address: string, result: ExecuteResult, ctx: BlockContext): void {
    if (result.attributes.length > 0) {
      ctx.emit({
        type: "wasm",
        attributes: [
          attr("_contract_address", address),
          ...result.attributes.map((a) => attr(a.key, a.value)),
        ],
      });
    }
    for (const event of result.events) {
      ctx.emit({
        type: `wasm-${event.type}`,
        attributes: [
          attr("_contract_address", address),
          ...event.attributes.map((a) => attr(a.key, a.value)),
        ],
      });
    }
    if (result.messages.length === 0) return;
    if (!("dispatch" in ctx)) throw new Error("contract messages can only be dispatched inside a tx");
    const msgCtx = ctx as MsgContext;
    for (const message of result.messages) {
      for (const [variant, inner] of Object.entries(message)) {
        const typeUrl = CUSTOM_MESSAGE_TYPES[variant];
        if (!typeUrl) throw new AbciError("wasm", 10, `unsupported custom message ${variant}: invalid`);
        // Babylon's wasm binding decodes the contract's JSON; the devnet hands that JSON over unchanged.
        msgCtx.dispatch(typeUrl, utf8(stringifyJson(inner)), address);
      }
    }
  }

  private journal(contract: FinalityContract): void {
    if (this.journaled.has(contract)) return;
    contract.beginTx();
    this.journaled.add(contract);
  }

  /**
   * Cheap snapshot: the small metadata is copied; contract state is journaled lazily (beginTx on first
   * execute after this snapshot). restore() rolls the journals back, so it is only valid for the most
   * recent snapshot, which is how the chain uses it.
   */
  snapshot(): unknown {
    for (const c of this.journaled) c.commitTx();
    this.journaled.clear();
    return {
      nextCodeId: this.meta.nextCodeId,
      nextInstanceId: this.meta.nextInstanceId,
      codes: new Map(this.meta.codes),
      contracts: new Map(this.meta.contracts),
    } satisfies Meta;
  }

  restore(snapshot: unknown): void {
    for (const c of this.journaled) c.rollbackTx();
    this.journaled.clear();
    const s = snapshot as Meta;
    this.meta = { ...s, codes: new Map(s.codes), contracts: new Map(s.contracts) };
  }

  exportState(): unknown {
    return {
      nextCodeId: this.meta.nextCodeId.toString(),
      nextInstanceId: this.meta.nextInstanceId.toString(),
      codes: [...this.meta.codes.values()].map((c) => ({
        id: c.id.toString(),
        checksum: toHex(c.checksum),
        creator: c.creator,
      })),
      contracts: [...this.meta.contracts.values()].map((c) => ({
        address: c.address,
        codeId: c.codeId.toString(),
        creator: c.creator,
        admin: c.admin,
        label: c.label,
        createdHeight: c.createdHeight.toString(),
        state: c.contract.toJSON(),
      })),
    };
  }

  importState(state: unknown): void {
    const s = state as {
      nextCodeId: string;
      nextInstanceId: string;
      codes: { id: string; checksum: string; creator: string }[];
      contracts: {
        address: string;
        codeId: string;
        creator: string;
        admin: string;
        label: string;
        createdHeight: string;
        state: unknown;
      }[];
    };
    this.journaled.clear();
    this.meta = {
      nextCodeId: BigInt(s.nextCodeId),
      nextInstanceId: BigInt(s.nextInstanceId),
      codes: new Map(
        s.codes.map((c) => [
          BigInt(c.id),
          { id: BigInt(c.id), checksum: Uint8Array.from(Buffer.from(c.checksum, "hex")), creator: c.creator },
        ]),
      ),
      contracts: new Map(
        s.contracts.map((c) => [
          c.address,
          {
            address: c.address,
            codeId: BigInt(c.codeId),
            creator: c.creator,
            admin: c.admin,
            label: c.label,
            createdHeight: BigInt(c.createdHeight),
            contract: FinalityContract.fromJSON(c.state),
          },
        ]),
      ),
    };
  }
}
