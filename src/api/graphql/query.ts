// The root Query type.

import type { BlockStatus } from "../../db/generated/enums.ts";
import { blockPage, finalizedEnd } from "../../store/reads/blocks.ts";
import { providersOf } from "../../store/reads/providers.ts";
import { equivocationPage } from "../../store/reads/signatures.ts";
import { readCursors } from "../../store/state.ts";
import { QueryError } from "../errors.ts";
import { parseTransactionHash } from "../finality.ts";
import { builder } from "./builder.ts";
import {
  BlockWhere,
  DelegationWhere,
  delegationsPage,
  EQUIVOCATION_KEYS,
  EquivocationWhere,
  ProviderWhere,
  pubRandPage,
  SignatureWhere,
  signaturesPage,
} from "./pages.ts";
import { badArgument, keysetPage, pageRequest, type SortKey, toConnection } from "./pagination.ts";
import { uncacheable } from "./response-cache.ts";
import { BlockOrderEnum, HeightOrderEnum, ProviderOrderEnum } from "./types/enums.ts";
import { providerStatus } from "./types/provider.ts";
import {
  BlockConnection,
  BlockRef,
  DelegationConnection,
  EquivocationConnection,
  ProviderConnection,
  ProviderRef,
  PubRandConnection,
  SignatureConnection,
} from "./types/refs.ts";
import { SyncStatusRef } from "./types/sync-status.ts";
import { TransactionRef } from "./types/transaction.ts";
import { btcPkArg, l2HashArg, nonNegative } from "./validation.ts";

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
          readCursors(ctx.reads),
          finalizedEnd(ctx.reads, "newest"),
        ]);
        const head = state.has("l2_head_height")
          ? BigInt(state.get("l2_head_height")!)
          : (cursors.get("l2") ?? null);
        const headBlock = head === null ? null : await ctx.loaders.canonicalBlockByHeight.load(head);
        return { state, cursors, finalized, head, headBlock };
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
        return keysetPage(page, keys, where, (q) => blockPage(ctx.prisma, q));
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
        const all = await providersOf(ctx.prisma, args.where?.bsnId ?? undefined);
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
        return keysetPage(page, EQUIVOCATION_KEYS, where, (q) => equivocationPage(ctx.prisma, q));
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
        uncacheable(ctx); // the L2 chain answers, not the database
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
