// The contract between the emulated chain and the modules that live in it (auth, bank, wasm here;
// the Babylon modules in src/devnet/babylon/). A module owns its state; the chain owns blocks, txs,
// fees, signatures and events, and calls into modules through this interface only.

/** A CometBFT 0.38 / SDK 0.50 event. Attribute keys and values are plain UTF-8 strings. */
export interface AbciEvent {
  type: string;
  attributes: { key: string; value: string; index?: boolean }[];
}

/**
 * An ABCI error with the SDK's (codespace, code) pair, as CosmJS reports it. Throw it from a message or
 * query handler; the chain turns it into a failed tx result or a failed abci_query. `log` is the part after
 * "failed to execute message; message index: N: " — end it with the SDK error's text, e.g.
 * `finality provider abc… not found: the finality provider is not found` (codespace "btcstaking").
 * Any other thrown Error becomes codespace "undefined", code 1 (as the SDK does for non-registered errors).
 */
export class AbciError extends Error {
  constructor(
    readonly codespace: string,
    readonly code: number,
    log: string,
  ) {
    super(log);
    this.name = "AbciError";
  }
  get log(): string {
    return this.message;
  }
}

export interface BlockContext {
  height: bigint;
  time: Date;
  chainId: string;
  /** Inside a tx: a message event (the chain appends msg_index). In begin/endBlock: a finalize_block event. */
  emit(event: AbciEvent): void;
}

export interface MsgContext extends BlockContext {
  /**
   * bech32 bbn1… address of the tx signer (the chain accepts single-signer txs only, as CosmJS sends).
   * The chain does not know where each Babylon message keeps its signer field: a handler MUST check
   * that its message's signer field (e.g. `addr`, `signer`) equals `ctx.signer` and otherwise throw
   * `new AbciError("sdk", 8, "invalid signer; expected X, got Y: invalid pubkey")`-style errors.
   * For a dispatched message (see `dispatch`) it is the dispatching account, e.g. the contract address.
   */
  signer: string;
  /** Index of the message in the tx; the chain adds it as `msg_index` to every event emitted here. */
  msgIndex: number;
  /**
   * Run another module's message handler within this tx (all-or-nothing with it), e.g. the wasm module
   * dispatching a contract's custom Babylon message. `signer` defaults to `ctx.signer`; the wasm module
   * passes the contract address. A throw propagates and fails the whole tx.
   *
   * Contract custom messages: `{msg_equivocation_evidence: {...}}` from the finality contract is
   * dispatched as type URL "/babylon.finality.v1.MsgEquivocationEvidence" with `value` = the UTF-8 JSON
   * of the INNER object (`{"signer":…,"fp_btc_pk_hex":…,"block_height":…,…}` exactly as the contract
   * produced it), not protobuf, and `signer` = the contract address.
   */
  dispatch(typeUrl: string, value: Uint8Array, signer?: string): Uint8Array;
  /** Adds gas that depends on what the handler did (e.g. a contract's storage use); deterministic. */
  consumeGas(amount: bigint): void;
  /**
   * Events of a nested step that failed but whose failure is handled (a contract sub-message with
   * reply_on error) must not appear: take a mark before it, drop the events after it on failure.
   */
  eventMark(): number;
  dropEventsFrom(mark: number): void;
}

export interface Module {
  readonly name: string;
  /**
   * gRPC-over-ABCI query handlers keyed by full path, e.g. "/babylon.btcstaking.v1.Query/Params";
   * return the encoded reply; throw AbciError for not-found etc. `height` is the chain height the
   * answer is given at (the emulator keeps only the latest state).
   */
  readonly queries?: Record<string, (request: Uint8Array, height: bigint) => Uint8Array>;
  /**
   * Tx message handlers keyed by type URL, e.g. "/babylon.btcstaking.v1.MsgCreateFinalityProvider";
   * return the encoded Msg response (it goes into TxMsgData.msg_responses as Any{typeUrl+"Response"}).
   */
  readonly messages?: Record<string, (value: Uint8Array, ctx: MsgContext) => Uint8Array>;
  /**
   * Optional fixed gas charged per message of a type (on top of the chain's per-byte and per-message
   * costs), so heavier handlers cost more. Must be deterministic: simulate and delivery agree.
   */
  readonly messageGas?: Record<string, bigint>;
  beginBlock?(ctx: BlockContext): void;
  endBlock?(ctx: BlockContext): void;
  /**
   * All-or-nothing txs: the chain calls snapshot() before the messages of each delivered tx and once
   * before a simulation (auth and bank also before the ante handler), and restore(s) with the MOST
   * RECENT snapshot when what followed failed or was a simulation. Everything a message handler can
   * change must be covered, including state shared with other objects (e.g. a BabylonHost's view).
   * restore is never called with an older snapshot, so a module may implement
   * snapshot() as "start a new undo journal" (copy-on-write) instead of copying all of its state —
   * the wasm module does this for contract state.
   */
  snapshot(): unknown;
  restore(snapshot: unknown): void;
  /** Persistence of the whole module state (JSON-serialisable, bigint as strings). */
  exportState(): unknown;
  importState(state: unknown): void;
  /**
   * The chain's state directory, given before any state is loaded, for what is too big to rewrite with
   * every block's state and never changes (x/wasm's code bytes).
   */
  useStateDir?(dir: string): void;
}

/** A coin amount; `amount` is a non-negative integer. */
export interface Coin {
  denom: string;
  amount: bigint;
}

/** Funded at genesis (height 0); gets an account number in list order starting at 0. */
export interface GenesisAccount {
  address: string;
  coins: Coin[];
}
