import { BinaryWriter } from "cosmjs-types/binary";
import { describe, expect, it } from "vitest";
import {
  BtcCheckpointParams,
  BtcCheckpointQueryParamsRequest,
  BtcCheckpointQueryParamsResponse,
} from "../../src/chains/babylon/btccheckpoint.ts";
import {
  BTCHeaderInfoResponse,
  QueryMainChainRequest,
  QueryMainChainResponse,
  QueryTipRequest,
  QueryTipResponse,
} from "../../src/chains/babylon/btclightclient.ts";
import {
  BTCDelegationResponse,
  BTCDelegationStatus,
  BTCDelegatorDelegationsResponse,
  BTCSigType,
  BTCUndelegationResponse,
  BtcStakingParams,
  BtcStakingQueryParamsRequest,
  BtcStakingQueryParamsResponse,
  CommissionInfo,
  CovenantAdaptorSignatures,
  DelegatorUnbondingInfoResponse,
  EventBTCDelegationCreated,
  EventBTCDelegationExpired,
  EventBTCDelegationInclusionProofReceived,
  EventBTCDelegationStateUpdate,
  EventBTCDelgationUnbondedEarly,
  EventCovenantQuorumReached,
  EventFinalityProviderCreated,
  EventFinalityProviderEdited,
  EventFinalityProviderStatusChange,
  FinalityProviderResponse,
  MsgCreateFinalityProvider,
  MsgCreateFinalityProviderResponse,
  ProofOfPossessionBTC,
  QueryFinalityProviderDelegationsRequest,
  QueryFinalityProviderDelegationsResponse,
  QueryFinalityProviderRequest,
  QueryFinalityProviderResponse,
  QueryFinalityProvidersRequest,
  QueryFinalityProvidersResponse,
  SignatureInfo,
  StakeExpansionResponse,
} from "../../src/chains/babylon/btcstaking.ts";
import {
  CommissionRates,
  Description,
  PageRequest,
  PageResponse,
  Timestamp,
} from "../../src/chains/babylon/cosmos.ts";
import {
  CheckpointStatus,
  QueryCurrentEpochRequest,
  QueryCurrentEpochResponse,
  QueryLastCheckpointWithStatusRequest,
  QueryLastCheckpointWithStatusResponse,
  RawCheckpointResponse,
} from "../../src/chains/babylon/epoching.ts";
import { EventSlashedFinalityProvider, Evidence } from "../../src/chains/babylon/finality.ts";
import type { MessageCodec } from "../../src/chains/babylon/proto.ts";
import {
  BEYOND_2_53,
  btcstakingParams,
  bytesOf,
  createFp,
  delegation,
  evidence,
  finalityProvider,
  hexOf,
} from "./babylon-fixtures.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

interface Case {
  name: string;
  codec: MessageCodec<unknown>;
  value: unknown;
}
const c = <T>(codec: MessageCodec<T>, value: T): Case => ({
  name: codec.typeName,
  codec: codec as unknown as MessageCodec<unknown>,
  value,
});

const header = {
  headerHex: hexOf("header", 80),
  hashHex: hexOf("hash", 32),
  height: 874_123,
  work: "1234567890123456789012345678901234567890",
};
const pageResponse = { nextKey: bytesOf("next", 34), total: BEYOND_2_53 };

const CASES: Case[] = [
  c(PageRequest, { key: bytesOf("key", 34), offset: 0n, limit: 100n, countTotal: true, reverse: true }),
  c(PageResponse, pageResponse),
  c(Description, finalityProvider.description!),
  c(CommissionRates, createFp.commission),
  c(Timestamp, { seconds: 1_735_689_600n, nanos: 999_999_999 }),
  c(ProofOfPossessionBTC, { btcSigType: BTCSigType.values.BIP322, btcSig: bytesOf("bip322", 120) }),
  c(CommissionInfo, finalityProvider.commissionInfo!),
  c(FinalityProviderResponse, finalityProvider),
  c(QueryFinalityProviderRequest, { fpBtcPkHex: hexOf("fp-pk", 32) }),
  c(QueryFinalityProviderResponse, { finalityProvider }),
  c(QueryFinalityProvidersRequest, {
    pagination: { key: bytesOf("k", 33), offset: 0n, limit: 100n, countTotal: false, reverse: false },
    bsnId: "op-stack-l2-11155420",
  }),
  c(QueryFinalityProvidersResponse, {
    finalityProviders: [finalityProvider, { ...finalityProvider, bsnId: "other" }],
    pagination: pageResponse,
  }),
  c(SignatureInfo, delegation.undelegationResponse!.covenantUnbondingSigList[0]!),
  c(CovenantAdaptorSignatures, delegation.covenantSigs[0]!),
  c(DelegatorUnbondingInfoResponse, { spendStakeTxHex: hexOf("spend", 150) }),
  c(BTCUndelegationResponse, delegation.undelegationResponse!),
  c(StakeExpansionResponse, delegation.stkExp!),
  c(BTCDelegationResponse, delegation),
  c(BTCDelegatorDelegationsResponse, {
    dels: [delegation, { ...delegation, totalSat: 2n ** 64n - 1n, stkExp: undefined }],
  }),
  c(QueryFinalityProviderDelegationsRequest, {
    fpBtcPkHex: hexOf("fp-pk", 32),
    pagination: { key: bytesOf("k", 32), offset: 0n, limit: 100n, countTotal: false, reverse: false },
  }),
  c(QueryFinalityProviderDelegationsResponse, {
    btcDelegatorDelegations: [{ dels: [delegation] }, { dels: [] }],
    pagination: pageResponse,
  }),
  c(BtcStakingParams, btcstakingParams),
  c(BtcStakingQueryParamsRequest, {}),
  c(BtcStakingQueryParamsResponse, { params: btcstakingParams }),
  c(MsgCreateFinalityProvider, createFp),
  c(MsgCreateFinalityProviderResponse, {}),
  c(BtcCheckpointParams, {
    btcConfirmationDepth: 6,
    checkpointFinalizationTimeout: 100,
    checkpointTag: "62627434",
  }),
  c(BtcCheckpointQueryParamsRequest, {}),
  c(BtcCheckpointQueryParamsResponse, {
    params: { btcConfirmationDepth: 30, checkpointFinalizationTimeout: 300, checkpointTag: "62627435" },
  }),
  c(BTCHeaderInfoResponse, header),
  c(QueryTipRequest, {}),
  c(QueryTipResponse, { header }),
  c(QueryMainChainRequest, {
    pagination: { key: bytesOf("h", 32), offset: 0n, limit: 1000n, countTotal: false, reverse: true },
  }),
  c(QueryMainChainResponse, { headers: [header, { ...header, height: 874_122 }], pagination: pageResponse }),
  c(QueryCurrentEpochRequest, {}),
  c(QueryCurrentEpochResponse, { currentEpoch: BEYOND_2_53, epochBoundary: 2n ** 60n }),
  c(RawCheckpointResponse, {
    epochNum: 1_234n,
    blockHashHex: hexOf("bh", 32),
    bitmap: bytesOf("bitmap", 13),
    blsMultiSig: bytesOf("bls", 48),
  }),
  c(QueryLastCheckpointWithStatusRequest, { status: CheckpointStatus.values.CKPT_STATUS_FINALIZED }),
  c(QueryLastCheckpointWithStatusResponse, {
    rawCheckpoint: {
      epochNum: 77n,
      blockHashHex: hexOf("bh", 32),
      bitmap: bytesOf("bm", 13),
      blsMultiSig: bytesOf("bls", 48),
    },
  }),
  c(Evidence, evidence),
  c(EventSlashedFinalityProvider, { evidence }),
  c(EventFinalityProviderCreated, {
    btcPkHex: hexOf("fp-pk", 32),
    addr: createFp.addr,
    commission: "0.050000000000000000",
    moniker: "m",
    identity: "i",
    website: "w",
    securityContact: "s",
    details: "d",
    bsnId: "op",
  }),
  c(EventFinalityProviderEdited, {
    btcPkHex: hexOf("fp-pk", 32),
    commission: "0.060000000000000000",
    moniker: "m2",
    identity: "",
    website: "",
    securityContact: "",
    details: "",
  }),
  c(EventFinalityProviderStatusChange, {
    btcPk: hexOf("fp-pk", 32),
    newState: "FINALITY_PROVIDER_STATUS_SLASHED",
  }),
  c(EventBTCDelegationCreated, {
    stakingTxHex: hexOf("tx", 120),
    stakingOutputIndex: "0",
    paramsVersion: "3",
    finalityProviderBtcPksHex: [hexOf("a", 32), hexOf("b", 32)],
    stakerBtcPkHex: hexOf("s", 32),
    stakingTime: "64000",
    unbondingTime: "1008",
    unbondingTx: hexOf("u", 100),
    newState: "PENDING",
    stakerAddr: createFp.addr,
    previousStakingTxHashHex: "",
  }),
  c(EventCovenantQuorumReached, { stakingTxHash: hexOf("tx", 32), newState: "VERIFIED" }),
  c(EventBTCDelegationInclusionProofReceived, {
    stakingTxHash: hexOf("tx", 32),
    startHeight: "874000",
    endHeight: "938000",
    newState: "ACTIVE",
  }),
  c(EventBTCDelgationUnbondedEarly, {
    stakingTxHash: hexOf("tx", 32),
    startHeight: "880000",
    newState: "UNBONDED",
    stakeExpansionTxHash: "",
  }),
  c(EventBTCDelegationExpired, { stakingTxHash: hexOf("tx", 32), newState: "EXPIRED" }),
  c(EventBTCDelegationStateUpdate, {
    stakingTxHash: hexOf("tx", 32),
    newState: BTCDelegationStatus.values.UNBONDED,
  }),
];

/** One unknown field of each wire type, numbered above anything Babylon declares. */
const UNKNOWN = new BinaryWriter()
  .uint32((99 << 3) | 0)
  .uint64(2n ** 62n)
  .uint32((100 << 3) | 2)
  .bytes(bytesOf("future", 40))
  .uint32((101 << 3) | 1)
  .fixed64(0x0102030405060708n)
  .uint32((102 << 3) | 5)
  .fixed32(0xdeadbeef)
  .finish();

describe("every Babylon message", () => {
  it.each(CASES)("$name round-trips byte-exact", ({ codec, value }) => {
    const enc = codec.encode(value);
    const dec = codec.decode(enc);
    expect(dec).toEqual(value);
    expect(hex(codec.encode(dec))).toBe(hex(enc));
    expect(codec.fromPartial(value as never)).toEqual(value);
  });

  it.each(CASES)(
    "$name skips unknown fields of every wire type before and after the known ones",
    ({ codec, value }) => {
      const enc = codec.encode(value);
      expect(codec.decode(concat(UNKNOWN, enc, UNKNOWN))).toEqual(value);
    },
  );

  it.each(CASES)("$name decodes an empty reply to its defaults", ({ codec }) => {
    expect(codec.decode(new Uint8Array(0))).toEqual(codec.fromPartial({} as never));
  });
});

describe("golden bytes, built field by field with cosmjs-types' BinaryWriter", () => {
  it("FinalityProviderResponse", () => {
    const fp = finalityProvider;
    const d = fp.description!;
    const w = new BinaryWriter();
    w.uint32(10)
      .fork()
      .uint32(10)
      .string(d.moniker)
      .uint32(18)
      .string(d.identity)
      .uint32(26)
      .string(d.website)
      .uint32(34)
      .string(d.securityContact)
      .uint32(42)
      .string(d.details)
      .ldelim();
    w.uint32(18).string(fp.commission);
    w.uint32(26).string(fp.addr);
    w.uint32(34).bytes(fp.btcPk);
    w.uint32(42).fork().uint32(18).bytes(fp.pop!.btcSig).ldelim(); // btc_sig_type BIP340 = 0 is omitted
    w.uint32(48).uint64(fp.slashedBabylonHeight);
    w.uint32(56).uint32(fp.slashedBtcHeight);
    w.uint32(64).uint64(fp.height);
    w.uint32(72).bool(true);
    w.uint32(80).uint32(fp.highestVotedHeight);
    const ci = fp.commissionInfo!;
    w.uint32(90)
      .fork()
      .uint32(10)
      .string(ci.maxRate)
      .uint32(18)
      .string(ci.maxChangeRate)
      .uint32(26)
      .fork()
      .uint32(8)
      .int64(ci.updateTime.seconds)
      .uint32(16)
      .int32(ci.updateTime.nanos)
      .ldelim()
      .ldelim();
    w.uint32(98).string(fp.bsnId);
    w.uint32(104).bool(true);
    const golden = w.finish();
    expect(hex(FinalityProviderResponse.encode(fp))).toBe(hex(golden));
    expect(FinalityProviderResponse.decode(golden)).toEqual(fp);
    // Spot-check a few bytes by hand: field 1 (description) opens the message, field 13 (soft_deleted=true) ends it.
    expect(hex(golden.subarray(0, 1))).toBe("0a");
    expect(hex(golden.subarray(golden.length - 2))).toBe("6801");
  });

  it("BTCDelegationResponse", () => {
    const del = delegation;
    const cov = (w: BinaryWriter, tag: number, s: { covPk: Uint8Array; adaptorSigs: Uint8Array[] }) => {
      const f = w.uint32(tag).fork().uint32(10).bytes(s.covPk);
      for (const sig of s.adaptorSigs) f.uint32(18).bytes(sig);
      f.ldelim();
    };
    const sigInfo = (w: BinaryWriter, tag: number, s: { pk: Uint8Array; sig: Uint8Array }) =>
      w.uint32(tag).fork().uint32(10).bytes(s.pk).uint32(18).bytes(s.sig).ldelim();
    const w = new BinaryWriter();
    w.uint32(10).string(del.stakerAddr);
    w.uint32(18).bytes(del.btcPk);
    for (const pk of del.fpBtcPkList) w.uint32(26).bytes(pk);
    w.uint32(32).uint32(del.stakingTime);
    w.uint32(40).uint32(del.startHeight);
    w.uint32(48).uint32(del.endHeight);
    w.uint32(56).uint64(del.totalSat);
    w.uint32(66).string(del.stakingTxHex);
    w.uint32(74).string(del.slashingTxHex);
    w.uint32(82).string(del.delegatorSlashSigHex);
    for (const s of del.covenantSigs) cov(w, 90, s);
    w.uint32(96).uint32(del.stakingOutputIdx);
    w.uint32(104).bool(true);
    w.uint32(114).string(del.statusDesc);
    w.uint32(120).uint32(del.unbondingTime);
    const u = del.undelegationResponse!;
    w.uint32(130).fork(); // field 16 needs a two-byte tag
    w.uint32(10).string(u.unbondingTxHex);
    for (const s of u.covenantUnbondingSigList) sigInfo(w, 18, s);
    w.uint32(26).string(u.slashingTxHex);
    w.uint32(34).string(u.delegatorSlashingSigHex);
    for (const s of u.covenantSlashingSigs) cov(w, 42, s);
    w.uint32(50).fork().uint32(10).string(u.delegatorUnbondingInfoResponse!.spendStakeTxHex).ldelim();
    w.ldelim();
    w.uint32(136).uint32(del.paramsVersion);
    const x = del.stkExp!;
    w.uint32(146)
      .fork()
      .uint32(10)
      .string(x.previousStakingTxHashHex)
      .uint32(18)
      .string(x.otherFundingTxOutHex);
    for (const s of x.previousStkCovenantSigs) sigInfo(w, 26, s);
    w.ldelim();
    const golden = w.finish();
    expect(hex(BTCDelegationResponse.encode(del))).toBe(hex(golden));
    expect(BTCDelegationResponse.decode(golden)).toEqual(del);
    expect(hex(golden.subarray(0, 2))).toBe(`0a${del.stakerAddr.length.toString(16)}`);
  });

  it("MsgCreateFinalityProvider uses the v3-rc field numbers (commission 7, bsn_id 8; 3 and 6 unused)", () => {
    const m = createFp;
    const w = new BinaryWriter();
    w.uint32(10).string(m.addr);
    w.uint32(18)
      .fork()
      .uint32(10)
      .string(m.description!.moniker)
      .uint32(26)
      .string(m.description!.website)
      .ldelim();
    w.uint32(34).bytes(m.btcPk);
    w.uint32(42).fork().uint32(18).bytes(m.pop!.btcSig).ldelim();
    w.uint32(58)
      .fork()
      .uint32(10)
      .string(m.commission.rate)
      .uint32(18)
      .string(m.commission.maxRate)
      .uint32(26)
      .string(m.commission.maxChangeRate)
      .ldelim();
    w.uint32(66).string(m.bsnId);
    expect(hex(MsgCreateFinalityProvider.encode(m))).toBe(hex(w.finish()));
  });
});

describe("other Babylon versions", () => {
  it("a v4 FinalityProviderResponse (no bsn_id, soft_deleted, a newer field 14) decodes with bsnId ''", () => {
    const v4 = new BinaryWriter();
    v4.uint32(26).string(finalityProvider.addr);
    v4.uint32(34).bytes(finalityProvider.btcPk);
    v4.uint32(104).bool(true);
    v4.uint32(114).string("some v4 addition");
    const fp = FinalityProviderResponse.decode(v4.finish());
    expect(fp.bsnId).toBe("");
    expect(fp.softDeleted).toBe(true);
    expect(fp.addr).toBe(finalityProvider.addr);
    expect(fp.description).toBeUndefined();
  });

  it("a snapshot-era MsgCreateFinalityProvider (bsn_id at field 6) decodes with the field skipped, not misread", () => {
    const old = new BinaryWriter()
      .uint32(10)
      .string(createFp.addr)
      .uint32(50)
      .string("op-stack-l2-1")
      .finish();
    const m = MsgCreateFinalityProvider.decode(old);
    expect(m.addr).toBe(createFp.addr);
    expect(m.bsnId).toBe("");
  });

  it("a v4 QueryFinalityProvidersRequest decoder ignores bsn_id; ours carries it at field 2", () => {
    const enc = QueryFinalityProvidersRequest.encode({ bsnId: "op-stack-l2-1" });
    expect(hex(enc)).toBe(`120d${Buffer.from("op-stack-l2-1").toString("hex")}`);
  });

  it("a decode error names the message and the problem", () => {
    expect(() => BTCDelegationResponse.decode(Uint8Array.of(0x38, 0x80))).toThrow(
      /cannot decode babylon\.btcstaking\.v1\.BTCDelegationResponse: truncated/,
    );
    expect(() => BTCDelegationResponse.decode(Uint8Array.of(0x3a, 0x00))).toThrow(
      /total_sat \(field 7\) has wire type 2/,
    );
  });
});
