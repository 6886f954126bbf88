// The staking history verdicts are computed from, and its state at a BTC height (DESIGN rule 3). Everything
// here is a function of recorded history: jail changes, slashings, allow-list changes and what Babylon
// reported about delegations, each at the Babylon height that recorded it, the delegations' own BTC heights,
// and what was in force before the first indexed Babylon height (read once from the chain's historical state
// and recorded). Nothing reads a "current" flag, so evaluating a block before or after later chain events
// gives the same table.
//
// Babylon learns some delegation facts late: an early unbonding is reported once the spend is in its light
// client, with the spend's (earlier) BTC height. Rule 3 read literally would let such a report change the
// table of a block already evaluated. So a delegation fact counts at BTC height H only once Babylon had
// recorded it in a block before the Babylon height placed at H, as the allow-list and jail status are:
// Babylon's own power table at a Babylon height is built from what it knew then.
import { type Delegation, type ProviderState, votingPowerTable } from "./power.ts";

/** A provider as recorded: registration and slashing, not its current jail flag. */
export interface ProviderRecord {
  readonly btcPk: string;
  readonly bsnId: string;
  /** BTC height of the slashing, when known. */
  readonly slashedBtcHeight?: number | undefined;
  /** Babylon height of the block that slashed it. */
  readonly slashedBabylonHeight?: bigint | undefined;
}

/** A provider's jail status: as at the first indexed Babylon height, then its changes in Babylon order. */
export interface JailHistory {
  readonly jailedAtStart: boolean;
  readonly changes: readonly { readonly babylonHeight: bigint; readonly jailed: boolean }[];
}

/** Allow-list membership from Babylon height `added` to `removed`; `added` 0 is "before the first indexed height". */
export interface AllowlistInterval {
  readonly fpBtcPk: string;
  readonly added: bigint;
  readonly removed?: bigint | undefined;
}

export interface StakingHistory {
  /** The BSN whose providers count. */
  readonly bsnId: string;
  /** `btc_confirmation_depth` and `checkpoint_finalization_timeout`. */
  readonly k: number;
  readonly w: number;
  readonly providers: readonly ProviderRecord[];
  readonly delegations: readonly Delegation[];
  /** Providers without an entry were never jailed in the indexed range nor at its start. */
  readonly jail: ReadonlyMap<string, JailHistory>;
  readonly allowList: readonly AllowlistInterval[];
}

/**
 * What was in force at Babylon height `at`: a change made in block C shows from C + 1 on (as the contract's
 * `allowed_finality_providers_at_height` and Babylon's own state answer).
 */
const inForce = (changedAt: bigint, at: bigint) => changedAt < at;

export function jailedAt(history: JailHistory | undefined, at: bigint): boolean {
  if (history === undefined) return false;
  let jailed = history.jailedAtStart;
  for (const change of history.changes) {
    if (!inForce(change.babylonHeight, at)) break;
    jailed = change.jailed;
  }
  return jailed;
}

/** The allow-list at Babylon height `at`; undefined (no filter) when it is empty. */
export function allowListAt(intervals: readonly AllowlistInterval[], at: bigint): Set<string> | undefined {
  const listed = new Set<string>();
  for (const e of intervals) {
    const added = e.added === 0n || inForce(e.added, at);
    const removed = e.removed !== undefined && inForce(e.removed, at);
    if (added && !removed) listed.add(e.fpBtcPk);
  }
  return listed.size > 0 ? listed : undefined;
}

/** Recorded before the first indexed height (0n or absent): in force at every height. */
const known = (recordedAt: bigint | undefined, at: bigint) =>
  recordedAt === undefined || recordedAt === 0n || inForce(recordedAt, at);

/**
 * The delegation as Babylon knew it at Babylon height `at`: undefined while Babylon had not yet reported it
 * ACTIVE, and without an early unbonding Babylon had not yet reported (rule 3 then sees it still staked).
 */
export function delegationKnownAt(d: Delegation, at: bigint): Delegation | undefined {
  if (d.activeBabylonHeight === null || !known(d.activeBabylonHeight, at)) return undefined;
  if (d.unbondedAtBtcHeight === undefined || known(d.unbondedBabylonHeight, at)) return d;
  return { ...d, unbondedAtBtcHeight: undefined };
}

/** Whether any status in the history changes with the Babylon height (else any height gives the same). */
export function dependsOnBabylonHeight(history: StakingHistory): boolean {
  return (
    history.delegations.some(
      (d) => !!d.activeBabylonHeight || (d.unbondedAtBtcHeight !== undefined && !!d.unbondedBabylonHeight),
    ) ||
    history.allowList.some((e) => e.added !== 0n || e.removed !== undefined) ||
    [...history.jail.values()].some((j) => j.changes.length > 0) ||
    history.providers.some((p) => !!p.slashedBabylonHeight)
  );
}

/**
 * The providers' states at Babylon height `at`, as votingPowerTable takes them. A slashing counts only once the
 * Babylon block that recorded it is in force: it carries the BTC tip of that moment, and a block evaluated
 * before Babylon slashed the provider must keep the power it was given.
 */
export function providersAt(history: StakingHistory, at: bigint): ProviderState[] {
  return history.providers.map((p) => {
    const slashing = known(p.slashedBabylonHeight, at);
    return {
      btcPk: p.btcPk,
      bsnId: p.bsnId,
      jailed: jailedAt(history.jail.get(p.btcPk), at),
      slashedBtcHeight: slashing ? p.slashedBtcHeight : undefined,
      // A slashing whose BTC height is unknown counts from the Babylon block after the one that recorded it.
      slashedBabylonHeight:
        slashing && p.slashedBabylonHeight !== undefined ? Number(p.slashedBabylonHeight) : undefined,
    };
  });
}

/**
 * Rule 3's table at BTC height `btcHeight`, with the statuses and delegation facts Babylon had recorded
 * before Babylon height `at` (the last Babylon block at or before the BTC header's effective time).
 */
export function powerTableAt(history: StakingHistory, btcHeight: number, at: bigint): Map<string, bigint> {
  return votingPowerTable(
    btcHeight,
    providersAt(history, at),
    history.delegations.flatMap((d) => delegationKnownAt(d, at) ?? []),
    { bsnId: history.bsnId, k: history.k, w: history.w },
    allowListAt(history.allowList, at),
  );
}
