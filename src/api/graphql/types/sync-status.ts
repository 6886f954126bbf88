// SyncStatus: how far each chain is indexed and finalized.
import { readUnreadableEvent, type UnreadableEvent } from "../../../store/babylon-unreadable.ts";
import { openIncidents } from "../../../store/reads/blocks.ts";
import { builder } from "../builder.ts";
import { uncacheable } from "../response-cache.ts";
import { ComponentRef, IncidentRef, type SyncStatus } from "./health.ts";
import { BlockRef } from "./refs.ts";

export const optBig = (value: string | undefined) => (value === undefined ? null : BigInt(value));

const UnreadableEventRef = builder.objectRef<UnreadableEvent>("UnreadableBabylonEvent").implement({
  description:
    "A Babylon event the gadget cannot read that can change voting power: ingestion and evaluation stop at its block",
  fields: (t) => ({
    babylonHeight: t.field({ type: "BigInt", resolve: (e) => e.babylonHeight }),
    eventType: t.exposeString("eventType"),
    error: t.exposeString("error"),
  }),
});

export const SyncStatusRef = builder.objectRef<SyncStatus>("SyncStatus").implement({
  fields: (t) => ({
    l2HeadHeight: t.field({ type: "BigInt", nullable: true, resolve: (s) => s.head }),
    l2SafeHeight: t.field({
      type: "BigInt",
      nullable: true,
      resolve: (s) => optBig(s.state.get("l2_safe_height")),
    }),
    l2FinalizedHeight: t.field({
      type: "BigInt",
      nullable: true,
      description:
        "The L2's own finalized head (L1 finality, and BTC finality when op-node uses this gadget)",
      resolve: (s) => optBig(s.state.get("l2_finalized_height")),
    }),
    l2IngestedHeight: t.field({
      type: "BigInt",
      nullable: true,
      resolve: (s) => s.cursors.get("l2") ?? null,
    }),
    evaluatedHeight: t.field({
      type: "BigInt",
      nullable: true,
      description: "Highest L2 height the finality engine evaluated",
      resolve: (s) => s.cursors.get("engine") ?? null,
    }),
    btcFinalizedHeight: t.field({
      type: "BigInt",
      nullable: true,
      resolve: (s) => s.finalized?.height ?? null,
    }),
    btcFinalizedBlock: t.field({ type: BlockRef, nullable: true, resolve: (s) => s.finalized }),
    babylonHeight: t.field({
      type: "BigInt",
      nullable: true,
      description: "Babylon's latest height as last seen",
      resolve: (s) => optBig(s.state.get("babylon_head_height")),
    }),
    babylonIndexedHeight: t.field({
      type: "BigInt",
      nullable: true,
      resolve: (s) => s.cursors.get("babylon") ?? null,
    }),
    btcTipHeight: t.int({
      nullable: true,
      resolve: (s) => (s.state.has("btc_tip_height") ? Number(s.state.get("btc_tip_height")) : null),
    }),
    activated: t.boolean({ resolve: (s) => s.state.has("activated_timestamp") }),
    activatedTimestamp: t.field({
      type: "BigInt",
      nullable: true,
      resolve: (s) => optBig(s.state.get("activated_timestamp")),
    }),
    activatedHeight: t.field({
      type: "BigInt",
      nullable: true,
      resolve: (s) => optBig(s.state.get("activated_height")),
    }),
    lagBlocks: t.field({
      type: "BigInt",
      nullable: true,
      description: "L2 head height minus the BTC-finalized height",
      resolve: (s) => (s.head === null ? null : s.head - (s.finalized?.height ?? 0n)),
    }),
    lagSeconds: t.float({
      nullable: true,
      description:
        "Timestamp of the L2 head (or now, before it is stored) minus that of the BTC-finalized block",
      resolve: (s, _a, ctx) => {
        if (s.finalized === null) return null;
        if (s.headBlock === null) uncacheable(ctx);
        const headTime = s.headBlock !== null ? Number(s.headBlock.timestamp) : Date.now() / 1000;
        return Math.max(0, headTime - Number(s.finalized.timestamp));
      },
    }),
    // The process's own health: not in the database, so not kept by the response cache.
    components: t.field({
      type: [ComponentRef],
      resolve: (_s, _a, ctx) => {
        uncacheable(ctx);
        return ctx.health.snapshot();
      },
    }),
    ready: t.boolean({
      resolve: async (_s, _a, ctx) => {
        uncacheable(ctx);
        return (await ctx.health.readiness(ctx.prisma)).ready;
      },
    }),
    notReadyReasons: t.stringList({
      resolve: async (_s, _a, ctx) => {
        uncacheable(ctx);
        return (await ctx.health.readiness(ctx.prisma)).reasons;
      },
    }),
    unreadableBabylonEvent: t.field({
      type: UnreadableEventRef,
      nullable: true,
      description: "The unreadable power-changing Babylon event evaluation is stopped at, if any",
      resolve: (_s, _a, ctx) => readUnreadableEvent(ctx.prisma),
    }),
    safetyIncidents: t.field({
      type: [IncidentRef],
      description: "Open safety incidents",
      resolve: (_s, _a, ctx) => openIncidents(ctx.prisma, 100),
    }),
  }),
});
