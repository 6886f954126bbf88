// Realistic values for the Babylon message tests: 32-byte x-only keys, 64-byte signatures, bbn1 addresses,
// LegacyDec wire strings, uint64 values above 2^53.

import { sha256 } from "@noble/hashes/sha2.js";
import type {
  BTCDelegationResponse,
  BtcStakingParams,
  FinalityProviderResponse,
  MsgCreateFinalityProvider,
} from "../../src/chains/babylon/btcstaking.ts";
import type { Evidence } from "../../src/chains/babylon/finality.ts";

/** Deterministic pseudo-random bytes named by a label. */
export function bytesOf(label: string, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i * 32 < length; i++)
    out.set(
      sha256(new TextEncoder().encode(`${label}/${i}`)).subarray(0, Math.min(32, length - i * 32)),
      i * 32,
    );
  return out;
}

export const hexOf = (label: string, length: number) => Buffer.from(bytesOf(label, length)).toString("hex");

export const BEYOND_2_53 = 2n ** 53n + 3n;

export const fpPk = bytesOf("fp-pk", 32);

export const finalityProvider: FinalityProviderResponse = {
  description: {
    moniker: "Lighthouse FP",
    identity: "A1B2C3D4E5F6",
    website: "https://fp.example.org",
    securityContact: "sec@fp.example.org",
    details: "Rollup BSN finality provider <op-devnet>",
  },
  commission: "50000000000000000",
  addr: "bbn1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7",
  btcPk: fpPk,
  pop: { btcSigType: 0, btcSig: bytesOf("pop", 64) },
  slashedBabylonHeight: BEYOND_2_53,
  slashedBtcHeight: 874_211,
  height: 9_007_199_254_741_000n,
  jailed: true,
  highestVotedHeight: 4_000_000_000,
  commissionInfo: {
    maxRate: "200000000000000000",
    maxChangeRate: "10000000000000000",
    updateTime: { seconds: 1_735_689_600n, nanos: 123_000_000 },
  },
  bsnId: "op-stack-l2-11155420",
  softDeleted: true,
};

export const delegation: BTCDelegationResponse = {
  stakerAddr: "bbn1dlf6xc3ds8x8hrj9eszlqwpcfuq6xs6n4kzkxn",
  btcPk: bytesOf("staker", 32),
  fpBtcPkList: [fpPk, bytesOf("babylon-fp", 32)],
  stakingTime: 64_000,
  startHeight: 874_000,
  endHeight: 938_000,
  totalSat: BEYOND_2_53,
  stakingTxHex: hexOf("staking-tx", 235),
  slashingTxHex: hexOf("slashing-tx", 180),
  delegatorSlashSigHex: hexOf("del-slash-sig", 64),
  covenantSigs: [
    { covPk: bytesOf("cov-1", 32), adaptorSigs: [bytesOf("as-1-1", 65), bytesOf("as-1-2", 65)] },
    { covPk: bytesOf("cov-2", 32), adaptorSigs: [bytesOf("as-2-1", 65), bytesOf("as-2-2", 65)] },
  ],
  stakingOutputIdx: 1,
  active: true,
  statusDesc: "ACTIVE",
  unbondingTime: 1_008,
  undelegationResponse: {
    unbondingTxHex: hexOf("unbonding-tx", 200),
    covenantUnbondingSigList: [
      { pk: bytesOf("cov-1", 32), sig: bytesOf("cus-1", 64) },
      { pk: bytesOf("cov-2", 32), sig: bytesOf("cus-2", 64) },
    ],
    slashingTxHex: hexOf("unbonding-slashing-tx", 180),
    delegatorSlashingSigHex: hexOf("del-unbonding-slash-sig", 64),
    covenantSlashingSigs: [{ covPk: bytesOf("cov-1", 32), adaptorSigs: [bytesOf("uas-1", 65)] }],
    delegatorUnbondingInfoResponse: { spendStakeTxHex: hexOf("spend-tx", 150) },
  },
  paramsVersion: 3,
  stkExp: {
    previousStakingTxHashHex: hexOf("prev-staking-tx", 32),
    otherFundingTxOutHex: hexOf("funding-out", 43),
    previousStkCovenantSigs: [{ pk: bytesOf("cov-1", 32), sig: bytesOf("pcs-1", 64) }],
  },
};

export const btcstakingParams: BtcStakingParams = {
  covenantPks: [bytesOf("cov-1", 32), bytesOf("cov-2", 32), bytesOf("cov-3", 32)],
  covenantQuorum: 2,
  minStakingValueSat: 50_000n,
  maxStakingValueSat: 35_000_000_000n,
  minStakingTimeBlocks: 64_000,
  maxStakingTimeBlocks: 64_000,
  slashingPkScript: bytesOf("slashing-script", 22),
  minSlashingTxFeeSat: 5_000n,
  slashingRate: "100000000000000000",
  unbondingTimeBlocks: 1_008,
  unbondingFeeSat: 2_000n,
  minCommissionRate: "30000000000000000",
  delegationCreationBaseGasFee: BEYOND_2_53,
  allowListExpirationHeight: 139_920n,
  btcActivationHeight: 857_910,
  maxFinalityProviders: 5,
};

export const createFp: MsgCreateFinalityProvider = {
  addr: "bbn1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7",
  description: {
    moniker: "Lighthouse FP",
    identity: "",
    website: "https://fp.example.org",
    securityContact: "",
    details: "",
  },
  btcPk: fpPk,
  pop: { btcSigType: 0, btcSig: bytesOf("pop", 64) },
  commission: {
    rate: "50000000000000000",
    maxRate: "200000000000000000",
    maxChangeRate: "10000000000000000",
  },
  bsnId: "op-stack-l2-11155420",
};

export const evidence: Evidence = {
  fpBtcPk: fpPk,
  blockHeight: 1_234_567n,
  pubRand: bytesOf("pub-rand", 32),
  canonicalAppHash: bytesOf("canonical", 32),
  forkAppHash: bytesOf("fork", 32),
  canonicalFinalitySig: bytesOf("csig", 32),
  forkFinalitySig: bytesOf("fsig", 32),
  signingContext: hexOf("context", 32),
};
