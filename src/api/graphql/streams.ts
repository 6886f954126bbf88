// The live streams behind the GraphQL subscriptions. Each subscribes to the event bus BEFORE reading the
// database, so nothing committed between the read and the subscription is lost; what the database already
// answered is then skipped by height. finalizedBlocks also fills any gap between events from the database,
// so a subscriber gets every finalized height in order exactly once, whatever the publisher batches.
import type { Equivocation, FinalitySignature, L2Block, PrismaClient } from "../../db/generated/client.ts";
import { SlowConsumerError } from "../../errors.ts";
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
import { Channel, HIGH_WATER } from "./channel.ts";
import type { SharedLoads } from "./context.ts";

const CATCH_UP_BATCH = 500;

/** Events a subscriber may have waiting (beyond the 256 rows its output holds) before it is dropped. */
export const SUBSCRIBER_BUFFER = 1_000;

function listen<K extends keyof GadgetEventMap>(
  events: GadgetEvents,
  name: K,
  capacity: number,
): Channel<GadgetEventMap[K]> {
  const inbox = new Channel<GadgetEventMap[K]>(capacity);
  const unsubscribe = events.subscribe(name, (event) => inbox.offer(event));
  inbox.onClose(unsubscribe);
  return inbox;
}

/**
 * Runs `produce` feeding `out`; ends `inbox` when the consumer leaves and `out` when the producer fails. A
 * consumer dropped for falling behind gets the error at once, not after the rows still buffered for it.
 */
function pump<I, O>(inbox: Channel<I>, out: Channel<O>, produce: () => Promise<void>): Channel<O> {
  out.onClose(() => inbox.close());
  // The producer may be waiting for room in `out`, not reading the inbox: fail `out` from here.
  inbox.onClose(() => {
    if (inbox.error instanceof SlowConsumerError) out.fail(inbox.error);
  });
  produce().then(
    () => out.close(),
    (error: unknown) => (error instanceof SlowConsumerError ? out.fail(error) : out.close(error)),
  );
  return out;
}

/**
 * Every block as it becomes BTC-finalized, ascending, none skipped, none repeated. With `fromHeight` the
 * stream first replays finalized blocks above it (the last height a resuming client saw); without it, it
 * starts after the newest finalized block at subscription time.
 */
/**
 * The finalizedBlocks inbox. It fills gaps from the database, so a burst of events (a commit that finalizes
 * thousands of blocks) is coalesced to the newest one. Only a consumer that has stopped reading — its output
 * full and its inbox too — is dropped.
 */
function listenFinalized(
  events: GadgetEvents,
  out: Channel<L2Block>,
  capacity: number,
): Channel<BlockFinalizedEvent> {
  const inbox = new Channel<BlockFinalizedEvent>(capacity);
  const unsubscribe = events.subscribe("blockFinalized", (event) => {
    if (inbox.backlog >= capacity && out.backlog < HIGH_WATER) inbox.coalesce(event);
    else inbox.offer(event);
  });
  inbox.onClose(unsubscribe);
  return inbox;
}

export function finalizedBlocks(
  prisma: PrismaClient,
  events: GadgetEvents,
  shared: SharedLoads,
  fromHeight: bigint | undefined,
  capacity = SUBSCRIBER_BUFFER,
): AsyncIterableIterator<L2Block> {
  const out = new Channel<L2Block>();
  const inbox = listenFinalized(events, out, capacity);
  // Reads other subscribers started after this point see all this one needs: they may be shared.
  const attached = shared.now();
  let last: bigint;

  // Yields finalized blocks above `last` up to `upTo` (or all of them), in batches.
  const catchUp = async (upTo?: bigint) => {
    for (;;) {
      const rows = await shared.joined(`finalizedAfter:${last}:${upTo}`, attached, () =>
        finalizedAfter(prisma, last, upTo, CATCH_UP_BATCH),
      );
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
      last =
        (await shared.joined("finalizedEnd", attached, () => finalizedEnd(prisma, "newest")))?.height ?? -1n;
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
  capacity = SUBSCRIBER_BUFFER,
): AsyncIterableIterator<BlockStatusUpdate> {
  const inbox = listen(events, "blockStatus", capacity);
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

const updates = new WeakMap<BlockStatusEvent, BlockStatusUpdate>();

/** One update object per event, so every subscriber of a height shares its execution (shared-execution.ts). */
function statusUpdate(event: BlockStatusEvent): BlockStatusUpdate {
  let update = updates.get(event);
  if (update === undefined) {
    update = {
      height: event.height,
      hash: event.hash,
      status: event.status,
      votedPower: event.votedPower ?? null,
      totalPower: event.totalPower ?? null,
    };
    updates.set(event, update);
  }
  return update;
}

/** Finality signatures as the indexer stores them, optionally of one provider. */
export function finalitySignatures(
  prisma: PrismaClient,
  events: GadgetEvents,
  shared: SharedLoads,
  fpBtcPk: string | undefined,
  capacity = SUBSCRIBER_BUFFER,
): AsyncIterableIterator<FinalitySignature> {
  const inbox = listen(events, "finalitySignature", capacity);
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
  capacity = SUBSCRIBER_BUFFER,
): AsyncIterableIterator<Equivocation> {
  const inbox = listen(events, "equivocation", capacity);
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
