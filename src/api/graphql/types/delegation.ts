// Delegation: a BTC delegation and its providers.
import type { FinalityProvider } from "../context.ts";
import { DelegationRef, ProviderRef } from "./refs.ts";

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
