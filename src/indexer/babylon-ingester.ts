// Scans every Babylon block from the stored cursor: `block_results` for events and `block` for the txs the
// contract events point into. Blocks are fetched ahead with bounded concurrency and written in batches,
// each batch with its cursor in one transaction (DESIGN rule 10).
import { type BabylonBlock, BabylonBlockReader } from "../chains/babylon/block-reader.ts";
import { mapWithConcurrency } from "../chains/concurrency.ts";
import type { PrismaClient } from "../db/database.ts";
import type { Logger } from "../log.ts";
import { type BabylonBlockRecords, emptyRecords, recordsOfBlock } from "./babylon-records.ts";
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

/** Heights per JSON-RPC batch request: ten blocks of 250 votes make a reply of about 6 MB. */
const HEIGHTS_PER_REQUEST = 10;

export class BabylonIngester {
  private readonly reader: BabylonBlockReader;
  private ahead: { from: bigint; blocks: Promise<BabylonBlock[]> } | undefined;

  constructor(private readonly o: BabylonIngesterOptions) {
    this.reader = new BabylonBlockReader(o.rpcUrl);
  }

  /** Forgets the range fetched ahead (after an RPC fault: it may be what failed). */
  reset(): void {
    this.ahead = undefined;
  }

  async step(): Promise<StepResult> {
    const { prisma } = this.o;
    const head = await this.reader.latestHeight();
    await writeState(prisma, { babylon_head_height: head, babylon_head_at: Date.now() });
    const cursor = await readCursor(prisma, BABYLON_CURSOR);
    const from = cursor ? cursor.height + 1n : this.o.startHeight;
    if (from > head) return "idle";
    // The range fetched ahead during the previous step's write, when it starts where the cursor says.
    const ahead = this.ahead?.from === from ? this.ahead.blocks : undefined;
    this.ahead = undefined;
    const blocks = await (ahead ?? this.fetchBlocks(from, this.rangeEnd(from, head)));
    const last = blocks[blocks.length - 1]!;
    if (last.height < head) {
      // Fetch the next range while this one is written: backfill then runs at the pace of the slower of the two.
      const next = last.height + 1n;
      const fetching = this.fetchBlocks(next, this.rangeEnd(next, head));
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

  private async fetchBlocks(from: bigint, to: bigint): Promise<BabylonBlock[]> {
    const chunks: bigint[][] = [];
    for (let h = from; h <= to; h += BigInt(HEIGHTS_PER_REQUEST)) {
      const chunk: bigint[] = [];
      for (let x = h; x <= to && x < h + BigInt(HEIGHTS_PER_REQUEST); x++) chunk.push(x);
      chunks.push(chunk);
    }
    const parts = await mapWithConcurrency(chunks, this.o.concurrency, (c) => this.reader.blocks(c));
    return parts.flat();
  }
}
