// The live streams behind the GraphQL subscriptions. Each subscribes to the event bus BEFORE reading the
// database, so nothing committed between the read and the subscription is lost; what the database already
// answered is then skipped by height. finalizedBlocks also fills any gap between events from the database,
// so a subscriber gets every finalized height in order exactly once, whatever the publisher batches.
import type { Equivocation, FinalitySignature, L2Block, PrismaClient } from "../../db/generated/client.ts";
import type {
  BlockFinalizedEvent,
  BlockStatusEvent,
  GadgetEventMap,
  GadgetEvents,
} from "../../indexer/runtime/events.ts";
import {
  canonicalBlocksAt,
  finalizedAfter,
  finalizedBlockByHash,
  finalizedEnd,
} from "../../store/reads/blocks.ts";
import { latestEquivocation, signatureByKey } from "../../store/reads/signatures.ts";
import { Channel } from "./channel.ts";
import type { SharedLoads } from "./context.ts";

const CATCH_UP_BATCH = 500;

function listen<K extends keyof GadgetEventMap>(events: GadgetEvents, name: K): Channel<GadgetEventMap[K]> {
  const inbox = new Channel<GadgetEventMap[K]>();
  const unsubscribe = events.subscribe(name, (event) => inbox.offer(event));
  inbox.onClose(unsubscribe);
  return inbox;
}

/** Runs `produce` feeding `out`; ends `inbox` when the consumer leaves and `out` when the producer fails. */
function pump<I, O>(inbox: Channel<I>, out: Channel<O>, produce: () => Promise<void>): Channel<O> {
  out.onClose(() => inbox.close());
  produce().then(
    () => out.close(),
    (error: unknown) => out.close(error),
  );
  return out;
}

/**
 * Every block as it becomes BTC-finalized, ascending, none skipped, none repeated. With `fromHeight` the
 * stream first replays finalized blocks above it (the last height a resuming client saw); without it, it
 * starts after the newest finalized block at subscription time.
 */
export function finalizedBlocks(
  prisma: PrismaClient,
  events: GadgetEvents,
  shared: SharedLoads,
  fromHeight: bigint | undefined,
): AsyncIterableIterator<L2Block> {
  const inbox = listen(events, "blockFinalized");
  const out = new Channel<L2Block>();
  let last: bigint;

  // Yields finalized blocks above `last` up to `upTo` (or all of them), in batches.
  const catchUp = async (upTo?: bigint) => {
    for (;;) {
      const rows = await finalizedAfter(prisma, last, upTo, CATCH_UP_BATCH);
      for (const row of rows) {
        if (out.closed) return;
        await out.push(row);
        last = row.height;
      }
      if (rows.length < CATCH_UP_BATCH) return;
    }
  };

  return pump(inbox, out, async () => {
    if (fromHeight === undefined) {
      last = (await finalizedEnd(prisma, "newest"))?.height ?? -1n;
    } else {
      last = fromHeight;
      await catchUp();
    }
    for await (const event of inbox) {
      if (event.height <= last) continue;
      if (event.height === last + 1n) {
        const row = await loadFinalized(prisma, shared, event);
        if (row !== null) {
          await out.push(row);
          last = row.height;
          continue;
        }
      }
      await catchUp(event.height);
    }
  });
}

function loadFinalized(prisma: PrismaClient, shared: SharedLoads, event: BlockFinalizedEvent) {
  return shared.once(event, () => finalizedBlockByHash(prisma, event.hash));
}

export interface BlockStatusUpdate {
  height: bigint;
  hash: string;
  status: string;
  votedPower: bigint | null;
  totalPower: bigint | null;
}

/** The current status of the canonical block at `height` (if any), then every change to it. */
export function blockStatus(
  prisma: PrismaClient,
  events: GadgetEvents,
  height: bigint,
): AsyncIterableIterator<BlockStatusUpdate> {
  const inbox = listen(events, "blockStatus");
  const out = new Channel<BlockStatusUpdate>();
  return pump(inbox, out, async () => {
    const [current = null] = await canonicalBlocksAt(prisma, [height]);
    if (current !== null) {
      await out.push({
        height: current.height,
        hash: current.hash,
        status: current.status,
        votedPower: current.votedPower,
        totalPower: current.totalPower,
      });
    }
    for await (const event of inbox) {
      if (event.height !== height) continue;
      await out.push(statusUpdate(event));
    }
  });
}

function statusUpdate(event: BlockStatusEvent): BlockStatusUpdate {
  return {
    height: event.height,
    hash: event.hash,
    status: event.status,
    votedPower: event.votedPower ?? null,
    totalPower: event.totalPower ?? null,
  };
}

/** Finality signatures as the indexer stores them, optionally of one provider. */
export function finalitySignatures(
  prisma: PrismaClient,
  events: GadgetEvents,
  shared: SharedLoads,
  fpBtcPk: string | undefined,
): AsyncIterableIterator<FinalitySignature> {
  const inbox = listen(events, "finalitySignature");
  const out = new Channel<FinalitySignature>();
  return pump(inbox, out, async () => {
    for await (const event of inbox) {
      if (fpBtcPk !== undefined && event.fpBtcPk !== fpBtcPk) continue;
      const row = await shared.once(event, () =>
        signatureByKey(prisma, {
          babylonHeight: event.babylonHeight,
          txHash: event.txHash,
          msgIndex: event.msgIndex,
        }),
      );
      if (row !== null) await out.push(row);
    }
  });
}

/** Equivocations (double signatures) as the indexer records them, optionally of one provider. */
export function equivocations(
  prisma: PrismaClient,
  events: GadgetEvents,
  shared: SharedLoads,
  fpBtcPk: string | undefined,
): AsyncIterableIterator<Equivocation> {
  const inbox = listen(events, "equivocation");
  const out = new Channel<Equivocation>();
  return pump(inbox, out, async () => {
    for await (const event of inbox) {
      if (fpBtcPk !== undefined && event.fpBtcPk !== fpBtcPk) continue;
      const row = await shared.once(event, () =>
        latestEquivocation(prisma, {
          babylonHeight: event.babylonHeight,
          fpBtcPk: event.fpBtcPk,
          height: event.height,
        }),
      );
      if (row !== null) await out.push(row);
    }
  });
}
