// FinalityProvider: description, status, power, participation and misses, randomness commitments.
import {
  DEFAULT_MISSED_GRACE_SECONDS,
  GracePeriodError,
  type MissedRule,
  missedRule,
} from "../../../core/finality/missed.ts";
import {
  type ParticipationCounts,
  participation,
  unvotedCheckedHeights,
} from "../../../store/participation.ts";
import { builder } from "../builder.ts";
import type { FinalityProvider, GraphQLContext } from "../context.ts";
import { delegationsPage, pubRandPage, signaturesPage } from "../pages.ts";
import { badArgument } from "../pagination.ts";
import { cacheableUntil } from "../response-cache.ts";
import { nonNegative } from "../validation.ts";
import { HeightOrderEnum, type ProviderStatus, ProviderStatusEnum } from "./enums.ts";
import { DelegationConnection, ProviderRef, PubRandConnection, SignatureConnection } from "./refs.ts";

export const Description = builder.objectRef<FinalityProvider>("FinalityProviderDescription").implement({
  fields: (t) => ({
    moniker: t.string({ nullable: true, resolve: (p) => p.moniker }),
    identity: t.string({ nullable: true, resolve: (p) => p.identity }),
    website: t.string({ nullable: true, resolve: (p) => p.website }),
    securityContact: t.string({ nullable: true, resolve: (p) => p.securityContact }),
    details: t.string({ nullable: true, resolve: (p) => p.details }),
  }),
});

export const ParticipationRef = builder.objectRef<ParticipationCounts>("Participation").implement({
  description:
    "Votes over the provider's last `window` checked canonical blocks at which it had voting power",
  fields: (t) => ({
    window: t.exposeInt("window"),
    checkedBlocks: t.int({ resolve: (p) => p.expected }),
    votedBlocks: t.int({ resolve: (p) => p.voted }),
    missedBlocks: t.int({ resolve: (p) => p.expected - p.voted - p.pending }),
    pendingBlocks: t.int({ description: "Unvoted, and the vote can still count", resolve: (p) => p.pending }),
    rate: t.float({
      nullable: true,
      description: "votedBlocks / (checkedBlocks − pendingBlocks)",
      resolve: (p) => (p.expected === p.pending ? null : p.voted / (p.expected - p.pending)),
    }),
  }),
});

/** The missed/pending rule for one provider now: the finalized height and its highest vote. */
async function missedRuleOf(ctx: GraphQLContext, fpBtcPk: string, graceSeconds: number): Promise<MissedRule> {
  // Through the request's loaders: participation and missed heights asked together share both reads.
  const [finalized, voted] = await Promise.all([
    ctx.loaders.state.load("finalized_height"),
    ctx.loaders.highestVotedHeight.load(fpBtcPk),
  ]);
  // The rule reads the clock to the second: the answer holds until the next one.
  const nowSeconds = Math.floor(Date.now() / 1000);
  cacheableUntil(ctx, (nowSeconds + 1) * 1000);
  try {
    return missedRule({
      finalizedHeight: finalized === undefined ? null : BigInt(finalized),
      highestVotedHeight: voted ?? null,
      nowSeconds: BigInt(nowSeconds),
      graceSeconds,
    });
  } catch (error) {
    if (error instanceof GracePeriodError) throw badArgument("graceSeconds", error.message);
    throw error;
  }
}

async function unvotedHeights(
  ctx: GraphQLContext,
  fpBtcPk: string,
  which: "missed" | "pending",
  args: {
    fromHeight?: bigint | null;
    toHeight?: bigint | null;
    first?: number | null;
    graceSeconds?: number | null;
  },
): Promise<bigint[]> {
  const first = args.first ?? 100;
  if (!Number.isInteger(first) || first < 0 || first > ctx.maxPageSize) {
    throw badArgument("first", `must be an integer from 0 to ${ctx.maxPageSize} (got ${first})`);
  }
  const from = nonNegative("fromHeight", args.fromHeight ?? 0n);
  const to = args.toHeight ?? 2n ** 63n - 1n;
  const rule = await missedRuleOf(ctx, fpBtcPk, args.graceSeconds ?? DEFAULT_MISSED_GRACE_SECONDS);
  return unvotedCheckedHeights(ctx.reads, fpBtcPk, { from, to, first, rule, which });
}

export async function providerStatus(p: FinalityProvider, ctx: GraphQLContext): Promise<ProviderStatus> {
  if (p.slashedBabylonHeight !== null && p.slashedBabylonHeight !== 0n) return "SLASHED";
  if (p.jailed) return "JAILED";
  return (await ctx.loaders.currentPower.load(p.btcPk)) > 0n ? "ACTIVE" : "INACTIVE";
}

ProviderRef.implement({
  description: "A finality provider registered for the BSN",
  fields: (t) => ({
    btcPk: t.exposeString("btcPk", { description: "x-only BTC public key, 64 lowercase hex digits" }),
    bsnId: t.exposeString("bsnId"),
    addr: t.string({ nullable: true, resolve: (p) => p.addr }),
    description: t.field({ type: Description, resolve: (p) => p }),
    commission: t.string({ nullable: true, resolve: (p) => p.commission }),
    status: t.field({ type: ProviderStatusEnum, resolve: (p, _a, ctx) => providerStatus(p, ctx) }),
    jailed: t.exposeBoolean("jailed"),
    slashedBabylonHeight: t.field({ type: "BigInt", nullable: true, resolve: (p) => p.slashedBabylonHeight }),
    slashedBtcHeight: t.int({ nullable: true, resolve: (p) => p.slashedBtcHeight }),
    registeredBabylonHeight: t.field({
      type: "BigInt",
      nullable: true,
      resolve: (p) => p.registeredBabylonHeight,
    }),
    votingPower: t.field({
      type: "BigInt",
      description: "Satoshis at the newest BTC height the engine computed voting power for",
      resolve: (p, _a, ctx) => ctx.loaders.currentPower.load(p.btcPk),
    }),
    votingPowerAt: t.field({
      type: "BigInt",
      nullable: true,
      description:
        "Satoshis at a BTC height; null when the engine has not evaluated any block at that BTC height",
      args: { btcHeight: t.arg.int({ required: true }) },
      resolve: (p, args, ctx) => {
        if (args.btcHeight < 0)
          throw badArgument("btcHeight", `must not be negative (got ${args.btcHeight})`);
        return ctx.loaders.powerAt.load(`${args.btcHeight}:${p.btcPk}`);
      },
    }),
    highestVotedHeight: t.field({
      type: "BigInt",
      nullable: true,
      resolve: (p, _a, ctx) => ctx.loaders.highestVotedHeight.load(p.btcPk),
    }),
    delegations: t.field({
      type: DelegationConnection,
      args: { ...t.arg.connectionArgs(), status: t.arg.string() },
      resolve: (p, args, ctx) => delegationsPage(ctx, args, { status: args.status, fpBtcPk: p.btcPk }, ""),
    }),
    votes: t.field({
      type: SignatureConnection,
      args: {
        ...t.arg.connectionArgs(),
        heightGte: t.arg({ type: "BigInt" }),
        heightLte: t.arg({ type: "BigInt" }),
        orderBy: t.arg({ type: HeightOrderEnum, defaultValue: "HEIGHT_DESC" }),
      },
      resolve: (p, args, ctx) =>
        signaturesPage(
          ctx,
          args,
          { fpBtcPk: p.btcPk, heightGte: args.heightGte, heightLte: args.heightLte },
          args.orderBy ?? "HEIGHT_DESC",
          "",
        ),
    }),
    missedCheckedHeights: t.field({
      type: ["BigInt"],
      description:
        "Checked canonical heights, newest first, at which the provider had voting power, did not vote for the canonical block, and no longer can: the block is BTC-finalized, or the provider voted a higher height, or graceSeconds have passed since the block's time",
      args: {
        fromHeight: t.arg({ type: "BigInt" }),
        toHeight: t.arg({ type: "BigInt" }),
        first: t.arg.int({ defaultValue: 100 }),
        graceSeconds: t.arg.int({ defaultValue: DEFAULT_MISSED_GRACE_SECONDS }),
      },
      resolve: (p, args, ctx) => unvotedHeights(ctx, p.btcPk, "missed", args),
    }),
    pendingCheckedHeights: t.field({
      type: ["BigInt"],
      description:
        "Checked canonical heights, newest first, at which the provider had voting power and has not voted yet, but its vote can still count (not missed yet)",
      args: {
        fromHeight: t.arg({ type: "BigInt" }),
        toHeight: t.arg({ type: "BigInt" }),
        first: t.arg.int({ defaultValue: 100 }),
        graceSeconds: t.arg.int({ defaultValue: DEFAULT_MISSED_GRACE_SECONDS }),
      },
      resolve: (p, args, ctx) => unvotedHeights(ctx, p.btcPk, "pending", args),
    }),
    participation: t.field({
      type: ParticipationRef,
      args: {
        window: t.arg.int({ defaultValue: 100, description: "How many of the latest checked blocks" }),
        graceSeconds: t.arg.int({ defaultValue: DEFAULT_MISSED_GRACE_SECONDS }),
      },
      resolve: async (p, args, ctx) => {
        const window = args.window ?? 100;
        if (window < 1 || window > 100_000)
          throw badArgument("window", `must be from 1 to 100000 (got ${window})`);
        const rule = await missedRuleOf(ctx, p.btcPk, args.graceSeconds ?? DEFAULT_MISSED_GRACE_SECONDS);
        return participation(ctx.reads, p.btcPk, window, rule);
      },
    }),
    randomnessCommits: t.field({
      type: PubRandConnection,
      args: { ...t.arg.connectionArgs() },
      resolve: (p, args, ctx) => pubRandPage(ctx, args, p.btcPk),
    }),
  }),
});
