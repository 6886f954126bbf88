// Scans every Babylon block from the stored cursor: `block_results` for events and `block` for the txs the
// contract events point into. Ranges are read ahead in a worker thread (babylon-fetch/) while the previous
// one is written, each range with its cursor in one transaction (DESIGN rule 10). An event it cannot read that
// can change voting power stops it at that event's block (store/babylon-unreadable.ts).
import { BabylonBlockReader } from "../../chains/babylon/block-reader.ts";
import type { Logger } from "../../log.ts";
import { commitBabylonBatch } from "../../store/babylon-batch.ts";
import {
  clearUnreadableEvent,
  countSkippedMalformed,
  isSkipDecided,
  readUnreadableEvent,
  recordUnreadableEvent,
  type UnreadableEvent,
} from "../../store/babylon-unreadable.ts";
import { readCursor, writeState } from "../../store/state.ts";
import type { Store } from "../../store/store.ts";
import type { StepResult } from "../runtime/loop.ts";
import { BabylonFetcher } from "./fetch/fetcher.ts";
import type { BabylonBlockRecords, MalformedEvent } from "./records.ts";

export interface BabylonIngesterOptions {
  store: Store;
  rpcUrl: string;
  contractAddress: string;
  log: Logger;
  /** First Babylon height to scan into an empty database. */
  startHeight: bigint;
  /** Most blocks per step (one transaction). */
  maxBlocksPerStep: number;
  /** JSON-RPC batch requests in flight while a range is read. */
  concurrency: number;
  /** The fetch worker to read through, when shared (the gadget's reconciler reads delegations through it). */
  fetcher?: BabylonFetcher;
  /** Called after a batch commits, with what it wrote. */
  onBatch?: (records: BabylonBlockRecords, lastHeight: bigint, lastTime: Date) => Promise<void> | void;
}

export class BabylonIngester {
  private readonly reader: BabylonBlockReader;
  private readonly fetcher: BabylonFetcher;
  private ahead: { from: bigint; records: Promise<BabylonBlockRecords> } | undefined;
  // The unreadable event ingestion is stopped at (null: none), read from the database once and then kept here:
  // only this ingester records or clears it (one writer per lease, and each lease builds its own ingester).
  // The operator's skip decision comes from another process; it is read only when a power-changing event is
  // unreadable, in `unreadable`. `undefined`: not read yet, or forgotten after a failed step.
  private stopped: UnreadableEvent | null | undefined;
  // The next height to read and the head last recorded, kept here for the same reason (this ingester is the
  // stage's only writer): live, a step is then one round trip shorter, and an idle poll writes nothing.
  // `undefined`: not known yet, or forgotten after a failed step.
  private next: bigint | undefined;
  private headRecorded: bigint | undefined;

  constructor(private readonly o: BabylonIngesterOptions) {
    this.reader = new BabylonBlockReader(o.rpcUrl);
    this.fetcher =
      o.fetcher ??
      new BabylonFetcher({
        rpcUrl: o.rpcUrl,
        contractAddress: o.contractAddress,
        concurrency: o.concurrency,
      });
  }

  /** After a failed step: forgets the range fetched ahead (it may be what failed) and the stop it knew of. */
  reset(): void {
    this.ahead = undefined;
    this.stopped = undefined;
    this.next = undefined;
    this.headRecorded = undefined;
  }

  /** Stops the fetch worker (a later step starts it again). */
  async close(): Promise<void> {
    this.ahead = undefined;
    await this.fetcher.close();
  }

  async step(): Promise<StepResult> {
    const { db } = this.o.store;
    const head = await this.reader.latestHeight();
    if (head !== this.headRecorded) {
      await writeState(db, { babylon_head_height: head });
      this.headRecorded = head;
    }
    this.next ??= ((await readCursor(db, "babylon"))?.height ?? this.o.startHeight - 1n) + 1n;
    const from = this.next;
    if (from > head) return "idle";
    // The range fetched ahead during the previous step's write, when it starts where the cursor says.
    const ahead = this.ahead?.from === from ? this.ahead.records : undefined;
    this.ahead = undefined;
    let records = await (ahead ?? this.fetch(from, head));
    const blocking = await this.unreadable(records);
    if (blocking !== undefined) {
      // Fail safe: nothing at or after the unreadable event's block is committed, so ingestion and evaluation
      // stop there. The blocks before it are committed as usual.
      if (blocking.babylonHeight === from) return this.stopAt(blocking);
      records = await this.fetcher.fetch(from, blocking.babylonHeight - 1n);
    }
    const last = records.blocks[records.blocks.length - 1]!;
    if (blocking === undefined && last.height < head) {
      // Fetch the next range while this one is written: backfill then runs at the pace of the slower of the two.
      const next = last.height + 1n;
      const fetching = this.fetch(next, head);
      fetching.catch(() => {}); // a failed read-ahead is simply not used
      this.ahead = { from: next, records: fetching };
    }
    const skipped = records.malformed;
    for (const bad of skipped) {
      this.o.log.warn(
        { babylonHeight: String(bad.babylonHeight), event: bad.eventType, err: bad.error },
        bad.changesPower
          ? "unreadable event skipped by the operator's decision"
          : "malformed event skipped (it cannot change voting power)",
      );
    }
    await commitBabylonBatch(this.o.store, records, last);
    this.next = last.height + 1n;
    await countSkippedMalformed(db, skipped.length);
    const stopped = await this.stoppedAt();
    if (stopped !== null && last.height >= stopped.babylonHeight) {
      await clearUnreadableEvent(db);
      this.stopped = null;
      this.o.log.warn(
        { babylonHeight: String(stopped.babylonHeight), event: stopped.eventType },
        "ingestion is past the unreadable event; evaluation resumes",
      );
    }
    await this.o.onBatch?.(records, last.height, last.time);
    return "progress";
  }

  /** The first event of the records that can change voting power, cannot be read, and no operator skipped. */
  private async unreadable(records: BabylonBlockRecords): Promise<MalformedEvent | undefined> {
    for (const bad of records.malformed) {
      if (!bad.changesPower) continue;
      if (!(await isSkipDecided(this.o.store.db, bad.babylonHeight, bad.eventType))) return bad;
    }
    return undefined;
  }

  private async stopAt(bad: MalformedEvent): Promise<StepResult> {
    const known = await this.stoppedAt();
    if (known?.babylonHeight !== bad.babylonHeight || known.eventType !== bad.eventType) {
      await recordUnreadableEvent(this.o.store.db, bad);
      this.stopped = bad;
      this.o.log.error(
        { babylonHeight: String(bad.babylonHeight), event: bad.eventType, err: bad.error },
        "unreadable Babylon event that can change voting power: ingestion and evaluation stop at its block " +
          "until a fixed gadget reads it or an operator skips it (op-btc-finality babylon skip-event)",
      );
    }
    return "idle";
  }

  private async stoppedAt(): Promise<UnreadableEvent | null> {
    if (this.stopped === undefined) this.stopped = (await readUnreadableEvent(this.o.store.db)) ?? null;
    return this.stopped;
  }

  private fetch(from: bigint, head: bigint): Promise<BabylonBlockRecords> {
    const end = from + BigInt(this.o.maxBlocksPerStep) - 1n;
    return this.fetcher.fetch(from, head < end ? head : end);
  }
}
