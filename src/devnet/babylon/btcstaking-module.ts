import {
  type BTCDelegationResponse,
  BtcStakingQueryParamsResponse,
  type FinalityProviderResponse,
  MsgCreateFinalityProvider,
  MsgCreateFinalityProviderResponse,
  QueryFinalityProviderDelegationsRequest,
  QueryFinalityProviderDelegationsResponse,
  QueryFinalityProviderRequest,
  QueryFinalityProviderResponse,
  QueryFinalityProvidersRequest,
  QueryFinalityProvidersResponse,
} from "../../chains/babylon/btcstaking.ts";
import { sha256 } from "../../core/crypto/sha256.ts";
import { isValidAddress } from "../chain/encoding.ts";
import { AbciError, type BlockContext, type Module, type MsgContext } from "../chain/module.ts";
import { CONSUMER_FINALITY_PROVIDER_PATH, consumerProviderResponse } from "./consumer-provider-query.ts";
import { typedEmitter } from "./emit.ts";
import { rejectUnknownCriticalFields } from "./unknown-fields.ts";

/** MsgCreateFinalityProvider's fields in Babylon v3 rc.0+ (3 and 6 are gone; bsn_id moved from 6 to 8). */
const CREATE_FP_FIELDS: ReadonlySet<number> = new Set([1, 2, 4, 5, 7, 8]);

import { unbondingTxHex } from "./btc-txs.ts";
import type { BtcLightClientModule } from "./lightclient-module.ts";
import { paginate } from "./pagination.ts";
import { verifyPop } from "./pop.ts";
import {
  BtcStaking,
  btcstakingError,
  type Delegation,
  type FinalityProvider,
  type StakingParams,
  type StakingState,
  type TypedEmit,
} from "./staking.ts";

const ONE = 10n ** 18n;

/** An admin operation waiting for the next Babylon block, where it runs and emits its events. */
interface PendingOp {
  run(ctx: BlockContext, emit: TypedEmit): unknown;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * x/btcstaking as a chain module: queries answered from `BtcStaking`, MsgCreateFinalityProvider from real
 * txs, and admin operations (delegations, unbonding, jailing) queued to run at the start of the next block
 * so that their state change and their events share one Babylon height, as on a real chain.
 */
export class BtcStakingModule implements Module {
  readonly name = "btcstaking";
  readonly staking: BtcStaking;
  private queue: PendingOp[] = [];

  constructor(
    params: StakingParams,
    bsnIds: ReadonlySet<string>,
    readonly chainId: string,
    readonly lightClient: BtcLightClientModule,
    confirmationDepth: number,
  ) {
    this.staking = new BtcStaking(params, bsnIds, chainId, confirmationDepth);
    lightClient.onTipAdvanced((oldTip, newTip, ctx) =>
      this.staking.tipAdvanced(oldTip, newTip, typedEmitter(ctx)),
    );
  }

  btcTip(): number {
    return this.lightClient.tipHeight();
  }

  /** Queues `run` for the next block's BeginBlock; resolves with its result (or rejects with its error). */
  enqueue<T>(run: (ctx: BlockContext, emit: TypedEmit) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  get pendingOps(): number {
    return this.queue.length;
  }

  beginBlock(ctx: BlockContext): void {
    const ops = this.queue;
    this.queue = [];
    for (const op of ops) {
      // Each op is all-or-nothing: events go out only if it succeeded.
      const events: Parameters<BlockContext["emit"]>[0][] = [];
      try {
        const result = this.staking.atomically(() =>
          op.run(ctx, typedEmitter({ emit: (e) => events.push(e) })),
        );
        for (const e of events) ctx.emit(e);
        op.resolve(result);
      } catch (err) {
        op.reject(err);
      }
    }
  }

  readonly messages = {
    "/babylon.btcstaking.v1.MsgCreateFinalityProvider": (value: Uint8Array, ctx: MsgContext): Uint8Array => {
      rejectUnknownCriticalFields(value, "*types.MsgCreateFinalityProvider", CREATE_FP_FIELDS);
      const msg = MsgCreateFinalityProvider.decode(value);
      if (msg.addr !== ctx.signer) {
        throw new AbciError(
          "sdk",
          8,
          `invalid signer; expected ${msg.addr}, got ${ctx.signer}: invalid pubkey`,
        );
      }
      if (!isValidAddress(msg.addr))
        throw new AbciError("sdk", 7, `invalid addr address ${JSON.stringify(msg.addr)}: invalid address`);
      if (!msg.description) throw new AbciError("sdk", 18, "empty description: invalid request");
      if (msg.description.moniker === "") throw new AbciError("sdk", 18, "empty moniker: invalid request");
      if (msg.btcPk.length !== 32) {
        throw new AbciError("sdk", 18, `btc_pk must be 32 bytes, got ${msg.btcPk.length}: invalid request`);
      }
      if (!msg.pop) throw new AbciError("sdk", 18, "empty proof of possession: invalid request");
      const rate = decField(msg.commission.rate, "commission.rate");
      const maxRate = decField(msg.commission.maxRate, "commission.max_rate");
      const maxChangeRate = decField(msg.commission.maxChangeRate, "commission.max_change_rate");
      if (maxRate > ONE) throw new AbciError("btcstaking", 1113, "commission cannot be more than one");
      if (maxChangeRate > maxRate) {
        throw new AbciError("staking", 12, "commission change rate cannot be more than the max rate");
      }
      const btcPkHex = Buffer.from(msg.btcPk).toString("hex");
      if (this.staking.provider(btcPkHex)) throw btcstakingError.fpRegistered(btcPkHex);
      const pop = verifyPop(msg.pop.btcSigType, msg.pop.btcSig, msg.btcPk, ctx.chainId, msg.addr);
      if (!pop.ok)
        throw new AbciError("btcstaking", 1118, `${pop.reason}: the proof of possession is not valid`);
      this.staking.addProvider(
        {
          btcPkHex,
          addr: msg.addr,
          description: { ...msg.description },
          commission: rate,
          maxRate,
          maxChangeRate,
          commissionUpdateTime: ctx.time,
          popSigType: msg.pop.btcSigType,
          popSigHex: Buffer.from(msg.pop.btcSig).toString("hex"),
          bsnId: msg.bsnId === "" ? this.chainId : msg.bsnId,
          jailed: false,
          slashedBabylonHeight: 0n,
          slashedBtcHeight: 0,
          registeredHeight: ctx.height,
        },
        typedEmitter(ctx),
      );
      return MsgCreateFinalityProviderResponse.encode({});
    },
  };

  readonly queries = {
    "/babylon.btcstaking.v1.Query/Params": (): Uint8Array =>
      BtcStakingQueryParamsResponse.encode(
        BtcStakingQueryParamsResponse.fromPartial({ params: this.paramsMessage() }),
      ),

    "/babylon.btcstaking.v1.Query/FinalityProvider": (request: Uint8Array, height: bigint): Uint8Array => {
      const { fpBtcPkHex } = QueryFinalityProviderRequest.decode(request);
      const fp = this.staking.provider(fpBtcPkHex);
      if (!fp) throw btcstakingError.fpNotFound(fpBtcPkHex);
      // The finality contract asks this for every vote, hundreds of times a block with the same answer.
      // A provider's record is replaced, never changed, so the reply kept with the record stays true.
      const kept = providerReplies.get(fp);
      if (kept?.height === height) return kept.reply;
      const reply = QueryFinalityProviderResponse.encode({ finalityProvider: providerResponse(fp, height) });
      providerReplies.set(fp, { height, reply });
      return reply;
    },

    [CONSUMER_FINALITY_PROVIDER_PATH]: (request: Uint8Array, height: bigint): Uint8Array =>
      consumerProviderResponse(request, (pk) => this.staking.provider(pk), height),

    "/babylon.btcstaking.v1.Query/FinalityProviders": (request: Uint8Array, height: bigint): Uint8Array => {
      const req = QueryFinalityProvidersRequest.decode(request);
      const bsnId = req.bsnId === "" ? this.chainId : req.bsnId;
      const page = paginate(
        this.staking.providers(bsnId).map((fp) => ({ key: Buffer.from(fp.btcPkHex, "hex"), item: fp })),
        req.pagination,
      );
      return QueryFinalityProvidersResponse.encode({
        finalityProviders: page.items.map((fp) => providerResponse(fp, height)),
        pagination: { nextKey: page.nextKey, total: page.total },
      });
    },

    "/babylon.btcstaking.v1.Query/FinalityProviderDelegations": (request: Uint8Array): Uint8Array => {
      const req = QueryFinalityProviderDelegationsRequest.decode(request);
      const fp = this.staking.provider(req.fpBtcPkHex);
      if (!fp) throw btcstakingError.fpNotFound(req.fpBtcPkHex);
      const tip = this.btcTip();
      const page = paginate(
        this.staking
          .delegatorsOf(fp.btcPkHex)
          .map((group) => ({ key: Buffer.from(group.stakerBtcPkHex, "hex"), item: group })),
        req.pagination,
      );
      return QueryFinalityProviderDelegationsResponse.encode({
        btcDelegatorDelegations: page.items.map((group) => ({
          dels: group.dels.map((d) => this.delegationResponse(d, tip)),
        })),
        pagination: { nextKey: page.nextKey, total: page.total },
      });
    },
  };

  paramsMessage() {
    const p = this.staking.params;
    return {
      covenantPks: p.covenantPksHex.map((pk) => Buffer.from(pk, "hex")),
      covenantQuorum: p.covenantQuorum,
      minStakingValueSat: p.minStakingValueSat,
      maxStakingValueSat: p.maxStakingValueSat,
      minStakingTimeBlocks: p.minStakingTimeBlocks,
      maxStakingTimeBlocks: p.maxStakingTimeBlocks,
      slashingPkScript: Buffer.from(p.slashingPkScriptHex, "hex"),
      minSlashingTxFeeSat: p.minSlashingTxFeeSat,
      slashingRate: String(p.slashingRate),
      unbondingTimeBlocks: p.unbondingTimeBlocks,
      unbondingFeeSat: p.unbondingFeeSat,
      minCommissionRate: String(p.minCommissionRate),
      delegationCreationBaseGasFee: p.delegationCreationBaseGasFee,
      allowListExpirationHeight: p.allowListExpirationHeight,
      btcActivationHeight: p.btcActivationHeight,
      maxFinalityProviders: p.maxFinalityProviders,
    };
  }

  /**
   * The query form of a delegation, status computed at the light-client tip. The devnet has no covenant
   * committee, so covenant signatures are deterministic stand-in bytes from the real covenant keys; what
   * clients read from them — how many there are against the quorum — is exact.
   */
  delegationResponse(d: Delegation, tip: number): BTCDelegationResponse {
    const status = this.staking.status(d, tip);
    const signers = this.staking.params.covenantPksHex
      .slice(0, d.covenantSigs)
      .map((pk) => Buffer.from(pk, "hex"));
    const stand = (tag: string, len: number) => standInBytes(`${d.stakingTxHashHex}/${tag}`, len);
    const adaptor = (set: string) =>
      signers.map((covPk, i) => ({
        covPk,
        adaptorSigs: d.fpBtcPkList.map((fp) => stand(`${set}/${i}/${fp}`, 97)),
      }));
    return {
      stakerAddr: d.stakerAddr,
      btcPk: Buffer.from(d.stakerBtcPkHex, "hex"),
      fpBtcPkList: d.fpBtcPkList.map((pk) => Buffer.from(pk, "hex")),
      stakingTime: d.stakingTime,
      startHeight: d.startHeight,
      endHeight: d.endHeight,
      totalSat: d.totalSat,
      stakingTxHex: d.stakingTxHex,
      slashingTxHex: Buffer.from(stand("slashing-tx", 94)).toString("hex"),
      delegatorSlashSigHex: Buffer.from(stand("delegator-slash-sig", 64)).toString("hex"),
      covenantSigs: adaptor("staking"),
      stakingOutputIdx: 0,
      active: status === "ACTIVE",
      statusDesc: status,
      unbondingTime: d.unbondingTime,
      undelegationResponse: {
        unbondingTxHex: unbondingTxHex(d.stakingTxHashHex, d.totalSat),
        covenantUnbondingSigList: signers.map((pk, i) => ({ pk, sig: stand(`unbonding/${i}`, 64) })),
        slashingTxHex: Buffer.from(stand("unbonding-slashing-tx", 94)).toString("hex"),
        delegatorSlashingSigHex: Buffer.from(stand("delegator-unbonding-slash-sig", 64)).toString("hex"),
        covenantSlashingSigs: adaptor("unbonding-slashing"),
        delegatorUnbondingInfoResponse: d.unbonding ? { spendStakeTxHex: d.unbonding.spendTxHex } : undefined,
      },
      paramsVersion: d.paramsVersion,
      stkExp: undefined,
    };
  }

  snapshot(): unknown {
    return this.staking.snapshot();
  }

  restore(snapshot: unknown): void {
    this.staking.restore(snapshot as ReturnType<BtcStaking["snapshot"]>);
  }

  exportState(): StakingState {
    return this.staking.exportState();
  }

  importState(state: unknown): void {
    this.staking.importState(state as StakingState);
  }
}

function decField(wire: string, field: string): bigint {
  if (!/^\d+$/.test(wire)) {
    throw new AbciError(
      "sdk",
      18,
      `${field} must be a non-negative LegacyDec, got ${JSON.stringify(wire)}: invalid request`,
    );
  }
  return BigInt(wire);
}

function standInBytes(tag: string, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i * 32 < len; i++)
    out.set(sha256(new TextEncoder().encode(`${tag}#${i}`)).subarray(0, len - i * 32), i * 32);
  return out;
}

/** The last FinalityProvider query reply made from a provider's record, and the height it was for. */
const providerReplies = new WeakMap<FinalityProvider, { height: bigint; reply: Uint8Array }>();

export function providerResponse(fp: FinalityProvider, height: bigint): FinalityProviderResponse {
  return {
    description: { ...fp.description },
    commission: String(fp.commission),
    addr: fp.addr,
    btcPk: Buffer.from(fp.btcPkHex, "hex"),
    pop: { btcSigType: fp.popSigType, btcSig: Buffer.from(fp.popSigHex, "hex") },
    slashedBabylonHeight: fp.slashedBabylonHeight,
    slashedBtcHeight: fp.slashedBtcHeight,
    height,
    jailed: fp.jailed,
    highestVotedHeight: 0,
    commissionInfo: {
      maxRate: String(fp.maxRate),
      maxChangeRate: String(fp.maxChangeRate),
      updateTime: {
        seconds: BigInt(Math.floor(fp.commissionUpdateTime.getTime() / 1000)),
        nanos: (fp.commissionUpdateTime.getTime() % 1000) * 1_000_000,
      },
    },
    bsnId: fp.bsnId,
    softDeleted: false,
  };
}
