// Equivocation: two votes of one provider at one height.
import { EquivocationRef, ProviderRef } from "./refs.ts";

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
