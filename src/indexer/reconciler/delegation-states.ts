// What the reconciler reads of each delegation Babylon's state lists for a provider: the fields it compares
// with the indexed row and writes when they differ. Reading them is most of a reconciler pass (at 10,000
// delegations: a protobuf reply per hundred, and a staking transaction parsed and double-hashed for each),
// so the gadget runs this in the Babylon fetch worker, off the thread that serves the API and evaluates
// blocks; the results cross as plain records.
import { parseBtcTx } from "../../chains/babylon/btc-tx.ts";
import { covenantQuorumReached } from "../../chains/babylon/btcstaking.ts";
import type { BabylonQueryClient } from "../../chains/babylon/query-client.ts";
import { bytesToHex } from "../../core/crypto/bytes.ts";
import type { DelegationCreatedRecord } from "../babylon/records.ts";

/** What a creation event tells of a delegation (the event's height aside), and what only the state tells. */
export interface DelegationState extends Omit<DelegationCreatedRecord, "babylonHeight"> {
  startHeight: number;
  endHeight: number;
  covenantQuorumReached: boolean;
  /** Babylon's state shows the staker's early unbonding (not at which BTC height: that comes from its event). */
  unbondedEarly: boolean;
}

/** A provider's delegations as Babylon's state has them, with a covenant quorum of `quorum`. */
export async function delegationStates(
  babylon: BabylonQueryClient,
  fpBtcPk: string,
  quorum: number,
): Promise<DelegationState[]> {
  const dels = await babylon.allFinalityProviderDelegations(fpBtcPk);
  return dels.map((d) => ({
    stakingTxHash: parseBtcTx(d.stakingTxHex).txid,
    stakerAddr: d.stakerAddr,
    stakerBtcPk: bytesToHex(d.btcPk),
    fpBtcPks: d.fpBtcPkList.map((k) => bytesToHex(k).toLowerCase()),
    totalSat: d.totalSat,
    stakingTime: d.stakingTime,
    startHeight: d.startHeight,
    endHeight: d.endHeight,
    covenantQuorumReached: covenantQuorumReached(d, quorum),
    unbondedEarly: d.undelegationResponse?.delegatorUnbondingInfoResponse !== undefined,
    status: d.statusDesc,
    paramsVersion: d.paramsVersion,
  }));
}
