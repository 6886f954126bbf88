// Filters and keyset-paginated page queries of the list fields (pagination.ts does the paging).
import { delegationPage } from "../../store/reads/delegations.ts";
import { pubRandCommitPage } from "../../store/reads/providers.ts";
import { signaturePage } from "../../store/reads/signatures.ts";
import { builder } from "./builder.ts";
import type { GraphQLContext } from "./context.ts";
import { type ConnectionArgs, keysetPage, pageRequest, type SortKey } from "./pagination.ts";
import { BlockStatusEnum, ProviderStatusEnum } from "./types/enums.ts";
import { btcPkArg, l2HashArg } from "./validation.ts";

export const DelegationWhere = builder.inputType("DelegationWhere", {
  fields: (t) => ({
    fpBtcPk: t.string(),
    stakerAddr: t.string(),
    stakerBtcPk: t.string(),
    status: t.string({ description: "PENDING, VERIFIED, ACTIVE, UNBONDED, EXPIRED, …" }),
  }),
});

export const SignatureWhere = builder.inputType("FinalitySignatureWhere", {
  fields: (t) => ({
    fpBtcPk: t.string(),
    height: t.field({ type: "BigInt" }),
    heightGte: t.field({ type: "BigInt" }),
    heightLte: t.field({ type: "BigInt" }),
    blockHash: t.string(),
  }),
});

export interface DelegationFilter {
  fpBtcPk?: string | null;
  stakerAddr?: string | null;
  stakerBtcPk?: string | null;
  status?: string | null;
}

export const DELEGATION_KEYS: SortKey[] = [{ field: "stakingTxHash", type: "string", direction: "asc" }];

export function delegationsPage(
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
  return keysetPage(page, DELEGATION_KEYS, where, (q) => delegationPage(ctx.prisma, q));
}

export interface SignatureFilter {
  fpBtcPk?: string | null;
  height?: bigint | null;
  heightGte?: bigint | null;
  heightLte?: bigint | null;
  blockHash?: string | null;
}

export function signatureKeys(order: "HEIGHT_ASC" | "HEIGHT_DESC"): SortKey[] {
  const direction = order === "HEIGHT_ASC" ? "asc" : "desc";
  return [
    { field: "height", type: "bigint", direction },
    { field: "babylonHeight", type: "bigint", direction },
    { field: "txHash", type: "string", direction },
    { field: "msgIndex", type: "int", direction },
  ];
}

export function signaturesPage(
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
  return keysetPage(page, keys, where, (q) => signaturePage(ctx.prisma, q));
}

export const PUBRAND_KEYS: SortKey[] = [
  { field: "fpBtcPk", type: "string", direction: "asc" },
  { field: "startHeight", type: "bigint", direction: "desc" },
];

export function pubRandPage(ctx: GraphQLContext, args: ConnectionArgs, fpBtcPk: string | undefined) {
  const page = pageRequest(args, PUBRAND_KEYS, ctx.maxPageSize);
  return keysetPage(page, PUBRAND_KEYS, fpBtcPk === undefined ? {} : { fpBtcPk }, (q) =>
    pubRandCommitPage(ctx.prisma, q),
  );
}

export const BlockWhere = builder.inputType("BlockWhere", {
  fields: (t) => ({
    status: t.field({ type: BlockStatusEnum }),
    statusIn: t.field({ type: [BlockStatusEnum] }),
    heightGte: t.field({ type: "BigInt" }),
    heightLte: t.field({ type: "BigInt" }),
    checked: t.boolean(),
    canonical: t.boolean({ description: "Default true; pass null for every stored block, orphans included" }),
  }),
});

export const ProviderWhere = builder.inputType("FinalityProviderWhere", {
  fields: (t) => ({ status: t.field({ type: ProviderStatusEnum }), bsnId: t.string() }),
});

export const EquivocationWhere = builder.inputType("EquivocationWhere", {
  fields: (t) => ({
    fpBtcPk: t.string(),
    heightGte: t.field({ type: "BigInt" }),
    heightLte: t.field({ type: "BigInt" }),
  }),
});

export const EQUIVOCATION_KEYS: SortKey[] = [
  { field: "babylonHeight", type: "bigint", direction: "desc" },
  { field: "eventIndex", type: "int", direction: "desc" },
];
