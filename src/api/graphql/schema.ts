// The explorer-facing GraphQL schema: blocks with their finality verdicts and votes, finality providers with
// power, participation and misses, delegations, signatures, equivocations, randomness commitments, sync
// status, transaction finality, and live subscriptions. Cross-table fields go through DataLoaders (context.ts);
// lists are keyset-paginated Relay connections (pagination.ts).

import type { Prisma } from "../../db/generated/client.ts";
import type { BlockStatus } from "../../db/generated/enums.ts";
import { QueryError } from "../errors.ts";
import { parseTransactionHash, type TransactionStatus } from "../finality.ts";
import type { ComponentHealth } from "../health.ts";
import {
  DEFAULT_MISSED_GRACE_SECONDS,
  type ParticipationCounts,
  providerMissedRule,
  providerParticipation,
  unvotedCheckedHeights,
} from "../missed-heights.ts";
import { builder } from "./builder.ts";
import type {
  BtcDelegation,
  Equivocation,
  FinalityProvider,
  FinalitySignature,
  GraphQLContext,
  L2Block,
  PubRandCommit,
} from "./context.ts";
import { type GraphQLSchema, lexicographicSortSchema } from "./graphql-js.ts";
import {
  badArgument,
  type ConnectionArgs,
  keysetPage,
  pageRequest,
  type SortKey,
  toConnection,
} from "./pagination.ts";
import * as streams from "./streams.ts";

const BTC_PK = /^[0-9a-f]{64}$/;
const L2_HASH = /^0x[0-9a-f]{64}$/;

function btcPkArg(name: string, value: string): string {
  const pk = value.toLowerCase();
  if (!BTC_PK.test(pk))
    throw badArgument(name, `expected a 64-hex-digit x-only BTC public key, got ${JSON.stringify(value)}`);
  return pk;
}

function l2HashArg(name: string, value: string): string {
  const hash = (value.startsWith("0x") || value.startsWith("0X") ? value : `0x${value}`).toLowerCase();
  if (!L2_HASH.test(hash))
    throw badArgument(name, `expected a 32-byte hex block hash, got ${JSON.stringify(value)}`);
  return hash;
}

function nonNegative(name: string, value: bigint): bigint {
  if (value < 0n) throw badArgument(name, `must not be negative (got ${value})`);
  return value;
}

// ---- enums ----------------------------------------------------------------------------------------------

const BLOCK_STATUSES = [
  "NOT_CHECKED",
  "NOT_ACTIVATED",
  "PENDING",
  "NO_VOTING_POWER",
  "FINALIZED",
  "ORPHANED",
] as const;

const BlockStatusEnum = builder.enumType("BlockStatus", {
  description: "The finality engine's verdict on an L2 block",
  values: {
    NOT_CHECKED: { description: "Between checked heights: finalized only through the next checked block" },
    NOT_ACTIVATED: { description: "Checked, before BTC staking was activated for the BSN" },
    PENDING: { description: "Checked, waiting for quorum or for the previous checked block" },
    NO_VOTING_POWER: { description: "Checked, no finality provider had voting power" },
    FINALIZED: { description: "BTC-finalized; never reverts" },
    ORPHANED: { description: "Left the canonical chain in a reorg before it was finalized" },
  } as const,
});

const ProviderStatusEnum = builder.enumType("FinalityProviderStatus", {
  values: {
    ACTIVE: { description: "Has voting power now" },
    JAILED: { description: "Jailed on Babylon" },
    SLASHED: { description: "Slashed; never counts again" },
    INACTIVE: { description: "Registered, no voting power now" },
  } as const,
});
type ProviderStatus = "ACTIVE" | "JAILED" | "SLASHED" | "INACTIVE";

const BlockOrderEnum = builder.enumType("BlockOrder", { values: ["HEIGHT_ASC", "HEIGHT_DESC"] as const });
const HeightOrderEnum = builder.enumType("HeightOrder", { values: ["HEIGHT_ASC", "HEIGHT_DESC"] as const });
const ProviderOrderEnum = builder.enumType("FinalityProviderOrder", {
  values: ["VOTING_POWER_DESC", "BTC_PK_ASC"] as const,
});
const ComponentStateEnum = builder.enumType("ComponentState", {
  values: ["OK", "DEGRADED", "DOWN"] as const,
});
const TransactionFinalityEnum = builder.enumType("TransactionFinality", {
  description:
    "The reference gadget's transaction statuses, in precedence order FINALIZED > BTC_FINALIZED > SAFE > PENDING",
  values: {
    FINALIZED: { value: "finalized", description: "The L2 itself reports the block finalized" },
    BTC_FINALIZED: { value: "btc finalized", description: "BTC-finalized by this gadget" },
    SAFE: { value: "safe", description: "Derived from L1, not finalized" },
    PENDING: { value: "pending", description: "None of the above yet" },
  } as const,
});

// ---- object types ---------------------------------------------------------------------------------------

const BlockRef = builder.objectRef<L2Block>("Block");
const SignatureRef = builder.objectRef<FinalitySignature>("FinalitySignature");
const ProviderRef = builder.objectRef<FinalityProvider>("FinalityProvider");
const DelegationRef = builder.objectRef<BtcDelegation>("Delegation");
const EquivocationRef = builder.objectRef<Equivocation>("Equivocation");
const PubRandRef = builder.objectRef<PubRandCommit>("PubRandCommit");

const BlockConnection = builder.connectionObject(
  { type: BlockRef, name: "BlockConnection" },
  { name: "BlockEdge" },
);
const SignatureConnection = builder.connectionObject(
  { type: SignatureRef, name: "FinalitySignatureConnection" },
  { name: "FinalitySignatureEdge" },
);
const ProviderConnection = builder.connectionObject(
  { type: ProviderRef, name: "FinalityProviderConnection" },
  { name: "FinalityProviderEdge" },
);
const DelegationConnection = builder.connectionObject(
  { type: DelegationRef, name: "DelegationConnection" },
  { name: "DelegationEdge" },
);
const EquivocationConnection = builder.connectionObject(
  { type: EquivocationRef, name: "EquivocationConnection" },
  { name: "EquivocationEdge" },
);
const PubRandConnection = builder.connectionObject(
  { type: PubRandRef, name: "PubRandCommitConnection" },
  { name: "PubRandCommitEdge" },
);

BlockRef.implement({
  description: "An L2 block and the finality engine's verdict on it",
  fields: (t) => ({
    hash: t.exposeString("hash", { description: "0x-prefixed lowercase hex" }),
    height: t.field({ type: "BigInt", resolve: (b) => b.height }),
    parentHash: t.exposeString("parentHash"),
    parent: t.field({
      type: BlockRef,
      nullable: true,
      resolve: (b, _a, ctx) => ctx.loaders.blockByHash.load(b.parentHash),
    }),
    timestamp: t.field({ type: "BigInt", description: "Unix seconds", resolve: (b) => b.timestamp }),
    time: t.field({ type: "DateTime", resolve: (b) => new Date(Number(b.timestamp) * 1000) }),
    canonical: t.exposeBoolean("canonical"),
    checked: t.exposeBoolean("checked", {
      description: "On the voting grid (activation height + k·interval)",
    }),
    status: t.field({ type: BlockStatusEnum, resolve: (b) => b.status }),
    btcFinalized: t.boolean({ resolve: (b) => b.canonical && b.status === "FINALIZED" }),
    btcHeight: t.int({ nullable: true, resolve: (b) => b.btcHeight }),
    votedPower: t.field({ type: "BigInt", nullable: true, resolve: (b) => b.votedPower }),
    totalPower: t.field({ type: "BigInt", nullable: true, resolve: (b) => b.totalPower }),
    votedPowerRatio: t.float({
      nullable: true,
      description: "votedPower / totalPower; quorum is ≥ 2/3",
      resolve: (b) =>
        b.votedPower === null || b.totalPower === null || b.totalPower === 0n
          ? null
          : Number((b.votedPower * 1_000_000n) / b.totalPower) / 1_000_000,
    }),
    voterCount: t.int({ nullable: true, resolve: (b) => b.voterCount }),
    votes: t.field({
      type: [SignatureRef],
      description: "Finality signatures the contract accepted for exactly this height and hash",
      resolve: (b, _a, ctx) => ctx.loaders.votesOfBlock.load(`${b.height}:${b.hash}`),
    }),
    evaluatedAt: t.field({ type: "DateTime", nullable: true, resolve: (b) => b.evaluatedAt }),
    finalizedAt: t.field({ type: "DateTime", nullable: true, resolve: (b) => b.finalizedAt }),
    finalizedByBabylonHeight: t.field({
      type: "BigInt",
      nullable: true,
      resolve: (b) => b.finalizedByBabylonHeight,
    }),
    timeToFinalitySeconds: t.float({
      nullable: true,
      description: "From the block's timestamp to the gadget marking it BTC-finalized",
      resolve: (b) => (b.finalizedAt === null ? null : b.finalizedAt.getTime() / 1000 - Number(b.timestamp)),
    }),
  }),
});

SignatureRef.implement({
  description: "A finality signature (vote) the finality contract accepted",
  fields: (t) => ({
    fpBtcPk: t.exposeString("fpBtcPk"),
    provider: t.field({
      type: ProviderRef,
      nullable: true,
      resolve: (s, _a, ctx) => ctx.loaders.providerByPk.load(s.fpBtcPk),
    }),
    height: t.field({ type: "BigInt", resolve: (s) => s.height }),
    blockHash: t.exposeString("blockHash"),
    block: t.field({
      type: BlockRef,
      nullable: true,
      resolve: (s, _a, ctx) => ctx.loaders.blockByHash.load(s.blockHash),
    }),
    votingPower: t.field({
      type: "BigInt",
      nullable: true,
      description: "The provider's power at the BTC height of the signed block, when the engine evaluated it",
      resolve: async (s, _a, ctx) => {
        const block = await ctx.loaders.blockByHash.load(s.blockHash);
        if (block?.btcHeight == null) return null;
        return ctx.loaders.powerAt.load(`${block.btcHeight}:${s.fpBtcPk}`);
      },
    }),
    babylonHeight: t.field({ type: "BigInt", resolve: (s) => s.babylonHeight }),
    babylonTime: t.field({ type: "DateTime", resolve: (s) => s.babylonTime }),
    txHash: t.exposeString("txHash"),
    msgIndex: t.exposeInt("msgIndex"),
    pubRand: t.string({ nullable: true, resolve: (s) => s.pubRand }),
    signature: t.string({ nullable: true, resolve: (s) => s.signature }),
  }),
});

const Description = builder.objectRef<FinalityProvider>("FinalityProviderDescription").implement({
  fields: (t) => ({
    moniker: t.string({ nullable: true, resolve: (p) => p.moniker }),
    identity: t.string({ nullable: true, resolve: (p) => p.identity }),
    website: t.string({ nullable: true, resolve: (p) => p.website }),
    securityContact: t.string({ nullable: true, resolve: (p) => p.securityContact }),
    details: t.string({ nullable: true, resolve: (p) => p.details }),
  }),
});

type Participation = ParticipationCounts;

const ParticipationRef = builder.objectRef<Participation>("Participation").implement({
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

async function providerStatus(p: FinalityProvider, ctx: GraphQLContext): Promise<ProviderStatus> {
  if (p.slashedBabylonHeight !== null && p.slashedBabylonHeight !== 0n) return "SLASHED";
  if (p.jailed) return "JAILED";
  return (await ctx.loaders.currentPower.load(p.btcPk)) > 0n ? "ACTIVE" : "INACTIVE";
}

const DelegationWhere = builder.inputType("DelegationWhere", {
  fields: (t) => ({
    fpBtcPk: t.string(),
    stakerAddr: t.string(),
    stakerBtcPk: t.string(),
    status: t.string({ description: "PENDING, VERIFIED, ACTIVE, UNBONDED, EXPIRED, …" }),
  }),
});

const SignatureWhere = builder.inputType("FinalitySignatureWhere", {
  fields: (t) => ({
    fpBtcPk: t.string(),
    height: t.field({ type: "BigInt" }),
    heightGte: t.field({ type: "BigInt" }),
    heightLte: t.field({ type: "BigInt" }),
    blockHash: t.string(),
  }),
});

interface DelegationFilter {
  fpBtcPk?: string | null;
  stakerAddr?: string | null;
  stakerBtcPk?: string | null;
  status?: string | null;
}

const DELEGATION_KEYS: SortKey[] = [{ field: "stakingTxHash", type: "string", direction: "asc" }];

function delegationsPage(
  ctx: GraphQLContext,
  args: ConnectionArgs,
  filter: DelegationFilter,
  argPrefix: string,
) {
  const page = pageRequest(args, DELEGATION_KEYS, ctx.maxPageSize);
  const where: Record<string, unknown> = {};
  if (filter.fpBtcPk != null)
    where.providers = { some: { fpBtcPk: btcPkArg(`${argPrefix}fpBtcPk`, filter.fpBtcPk) } };
  if (filter.stakerAddr != null) where.stakerAddr = filter.stakerAddr;
  if (filter.stakerBtcPk != null) where.stakerBtcPk = filter.stakerBtcPk.toLowerCase();
  if (filter.status != null) where.status = filter.status;
  return keysetPage(page, DELEGATION_KEYS, where, (q) =>
    ctx.prisma.btcDelegation.findMany(q as Prisma.BtcDelegationFindManyArgs),
  );
}

interface SignatureFilter {
  fpBtcPk?: string | null;
  height?: bigint | null;
  heightGte?: bigint | null;
  heightLte?: bigint | null;
  blockHash?: string | null;
}

function signatureKeys(order: "HEIGHT_ASC" | "HEIGHT_DESC"): SortKey[] {
  const direction = order === "HEIGHT_ASC" ? "asc" : "desc";
  return [
    { field: "height", type: "bigint", direction },
    { field: "babylonHeight", type: "bigint", direction },
    { field: "txHash", type: "string", direction },
    { field: "msgIndex", type: "int", direction },
  ];
}

function signaturesPage(
  ctx: GraphQLContext,
  args: ConnectionArgs,
  filter: SignatureFilter,
  order: "HEIGHT_ASC" | "HEIGHT_DESC",
  argPrefix: string,
) {
  const keys = signatureKeys(order);
  const page = pageRequest(args, keys, ctx.maxPageSize);
  const where: Record<string, unknown> = {};
  if (filter.fpBtcPk != null) where.fpBtcPk = btcPkArg(`${argPrefix}fpBtcPk`, filter.fpBtcPk);
  if (filter.blockHash != null) where.blockHash = l2HashArg(`${argPrefix}blockHash`, filter.blockHash);
  const height: Record<string, bigint> = {};
  if (filter.height != null) height.equals = filter.height;
  if (filter.heightGte != null) height.gte = filter.heightGte;
  if (filter.heightLte != null) height.lte = filter.heightLte;
  if (Object.keys(height).length > 0) where.height = height;
  return keysetPage(page, keys, where, (q) =>
    ctx.prisma.finalitySignature.findMany(q as Prisma.FinalitySignatureFindManyArgs),
  );
}

const PUBRAND_KEYS: SortKey[] = [
  { field: "fpBtcPk", type: "string", direction: "asc" },
  { field: "startHeight", type: "bigint", direction: "desc" },
];

function pubRandPage(ctx: GraphQLContext, args: ConnectionArgs, fpBtcPk: string | undefined) {
  const page = pageRequest(args, PUBRAND_KEYS, ctx.maxPageSize);
  return keysetPage(page, PUBRAND_KEYS, fpBtcPk === undefined ? {} : { fpBtcPk }, (q) =>
    ctx.prisma.pubRandCommit.findMany(q as Prisma.PubRandCommitFindManyArgs),
  );
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
      resolve: (p, args, ctx) => unvotedCheckedHeights(ctx.prisma, ctx.maxPageSize, p.btcPk, "missed", args),
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
      resolve: (p, args, ctx) => unvotedCheckedHeights(ctx.prisma, ctx.maxPageSize, p.btcPk, "pending", args),
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
        const rule = await providerMissedRule(
          ctx.prisma,
          p.btcPk,
          args.graceSeconds ?? DEFAULT_MISSED_GRACE_SECONDS,
        );
        return providerParticipation(ctx.prisma, p.btcPk, window, rule);
      },
    }),
    randomnessCommits: t.field({
      type: PubRandConnection,
      args: { ...t.arg.connectionArgs() },
      resolve: (p, args, ctx) => pubRandPage(ctx, args, p.btcPk),
    }),
  }),
});

DelegationRef.implement({
  description: "A BTC delegation (stake) to one or more finality providers",
  fields: (t) => ({
    stakingTxHash: t.exposeString("stakingTxHash"),
    stakerAddr: t.string({ nullable: true, resolve: (d) => d.stakerAddr }),
    stakerBtcPk: t.string({ nullable: true, resolve: (d) => d.stakerBtcPk }),
    totalSat: t.field({ type: "BigInt", resolve: (d) => d.totalSat }),
    stakingTime: t.exposeInt("stakingTime"),
    startHeight: t.exposeInt("startHeight"),
    endHeight: t.exposeInt("endHeight"),
    covenantQuorumReached: t.exposeBoolean("covenantQuorumReached"),
    unbondedAtBtcHeight: t.int({ nullable: true, resolve: (d) => d.unbondedAtBtcHeight }),
    status: t.exposeString("status"),
    paramsVersion: t.int({ nullable: true, resolve: (d) => d.paramsVersion }),
    fpBtcPks: t.stringList({
      resolve: (d, _a, ctx) => ctx.loaders.providersOfDelegation.load(d.stakingTxHash),
    }),
    providers: t.field({
      type: [ProviderRef],
      resolve: async (d, _a, ctx) => {
        const pks = await ctx.loaders.providersOfDelegation.load(d.stakingTxHash);
        const rows = await ctx.loaders.providerByPk.loadMany(pks);
        return rows.filter((r): r is FinalityProvider => r !== null && !(r instanceof Error));
      },
    }),
  }),
});

EquivocationRef.implement({
  description: "Two signatures by one provider for different blocks at one height; its secret key leaks",
  fields: (t) => ({
    fpBtcPk: t.exposeString("fpBtcPk"),
    provider: t.field({
      type: ProviderRef,
      nullable: true,
      resolve: (e, _a, ctx) => ctx.loaders.providerByPk.load(e.fpBtcPk),
    }),
    height: t.field({ type: "BigInt", resolve: (e) => e.height }),
    canonicalBlockHash: t.exposeString("canonicalBlockHash"),
    forkBlockHash: t.exposeString("forkBlockHash"),
    canonicalSignature: t.exposeString("canonicalSignature"),
    forkSignature: t.exposeString("forkSignature"),
    pubRand: t.exposeString("pubRand"),
    signingContext: t.string({ nullable: true, resolve: (e) => e.signingContext }),
    extractedSecretKey: t.string({ nullable: true, resolve: (e) => e.extractedSecretKey }),
    babylonHeight: t.field({ type: "BigInt", resolve: (e) => e.babylonHeight }),
    eventIndex: t.exposeInt("eventIndex"),
    txHash: t.string({ nullable: true, resolve: (e) => e.txHash }),
  }),
});

PubRandRef.implement({
  description: "A public randomness commitment the finality contract accepted",
  fields: (t) => ({
    fpBtcPk: t.exposeString("fpBtcPk"),
    provider: t.field({
      type: ProviderRef,
      nullable: true,
      resolve: (c, _a, ctx) => ctx.loaders.providerByPk.load(c.fpBtcPk),
    }),
    startHeight: t.field({ type: "BigInt", resolve: (c) => c.startHeight }),
    numPubRand: t.field({ type: "BigInt", resolve: (c) => c.numPubRand }),
    endHeight: t.field({
      type: "BigInt",
      description: "Last height covered: startHeight + (numPubRand − 1)·interval",
      resolve: (c) => c.startHeight + (c.numPubRand - 1n) * (c.interval > 0n ? c.interval : 1n),
    }),
    interval: t.field({ type: "BigInt", resolve: (c) => c.interval }),
    babylonEpoch: t.field({ type: "BigInt", nullable: true, resolve: (c) => c.babylonEpoch }),
    commitment: t.string({ nullable: true, resolve: (c) => c.commitment }),
    babylonHeight: t.field({ type: "BigInt", resolve: (c) => c.babylonHeight }),
    txHash: t.exposeString("txHash"),
    msgIndex: t.exposeInt("msgIndex"),
  }),
});

// ---- sync status, health, transactions ------------------------------------------------------------------

const ComponentRef = builder.objectRef<ComponentHealth>("ComponentHealth").implement({
  fields: (t) => ({
    name: t.exposeString("name"),
    state: t.field({
      type: ComponentStateEnum,
      resolve: (c) => c.state.toUpperCase() as "OK" | "DEGRADED" | "DOWN",
    }),
    detail: t.string({ nullable: true, resolve: (c) => c.detail ?? null }),
    lastProgressAt: t.field({ type: "DateTime", nullable: true, resolve: (c) => c.lastProgressAt ?? null }),
    reportedAt: t.field({ type: "DateTime", resolve: (c) => c.reportedAt }),
  }),
});

interface IncidentRow {
  id: number;
  kind: string;
  height: bigint | null;
  details: string;
  detectedAt: Date;
  resolvedAt: Date | null;
}

const IncidentRef = builder.objectRef<IncidentRow>("SafetyIncident").implement({
  description: "A reorg below a BTC-finalized block, or indexed state disagreeing with the chain",
  fields: (t) => ({
    id: t.exposeInt("id"),
    kind: t.exposeString("kind"),
    height: t.field({ type: "BigInt", nullable: true, resolve: (i) => i.height }),
    details: t.exposeString("details"),
    detectedAt: t.field({ type: "DateTime", resolve: (i) => i.detectedAt }),
    resolvedAt: t.field({ type: "DateTime", nullable: true, resolve: (i) => i.resolvedAt }),
  }),
});

interface SyncStatus {
  state: Map<string, string>;
  cursors: Map<string, bigint>;
  finalized: L2Block | null;
  headBlock: L2Block | null;
  head: bigint | null;
}

const optBig = (value: string | undefined) => (value === undefined ? null : BigInt(value));

const SyncStatusRef = builder.objectRef<SyncStatus>("SyncStatus").implement({
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
      resolve: (s) => {
        if (s.finalized === null) return null;
        const headTime = s.headBlock !== null ? Number(s.headBlock.timestamp) : Date.now() / 1000;
        return Math.max(0, headTime - Number(s.finalized.timestamp));
      },
    }),
    components: t.field({ type: [ComponentRef], resolve: (_s, _a, ctx) => ctx.health.snapshot() }),
    ready: t.boolean({ resolve: async (_s, _a, ctx) => (await ctx.health.readiness(ctx.prisma)).ready }),
    notReadyReasons: t.stringList({
      resolve: async (_s, _a, ctx) => (await ctx.health.readiness(ctx.prisma)).reasons,
    }),
    safetyIncidents: t.field({
      type: [IncidentRef],
      description: "Open safety incidents",
      resolve: (_s, _a, ctx) =>
        ctx.prisma.safetyIncident.findMany({
          where: { resolvedAt: null },
          orderBy: { id: "asc" },
          take: 100,
        }),
    }),
  }),
});

const TransactionRef = builder.objectRef<TransactionStatus>("TransactionStatus").implement({
  fields: (t) => ({
    txHash: t.exposeString("txHash"),
    blockHash: t.exposeString("blockHash"),
    blockHeight: t.field({ type: "BigInt", resolve: (x) => x.blockHeight }),
    blockTimestamp: t.field({ type: "BigInt", resolve: (x) => x.blockTimestamp }),
    status: t.field({ type: TransactionFinalityEnum, resolve: (x) => x.status }),
    babylonFinalized: t.exposeBoolean("babylonFinalized"),
    block: t.field({
      type: BlockRef,
      nullable: true,
      resolve: (x, _a, ctx) => ctx.loaders.blockByHash.load(x.blockHash),
    }),
  }),
});

// ---- queries --------------------------------------------------------------------------------------------

const BlockWhere = builder.inputType("BlockWhere", {
  fields: (t) => ({
    status: t.field({ type: BlockStatusEnum }),
    statusIn: t.field({ type: [BlockStatusEnum] }),
    heightGte: t.field({ type: "BigInt" }),
    heightLte: t.field({ type: "BigInt" }),
    checked: t.boolean(),
    canonical: t.boolean({ description: "Default true; pass null for every stored block, orphans included" }),
  }),
});

const ProviderWhere = builder.inputType("FinalityProviderWhere", {
  fields: (t) => ({ status: t.field({ type: ProviderStatusEnum }), bsnId: t.string() }),
});

const EquivocationWhere = builder.inputType("EquivocationWhere", {
  fields: (t) => ({
    fpBtcPk: t.string(),
    heightGte: t.field({ type: "BigInt" }),
    heightLte: t.field({ type: "BigInt" }),
  }),
});

const EQUIVOCATION_KEYS: SortKey[] = [
  { field: "babylonHeight", type: "bigint", direction: "desc" },
  { field: "eventIndex", type: "int", direction: "desc" },
];

builder.queryType({
  fields: (t) => ({
    syncStatus: t.field({
      type: SyncStatusRef,
      resolve: async (_r, _a, ctx) => {
        const [state, cursors, finalized] = await Promise.all([
          ctx.reader.state([
            "l2_head_height",
            "l2_safe_height",
            "l2_finalized_height",
            "babylon_head_height",
            "btc_tip_height",
            "activated_timestamp",
            "activated_height",
          ]),
          ctx.prisma.ingestCursor.findMany(),
          ctx.prisma.l2Block.findFirst({
            where: { canonical: true, status: "FINALIZED" },
            orderBy: { height: "desc" },
          }),
        ]);
        const cursorMap = new Map(cursors.map((c) => [c.name, c.height]));
        const head = state.has("l2_head_height")
          ? BigInt(state.get("l2_head_height")!)
          : (cursorMap.get("l2") ?? null);
        const headBlock = head === null ? null : await ctx.loaders.canonicalBlockByHeight.load(head);
        return { state, cursors: cursorMap, finalized, head, headBlock };
      },
    }),

    block: t.field({
      type: BlockRef,
      nullable: true,
      description: "The canonical block at a height, or the stored block with a hash; exactly one of the two",
      args: { height: t.arg({ type: "BigInt" }), hash: t.arg.string() },
      resolve: (_r, args, ctx) => {
        if ((args.height == null) === (args.hash == null)) {
          throw badArgument(args.height == null ? "height" : "hash", "give exactly one of height and hash");
        }
        if (args.hash != null) return ctx.loaders.blockByHash.load(l2HashArg("hash", args.hash));
        return ctx.loaders.canonicalBlockByHeight.load(nonNegative("height", args.height!));
      },
    }),

    blocks: t.field({
      type: BlockConnection,
      args: {
        ...t.arg.connectionArgs(),
        where: t.arg({ type: BlockWhere }),
        orderBy: t.arg({ type: BlockOrderEnum, defaultValue: "HEIGHT_DESC" }),
      },
      resolve: (_r, args, ctx) => {
        const direction = args.orderBy === "HEIGHT_ASC" ? "asc" : "desc";
        const keys: SortKey[] = [
          { field: "height", type: "bigint", direction },
          { field: "hash", type: "string", direction },
        ];
        const page = pageRequest(args, keys, ctx.maxPageSize);
        const w = args.where ?? {};
        const where: Record<string, unknown> = {};
        // `canonical` omitted means canonical only; an explicit null means every stored block.
        if (!("canonical" in w)) where.canonical = true;
        else if (w.canonical != null) where.canonical = w.canonical;
        if (w.status != null && w.statusIn != null)
          throw badArgument("where.statusIn", "give status or statusIn, not both");
        if (w.status != null) where.status = w.status;
        if (w.statusIn != null) where.status = { in: w.statusIn as BlockStatus[] };
        if (w.checked != null) where.checked = w.checked;
        const height: Record<string, bigint> = {};
        if (w.heightGte != null) height.gte = nonNegative("where.heightGte", w.heightGte);
        if (w.heightLte != null) height.lte = nonNegative("where.heightLte", w.heightLte);
        if (Object.keys(height).length > 0) where.height = height;
        return keysetPage(page, keys, where, (q) =>
          ctx.prisma.l2Block.findMany(q as Prisma.L2BlockFindManyArgs),
        );
      },
    }),

    finalityProvider: t.field({
      type: ProviderRef,
      nullable: true,
      args: { btcPk: t.arg.string({ required: true }) },
      resolve: (_r, args, ctx) => ctx.loaders.providerByPk.load(btcPkArg("btcPk", args.btcPk)),
    }),

    finalityProviders: t.field({
      type: ProviderConnection,
      args: {
        ...t.arg.connectionArgs(),
        where: t.arg({ type: ProviderWhere }),
        orderBy: t.arg({ type: ProviderOrderEnum, defaultValue: "VOTING_POWER_DESC" }),
      },
      resolve: async (_r, args, ctx) => {
        // Providers number in the hundreds: rank them all (status and power are derived), page by offset.
        const keys: SortKey[] = [{ field: "offset", type: "int", direction: "asc" }];
        const page = pageRequest(args, keys, ctx.maxPageSize);
        const all = await ctx.prisma.finalityProvider.findMany({
          where: args.where?.bsnId != null ? { bsnId: args.where.bsnId } : {},
          orderBy: { btcPk: "asc" },
        });
        const [powers, statuses] = await Promise.all([
          Promise.all(all.map((p) => ctx.loaders.currentPower.load(p.btcPk))),
          Promise.all(all.map((p) => providerStatus(p, ctx))),
        ]);
        let ranked = all.map((p, i) => ({ p, power: powers[i]!, status: statuses[i]! }));
        if (args.where?.status != null) ranked = ranked.filter((r) => r.status === args.where!.status);
        if (args.orderBy !== "BTC_PK_ASC") {
          ranked.sort((a, b) =>
            a.power === b.power ? a.p.btcPk.localeCompare(b.p.btcPk) : a.power > b.power ? -1 : 1,
          );
        }
        const start = page.after === undefined ? 0 : Number(page.after[0]) + 1;
        const rows = ranked
          .slice(start, start + page.limit + 1)
          .map((r, i) => ({ row: r.p, offset: start + i }));
        const connection = toConnection(rows, page, keys, (r) => r.offset);
        return {
          ...connection,
          edges: connection.edges.map((e) => ({ cursor: e.cursor, node: e.node.row })),
        };
      },
    }),

    delegations: t.field({
      type: DelegationConnection,
      args: { ...t.arg.connectionArgs(), where: t.arg({ type: DelegationWhere }) },
      resolve: (_r, args, ctx) => delegationsPage(ctx, args, args.where ?? {}, "where."),
    }),

    finalitySignatures: t.field({
      type: SignatureConnection,
      args: {
        ...t.arg.connectionArgs(),
        where: t.arg({ type: SignatureWhere }),
        orderBy: t.arg({ type: HeightOrderEnum, defaultValue: "HEIGHT_DESC" }),
      },
      resolve: (_r, args, ctx) =>
        signaturesPage(ctx, args, args.where ?? {}, args.orderBy ?? "HEIGHT_DESC", "where."),
    }),

    equivocations: t.field({
      type: EquivocationConnection,
      args: { ...t.arg.connectionArgs(), where: t.arg({ type: EquivocationWhere }) },
      resolve: (_r, args, ctx) => {
        const page = pageRequest(args, EQUIVOCATION_KEYS, ctx.maxPageSize);
        const w = args.where ?? {};
        const where: Record<string, unknown> = {};
        if (w.fpBtcPk != null) where.fpBtcPk = btcPkArg("where.fpBtcPk", w.fpBtcPk);
        const height: Record<string, bigint> = {};
        if (w.heightGte != null) height.gte = w.heightGte;
        if (w.heightLte != null) height.lte = w.heightLte;
        if (Object.keys(height).length > 0) where.height = height;
        return keysetPage(page, EQUIVOCATION_KEYS, where, (q) =>
          ctx.prisma.equivocation.findMany(q as Prisma.EquivocationFindManyArgs),
        );
      },
    }),

    pubRandCommits: t.field({
      type: PubRandConnection,
      args: { ...t.arg.connectionArgs(), fpBtcPk: t.arg.string() },
      resolve: (_r, args, ctx) =>
        pubRandPage(ctx, args, args.fpBtcPk == null ? undefined : btcPkArg("fpBtcPk", args.fpBtcPk)),
    }),

    transaction: t.field({
      type: TransactionRef,
      nullable: true,
      description:
        "The finality of an L2 transaction, as GET /v1/transaction; null when the L2 does not know it",
      args: { hash: t.arg.string({ required: true }) },
      resolve: async (_r, args, ctx) => {
        let hash: `0x${string}`;
        try {
          hash = parseTransactionHash(args.hash);
        } catch (error) {
          throw badArgument("hash", (error as Error).message);
        }
        if (ctx.locateTransaction === undefined) {
          throw new QueryError("not_found", "transaction lookup is not available: no L2 RPC is configured");
        }
        try {
          return await ctx.reader.transactionStatus(hash, ctx.locateTransaction);
        } catch (error) {
          if (error instanceof QueryError && error.kind === "not_found") return null;
          throw error;
        }
      },
    }),
  }),
});

// ---- subscriptions --------------------------------------------------------------------------------------

const BlockStatusUpdateRef = builder.objectRef<streams.BlockStatusUpdate>("BlockStatusUpdate").implement({
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

function tracked<T>(
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
  return {
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
}

builder.subscriptionType({
  fields: (t) => ({
    finalizedBlocks: t.field({
      type: BlockRef,
      description:
        "Every block as it becomes BTC-finalized, in height order, none skipped. Resume with fromHeight = the last height you saw: missed blocks come first, then live ones, without gap or repeat.",
      args: { fromHeight: t.arg({ type: "BigInt" }) },
      subscribe: (_r, args, ctx) =>
        tracked(
          ctx,
          "finalizedBlocks",
          streams.finalizedBlocks(
            ctx.prisma,
            ctx.events,
            ctx.shared,
            args.fromHeight == null ? undefined : nonNegative("fromHeight", args.fromHeight),
          ),
        ),
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
        tracked(
          ctx,
          "finalitySignatures",
          streams.finalitySignatures(
            ctx.prisma,
            ctx.events,
            ctx.shared,
            args.fpBtcPk == null ? undefined : btcPkArg("fpBtcPk", args.fpBtcPk),
          ),
        ),
      resolve: (s) => s,
    }),
    equivocations: t.field({
      type: EquivocationRef,
      args: { fpBtcPk: t.arg.string() },
      subscribe: (_r, args, ctx) =>
        tracked(
          ctx,
          "equivocations",
          streams.equivocations(
            ctx.prisma,
            ctx.events,
            ctx.shared,
            args.fpBtcPk == null ? undefined : btcPkArg("fpBtcPk", args.fpBtcPk),
          ),
        ),
      resolve: (e) => e,
    }),
  }),
});

let schema: GraphQLSchema | undefined;

/** The schema, built once (Pothos builders are single-use). */
export function gadgetSchema(): GraphQLSchema {
  schema ??= builder.toSchema();
  return schema;
}

/** The schema as committed in schema.graphql. */
export function sortedSchema(): GraphQLSchema {
  return lexicographicSortSchema(gadgetSchema());
}
