import { toBech32 } from "@cosmjs/encoding";
import {
  EventBTCDelegationCreated,
  EventBTCDelegationExpired,
  EventBTCDelegationInclusionProofReceived,
  EventBTCDelgationUnbondedEarly,
  EventCovenantQuorumReached,
  EventCovenantSignatureReceived,
  EventFinalityProviderCreated,
  EventFinalityProviderStatusChange,
  EventUnexpectedUnbondingTx,
} from "../../chains/babylon/btcstaking.ts";
import { legacyDecFromWire } from "../../chains/babylon/cosmos.ts";
import { EventJailedFinalityProvider } from "../../chains/babylon/finality.ts";
import type { DeepPartial, MessageCodec } from "../../chains/babylon/proto.ts";
import { sha256 } from "../../core/crypto/sha256.ts";
import { AbciError } from "../chain/module.ts";
import { hexOf, otherSpendTxHex, syntheticStakingTx, txHash, unbondingTxHex, utf8 } from "./btc-txs.ts";
import { type DelegationStatus, delegationStatus, expiryHeight } from "./status.ts";

/**
 * x/btcstaking state and rules for the devnet: finality providers and BTC delegations in plain Maps.
 * There are no real BTC transactions on the devnet, so delegations come from the admin API (the way a
 * staker + covenant + reporter would create them on a real network); providers register with a real
 * MsgCreateFinalityProvider tx or through the admin API.
 */

export interface Description {
  moniker: string;
  identity: string;
  website: string;
  securityContact: string;
  details: string;
}

export interface FinalityProvider {
  btcPkHex: string;
  addr: string;
  description: Description;
  /** LegacyDec values scaled by 1e18. */
  commission: bigint;
  maxRate: bigint;
  maxChangeRate: bigint;
  commissionUpdateTime: Date;
  popSigType: number;
  popSigHex: string;
  bsnId: string;
  jailed: boolean;
  slashedBabylonHeight: bigint;
  slashedBtcHeight: number;
  registeredHeight: bigint;
}

export interface Delegation {
  stakingTxHashHex: string;
  stakingTxHex: string;
  stakerAddr: string;
  stakerBtcPkHex: string;
  fpBtcPkList: string[];
  stakingTime: number;
  /** BTC height of the staking tx inclusion; 0 until an inclusion proof arrives. */
  startHeight: number;
  endHeight: number;
  totalSat: bigint;
  unbondingTime: number;
  /** How many covenant members signed (each of the staking, unbonding and slashing sets). */
  covenantSigs: number;
  paramsVersion: number;
  createdBabylonHeight: bigint;
  /**
   * Set when the staking output was spent before expiry: the BTC height of that spend, and its tx when it
   * is not the registered unbonding tx ("" when it is, as Babylon keeps it).
   */
  unbonding?: { spendHeight: number; spendTxHex: string };
}

export interface StakingParams {
  covenantPksHex: string[];
  covenantQuorum: number;
  minStakingValueSat: bigint;
  maxStakingValueSat: bigint;
  minStakingTimeBlocks: number;
  maxStakingTimeBlocks: number;
  slashingPkScriptHex: string;
  minSlashingTxFeeSat: bigint;
  /** LegacyDec scaled by 1e18. */
  slashingRate: bigint;
  unbondingTimeBlocks: number;
  unbondingFeeSat: bigint;
  minCommissionRate: bigint;
  delegationCreationBaseGasFee: bigint;
  allowListExpirationHeight: bigint;
  btcActivationHeight: number;
  maxFinalityProviders: number;
}

/** A typed-event sink: the event's codec (its proto full name is the event type) and its value. */
export type TypedEmit = <T>(codec: MessageCodec<T>, value: DeepPartial<T>) => void;

export type FpStatus = "ACTIVE" | "INACTIVE" | "JAILED" | "SLASHED";

export const btcstakingError = {
  fpNotFound: (pk: string) => new AbciError("btcstaking", 1100, `${pk}: the finality provider is not found`),
  delegationNotFound: (hash: string) =>
    new AbciError("btcstaking", 1102, `${hash}: the BTC delegation is not found`),
  fpRegistered: (pk: string) =>
    new AbciError("btcstaking", 1103, `${pk}: the finality provider has already been registered`),
  fpSlashed: (pk: string) =>
    new AbciError(
      "btcstaking",
      1104,
      `${pk}: the finality provider is not usable (i.e., hasn't been BTC timestamped yet or is slashed)`,
    ),
};

export interface NewDelegation {
  fpBtcPkList: string[];
  totalSat: bigint;
  stakingTime: number;
  covenantQuorum: boolean;
  /** BTC inclusion height; undefined → k below the light-client tip; null → no inclusion proof yet (VERIFIED). */
  startHeight?: number | null;
  stakerAddr?: string;
  stakerBtcPkHex?: string;
}

const HEX32 = /^[0-9a-f]{64}$/;

export class BtcStaking {
  private fps = new Map<string, FinalityProvider>();
  private dels = new Map<string, Delegation>();
  /** fp pk → staker pk → staking tx hashes, for FinalityProviderDelegations' pagination over delegators. */
  private byFp = new Map<string, Map<string, string[]>>();
  private nonce = 0;
  /** How to put back what the operation running under `atomically` has changed so far, oldest first. */
  private undo: (() => void)[] | undefined;

  constructor(
    readonly params: StakingParams,
    /** BSN ids providers may register for ("" is normalised to the Babylon chain id first). */
    readonly bsnIds: ReadonlySet<string>,
    readonly chainId: string,
    /** btc_confirmation_depth: Babylon takes an inclusion proof only for a staking tx at least k deep. */
    readonly confirmationDepth: number,
  ) {}

  /** The highest BTC height a staking tx may be included at for its proof to be accepted now. */
  private deepestIncludable(btcTip: number): number {
    return btcTip - this.confirmationDepth;
  }

  private checkInclusionHeight(startHeight: number, btcTip: number): void {
    const max = this.deepestIncludable(btcTip);
    if (!Number.isInteger(startHeight) || startHeight < 1 || startHeight > max) {
      throw new Error(
        `startHeight: must be a BTC height between 1 and ${max} (the tip ${btcTip} minus k = ${this.confirmationDepth}: the staking tx must be k-deep), got ${startHeight}`,
      );
    }
  }

  // ---- finality providers ----

  provider(pkHex: string): FinalityProvider | undefined {
    return this.fps.get(pkHex.toLowerCase());
  }

  /** Providers of one BSN, ascending by BTC public key (the store's key order). */
  providers(bsnId?: string): FinalityProvider[] {
    const all = [...this.fps.values()].filter((fp) => bsnId === undefined || fp.bsnId === bsnId);
    return all.sort((a, b) => (a.btcPkHex < b.btcPkHex ? -1 : a.btcPkHex > b.btcPkHex ? 1 : 0));
  }

  /** Adds a provider whose inputs were already validated (PoP, commission, BSN); emits its creation event. */
  addProvider(fp: FinalityProvider, emit: TypedEmit): void {
    if (this.fps.has(fp.btcPkHex)) throw btcstakingError.fpRegistered(fp.btcPkHex);
    if (!this.bsnIds.has(fp.bsnId)) {
      throw new AbciError("btcstkconsumer", 1101, `${fp.bsnId}: the consumer is not registered`);
    }
    if (fp.commission < this.params.minCommissionRate) {
      throw new AbciError("btcstaking", 1112, "commission cannot be less than min rate");
    }
    if (fp.commission > fp.maxRate) {
      throw new AbciError("staking", 11, "commission cannot be more than the max rate");
    }
    this.setProvider(fp);
    emit(EventFinalityProviderCreated, {
      btcPkHex: fp.btcPkHex,
      addr: fp.addr,
      commission: legacyDecFromWire(String(fp.commission)),
      ...fp.description,
      bsnId: fp.bsnId,
    });
  }

  jail(pkHex: string, jailed: boolean, emit: TypedEmit): FinalityProvider {
    const fp = this.requireProvider(pkHex);
    if (fp.slashedBabylonHeight > 0n) throw btcstakingError.fpSlashed(fp.btcPkHex);
    const next = { ...fp, jailed };
    this.setProvider(next);
    // x/finality reports the jailing itself; btcstaking's power table then reports the status change.
    if (jailed) emit(EventJailedFinalityProvider, { publicKey: fp.btcPkHex });
    emit(EventFinalityProviderStatusChange, {
      btcPk: fp.btcPkHex,
      newState: statusName(jailed ? "JAILED" : "ACTIVE"),
    });
    return next;
  }

  /** Marks the provider slashed at a Babylon height and the BTC tip of that moment (voting power → 0). */
  slash(pkHex: string, babylonHeight: bigint, btcHeight: number, emit: TypedEmit): FinalityProvider {
    const fp = this.requireProvider(pkHex);
    if (fp.slashedBabylonHeight > 0n) {
      throw new AbciError(
        "btcstaking",
        1104,
        `${fp.btcPkHex}: the finality provider has already been slashed`,
      );
    }
    const next = { ...fp, slashedBabylonHeight: babylonHeight, slashedBtcHeight: btcHeight };
    this.setProvider(next);
    // Babylon v3 reports the status change only for its own providers; a BSN provider's slashing is seen
    // in EventSlashedFinalityProvider alone (its voting power never was Babylon's).
    if (fp.bsnId === this.chainId) {
      emit(EventFinalityProviderStatusChange, { btcPk: fp.btcPkHex, newState: statusName("SLASHED") });
    }
    return next;
  }

  requireProvider(pkHex: string): FinalityProvider {
    const fp = this.provider(pkHex);
    if (!fp) throw btcstakingError.fpNotFound(pkHex);
    return fp;
  }

  // ---- delegations ----

  delegation(hashHex: string): Delegation | undefined {
    return this.dels.get(hashHex.toLowerCase());
  }

  delegations(): Delegation[] {
    return [...this.dels.values()];
  }

  /** Delegations of one provider grouped by staker BTC key, ascending by that key. */
  delegatorsOf(fpPkHex: string): { stakerBtcPkHex: string; dels: Delegation[] }[] {
    const stakers = this.byFp.get(fpPkHex.toLowerCase());
    if (!stakers) return [];
    return [...stakers.keys()].sort().map((staker) => ({
      stakerBtcPkHex: staker,
      dels: (stakers.get(staker) ?? []).map((h) => this.dels.get(h)!),
    }));
  }

  status(d: Delegation, btcTip: number): DelegationStatus {
    return delegationStatus(
      {
        covenantSigs: d.covenantSigs,
        startHeight: d.startHeight,
        endHeight: d.endHeight,
        unbondingTime: d.unbondingTime,
        unbondedEarly: d.unbonding !== undefined,
      },
      btcTip,
      this.params.covenantQuorum,
    );
  }

  /** Checks a delegation request against the params and the providers; throws an Error naming the bad field. */
  validateDelegation(req: NewDelegation, btcTip: number): void {
    if (req.fpBtcPkList.length === 0) throw new Error("fps: at least one finality provider is required");
    const seen = new Set<string>();
    const bsns = new Set<string>();
    for (const raw of req.fpBtcPkList) {
      const pk = raw.toLowerCase();
      if (!HEX32.test(pk))
        throw new Error(`fps: ${JSON.stringify(raw)} is not a 64-hex-character BTC public key`);
      if (seen.has(pk)) throw new Error(`fps: ${pk} is listed twice`);
      seen.add(pk);
      const fp = this.provider(pk);
      if (!fp) throw new Error(`fps: finality provider ${pk} is not registered`);
      if (fp.slashedBabylonHeight > 0n) throw new Error(`fps: finality provider ${pk} is slashed`);
      if (bsns.has(fp.bsnId)) throw new Error(`fps: more than one finality provider of BSN ${fp.bsnId}`);
      bsns.add(fp.bsnId);
    }
    const p = this.params;
    if (req.totalSat < p.minStakingValueSat || req.totalSat > p.maxStakingValueSat) {
      throw new Error(
        `amountSat: must be between ${p.minStakingValueSat} and ${p.maxStakingValueSat}, got ${req.totalSat}`,
      );
    }
    if (
      !Number.isInteger(req.stakingTime) ||
      req.stakingTime < p.minStakingTimeBlocks ||
      req.stakingTime > p.maxStakingTimeBlocks
    ) {
      throw new Error(
        `stakingTime: must be an integer between ${p.minStakingTimeBlocks} and ${p.maxStakingTimeBlocks}, got ${req.stakingTime}`,
      );
    }
    if (req.startHeight !== null)
      this.checkInclusionHeight(req.startHeight ?? this.deepestIncludable(btcTip), btcTip);
    if (req.stakerBtcPkHex !== undefined && !HEX32.test(req.stakerBtcPkHex.toLowerCase())) {
      throw new Error(`stakerBtcPkHex: must be 64 hex characters, got ${JSON.stringify(req.stakerBtcPkHex)}`);
    }
  }

  /**
   * Creates a delegation as Babylon's msgs would leave it: created (staker registered it), then covenant
   * quorum reached (if asked), then the inclusion proof (if it has a start height), each with its event.
   */
  addDelegation(req: NewDelegation, btcTip: number, babylonHeight: bigint, emit: TypedEmit): Delegation {
    this.validateDelegation(req, btcTip);
    const n = this.nonce++;
    this.undo?.push(() => {
      this.nonce = n;
    });
    const stakerBtcPkHex = (req.stakerBtcPkHex ?? hexOf(sha256(utf8(`devnet staker ${n}`)))).toLowerCase();
    const stakingTxHex = syntheticStakingTx(n, req.totalSat, stakerBtcPkHex);
    const stakingTxHashHex = txHash(stakingTxHex);
    const d: Delegation = {
      stakingTxHashHex,
      stakingTxHex,
      // A staker's Babylon account; without one given, a stand-in address derived from its BTC key.
      stakerAddr: req.stakerAddr ?? toBech32("bbn", sha256(utf8(`staker ${stakerBtcPkHex}`)).slice(0, 20)),
      stakerBtcPkHex,
      fpBtcPkList: req.fpBtcPkList.map((pk) => pk.toLowerCase()),
      stakingTime: req.stakingTime,
      startHeight: 0,
      endHeight: 0,
      totalSat: req.totalSat,
      unbondingTime: this.params.unbondingTimeBlocks,
      covenantSigs: 0,
      paramsVersion: 0,
      createdBabylonHeight: babylonHeight,
    };
    this.setDelegation(d);
    this.index(d);
    emit(EventBTCDelegationCreated, {
      stakingTxHex,
      stakingOutputIndex: "0",
      paramsVersion: String(d.paramsVersion),
      finalityProviderBtcPksHex: d.fpBtcPkList,
      stakerBtcPkHex,
      stakingTime: String(d.stakingTime),
      unbondingTime: String(d.unbondingTime),
      unbondingTx: unbondingTxHex(stakingTxHashHex, d.totalSat),
      newState: "PENDING",
      stakerAddr: d.stakerAddr,
    });
    if (req.covenantQuorum) this.reachQuorum(stakingTxHashHex, btcTip, emit);
    if (req.startHeight !== null) this.includeStakingTx(stakingTxHashHex, req.startHeight, btcTip, emit);
    return this.dels.get(stakingTxHashHex)!;
  }

  reachQuorum(hashHex: string, btcTip: number, emit: TypedEmit): Delegation {
    const d = this.requireDelegation(hashHex);
    if (d.covenantSigs >= this.params.covenantQuorum)
      throw new Error(`stakingTxHash: ${hashHex} already has covenant quorum`);
    const next = { ...d, covenantSigs: this.params.covenantQuorum };
    this.setDelegation(next);
    // Each member's MsgAddCovenantSigs is acknowledged on its own before the quorum event.
    for (const pk of this.params.covenantPksHex.slice(d.covenantSigs, this.params.covenantQuorum)) {
      emit(EventCovenantSignatureReceived, {
        stakingTxHash: d.stakingTxHashHex,
        covenantBtcPkHex: pk,
        // A 64-byte BIP-340 signature on a real chain; deterministic stand-in bytes here (no BTC txs exist).
        covenantUnbondingSignatureHex: Buffer.concat([
          sha256(new TextEncoder().encode(`${d.stakingTxHashHex}/unbonding/${pk}/r`)),
          sha256(new TextEncoder().encode(`${d.stakingTxHashHex}/unbonding/${pk}/s`)),
        ]).toString("hex"),
      });
    }
    emit(EventCovenantQuorumReached, {
      stakingTxHash: d.stakingTxHashHex,
      newState: this.status(next, btcTip),
    });
    return next;
  }

  /** The inclusion proof: at `startHeight`, or by default as deep as Babylon requires (tip − k). */
  includeStakingTx(
    hashHex: string,
    startHeight: number | undefined,
    btcTip: number,
    emit: TypedEmit,
  ): Delegation {
    const d = this.requireDelegation(hashHex);
    if (d.startHeight > 0) throw new Error(`stakingTxHash: ${hashHex} already has an inclusion proof`);
    startHeight ??= this.deepestIncludable(btcTip);
    this.checkInclusionHeight(startHeight, btcTip);
    const next = { ...d, startHeight, endHeight: startHeight + d.stakingTime };
    this.setDelegation(next);
    emit(EventBTCDelegationInclusionProofReceived, {
      stakingTxHash: d.stakingTxHashHex,
      startHeight: String(next.startHeight),
      endHeight: String(next.endHeight),
      newState: this.status(next, btcTip),
    });
    return next;
  }

  /**
   * The staking output was spent at BTC height `spendHeight`: by the registered unbonding tx, or, given
   * `unexpected` (the BTC block holding the spend), by some other tx. Babylon keeps only the other spend's
   * bytes, and reports it with EventUnexpectedUnbondingTx instead of EventBTCDelgationUnbondedEarly.
   */
  unbond(
    hashHex: string,
    spendHeight: number,
    btcTip: number,
    emit: TypedEmit,
    unexpected?: { headerHashHex: string },
  ): Delegation {
    const d = this.requireDelegation(hashHex);
    if (d.unbonding) throw new Error(`stakingTxHash: ${hashHex} is already unbonded`);
    if (!Number.isInteger(spendHeight) || spendHeight < 1 || spendHeight > btcTip) {
      throw new Error(
        `spendHeight: must be a BTC height between 1 and the tip ${btcTip}, got ${spendHeight}`,
      );
    }
    if (d.startHeight > 0 && spendHeight < d.startHeight) {
      throw new Error(`spendHeight: ${spendHeight} is before the staking tx inclusion at ${d.startHeight}`);
    }
    const spendTxHex = unexpected
      ? otherSpendTxHex(d.stakingTxHashHex, d.totalSat, `spend at ${spendHeight}`)
      : "";
    const next = { ...d, unbonding: { spendHeight, spendTxHex } };
    this.setDelegation(next);
    if (unexpected) {
      emit(EventUnexpectedUnbondingTx, {
        stakingTxHash: d.stakingTxHashHex,
        spendStakeTxHash: txHash(spendTxHex),
        spendStakeTxHeaderHash: unexpected.headerHashHex,
        spendStakeTxBlockIndex: 1,
      });
    } else {
      emit(EventBTCDelgationUnbondedEarly, {
        stakingTxHash: d.stakingTxHashHex,
        startHeight: String(spendHeight),
        newState: "UNBONDED",
      });
    }
    return next;
  }

  private index(d: Delegation): void {
    for (const fp of d.fpBtcPkList) {
      const hadStakers = this.byFp.get(fp);
      const stakers = hadStakers ?? new Map<string, string[]>();
      this.byFp.set(fp, stakers);
      const before = stakers.get(d.stakerBtcPkHex);
      stakers.set(d.stakerBtcPkHex, [...(before ?? []), d.stakingTxHashHex]);
      this.undo?.push(() => {
        if (!hadStakers) this.byFp.delete(fp);
        else if (before) stakers.set(d.stakerBtcPkHex, before);
        else stakers.delete(d.stakerBtcPkHex);
      });
    }
  }

  private setProvider(fp: FinalityProvider): void {
    const before = this.fps.get(fp.btcPkHex);
    this.undo?.push(() => (before ? this.fps.set(fp.btcPkHex, before) : this.fps.delete(fp.btcPkHex)));
    this.fps.set(fp.btcPkHex, fp);
  }

  private setDelegation(d: Delegation): void {
    const before = this.dels.get(d.stakingTxHashHex);
    this.undo?.push(() =>
      before ? this.dels.set(d.stakingTxHashHex, before) : this.dels.delete(d.stakingTxHashHex),
    );
    this.dels.set(d.stakingTxHashHex, d);
  }

  requireDelegation(hashHex: string): Delegation {
    const d = this.delegation(hashHex);
    if (!d) throw new Error(`stakingTxHash: no delegation ${JSON.stringify(hashHex)}`);
    return d;
  }

  /** Emits EventBTCDelegationExpired for every delegation whose expiry height the tip moved across. */
  tipAdvanced(oldTip: number, newTip: number, emit: TypedEmit): void {
    if (newTip <= oldTip) return;
    for (const d of this.dels.values()) {
      if (d.startHeight === 0 || d.unbonding || d.covenantSigs < this.params.covenantQuorum) continue;
      const h = expiryHeight(d);
      if (h > oldTip && h <= newTip && h >= d.startHeight) {
        emit(EventBTCDelegationExpired, { stakingTxHash: d.stakingTxHashHex, newState: "EXPIRED" });
      }
    }
  }

  /** Providers are the only state a tx changes (registration, slashing); delegations change between txs. */
  snapshot(): Map<string, FinalityProvider> {
    return new Map(this.fps);
  }

  restore(snapshot: Map<string, FinalityProvider>): void {
    this.fps = new Map(snapshot);
  }

  /**
   * Runs an admin operation all-or-nothing: if it throws, everything it changed is put back. (A copy of the
   * whole state per operation made adding 10,000 delegations quadratic.)
   */
  atomically<T>(op: () => T): T {
    const undo: (() => void)[] = [];
    this.undo = undo;
    try {
      return op();
    } catch (error) {
      for (const step of undo.reverse()) step();
      throw error;
    } finally {
      this.undo = undefined;
    }
  }

  exportState(): StakingState {
    return {
      nonce: this.nonce,
      providers: [...this.fps.values()].map((fp) => ({
        ...fp,
        commission: String(fp.commission),
        maxRate: String(fp.maxRate),
        maxChangeRate: String(fp.maxChangeRate),
        commissionUpdateTime: fp.commissionUpdateTime.toISOString(),
        slashedBabylonHeight: String(fp.slashedBabylonHeight),
        registeredHeight: String(fp.registeredHeight),
      })),
      delegations: [...this.dels.values()].map((d) => ({
        ...d,
        totalSat: String(d.totalSat),
        createdBabylonHeight: String(d.createdBabylonHeight),
      })),
    };
  }

  importState(state: StakingState): void {
    this.nonce = state.nonce;
    this.fps = new Map(
      state.providers.map((fp) => [
        fp.btcPkHex,
        {
          ...fp,
          commission: BigInt(fp.commission),
          maxRate: BigInt(fp.maxRate),
          maxChangeRate: BigInt(fp.maxChangeRate),
          commissionUpdateTime: new Date(fp.commissionUpdateTime),
          slashedBabylonHeight: BigInt(fp.slashedBabylonHeight),
          registeredHeight: BigInt(fp.registeredHeight),
        },
      ]),
    );
    this.dels = new Map();
    this.byFp = new Map();
    for (const raw of state.delegations) {
      const d: Delegation = {
        ...raw,
        totalSat: BigInt(raw.totalSat),
        createdBabylonHeight: BigInt(raw.createdBabylonHeight),
      };
      this.dels.set(d.stakingTxHashHex, d);
      this.index(d);
    }
  }
}

type Stringified<T, K extends keyof T> = Omit<T, K> & { [P in K]: string };

export interface StakingState {
  nonce: number;
  providers: Stringified<
    FinalityProvider,
    | "commission"
    | "maxRate"
    | "maxChangeRate"
    | "commissionUpdateTime"
    | "slashedBabylonHeight"
    | "registeredHeight"
  >[];
  delegations: Stringified<Delegation, "totalSat" | "createdBabylonHeight">[];
}

export function statusName(status: FpStatus): string {
  return `FINALITY_PROVIDER_STATUS_${status}`;
}
