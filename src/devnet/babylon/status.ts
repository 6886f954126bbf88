/**
 * Babylon's BTCDelegation.GetStatus (x/btcstaking/types/btc_delegation.go), evaluated by the query server at
 * the BTC light-client tip. Stake expansion is not modelled by the devnet, so its extra quorum never applies.
 */
export type DelegationStatus = "PENDING" | "VERIFIED" | "ACTIVE" | "UNBONDED" | "EXPIRED";

export interface StatusInput {
  /** Covenant signatures collected: staking, unbonding and slashing sets each hold this many. */
  covenantSigs: number;
  startHeight: number;
  endHeight: number;
  unbondingTime: number;
  unbondedEarly: boolean;
}

export function delegationStatus(
  d: StatusInput,
  btcHeight: number,
  covenantQuorum: number,
): DelegationStatus {
  if (d.unbondedEarly) return "UNBONDED";
  if (d.covenantSigs < covenantQuorum) return "PENDING";
  if (!(d.startHeight > 0 && d.endHeight > 0)) return "VERIFIED";
  if (btcHeight < d.startHeight) return "UNBONDED";
  if (btcHeight + d.unbondingTime >= d.endHeight) return "EXPIRED";
  return "ACTIVE";
}

/** First BTC height at which an ACTIVE delegation counts as EXPIRED. */
export function expiryHeight(d: Pick<StatusInput, "endHeight" | "unbondingTime">): number {
  return d.endHeight - d.unbondingTime;
}
