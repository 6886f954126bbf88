import { legacyDecToWire } from "../../chains/babylon/cosmos.ts";
import { bytesToHex } from "../../core/crypto/bytes.ts";
import { xonlyPublicKey } from "../../core/crypto/keys.ts";
import { sha256 } from "../../core/crypto/sha256.ts";
import type { BtcHeaderChain } from "../btc.ts";
import type { Module } from "../chain/module.ts";
import type { BabylonQueries } from "../chain/wasm-querier.ts";
import { BtcStakingModule } from "./btcstaking-module.ts";
import { BtcCheckpointModule, EpochingModule } from "./checkpoint-modules.ts";
import { Epochs } from "./epochs.ts";
import { FinalityModule } from "./finality-module.ts";
import { babylonQueries } from "./host.ts";
import { BtcLightClientModule } from "./lightclient-module.ts";
import type { StakingParams } from "./staking.ts";

export { BtcStakingModule, providerResponse } from "./btcstaking-module.ts";
export { BtcCheckpointModule, EpochingModule } from "./checkpoint-modules.ts";
export { CheckpointStatus, Epochs } from "./epochs.ts";
export { extractEquivocatorKey, parseEvidence } from "./evidence.ts";
export { FinalityModule } from "./finality-module.ts";
export { babylonQueries } from "./host.ts";
export { BtcLightClientModule } from "./lightclient-module.ts";
export { paginate } from "./pagination.ts";
export { BtcSigType, popMessageHash, signPop, verifyPop } from "./pop.ts";
export type { Delegation, FinalityProvider, NewDelegation, StakingParams } from "./staking.ts";
export { type DelegationStatus, delegationStatus } from "./status.ts";

export interface BabylonOptions {
  chainId: string;
  /** The rollup's BSN id; providers may register for it or for the Babylon chain itself. */
  bsnId: string;
  btc: BtcHeaderChain;
  /** btc_confirmation_depth. Default 2 (small, so devnet tests are fast). */
  k?: number;
  /** checkpoint_finalization_timeout. Default 4. */
  w?: number;
  /** Babylon blocks per epoch. Default 5. */
  epochInterval?: bigint;
  /** BTC blocks after an epoch's end before its checkpoint counts as finalized. Default w. */
  finalizationDepth?: number;
  staking?: Partial<StakingParams>;
}

export interface Babylon {
  /** The rollup's BSN id (providers may also register for the Babylon chain id itself). */
  bsnId: string;
  lightClient: BtcLightClientModule;
  staking: BtcStakingModule;
  finality: FinalityModule;
  checkpoint: BtcCheckpointModule;
  epoching: EpochingModule;
  epochs: Epochs;
  /** What a contract asks Babylon through its custom queries. */
  queries: BabylonQueries;
  /** In BeginBlock order: the light client first, so the other modules see this block's BTC tip. */
  modules: Module[];
}

const dec = (text: string) => BigInt(legacyDecToWire(text));

/** Covenant committee keys: fixed, so every devnet run (and its params) looks the same. */
function covenantKeys(n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    bytesToHex(xonlyPublicKey(sha256(new TextEncoder().encode(`op-btc-finality devnet covenant ${i}`)))),
  );
}

export function defaultStakingParams(unbondingTimeBlocks: number): StakingParams {
  return {
    covenantPksHex: covenantKeys(3),
    covenantQuorum: 2,
    minStakingValueSat: 10_000n,
    maxStakingValueSat: 100_000_000_000n,
    minStakingTimeBlocks: 10,
    maxStakingTimeBlocks: 65_535,
    // a P2WPKH script to an unspendable all-zero key hash: where slashed funds would go
    slashingPkScriptHex: `0014${"00".repeat(20)}`,
    minSlashingTxFeeSat: 1_000n,
    slashingRate: dec("0.1"),
    unbondingTimeBlocks,
    unbondingFeeSat: 1_000n,
    minCommissionRate: dec("0.01"),
    delegationCreationBaseGasFee: 1_000n,
    allowListExpirationHeight: 0n,
    btcActivationHeight: 0,
    maxFinalityProviders: 5,
  };
}

export function createBabylon(options: BabylonOptions): Babylon {
  const k = options.k ?? 2;
  const w = options.w ?? 4;
  if (!Number.isInteger(k) || k < 1)
    throw new Error(`k (btc_confirmation_depth) must be a positive integer, got ${k}`);
  if (!Number.isInteger(w) || w < 1)
    throw new Error(`w (checkpoint_finalization_timeout) must be a positive integer, got ${w}`);
  const lightClient = new BtcLightClientModule(options.btc);
  const params = { ...defaultStakingParams(w + 1), ...options.staking };
  const staking = new BtcStakingModule(
    params,
    new Set([options.bsnId, options.chainId]),
    options.chainId,
    lightClient,
    k,
  );
  const finality = new FinalityModule(staking);
  const checkpoint = new BtcCheckpointModule({ k, w, checkpointTag: "62627434" });
  const epochs = new Epochs(options.epochInterval ?? 5n, k, options.finalizationDepth ?? w, () =>
    lightClient.tipHeight(),
  );
  const epoching = new EpochingModule(epochs);
  return {
    bsnId: options.bsnId,
    lightClient,
    staking,
    finality,
    checkpoint,
    epoching,
    epochs,
    queries: babylonQueries(epochs),
    modules: [lightClient, staking, finality, checkpoint, epoching],
  };
}
