// A realistic indexed chain for the API tests: activation at height 10, a checked block every 5 heights,
// BTC-finalized through 40 (rule 6 fills the heights between checked ones), 45 pending, an orphan at 46,
// three providers with 500/300/200 sat (A and B vote every checked block, C only 10, 20, 30), one slashed
// provider with an equivocation, delegations, randomness commitments, and the gadget's state rows.
import { createHash } from "node:crypto";
import type { TransactionLocator } from "../../src/api/finality.ts";
import type { PrismaClient } from "../../src/db/generated/client.ts";
import { recordUnvotedBlocks } from "../../src/store/participation.ts";

export const ACTIVATION = 10n;
export const INTERVAL = 5n;
export const HEAD = 50n;
export const FINALIZED = 40n;
export const BASE_TIME = 1_700_000_000n;

export const hex = (seed: string) => createHash("sha256").update(seed).digest("hex");
export const blockHash = (height: bigint, fork = "") => `0x${hex(`block-${fork}${height}`)}`;
export const timestampOf = (height: bigint) => BASE_TIME + height * 2n;

export const FP = { A: hex("fp-a"), B: hex("fp-b"), C: hex("fp-c"), D: hex("fp-d") };
export const TX_IN_FINALIZED = `0x${hex("tx-20")}` as const;
export const TX_IN_BTC_FINALIZED = `0x${hex("tx-35")}` as const;
export const TX_IN_SAFE = `0x${hex("tx-45")}` as const; // l2_safe_height is 46
export const TX_PENDING = `0x${hex("tx-48")}` as const;

const txBlocks = new Map<string, bigint>([
  [TX_IN_FINALIZED, 20n],
  [TX_IN_BTC_FINALIZED, 35n],
  [TX_IN_SAFE, 45n],
  [TX_PENDING, 48n],
]);

/** Finds fixture transactions the way an L2 receipt lookup would. */
export const locateTransaction: TransactionLocator = async (hash) => {
  const height = txBlocks.get(hash);
  return height === undefined ? null : { blockHash: blockHash(height), blockNumber: height };
};

const isChecked = (h: bigint) => h >= ACTIVATION && (h - ACTIVATION) % INTERVAL === 0n;

export function voters(height: bigint): string[] {
  if (!isChecked(height) || height > 45n) return [];
  return height % 10n === 0n && height <= 30n ? [FP.A, FP.B, FP.C] : [FP.A, FP.B];
}

export interface SeedOptions {
  /** Leave out the activation timestamp (the pre-activation state). */
  activated?: boolean;
  /** Heights 1..upTo are stored (default HEAD). */
  upTo?: bigint;
}

export async function seedChain(prisma: PrismaClient, options: SeedOptions = {}): Promise<void> {
  const upTo = options.upTo ?? HEAD;
  const blocks = [];
  for (let h = 1n; h <= upTo; h++) {
    const checked = isChecked(h);
    const finalized = h >= ACTIVATION && h <= FINALIZED;
    const votes = voters(h);
    const voted = votes.reduce((s, pk) => s + (pk === FP.A ? 500n : pk === FP.B ? 300n : 200n), 0n);
    blocks.push({
      hash: blockHash(h),
      height: h,
      parentHash: blockHash(h - 1n),
      timestamp: timestampOf(h),
      canonical: true,
      checked,
      status: finalized ? ("FINALIZED" as const) : checked ? ("PENDING" as const) : ("NOT_CHECKED" as const),
      btcHeight: checked ? 100 : null,
      votedPower: checked ? voted : null,
      totalPower: checked ? 1000n : null,
      voterCount: checked ? votes.length : null,
      evaluatedAt: checked ? new Date(Number(timestampOf(h)) * 1000 + 1000) : null,
      finalizedAt: finalized ? new Date(Number(timestampOf(h)) * 1000 + 7000) : null,
    });
  }
  if (upTo >= 46n) {
    blocks.push({
      hash: blockHash(46n, "fork-"),
      height: 46n,
      parentHash: blockHash(45n),
      timestamp: timestampOf(46n),
      canonical: false,
      checked: false,
      status: "ORPHANED" as const,
      btcHeight: null,
      votedPower: null,
      totalPower: null,
      voterCount: null,
      evaluatedAt: null,
      finalizedAt: null,
    });
  }
  await prisma.l2Block.createMany({ data: blocks });

  const signatures = [];
  let babylonHeight = 500n;
  for (let h = ACTIVATION; h <= upTo; h++) {
    for (const [i, pk] of voters(h).entries()) {
      signatures.push({
        babylonHeight,
        txHash: hex(`sig-${h}-${pk}`),
        msgIndex: i,
        fpBtcPk: pk,
        height: h,
        blockHash: blockHash(h),
        pubRand: hex(`rand-${h}-${pk}`),
        signature: hex(`s-${h}-${pk}`),
        babylonTime: new Date(Number(timestampOf(h)) * 1000 + 5000),
      });
    }
    babylonHeight++;
  }
  await prisma.finalitySignature.createMany({ data: signatures });

  const provider = (btcPk: string, moniker: string, extra: object = {}) => ({
    btcPk,
    bsnId: "op-devnet",
    addr: `bbn1${moniker.toLowerCase()}`,
    moniker,
    website: `https://${moniker.toLowerCase()}.example`,
    commission: "0.05",
    registeredBabylonHeight: 10n,
    updatedBabylonHeight: 10n,
    ...extra,
  });
  await prisma.finalityProvider.createMany({
    data: [
      provider(FP.A, "Alpha"),
      provider(FP.B, "Bravo"),
      provider(FP.C, "Charlie"),
      provider(FP.D, "Delta", { slashedBabylonHeight: 520n, slashedBtcHeight: 101 }),
    ],
  });
  await prisma.votingPower.createMany({
    data: [
      { btcHeight: 100, fpBtcPk: FP.A, power: 500n },
      { btcHeight: 100, fpBtcPk: FP.B, power: 300n },
      { btcHeight: 100, fpBtcPk: FP.C, power: 200n },
      { btcHeight: 90, fpBtcPk: FP.A, power: 400n },
    ],
  });
  // As the engine's verdicts leave them.
  await recordUnvotedBlocks(
    prisma,
    blocks.map((b) => b.hash),
  );
  const delegation = (seed: string, totalSat: bigint, status: string, extra: object = {}) => ({
    stakingTxHash: hex(`del-${seed}`),
    stakerAddr: `bbn1staker${seed}`,
    stakerBtcPk: hex(`staker-${seed}`),
    totalSat,
    stakingTime: 1000,
    startHeight: 80,
    endHeight: 1080,
    covenantQuorumReached: true,
    status,
    paramsVersion: 0,
    createdBabylonHeight: 5n,
    updatedBabylonHeight: 5n,
    ...extra,
  });
  await prisma.btcDelegation.createMany({
    data: [
      delegation("a", 500n, "ACTIVE"),
      delegation("b", 300n, "ACTIVE"),
      delegation("c", 200n, "ACTIVE"),
      delegation("ab", 700n, "UNBONDED", { unbondedAtBtcHeight: 95 }),
    ],
  });
  await prisma.delegationProvider.createMany({
    data: [
      { stakingTxHash: hex("del-a"), fpBtcPk: FP.A },
      { stakingTxHash: hex("del-b"), fpBtcPk: FP.B },
      { stakingTxHash: hex("del-c"), fpBtcPk: FP.C },
      { stakingTxHash: hex("del-ab"), fpBtcPk: FP.A },
      { stakingTxHash: hex("del-ab"), fpBtcPk: FP.B },
    ],
  });
  await prisma.pubRandCommit.createMany({
    data: [
      {
        fpBtcPk: FP.A,
        startHeight: 1n,
        numPubRand: 1000n,
        interval: 5n,
        commitment: hex("c-a"),
        babylonHeight: 100n,
        txHash: hex("prc-a"),
        msgIndex: 0,
      },
      {
        fpBtcPk: FP.B,
        startHeight: 1n,
        numPubRand: 500n,
        interval: 5n,
        commitment: hex("c-b"),
        babylonHeight: 101n,
        txHash: hex("prc-b"),
        msgIndex: 0,
      },
      {
        fpBtcPk: FP.B,
        startHeight: 2501n,
        numPubRand: 500n,
        interval: 5n,
        commitment: hex("c-b2"),
        babylonHeight: 400n,
        txHash: hex("prc-b2"),
        msgIndex: 0,
      },
    ],
  });
  await prisma.equivocation.create({
    data: {
      babylonHeight: 520n,
      eventIndex: 3,
      fpBtcPk: FP.D,
      height: 30n,
      canonicalBlockHash: blockHash(30n),
      forkBlockHash: blockHash(30n, "fork-"),
      canonicalSignature: hex("eq-1"),
      forkSignature: hex("eq-2"),
      pubRand: hex("eq-r"),
      extractedSecretKey: hex("eq-sk"),
      txHash: hex("eq-tx"),
    },
  });
  await prisma.contractConfig.create({
    data: {
      contractAddress: "bbn1contract",
      dialect: "rollup-bsn",
      bsnId: "op-devnet",
      minPubRand: 100n,
      bsnActivationHeight: ACTIVATION,
      finalitySignatureInterval: INTERVAL,
      updatedBabylonHeight: 1n,
    },
  });
  const state: Record<string, string> = {
    l2_head_height: HEAD.toString(),
    l2_safe_height: "46",
    l2_finalized_height: "20",
    babylon_head_height: "900",
    btc_tip_height: "105",
    finalized_height: FINALIZED.toString(),
    finalized_hash: blockHash(FINALIZED),
    activated_height: ACTIVATION.toString(),
  };
  if (options.activated ?? true) state.activated_timestamp = timestampOf(ACTIVATION).toString();
  await prisma.gadgetState.createMany({
    data: Object.entries(state).map(([key, value]) => ({ key, value })),
  });
  await prisma.ingestCursor.createMany({
    data: [
      { name: "l2", height: upTo },
      { name: "babylon", height: 900n },
      { name: "engine", height: upTo },
    ],
  });
}
