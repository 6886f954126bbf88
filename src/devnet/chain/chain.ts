// The emulated CometBFT + Cosmos SDK chain: mempool, block production, module dispatch, tx index and
// queries. The RPC server (src/devnet/rpc/) is a thin JSON layer over this.

import { SimulateRequest, SimulateResponse } from "cosmjs-types/cosmos/tx/v1beta1/service";
import { sha256 } from "../../core/crypto/sha256.ts";
import { AuthModule } from "./auth.ts";
import { BankModule } from "./bank.ts";
import {
  type Block,
  commitSignature,
  dataHash,
  EMPTY_HASH,
  headerHash,
  nextAppHash,
  resultsHash,
  txHash,
  VALIDATOR_ADDRESS,
  VALIDATOR_POWER,
  VALIDATOR_PUBKEY,
} from "./block.ts";
import { BlockLog, serializedLine } from "./block-log.ts";
import { utf8 } from "./encoding.ts";
import { AbciError, type AbciEvent, type BlockContext, type GenesisAccount, type Module } from "./module.ts";
import { type Condition, matches } from "./query.ts";
import { ChainStore } from "./store.ts";
import { type MsgRoute, parseGasPrice, runTx, type TxEnv, type TxResult } from "./tx.ts";

export interface ChainOptions {
  chainId: string;
  /** Block interval; 0 produces blocks only through produceBlock(). */
  blockIntervalMs: number;
  /** Directory for blocks and module state; a restart with the same directory continues the chain. */
  stateDir?: string;
  /** Extra modules (Babylon modules, wasm). auth and bank are always present. */
  modules?: Module[];
  /** Applied only when the chain starts from genesis (no state in stateDir). */
  genesisAccounts?: GenesisAccount[];
  /** Minimum gas price in ubbn, enforced at CheckTx as validators do (Babylon's default "0.002"). */
  minGasPrice?: string;
  /**
   * Write module state every N blocks (default 1) and on stop(). Exporting a large contract state costs
   * about 6 ms per 1,000 stored votes, so a long-running devnet may raise this; after a crash the chain
   * resumes from the last written state and produces the later heights again.
   */
  persistEveryBlocks?: number;
}

export interface IndexedTx {
  hash: string;
  height: bigint;
  index: number;
  tx: Uint8Array;
  result: TxResult;
}

export interface CheckTxResult {
  hash: string;
  code: number;
  codespace: string;
  log: string;
  gasWanted: bigint;
  gasUsed: bigint;
}

export interface QueryResult {
  code: number;
  codespace: string;
  log: string;
  value: Uint8Array;
  height: bigint;
}

export interface TxSearchPage {
  txs: IndexedTx[];
  totalCount: number;
}

export class RpcInputError extends Error {}

interface MempoolTx {
  hash: string;
  tx: Uint8Array;
  signer: string;
}

type BlockListener = (block: Block) => void;

export class Chain {
  readonly chainId: string;
  readonly auth = new AuthModule();
  readonly bank = new BankModule(this.auth);
  readonly modules: readonly Module[];
  private readonly routes = new Map<string, MsgRoute>();
  private readonly queryRoutes = new Map<string, (request: Uint8Array, height: bigint) => Uint8Array>();
  private readonly minGasPrice: { num: bigint; den: bigint };
  private readonly store?: ChainStore;
  private readonly blocks = new BlockLog();
  private readonly blockTxHashes: string[][] = [];
  private readonly txIndex = new Map<string, { height: bigint; index: number }>();
  private mempool: MempoolTx[] = [];
  private readonly listeners = new Set<BlockListener>();
  private readonly waiters = new Map<string, ((tx: IndexedTx) => void)[]>();
  private timer?: NodeJS.Timeout;
  private paused = false;
  private stopped = false;
  private unsavedBlocks = 0;

  constructor(private readonly options: ChainOptions) {
    if (!options.chainId) throw new Error("chainId must be a non-empty string");
    if (!(Number.isFinite(options.blockIntervalMs) && options.blockIntervalMs >= 0)) {
      throw new Error(`blockIntervalMs must be a number >= 0, got ${options.blockIntervalMs}`);
    }
    const every = options.persistEveryBlocks ?? 1;
    if (!(Number.isInteger(every) && every >= 1)) {
      throw new Error(`persistEveryBlocks must be an integer >= 1, got ${options.persistEveryBlocks}`);
    }
    this.chainId = options.chainId;
    this.modules = [this.auth, this.bank, ...(options.modules ?? [])];
    this.minGasPrice = parseGasPrice(options.minGasPrice ?? "0.002");
    const names = new Set<string>();
    for (const m of this.modules) {
      if (names.has(m.name)) throw new Error(`two modules are named ${JSON.stringify(m.name)}`);
      names.add(m.name);
      for (const [typeUrl, handler] of Object.entries(m.messages ?? {})) {
        if (this.routes.has(typeUrl)) throw new Error(`message ${typeUrl} is handled by two modules`);
        this.routes.set(typeUrl, { module: m, handler });
      }
      for (const [path, handler] of Object.entries(m.queries ?? {})) {
        if (this.queryRoutes.has(path)) throw new Error(`query ${path} is served by two modules`);
        this.queryRoutes.set(path, handler);
      }
    }
    this.queryRoutes.set("/cosmos.tx.v1beta1.Service/Simulate", (request) => this.simulate(request));
    if (options.stateDir) {
      this.store = new ChainStore(options.stateDir);
      for (const m of this.modules) m.useStateDir?.(options.stateDir);
    }
    const loaded = this.store?.load();
    if (loaded) {
      if (loaded.state.chainId !== this.chainId) {
        throw new Error(
          `state directory ${options.stateDir} holds chain ${JSON.stringify(loaded.state.chainId)}, not ${JSON.stringify(this.chainId)}`,
        );
      }
      for (const m of this.modules) {
        const s = loaded.state.modules[m.name];
        if (s !== undefined) m.importState(s);
      }
      for (const block of loaded.blocks) {
        this.blocks.restore(block);
        this.indexBlock(block);
      }
    } else {
      for (const a of options.genesisAccounts ?? []) {
        this.auth.ensure(a.address);
        this.bank.mint(a.address, a.coins);
      }
    }
  }

  /** Starts interval block production (a fresh chain gets block 1 at once, so queries have a height). */
  start(): void {
    if (this.blocks.length === 0) this.produceBlock();
    if (this.options.blockIntervalMs > 0 && !this.timer) {
      this.timer = setInterval(() => {
        if (!this.paused) this.produceBlock();
      }, this.options.blockIntervalMs);
    }
  }

  /** Stops block production and writes any unsaved state; the chain can be reopened from its stateDir. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.unsavedBlocks > 0) this.store?.saveState(this.persistedState());
  }

  private persistedState() {
    return {
      chainId: this.chainId,
      height: this.height.toString(),
      modules: Object.fromEntries(this.modules.map((m) => [m.name, m.exportState()])),
    };
  }

  /**
   * Block times run this many ms behind the wall clock (never backwards: a block is always later than the
   * one before). A history built in seconds with BTC headers and L2 blocks dated in the past sets it, so that
   * what Babylon reported then is placed before them in time, as on a chain that lived through them.
   */
  clockBehindMs = 0;

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get height(): bigint {
    return BigInt(this.blocks.length);
  }

  get latestBlock(): Block | undefined {
    return this.blocks.at(this.blocks.length);
  }

  get earliestBlock(): Block | undefined {
    return this.blocks.at(1);
  }

  module<T extends Module>(name: string): T | undefined {
    return this.modules.find((m) => m.name === name) as T | undefined;
  }

  onBlock(listener: BlockListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private env(height: bigint, time: Date): TxEnv {
    return {
      chainId: this.chainId,
      height,
      time,
      auth: this.auth,
      bank: this.bank,
      modules: this.modules,
      routes: this.routes,
      minGasPrice: this.minGasPrice,
      pendingTxs: (signer) => BigInt(this.mempool.filter((t) => t.signer === signer).length),
    };
  }

  /** CheckTx: validates fee, sequence and signature against the state plus the mempool; queues the tx if valid. */
  checkTx(tx: Uint8Array): CheckTxResult {
    const hash = txHash(tx);
    if (this.txIndex.has(hash) || this.mempool.some((t) => t.hash === hash)) {
      return {
        hash,
        code: 19,
        codespace: "sdk",
        log: "tx already in mempool: tx already in mempool",
        gasWanted: 0n,
        gasUsed: 0n,
      };
    }
    const latest = this.latestBlock;
    const result = runTx(tx, "check", this.env(this.height + 1n, latest?.header.time ?? new Date()));
    if (result.code === 0 && result.signer) this.mempool.push({ hash, tx, signer: result.signer });
    return {
      hash,
      code: result.code,
      codespace: result.codespace,
      log: result.log,
      gasWanted: result.gasWanted,
      gasUsed: result.gasUsed,
    };
  }

  /** Resolves when the tx with this hash is committed (used for broadcast_tx_commit). */
  waitForTx(hash: string, timeoutMs: number): Promise<IndexedTx> {
    const found = this.getTx(hash);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const list = this.waiters.get(hash) ?? [];
        this.waiters.set(
          hash,
          list.filter((w) => w !== done),
        );
        reject(new Error(`timed out waiting for tx ${hash} to be committed`));
      }, timeoutMs);
      const done = (tx: IndexedTx) => {
        clearTimeout(timer);
        resolve(tx);
      };
      this.waiters.set(hash, [...(this.waiters.get(hash) ?? []), done]);
    });
  }

  private simulate(request: Uint8Array): Uint8Array {
    const { txBytes } = SimulateRequest.decode(request);
    if (txBytes.length === 0) throw new AbciError("sdk", 18, "empty txBytes is not allowed: invalid request");
    const latest = this.latestBlock;
    const result = runTx(txBytes, "simulate", this.env(this.height + 1n, latest?.header.time ?? new Date()));
    if (result.code !== 0) throw new AbciError(result.codespace, result.code, result.log);
    return SimulateResponse.encode({
      gasInfo: { gasWanted: result.gasWanted, gasUsed: result.gasUsed },
      result: {
        data: new Uint8Array(),
        log: "",
        events: result.events.map((e) => ({
          type: e.type,
          attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: a.index ?? true })),
        })),
        msgResponses: [],
      },
    }).finish();
  }

  query(path: string, data: Uint8Array, height?: bigint): QueryResult {
    const at = height && height > 0n && height < this.height ? height : this.height;
    const handler = this.queryRoutes.get(path);
    if (!handler) {
      return {
        code: 6,
        codespace: "sdk",
        log: `unknown query path ${path}: unknown request`,
        value: new Uint8Array(),
        height: at,
      };
    }
    try {
      return { code: 0, codespace: "", log: "", value: handler(data, at), height: at };
    } catch (e) {
      if (e instanceof AbciError)
        return { code: e.code, codespace: e.codespace, log: e.log, value: new Uint8Array(), height: at };
      return {
        code: 1,
        codespace: "undefined",
        log: (e as Error).message,
        value: new Uint8Array(),
        height: at,
      };
    }
  }

  /** FinalizeBlock + Commit: begin blockers, every mempool tx, end blockers; persists and notifies. */
  produceBlock(): Block {
    if (this.stopped) throw new Error("the chain is stopped");
    const previous = this.latestBlock;
    const height = this.height + 1n;
    const now = Date.now() - this.clockBehindMs;
    const time = new Date(previous ? Math.max(now, previous.header.time.getTime() + 1) : now);
    const finalizeEvents: AbciEvent[] = [];
    const blockCtx = (mode: string): BlockContext => ({
      height,
      time,
      chainId: this.chainId,
      emit: (event) =>
        finalizeEvents.push({
          type: event.type,
          attributes: [
            ...event.attributes.map((a) => ({ ...a, index: a.index ?? true })),
            { key: "mode", value: mode, index: true },
          ],
        }),
    });
    for (const m of this.modules) m.beginBlock?.(blockCtx("BeginBlock"));
    const pending = this.mempool;
    this.mempool = [];
    const env = this.env(height, time);
    const txs = pending.map((p) => p.tx);
    const results = txs.map((tx) => {
      const { signer: _signer, ...result } = runTx(tx, "deliver", env);
      return result;
    });
    for (const m of this.modules) m.endBlock?.(blockCtx("EndBlock"));

    const lastBlockId = previous ? previous.id : null;
    const header = {
      chainId: this.chainId,
      height,
      time,
      lastBlockId,
      lastCommitHash: previous ? sha256(commitSignature(previous.id.hash)) : EMPTY_HASH,
      dataHash: dataHash(txs),
      validatorsHash: sha256(VALIDATOR_PUBKEY),
      nextValidatorsHash: sha256(VALIDATOR_PUBKEY),
      consensusHash: sha256(utf8(`consensus-params/${VALIDATOR_POWER}`)),
      appHash: previous ? previous.resultingAppHash : EMPTY_HASH,
      lastResultsHash: previous ? resultsHash(previous.results) : EMPTY_HASH,
      evidenceHash: EMPTY_HASH,
      proposerAddress: VALIDATOR_ADDRESS,
    };
    const hash = headerHash(header);
    const block: Block = {
      id: { hash, partsHash: sha256(hash) },
      header,
      txs,
      results,
      finalizeEvents,
      resultingAppHash: nextAppHash(header.appHash, results, finalizeEvents),
    };
    const line = this.store && serializedLine(block);
    this.blocks.push(block, line);
    this.indexBlock(block);
    if (this.store) {
      this.unsavedBlocks++;
      const writeState = this.unsavedBlocks >= (this.options.persistEveryBlocks ?? 1);
      this.store.save(line!, writeState ? this.persistedState() : undefined);
      if (writeState) this.unsavedBlocks = 0;
    }
    for (const listener of this.listeners) {
      try {
        listener(block);
      } catch {
        // A subscriber's failure must not stop the chain.
      }
    }
    block.txs.forEach((tx, index) => {
      const hashHex = txHash(tx);
      const waiting = this.waiters.get(hashHex);
      if (!waiting) return;
      this.waiters.delete(hashHex);
      const indexed = { hash: hashHex, height, index, tx, result: block.results[index]! };
      for (const w of waiting) w(indexed);
    });
    return block;
  }

  private indexBlock(block: Block): void {
    const hashes = block.txs.map(txHash);
    this.blockTxHashes.push(hashes);
    hashes.forEach((hash, index) => {
      this.txIndex.set(hash, { height: block.header.height, index });
    });
  }

  block(height?: bigint): Block {
    if (height === undefined || height === 0n) {
      const latest = this.latestBlock;
      if (!latest) throw new RpcInputError("no blocks yet");
      return latest;
    }
    if (height < 0n) throw new RpcInputError(`height must be greater than 0, but got ${height}`);
    if (height > this.height) {
      throw new RpcInputError(
        `height ${height} must be less than or equal to the current blockchain height ${this.height}`,
      );
    }
    return this.blocks.at(Number(height))!;
  }

  getTx(hash: string): IndexedTx | undefined {
    const at = this.txIndex.get(hash.toUpperCase());
    if (!at) return undefined;
    const block = this.blocks.at(Number(at.height))!;
    return {
      hash: hash.toUpperCase(),
      height: at.height,
      index: at.index,
      tx: block.txs[at.index]!,
      result: block.results[at.index]!,
    };
  }

  /** CometBFT TxSearch: every match, sorted by (height, index), then one page. */
  searchTxs(conditions: Condition[], page: number, perPage: number, order: "asc" | "desc"): TxSearchPage {
    const candidates = this.candidateTxs(conditions);
    const all = candidates.filter((t) =>
      matches(conditions, {
        reserved: { "tx.hash": t.hash, "tx.height": t.height.toString() },
        events: t.result.events,
      }),
    );
    if (order === "desc") all.reverse();
    const size = Math.min(Math.max(perPage, 1), 100);
    const pages = Math.max(1, Math.ceil(all.length / size));
    if (!Number.isInteger(page) || page < 1 || page > pages) {
      throw new RpcInputError(`page should be within [1, ${pages}] range, given ${page}`);
    }
    return { txs: all.slice((page - 1) * size, page * size), totalCount: all.length };
  }

  /** CometBFT BlockSearch over finalize_block events and `block.height`. */
  searchBlocks(
    conditions: Condition[],
    page: number,
    perPage: number,
    order: "asc" | "desc",
  ): { blocks: Block[]; totalCount: number } {
    const all = [...this.blocks].filter((b) =>
      matches(conditions, {
        reserved: { "block.height": b.header.height.toString() },
        events: b.finalizeEvents,
      }),
    );
    if (order === "desc") all.reverse();
    const size = Math.min(Math.max(perPage, 1), 100);
    const pages = Math.max(1, Math.ceil(all.length / size));
    if (!Number.isInteger(page) || page < 1 || page > pages) {
      throw new RpcInputError(`page should be within [1, ${pages}] range, given ${page}`);
    }
    return { blocks: all.slice((page - 1) * size, page * size), totalCount: all.length };
  }

  private candidateTxs(conditions: Condition[]): IndexedTx[] {
    const byHash = conditions.find((c) => c.key === "tx.hash" && c.op === "=" && c.value?.kind === "string");
    if (byHash?.value?.kind === "string") {
      const t = this.getTx(byHash.value.text);
      return t ? [t] : [];
    }
    let from = 1n;
    let to = this.height;
    for (const c of conditions) {
      if (c.key !== "tx.height" || c.value?.kind !== "number") continue;
      const n = BigInt(Math.trunc(c.value.num));
      if (c.op === "=") {
        from = n > from ? n : from;
        to = n < to ? n : to;
      } else if (c.op === ">=" || c.op === ">") {
        const lo = c.op === ">" ? n + 1n : n;
        if (lo > from) from = lo;
      } else if (c.op === "<=" || c.op === "<") {
        const hi = c.op === "<" ? n - 1n : n;
        if (hi < to) to = hi;
      }
    }
    const out: IndexedTx[] = [];
    for (let h = from < 1n ? 1n : from; h <= to; h++) {
      const block = this.blocks.at(Number(h))!;
      const hashes = this.blockTxHashes[Number(h) - 1]!;
      block.txs.forEach((tx, index) => {
        out.push({ hash: hashes[index]!, height: h, index, tx, result: block.results[index]! });
      });
    }
    return out;
  }
}

/**
 * Opens the chain (restoring it from `stateDir` when that holds one) without producing blocks, so genesis
 * work can run at height 0 (e.g. `WasmModule.instantiate` of the finality contract); call `start()` next.
 */
export function createChain(options: ChainOptions): Chain {
  return new Chain(options);
}
