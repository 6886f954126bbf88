// babylon.btcstaking.v1 — the v3 ("multi-staking", BSN) line: finality providers carry a bsn_id.
// Field numbers: reference/babylon-cosmjs-reference.md §1.4 and its Addendum (Babylon v3.0.0-rc.3).

import { CommissionRates, Description, PageRequest, PageResponse, Timestamp } from "./cosmos.ts";
import {
  bip340PubKey,
  bool,
  bytes,
  defineEnum,
  defineMessage,
  enumOf,
  field,
  int64,
  type MessageOf,
  message,
  optional,
  repeated,
  string,
  uint32,
  uint64,
} from "./proto.ts";

export const BTCSigType = defineEnum("babylon.btcstaking.v1.BTCSigType", { BIP340: 0, BIP322: 1, ECDSA: 2 });

export const BTCDelegationStatus = defineEnum("babylon.btcstaking.v1.BTCDelegationStatus", {
  PENDING: 0,
  VERIFIED: 1,
  ACTIVE: 2,
  UNBONDED: 3,
  EXPIRED: 4,
  ANY: 5,
});

export const FinalityProviderStatus = defineEnum("babylon.btcstaking.v1.FinalityProviderStatus", {
  FINALITY_PROVIDER_STATUS_INACTIVE: 0,
  FINALITY_PROVIDER_STATUS_ACTIVE: 1,
  FINALITY_PROVIDER_STATUS_JAILED: 2,
  FINALITY_PROVIDER_STATUS_SLASHED: 3,
});

export const ProofOfPossessionBTC = defineMessage("babylon.btcstaking.v1.ProofOfPossessionBTC", {
  btcSigType: field(1, enumOf(BTCSigType)),
  btcSig: field(2, bytes),
});
export type ProofOfPossessionBTC = MessageOf<typeof ProofOfPossessionBTC>;

export const CommissionInfo = defineMessage("babylon.btcstaking.v1.CommissionInfo", {
  maxRate: field(1, string),
  maxChangeRate: field(2, string),
  // gogoproto stdtime, nullable=false: Go always writes it.
  updateTime: field(3, message(Timestamp)),
});
export type CommissionInfo = MessageOf<typeof CommissionInfo>;

export const FinalityProviderResponse = defineMessage("babylon.btcstaking.v1.FinalityProviderResponse", {
  description: optional(1, message(Description)),
  /** LegacyDec wire form (1e18-scaled integer string). */
  commission: field(2, string),
  addr: field(3, string),
  /** 32-byte BIP-340 x-only key; hex(btcPk) is the fp_btc_pk_hex used everywhere. */
  btcPk: field(4, bip340PubKey),
  pop: optional(5, message(ProofOfPossessionBTC)),
  slashedBabylonHeight: field(6, uint64),
  slashedBtcHeight: field(7, uint32),
  height: field(8, uint64),
  jailed: field(9, bool),
  highestVotedHeight: field(10, uint32),
  commissionInfo: optional(11, message(CommissionInfo)),
  /** v3 only; "" from a v4 node (field 12 reserved there). */
  bsnId: field(12, string),
  softDeleted: field(13, bool),
});
export type FinalityProviderResponse = MessageOf<typeof FinalityProviderResponse>;

export const QueryFinalityProviderRequest = defineMessage(
  "babylon.btcstaking.v1.QueryFinalityProviderRequest",
  {
    fpBtcPkHex: field(1, string),
  },
);
export type QueryFinalityProviderRequest = MessageOf<typeof QueryFinalityProviderRequest>;

export const QueryFinalityProviderResponse = defineMessage(
  "babylon.btcstaking.v1.QueryFinalityProviderResponse",
  {
    finalityProvider: optional(1, message(FinalityProviderResponse)),
  },
);
export type QueryFinalityProviderResponse = MessageOf<typeof QueryFinalityProviderResponse>;

export const QueryFinalityProvidersRequest = defineMessage(
  "babylon.btcstaking.v1.QueryFinalityProvidersRequest",
  {
    pagination: optional(1, message(PageRequest)),
    /** v3 only; "" means the Babylon chain itself. */
    bsnId: field(2, string),
  },
);
export type QueryFinalityProvidersRequest = MessageOf<typeof QueryFinalityProvidersRequest>;

export const QueryFinalityProvidersResponse = defineMessage(
  "babylon.btcstaking.v1.QueryFinalityProvidersResponse",
  {
    finalityProviders: repeated(1, message(FinalityProviderResponse)),
    pagination: optional(2, message(PageResponse)),
  },
);
export type QueryFinalityProvidersResponse = MessageOf<typeof QueryFinalityProvidersResponse>;

export const SignatureInfo = defineMessage("babylon.btcstaking.v1.SignatureInfo", {
  pk: field(1, bip340PubKey),
  sig: field(2, bytes),
});
export type SignatureInfo = MessageOf<typeof SignatureInfo>;

export const CovenantAdaptorSignatures = defineMessage("babylon.btcstaking.v1.CovenantAdaptorSignatures", {
  covPk: field(1, bip340PubKey),
  adaptorSigs: repeated(2, bytes),
});
export type CovenantAdaptorSignatures = MessageOf<typeof CovenantAdaptorSignatures>;

export const DelegatorUnbondingInfoResponse = defineMessage(
  "babylon.btcstaking.v1.DelegatorUnbondingInfoResponse",
  {
    spendStakeTxHex: field(1, string),
  },
);
export type DelegatorUnbondingInfoResponse = MessageOf<typeof DelegatorUnbondingInfoResponse>;

export const BTCUndelegationResponse = defineMessage("babylon.btcstaking.v1.BTCUndelegationResponse", {
  unbondingTxHex: field(1, string),
  covenantUnbondingSigList: repeated(2, message(SignatureInfo)),
  slashingTxHex: field(3, string),
  delegatorSlashingSigHex: field(4, string),
  covenantSlashingSigs: repeated(5, message(CovenantAdaptorSignatures)),
  /** Present iff the delegation was unbonded early (unbonding tx, any other spend, or a reported slashing). */
  delegatorUnbondingInfoResponse: optional(6, message(DelegatorUnbondingInfoResponse)),
});
export type BTCUndelegationResponse = MessageOf<typeof BTCUndelegationResponse>;

export const StakeExpansionResponse = defineMessage("babylon.btcstaking.v1.StakeExpansionResponse", {
  previousStakingTxHashHex: field(1, string),
  otherFundingTxOutHex: field(2, string),
  previousStkCovenantSigs: repeated(3, message(SignatureInfo)),
});
export type StakeExpansionResponse = MessageOf<typeof StakeExpansionResponse>;

export const BTCDelegationResponse = defineMessage("babylon.btcstaking.v1.BTCDelegationResponse", {
  stakerAddr: field(1, string),
  btcPk: field(2, bip340PubKey),
  /** More than one entry: multi-staked; the full totalSat counts for each provider. */
  fpBtcPkList: repeated(3, bip340PubKey),
  stakingTime: field(4, uint32),
  /** BTC height of the staking tx inclusion; 0 while there is no inclusion proof. */
  startHeight: field(5, uint32),
  endHeight: field(6, uint32),
  totalSat: field(7, uint64),
  stakingTxHex: field(8, string),
  slashingTxHex: field(9, string),
  delegatorSlashSigHex: field(10, string),
  covenantSigs: repeated(11, message(CovenantAdaptorSignatures)),
  stakingOutputIdx: field(12, uint32),
  /** Computed by Babylon at its BTC light-client tip, not at any height the caller cares about. */
  active: field(13, bool),
  statusDesc: field(14, string),
  unbondingTime: field(15, uint32),
  undelegationResponse: optional(16, message(BTCUndelegationResponse)),
  paramsVersion: field(17, uint32),
  stkExp: optional(18, message(StakeExpansionResponse)),
});
export type BTCDelegationResponse = MessageOf<typeof BTCDelegationResponse>;

/** The covenant quorum is reached: staking, unbonding and slashing signatures each number `quorum` or more. */
export function covenantQuorumReached(d: BTCDelegationResponse, quorum: number): boolean {
  const u = d.undelegationResponse;
  return (
    d.covenantSigs.length >= quorum &&
    (u?.covenantUnbondingSigList.length ?? 0) >= quorum &&
    (u?.covenantSlashingSigs.length ?? 0) >= quorum
  );
}

export const BTCDelegatorDelegationsResponse = defineMessage(
  "babylon.btcstaking.v1.BTCDelegatorDelegationsResponse",
  {
    dels: repeated(1, message(BTCDelegationResponse)),
  },
);
export type BTCDelegatorDelegationsResponse = MessageOf<typeof BTCDelegatorDelegationsResponse>;

export const QueryFinalityProviderDelegationsRequest = defineMessage(
  "babylon.btcstaking.v1.QueryFinalityProviderDelegationsRequest",
  {
    fpBtcPkHex: field(1, string),
    pagination: optional(2, message(PageRequest)),
  },
);
export type QueryFinalityProviderDelegationsRequest = MessageOf<
  typeof QueryFinalityProviderDelegationsRequest
>;

export const QueryFinalityProviderDelegationsResponse = defineMessage(
  "babylon.btcstaking.v1.QueryFinalityProviderDelegationsResponse",
  {
    /** One entry per staker BTC key; pagination is over stakers, not delegations. */
    btcDelegatorDelegations: repeated(1, message(BTCDelegatorDelegationsResponse)),
    pagination: optional(2, message(PageResponse)),
  },
);
export type QueryFinalityProviderDelegationsResponse = MessageOf<
  typeof QueryFinalityProviderDelegationsResponse
>;

export const BtcStakingParams = defineMessage("babylon.btcstaking.v1.Params", {
  covenantPks: repeated(1, bip340PubKey),
  covenantQuorum: field(2, uint32),
  minStakingValueSat: field(3, int64),
  maxStakingValueSat: field(4, int64),
  minStakingTimeBlocks: field(5, uint32),
  maxStakingTimeBlocks: field(6, uint32),
  slashingPkScript: field(7, bytes),
  minSlashingTxFeeSat: field(8, int64),
  /** LegacyDec wire form. */
  slashingRate: field(9, string),
  unbondingTimeBlocks: field(10, uint32),
  unbondingFeeSat: field(11, int64),
  /** LegacyDec wire form. */
  minCommissionRate: field(12, string),
  delegationCreationBaseGasFee: field(13, uint64),
  allowListExpirationHeight: field(14, uint64),
  btcActivationHeight: field(15, uint32),
  /** v3 only. */
  maxFinalityProviders: field(16, uint32),
});
export type BtcStakingParams = MessageOf<typeof BtcStakingParams>;

export const BtcStakingQueryParamsRequest = defineMessage("babylon.btcstaking.v1.QueryParamsRequest", {});
export type BtcStakingQueryParamsRequest = MessageOf<typeof BtcStakingQueryParamsRequest>;

export const BtcStakingQueryParamsResponse = defineMessage("babylon.btcstaking.v1.QueryParamsResponse", {
  params: field(1, message(BtcStakingParams)),
});
export type BtcStakingQueryParamsResponse = MessageOf<typeof BtcStakingQueryParamsResponse>;

/** v3.0.0-rc.3 layout: field 3 (the old Dec commission) is reserved, bsn_id moved from 6 to 8. */
export const MsgCreateFinalityProvider = defineMessage("babylon.btcstaking.v1.MsgCreateFinalityProvider", {
  addr: field(1, string),
  description: optional(2, message(Description)),
  btcPk: field(4, bip340PubKey),
  pop: optional(5, message(ProofOfPossessionBTC)),
  commission: field(7, message(CommissionRates)),
  bsnId: field(8, string),
});
export type MsgCreateFinalityProvider = MessageOf<typeof MsgCreateFinalityProvider>;

export const MsgCreateFinalityProviderResponse = defineMessage(
  "babylon.btcstaking.v1.MsgCreateFinalityProviderResponse",
  {},
);
export type MsgCreateFinalityProviderResponse = MessageOf<typeof MsgCreateFinalityProviderResponse>;

// ---------------------------------------------------------------------------------------------------
// Typed events (events.proto). Emitted as Cosmos SDK typed events; see events.ts for the ABCI form.
// Heights and amounts in these events are decimal strings, as Babylon declares them.
// ---------------------------------------------------------------------------------------------------

export const EventFinalityProviderCreated = defineMessage(
  "babylon.btcstaking.v1.EventFinalityProviderCreated",
  {
    btcPkHex: field(1, string),
    addr: field(2, string),
    /** LegacyDec.String() form, e.g. "0.050000000000000000" (not the wire form). */
    commission: field(3, string),
    moniker: field(4, string),
    identity: field(5, string),
    website: field(6, string),
    securityContact: field(7, string),
    details: field(8, string),
    bsnId: field(9, string),
  },
);
export type EventFinalityProviderCreated = MessageOf<typeof EventFinalityProviderCreated>;

export const EventFinalityProviderEdited = defineMessage(
  "babylon.btcstaking.v1.EventFinalityProviderEdited",
  {
    btcPkHex: field(1, string),
    commission: field(2, string),
    moniker: field(3, string),
    identity: field(4, string),
    website: field(5, string),
    securityContact: field(6, string),
    details: field(7, string),
  },
);
export type EventFinalityProviderEdited = MessageOf<typeof EventFinalityProviderEdited>;

export const EventFinalityProviderStatusChange = defineMessage(
  "babylon.btcstaking.v1.EventFinalityProviderStatusChange",
  {
    btcPk: field(1, string),
    /** A FinalityProviderStatus name, e.g. "FINALITY_PROVIDER_STATUS_SLASHED" (a string field in Babylon). */
    newState: field(2, string),
  },
);
export type EventFinalityProviderStatusChange = MessageOf<typeof EventFinalityProviderStatusChange>;

/**
 * Babylon's creation event has no staking_tx_hash, amount or heights: the hash and total_sat follow from
 * staking_tx_hex and staking_output_index (see btc-tx.ts stakingOutput), the heights arrive later with
 * EventBTCDelegationInclusionProofReceived.
 */
export const EventBTCDelegationCreated = defineMessage("babylon.btcstaking.v1.EventBTCDelegationCreated", {
  stakingTxHex: field(1, string),
  stakingOutputIndex: field(2, string),
  paramsVersion: field(3, string),
  finalityProviderBtcPksHex: repeated(4, string),
  stakerBtcPkHex: field(5, string),
  stakingTime: field(6, string),
  unbondingTime: field(7, string),
  unbondingTx: field(8, string),
  /** A BTCDelegationStatus name, e.g. "PENDING". */
  newState: field(9, string),
  stakerAddr: field(10, string),
  /** Non-empty iff this delegation is a stake expansion of that one. */
  previousStakingTxHashHex: field(11, string),
});
export type EventBTCDelegationCreated = MessageOf<typeof EventBTCDelegationCreated>;

export const EventCovenantQuorumReached = defineMessage("babylon.btcstaking.v1.EventCovenantQuorumReached", {
  stakingTxHash: field(1, string),
  newState: field(2, string),
});
export type EventCovenantQuorumReached = MessageOf<typeof EventCovenantQuorumReached>;

export const EventBTCDelegationInclusionProofReceived = defineMessage(
  "babylon.btcstaking.v1.EventBTCDelegationInclusionProofReceived",
  {
    stakingTxHash: field(1, string),
    startHeight: field(2, string),
    endHeight: field(3, string),
    newState: field(4, string),
  },
);
export type EventBTCDelegationInclusionProofReceived = MessageOf<
  typeof EventBTCDelegationInclusionProofReceived
>;

/** The name's typo ("Delgation") is Babylon's. startHeight is the BTC height of the spending tx. */
export const EventBTCDelgationUnbondedEarly = defineMessage(
  "babylon.btcstaking.v1.EventBTCDelgationUnbondedEarly",
  {
    stakingTxHash: field(1, string),
    startHeight: field(2, string),
    newState: field(3, string),
    stakeExpansionTxHash: field(4, string),
  },
);
export type EventBTCDelgationUnbondedEarly = MessageOf<typeof EventBTCDelgationUnbondedEarly>;

/** One covenant member's signatures on a delegation (MsgAddCovenantSigs); quorum is reported separately. */
export const EventCovenantSignatureReceived = defineMessage(
  "babylon.btcstaking.v1.EventCovenantSignatureReceived",
  {
    stakingTxHash: field(1, string),
    covenantBtcPkHex: field(2, string),
    covenantUnbondingSignatureHex: field(3, string),
  },
);
export type EventCovenantSignatureReceived = MessageOf<typeof EventCovenantSignatureReceived>;

/**
 * MsgBTCUndelegate with a spend of the staking output that is not the registered unbonding tx. Babylon
 * emits this instead of EventBTCDelgationUnbondedEarly: the delegation is unbonded all the same. It names
 * the BTC block holding the spend by hash (display order), not by height.
 */
export const EventUnexpectedUnbondingTx = defineMessage("babylon.btcstaking.v1.EventUnexpectedUnbondingTx", {
  stakingTxHash: field(1, string),
  spendStakeTxHash: field(2, string),
  spendStakeTxHeaderHash: field(3, string),
  spendStakeTxBlockIndex: field(4, uint32),
});
export type EventUnexpectedUnbondingTx = MessageOf<typeof EventUnexpectedUnbondingTx>;

/** Carries no BTC height; an indexer takes it from the delegation's end_height and unbonding_time. */
export const EventBTCDelegationExpired = defineMessage("babylon.btcstaking.v1.EventBTCDelegationExpired", {
  stakingTxHash: field(1, string),
  newState: field(2, string),
});
export type EventBTCDelegationExpired = MessageOf<typeof EventBTCDelegationExpired>;

export const EventBTCDelegationStateUpdate = defineMessage(
  "babylon.btcstaking.v1.EventBTCDelegationStateUpdate",
  {
    stakingTxHash: field(1, string),
    /** A real enum here (JSON: its name). */
    newState: field(2, enumOf(BTCDelegationStatus)),
  },
);
export type EventBTCDelegationStateUpdate = MessageOf<typeof EventBTCDelegationStateUpdate>;
