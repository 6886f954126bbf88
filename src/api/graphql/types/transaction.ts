// TransactionStatus: an L2 transaction's finality.
import type { TransactionStatus } from "../../finality.ts";
import { builder } from "../builder.ts";
import { TransactionFinalityEnum } from "./enums.ts";
import { BlockRef } from "./refs.ts";

export const TransactionRef = builder.objectRef<TransactionStatus>("TransactionStatus").implement({
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
