// Scans every Babylon block from the stored cursor: `block_results` for events and `block` for the txs the
// contract events point into. Blocks are fetched ahead with bounded concurrency and written in batches,
// each batch with its cursor in one transaction (DESIGN rule 10).
import type { Comet38Client } from "@cosmjs/tendermint-rpc";
import { mapWithConcurrency } from "../chains/concurrency.ts";
import { retryingComet } from "../chains/rpc-retry.ts";
import type { PrismaClient } from "../db/database.ts";
import type { Logger } from "../log.ts";
import {
  type BabylonBlockInput,
  type BabylonBlockRecords,
  emptyRecords,
  recordsOfBlock,
} from "./babylon-records.ts";
import { BABYLON_CURSOR, commitBabylonBatch, mergeRecords } from "./babylon-store.ts";
import type { StepResult } from "./loop.ts";
import type { Mutex } from "./mutex.ts";
import { readCursor, writeState } from "./state.ts";

export interface BabylonIngesterOptions {
  prisma: PrismaClient;
  rpcUrl: string;
  contractAddress: string;
  log: Logger;
  /** First Babylon height to scan into an empty database. */
  startHeight: bigint;
  /** Most blocks per step (one transaction). */
  maxBlocksPerStep: number;
  concurrency: number;
  /** The indexer's write lock (see commitBabylonBatch). */
  writeLock: Mutex;
  /** Called as a batch commits, before the write lock is released: tells the engine what changed. */
  onCommitted?: (records: BabylonBlockRecords) => void;
  /** Called after a batch commits, with what it wrote. */
  onBatch?: (records: BabylonBlockRecords, lastHeight: bigint, lastTime: Date) => Promise<void> | void;
}

export class BabylonIngester {
  private client: Comet38Client | undefined;
  private ahead: { from: bigint; blocks: Promise<BabylonBlockInput[]> } | undefined;

  constructor(private readonly o: BabylonIngesterOptions) {}

  // Babylon runs CometBFT 0.38; its block_results carry finalize_block_events.
  private async comet(): Promise<Comet38Client> {
    this.client ??= retryingComet(this.o.rpcUrl);
    return this.client;
  }

  /** Drops the connection so the next step reconnects (after an RPC fault). */
  reset(): void {
    this.client?.disconnect();
    this.client = undefined;
    this.ahead = undefined;
  }

  async step(): Promise<StepResult> {
    const { prisma } = this.o;
    let comet: Comet38Client;
    try {
      comet = await this.comet();
    } catch (error) {
      this.reset();
      throw error;
    }
    const status = await comet.status().catch((error: unknown) => {
      this.reset();
      throw error;
    });
    const head = BigInt(status.syncInfo.latestBlockHeight);
    await writeState(prisma, { babylon_head_height: head, babylon_head_at: Date.now() });
    const cursor = await readCursor(prisma, BABYLON_CURSOR);
    const from = cursor ? cursor.height + 1n : this.o.startHeight;
    if (from > head) return "idle";
    // The range fetched ahead during the previous step's write, when it starts where the cursor says.
    const ahead = this.ahead?.from === from ? this.ahead.blocks : undefined;
    this.ahead = undefined;
    const blocks = await (ahead ?? this.fetchBlocks(comet, from, this.rangeEnd(from, head)));
    const last = blocks[blocks.length - 1]!;
    if (last.height < head) {
      // Fetch the next range while this one is written: backfill then runs at the pace of the slower of the two.
      const next = last.height + 1n;
      const fetching = this.fetchBlocks(comet, next, this.rangeEnd(next, head));
      fetching.catch(() => {}); // a failed read-ahead is simply not used
      this.ahead = { from: next, blocks: fetching };
    }
    const batch = emptyRecords();
    for (const block of blocks) {
      const records = recordsOfBlock(block, this.o.contractAddress);
      for (const bad of records.malformed) {
        this.o.log.warn(
          { babylonHeight: String(block.height), event: bad.eventType, err: bad.error },
          "malformed event skipped",
        );
      }
      mergeRecords(batch, records);
    }
    await commitBabylonBatch(prisma, this.o.writeLock, batch, last, this.o.onCommitted);
    await this.o.onBatch?.(batch, last.height, last.time);
    return "progress";
  }

  private rangeEnd(from: bigint, head: bigint): bigint {
    const end = from + BigInt(this.o.maxBlocksPerStep) - 1n;
    return head < end ? head : end;
  }

  private async fetchBlocks(comet: Comet38Client, from: bigint, to: bigint): Promise<BabylonBlockInput[]> {
    const heights: number[] = [];
    for (let h = from; h <= to; h++) heights.push(Number(h));
    try {
      return await mapWithConcurrency(heights, this.o.concurrency, async (height) => {
        const [results, block] = await Promise.all([comet.blockResults(height), comet.block(height)]);
        return {
          height: BigInt(height),
          time: new Date(block.block.header.time.getTime()),
          txs: block.block.txs,
          txResults: results.results.map((r) => ({ code: r.code, events: r.events.map(plainEvent) })),
          blockEvents: results.finalizeBlockEvents.map(plainEvent),
        };
      });
    } catch (error) {
      this.reset();
      throw error;
    }
  }
}

/** CosmJS's event as the record builder reads it: type and string attributes, nothing else. */
function plainEvent(e: { type: string; attributes: readonly { key: string; value: string }[] }) {
  return { type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })) };
}
