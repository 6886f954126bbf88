// FinalitySignature: a vote the contract accepted.
import type { VoteWithPower } from "../../../store/reads/signatures.ts";
import { BlockRef, ProviderRef, SignatureRef } from "./refs.ts";

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
        // A block's votes are read with their power (votesOfBlocks); a vote read on its own looks it up.
        if ("votingPower" in s) return (s as VoteWithPower).votingPower;
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
