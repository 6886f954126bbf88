// PubRandCommit: a public-randomness commitment.
import { ProviderRef, PubRandRef } from "./refs.ts";

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
