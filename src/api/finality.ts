// The finality read model every query surface shares (gRPC for op-node, REST, GraphQL), so the three can never
// disagree about whether a block is BTC-finalized. "Height h is BTC-finalized" = the canonical block at h has
// status FINALIZED (rules 5 and 6: the indexer marks blocks between checked heights too).

import type { BlockRef } from "../core/finality/consecutive.ts";
import {
  checkRange,
  finalizedPrefix,
  normalizeBlockHash,
  type StoredBlockStatus,
} from "../core/finality/range.ts";
import {
  blocksByHash,
  type CanonicalStatus,
  canonicalStatusesBetween,
  finalizedEnd,
} from "../store/reads/blocks.ts";
import type { FinalizedBlocks } from "../store/reads/finalized-cache.ts";
import { readCursor, readState, readStates, type StateKey } from "../store/state.ts";
import type { Tx } from "../store/tx.ts";
import { BLOCK_NOT_FOUND_MESSAGE, NOT_ACTIVATED_MESSAGE, QueryError } from "./errors.ts";

export interface BlockInfo {
  /** 0x-prefixed lowercase hex. */
  hash: string;
  height: bigint;
  timestamp: bigint;
}

/** Finds the L2 block of a transaction; the gadget indexes blocks, not transactions (see report). */
export type TransactionLocator = (
  txHash: `0x${string}`,
) => Promise<{ blockHash: string; blockNumber: bigint } | null>;

/** The reference's `/v1/transaction` statuses, in its precedence order. */
export type TransactionFinality = "finalized" | "btc finalized" | "safe" | "pending";

export interface TransactionStatus {
  txHash: string;
  blockHash: string;
  blockHeight: bigint;
  blockTimestamp: bigint;
  status: TransactionFinality;
  babylonFinalized: boolean;
}

export interface ChainSyncStatus {
  latestBlock: bigint;
  latestBtcFinalizedBlock: bigint;
  earliestBtcFinalizedBlock: bigint;
  latestEthFinalizedBlock: bigint;
}

const TX_HASH = /^0x[0-9a-fA-F]{64}$/;

export function parseTransactionHash(hash: string | null | undefined): `0x${string}` {
  if (hash === null || hash === undefined || hash === "") {
    throw new QueryError("invalid_argument", "hash is required: a 0x-prefixed 32-byte transaction hash");
  }
  if (!TX_HASH.test(hash)) {
    throw new QueryError(
      "invalid_argument",
      `invalid EVM transaction hash ${JSON.stringify(hash)}: expected 0x followed by 64 hex digits`,
    );
  }
  return hash.toLowerCase() as `0x${string}`;
}

export class FinalityReader {
  /** Set once a block is known finalized: activation cannot move after that (rule 5 chains back to it). */
  private settledActivation: bigint | undefined;

  constructor(
    private readonly db: Tx,
    private readonly finalized?: FinalizedBlocks,
  ) {}

  state<K extends StateKey>(keys: readonly K[]): Promise<Map<K, string>> {
    return readStates(this.db, keys);
  }

  /** Rule 7: the persisted activation timestamp, or the reference's not-activated error. */
  async activatedTimestamp(): Promise<bigint> {
    if (this.settledActivation !== undefined) return this.settledActivation;
    const settled = this.finalized?.seenAny === true;
    const value = await readState(this.db, "activated_timestamp");
    if (value === undefined) throw new QueryError("not_activated", NOT_ACTIVATED_MESSAGE);
    if (settled) this.settledActivation = BigInt(value);
    return BigInt(value);
  }

  /**
   * op-node's single-block question. As the reference: a block older than activation is "not activated".
   * Unlike it, the hash is checked when given, so a block that lost a reorg is never reported finalized.
   */
  async isBlockBabylonFinalized(block: BlockInfo): Promise<boolean> {
    const expected = block.hash === "" ? undefined : normalizeBlockHash(block.hash);
    const activated = await this.activatedTimestamp();
    if (block.timestamp < activated) throw new QueryError("not_activated", NOT_ACTIVATED_MESSAGE);
    const stored = await this.canonicalStatus(block.height);
    if (stored === undefined || !stored.btcFinalized) return false;
    return expected === undefined || stored.hash === expected;
  }

  /** Rule 8: the highest height of the finalized, hash-matching prefix of a consecutive range; 0 = none. */
  async blockRangeFinalized(blocks: readonly BlockRef[]): Promise<bigint> {
    // The whole argument is checked, once, before the database is touched.
    const range = checkRange(blocks);
    await this.activatedTimestamp();
    const first = blocks[0]!.height;
    const last = blocks[blocks.length - 1]!.height;
    const rows = await canonicalStatusesBetween(this.db, first, last, this.finalized);
    // By offset from the first height (one canonical row per height), not a map keyed by bigints.
    const stored = new Array<StoredBlockStatus | undefined>(blocks.length);
    for (const row of rows) stored[Number(row.height - first)] = storedStatus(row);
    return finalizedPrefix(range, (height) => stored[Number(height - first)]);
  }

  async isFinalizedByHeight(height: bigint): Promise<boolean> {
    return (await this.canonicalStatus(height))?.btcFinalized ?? false;
  }

  async isFinalizedByHash(hash: string): Promise<boolean> {
    const [row] = await blocksByHash(this.db, [normalizeBlockHash(hash)], this.finalized);
    return row?.canonical === true && row.status === "FINALIZED";
  }

  /** The newest BTC-finalized canonical block, or `undefined` when none is. */
  async latestFinalized(): Promise<BlockInfo | undefined> {
    const row = await finalizedEnd(this.db, "newest");
    return row === null ? undefined : { hash: row.hash, height: row.height, timestamp: row.timestamp };
  }

  async requireLatestFinalized(): Promise<BlockInfo> {
    const block = await this.latestFinalized();
    if (block === undefined) throw new QueryError("not_found", BLOCK_NOT_FOUND_MESSAGE);
    return block;
  }

  async chainSyncStatus(): Promise<ChainSyncStatus> {
    const [state, latest, earliest] = await Promise.all([
      this.state(["l2_head_height", "l2_finalized_height"]),
      this.latestFinalized(),
      finalizedEnd(this.db, "oldest"),
    ]);
    const head = await this.l2HeadHeight(state);
    return {
      latestBlock: head,
      latestBtcFinalizedBlock: latest?.height ?? 0n,
      earliestBtcFinalizedBlock: earliest?.height ?? 0n,
      latestEthFinalizedBlock: BigInt(state.get("l2_finalized_height") ?? "0"),
    };
  }

  /** The L2 head as last seen by the ingester, or the highest ingested canonical height before it reports one. */
  async l2HeadHeight(state?: Map<string, string>): Promise<bigint> {
    const known = (state ?? (await this.state(["l2_head_height"]))).get("l2_head_height");
    if (known !== undefined) return BigInt(known);
    const cursor = await readCursor(this.db, "l2");
    return cursor?.height ?? 0n;
  }

  /**
   * The reference's transaction status with its precedence: L2-finalized > BTC-finalized > safe > pending.
   * Throws not_found for a transaction the L2 does not know.
   */
  async transactionStatus(hash: `0x${string}`, locate: TransactionLocator): Promise<TransactionStatus> {
    const receipt = await locate(hash);
    if (receipt === null) throw new QueryError("not_found", `transaction ${hash} not found`);
    const [block, state] = await Promise.all([
      blocksByHash(this.db, [receipt.blockHash.toLowerCase()]).then(([row]) => row),
      this.state(["l2_safe_height", "l2_finalized_height"]),
    ]);
    const height = receipt.blockNumber;
    const btcFinalized = block?.canonical === true && block.status === "FINALIZED";
    const safe = BigInt(state.get("l2_safe_height") ?? "-1");
    const finalized = BigInt(state.get("l2_finalized_height") ?? "-1");
    const status: TransactionFinality =
      finalized >= height
        ? "finalized"
        : btcFinalized
          ? "btc finalized"
          : safe >= height
            ? "safe"
            : "pending";
    return {
      txHash: hash,
      blockHash: receipt.blockHash.toLowerCase(),
      blockHeight: height,
      blockTimestamp: block?.timestamp ?? 0n,
      status,
      babylonFinalized: btcFinalized || status === "finalized",
    };
  }

  private async canonicalStatus(height: bigint): Promise<StoredBlockStatus | undefined> {
    const [row] = await canonicalStatusesBetween(this.db, height, height, this.finalized);
    return row === undefined ? undefined : storedStatus(row);
  }
}

/** What rules 7–8 need of a canonical row: its hash, and whether it is BTC-finalized. */
function storedStatus(row: CanonicalStatus): StoredBlockStatus {
  return { hash: row.hash, btcFinalized: row.status === "FINALIZED" };
}
