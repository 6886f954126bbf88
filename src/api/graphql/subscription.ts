// The root Subscription type: live updates, replayed from the database where a client resumes.
import { builder } from "./builder.ts";
import type { GraphQLContext } from "./context.ts";
import { isPushable, type PushableStream, pushable } from "./finalized-feed.ts";
import * as streams from "./streams.ts";
import { type BLOCK_STATUSES, BlockStatusEnum } from "./types/enums.ts";
import { BlockRef, EquivocationRef, SignatureRef } from "./types/refs.ts";
import { btcPkArg, nonNegative } from "./validation.ts";

export const BlockStatusUpdateRef = builder
  .objectRef<streams.BlockStatusUpdate>("BlockStatusUpdate")
  .implement({
    fields: (t) => ({
      height: t.field({ type: "BigInt", resolve: (u) => u.height }),
      hash: t.exposeString("hash"),
      status: t.field({ type: BlockStatusEnum, resolve: (u) => u.status as (typeof BLOCK_STATUSES)[number] }),
      votedPower: t.field({ type: "BigInt", nullable: true, resolve: (u) => u.votedPower }),
      totalPower: t.field({ type: "BigInt", nullable: true, resolve: (u) => u.totalPower }),
      block: t.field({
        type: BlockRef,
        nullable: true,
        resolve: (u, _a, ctx) => ctx.loaders.blockByHash.load(u.hash),
      }),
    }),
  });

/** The stream, counted in the open-subscriptions gauge until it ends; a pushable one stays pushable. */
export function tracked<T>(
  ctx: GraphQLContext,
  name: string,
  stream: AsyncIterableIterator<T>,
): AsyncIterableIterator<T> {
  const gauge = ctx.metrics.subscriptionsActive.labels({ subscription: name });
  gauge.inc();
  let open = true;
  const done = () => {
    if (open) gauge.dec();
    open = false;
  };
  const counted: AsyncIterableIterator<T> & Partial<PushableStream<T>> = {
    next: () =>
      stream.next().then(
        (r) => {
          if (r.done) done();
          return r;
        },
        (e: unknown) => {
          done();
          throw e;
        },
      ),
    return: () => {
      done();
      return stream.return ? stream.return() : Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  if (isPushable(stream)) counted.pushTo = (sink, signal) => stream.pushTo(sink, signal).finally(done);
  return counted;
}

/** A stream of one provider's records, or every provider's without `fpBtcPk`, counted while open. */
function ofProvider<T>(
  ctx: GraphQLContext,
  name: string,
  open: (
    prisma: GraphQLContext["prisma"],
    events: GraphQLContext["events"],
    shared: GraphQLContext["shared"],
    fpBtcPk: string | undefined,
  ) => AsyncIterableIterator<T>,
  fpBtcPk: string | null | undefined,
): AsyncIterableIterator<T> {
  const fp = fpBtcPk == null ? undefined : btcPkArg("fpBtcPk", fpBtcPk);
  return tracked(ctx, name, open(ctx.prisma, ctx.events, ctx.shared, fp));
}

builder.subscriptionType({
  fields: (t) => ({
    finalizedBlocks: t.field({
      type: BlockRef,
      description:
        "Every block as it becomes BTC-finalized, in height order, none skipped. Resume with fromHeight = the last height you saw: missed blocks come first, then live ones, without gap or repeat.",
      args: { fromHeight: t.arg({ type: "BigInt" }) },
      subscribe: (_r, args, ctx) => {
        const from = args.fromHeight == null ? undefined : nonNegative("fromHeight", args.fromHeight);
        return tracked(
          ctx,
          "finalizedBlocks",
          pushable(
            () => streams.finalizedBlocks(ctx.prisma, ctx.events, ctx.shared, from),
            (sink, signal) => ctx.feed.push(sink, from, signal),
          ),
        );
      },
      resolve: (block) => block,
    }),
    blockStatus: t.field({
      type: BlockStatusUpdateRef,
      description: "The current status of the canonical block at a height, then every change",
      args: { height: t.arg({ type: "BigInt", required: true }) },
      subscribe: (_r, args, ctx) =>
        tracked(
          ctx,
          "blockStatus",
          streams.blockStatus(ctx.prisma, ctx.events, nonNegative("height", args.height)),
        ),
      resolve: (u) => u,
    }),
    finalitySignatures: t.field({
      type: SignatureRef,
      args: { fpBtcPk: t.arg.string() },
      subscribe: (_r, args, ctx) =>
        ofProvider(ctx, "finalitySignatures", streams.finalitySignatures, args.fpBtcPk),
      resolve: (s) => s,
    }),
    equivocations: t.field({
      type: EquivocationRef,
      args: { fpBtcPk: t.arg.string() },
      subscribe: (_r, args, ctx) => ofProvider(ctx, "equivocations", streams.equivocations, args.fpBtcPk),
      resolve: (e) => e,
    }),
  }),
});
