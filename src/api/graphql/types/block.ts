// Block: an L2 block with its finality verdict and votes.
import { BlockStatusEnum } from "./enums.ts";
import { BlockRef, SignatureRef } from "./refs.ts";

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
    votedPower: t.field({
      type: "BigInt",
      nullable: true,
      description:
        "Power of the counted voters: every vote while the quorum is short, then those up to the Babylon block that completed it (later votes change no verdict, and a backfill then stores the same figure)",
      resolve: (b) => b.votedPower,
    }),
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
