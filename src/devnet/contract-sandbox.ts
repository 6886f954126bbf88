// A compiled contract run by the devnet's CosmWasm host without a chain: no blocks, no txs, no RPC. Each
// execute is all-or-nothing like a tx (its storage writes and those of its sub-messages are undone when it
// fails); Babylon is reduced to what the finality contract asks of it (a provider lookup over gRPC, the
// current and last finalized epoch). For contract tests, the provider's in-process harness and benches.
import { MsgExecuteContract, MsgMigrateContract } from "cosmjs-types/cosmwasm/wasm/v1/tx";
import { type JsonValue, parseJson } from "../../contracts/finality/json.ts";
import { QueryFinalityProviderRequest, QueryFinalityProviderResponse } from "../chains/babylon/btcstaking.ts";
import { btcstakingError } from "./babylon/staking.ts";
import { AbciError, type AbciEvent, type Module, type MsgContext } from "./chain/module.ts";
import { WasmModule } from "./chain/wasm.ts";
import type { BabylonQueries, ChainQueryResult } from "./chain/wasm-querier.ts";

export interface SandboxProvider {
  bsnId: string;
  slashedBabylonHeight: bigint;
  slashedBtcHeight: number;
}

/**
 * The Babylon state a finality contract reads, held in plain fields: tests move epochs and slash
 * providers. `module()` serves its provider lookup inside a devnet chain that runs no Babylon modules.
 */
export class SandboxBabylon {
  readonly providers = new Map<string, SandboxProvider>();
  epoch = 1n;
  finalized = 1n;
  epochInterval = 1n;

  /** `/babylon.btcstaking.v1.Query/FinalityProvider`, as x/btcstaking answers it (protobuf). */
  finalityProvider(data: Uint8Array, height: bigint): ChainQueryResult {
    const { fpBtcPkHex } = QueryFinalityProviderRequest.decode(data);
    const fp = this.providers.get(fpBtcPkHex);
    if (!fp) {
      const e = btcstakingError.fpNotFound(fpBtcPkHex);
      return { code: e.code, codespace: e.codespace, value: new Uint8Array() };
    }
    const value = QueryFinalityProviderResponse.encode({
      finalityProvider: {
        commission: "0",
        addr: "",
        btcPk: Buffer.from(fpBtcPkHex, "hex"),
        slashedBabylonHeight: fp.slashedBabylonHeight,
        slashedBtcHeight: fp.slashedBtcHeight,
        height,
        jailed: false,
        highestVotedHeight: 0,
        bsnId: fp.bsnId,
        softDeleted: false,
      },
    });
    return { code: 0, codespace: "", value };
  }

  queries(): BabylonQueries {
    return {
      currentEpoch: () => this.epoch,
      lastFinalizedEpoch: () => ({
        epoch: this.finalized,
        lastBlockHeight: this.finalized * this.epochInterval,
      }),
    };
  }

  /** A chain module serving the provider lookup (its state is the test's: not snapshotted). */
  module(): Module {
    return {
      name: "btcstaking",
      queries: {
        "/babylon.btcstaking.v1.Query/FinalityProvider": (data, height) => {
          const r = this.finalityProvider(data, height);
          if (r.code !== 0) throw new AbciError(r.codespace, r.code, "finality provider not found");
          return r.value;
        },
      },
      snapshot: () => undefined,
      restore: () => {},
      exportState: () => null,
      importState: () => {},
    };
  }
}

/** A message a contract sent (a custom Babylon message decoded from its JSON, or any other SDK message). */
export interface SentMessage {
  typeUrl: string;
  sender: string;
  /** The JSON a custom message carried, or the raw protobuf of any other message. */
  value: JsonValue | Uint8Array;
}

export interface ExecuteOutcome {
  events: AbciEvent[];
  messages: SentMessage[];
  gasUsed: bigint;
  data: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export class ContractSandbox {
  readonly babylon = new SandboxBabylon();
  readonly wasm: WasmModule;
  /** Called for each message a contract sends; throw to make the execute fail (as Babylon rejecting it). */
  onMessage: (message: SentMessage) => void = () => {};
  height = 1n;
  time = new Date(0);

  /** The chain id contracts see in their env (settable: tests sign for another chain). */
  chainId: string;

  constructor(options: { chainId?: string } = {}) {
    this.chainId = options.chainId ?? "bbn-sandbox-1";
    const babylon = this.babylon;
    this.wasm = new WasmModule({
      chainQuery: (path, data, height) =>
        path === "/babylon.btcstaking.v1.Query/FinalityProvider"
          ? babylon.finalityProvider(data, height)
          : { code: 6, codespace: "sdk", value: new Uint8Array() },
      babylon: babylon.queries(),
    });
  }

  /** Stores `code` and instantiates it (`msg` an object, or JSON text sent as is). */
  deploy(
    code: Uint8Array,
    msg: unknown,
    sender: string,
    admin = sender,
  ): { address: string } & ExecuteOutcome {
    const { id } = this.wasm.storeCode(code, sender);
    const bytes = encoder.encode(typeof msg === "string" ? msg : JSON.stringify(msg));
    let address = "";
    const outcome = this.inTx(sender, (ctx) => {
      const created = this.wasm.instantiate(id, sender, admin, "contract", bytes, ctx);
      address = created.address;
      return created.data;
    });
    return { address, ...outcome };
  }

  /** Executes `msg` (an object, or JSON text sent as is) as `sender`; throws AbciError having changed nothing. */
  execute(contract: string, sender: string, msg: unknown): ExecuteOutcome {
    return this.executeAll(contract, sender, [msg]);
  }

  /** Executes several messages as one tx: all of them take effect, or (one failing) none. */
  executeAll(contract: string, sender: string, msgs: unknown[]): ExecuteOutcome {
    return this.inTx(sender, (ctx) => {
      let data: Uint8Array = new Uint8Array();
      for (const msg of msgs) {
        const bytes = encoder.encode(typeof msg === "string" ? msg : JSON.stringify(msg));
        data = this.wasm.messages["/cosmwasm.wasm.v1.MsgExecuteContract"](
          MsgExecuteContract.encode({ sender, contract, msg: bytes, funds: [] }).finish(),
          ctx,
        );
      }
      return data;
    });
  }

  /** Migrates `contract` to stored code `codeId` as `sender` (its admin). */
  migrate(contract: string, sender: string, codeId: bigint, msg: unknown): ExecuteOutcome {
    const bytes = encoder.encode(JSON.stringify(msg));
    return this.inTx(sender, (ctx) =>
      this.wasm.messages["/cosmwasm.wasm.v1.MsgMigrateContract"](
        MsgMigrateContract.encode({ sender, contract, codeId, msg: bytes }).finish(),
        ctx,
      ),
    );
  }

  /** A smart query; the reply parsed losslessly (u64 above 2^53 stay exact). */
  query(contract: string, msg: unknown): JsonValue {
    const bytes = encoder.encode(typeof msg === "string" ? msg : JSON.stringify(msg));
    return parseJson(decoder.decode(this.wasm.querySmart(contract, bytes, this.height)));
  }

  private inTx(sender: string, run: (ctx: MsgContext) => Uint8Array): ExecuteOutcome {
    const events: AbciEvent[] = [];
    const messages: SentMessage[] = [];
    let gasUsed = 0n;
    const snapshot = this.wasm.snapshot();
    this.wasm.beginBlock({ height: this.height, time: this.time, chainId: this.chainId, emit: () => {} });
    const ctx: MsgContext = {
      height: this.height,
      time: this.time,
      chainId: this.chainId,
      signer: sender,
      msgIndex: 0,
      emit: (event) => events.push(event),
      dispatch: (typeUrl, value, signer) => {
        const custom = typeUrl.startsWith("/babylon.");
        const message = {
          typeUrl,
          sender: signer ?? sender,
          value: custom ? parseJson(decoder.decode(value)) : value,
        };
        this.onMessage(message);
        messages.push(message);
        return new Uint8Array();
      },
      consumeGas: (amount) => {
        gasUsed += amount;
      },
      eventMark: () => events.length,
      dropEventsFrom: (mark) => {
        events.length = Math.min(events.length, mark);
      },
    };
    try {
      const data = run(ctx);
      this.wasm.snapshot(); // commit: the journal of this "tx" is dropped
      return { events, messages, gasUsed, data };
    } catch (e) {
      this.wasm.restore(snapshot);
      throw e;
    }
  }
}
