/**
 * Rule 3: the voting power of each finality provider at a BTC height, computed only from the history the
 * caller passes in (no "current" state), so re-evaluating an old block gives the same answer.
 *
 * Keys (`btcPk`, `fpBtcPks`) are 64-char lowercase hex x-only public keys without 0x, as stored.
 */

export interface Delegation {
  readonly stakingTxHash: string;
  /** Every provider this stake is delegated to (multi-staking); each counts the full `totalSat`. */
  readonly fpBtcPks: readonly string[];
  readonly totalSat: bigint;
  /** BTC height of the staking tx inclusion; 0 while Babylon has no inclusion proof. */
  readonly startHeight: number;
  /** BTC height at which the staking timelock ends; 0 while Babylon has no inclusion proof. */
  readonly endHeight: number;
  /** Covenant signatures reached the quorum (staking, unbonding and slashing sigs, as Babylon's status). */
  readonly covenantQuorumReached: boolean;
  /** BTC height of the early-unbonding (or slashing) spend, when it happened. */
  readonly unbondedAtBtcHeight?: number | undefined;
  /**
   * Babylon height of the block that first reported the delegation ACTIVE; 0n or absent when it was active
   * before the first indexed height, null when Babylon never reported it active (staking.ts).
   */
  readonly activeBabylonHeight?: bigint | null | undefined;
  /** Babylon height of the block that reported the early unbonding; 0n or absent: before the first indexed one. */
  readonly unbondedBabylonHeight?: bigint | undefined;
}

export interface ProviderState {
  readonly btcPk: string;
  /** The BSN the provider is registered for; only providers of the table's BSN count. */
  readonly bsnId: string;
  /** BTC height of the slashing; undefined (or Babylon's 0) when not slashed or not known. */
  readonly slashedBtcHeight?: number | undefined;
  /** Babylon height of the slashing; undefined (or Babylon's 0) when not slashed. */
  readonly slashedBabylonHeight?: number | undefined;
  /** Jailed at the table's height, as the staking history says (staking.ts); never a "current" flag. */
  readonly jailed: boolean;
}

export interface StakingParams {
  /** The BSN whose providers count (the finality contract's `bsn_id`). */
  readonly bsnId: string;
  /** `btc_confirmation_depth`: a delegation is active from `startHeight + k`. */
  readonly k: number;
  /** `checkpoint_finalization_timeout`: a delegation is active while `H + w ≤ endHeight`. */
  readonly w: number;
}

/**
 * Voting power of every eligible provider at BTC height `btcHeight`.
 *
 * The map holds exactly the eligible providers — registered for `params.bsnId`, not slashed at or before
 * the height, not jailed at the height, and allow-listed when `allowList` is non-empty — each with its power,
 * which may be 0. Ineligible providers are absent. This lets callers tell "eligible with no stake" from
 * "not eligible"; the tally treats both the same (no power).
 *
 * Decisions beyond DESIGN rule 3, all on the side of not over-counting power:
 * - A provider whose slashing has a Babylon height but no BTC height counts as slashed at every height.
 * - Jailed providers are excluded while jailed (issue text): `jailed` is their status at the table's
 *   height, which staking.ts derives from the recorded history.
 * - A delegation with `startHeight` or `endHeight` 0 has no inclusion proof yet and is not active
 *   (Babylon's own status says VERIFIED, not ACTIVE).
 * - Delegations naming a provider that is not in `providers` add nothing for that provider.
 */
export function votingPowerTable(
  btcHeight: number,
  providers: readonly ProviderState[],
  delegations: readonly Delegation[],
  params: StakingParams,
  allowList?: ReadonlySet<string> | undefined,
): Map<string, bigint> {
  assertBtcHeight("BTC height", btcHeight);
  assertBtcHeight("k (btc_confirmation_depth)", params.k);
  assertBtcHeight("w (checkpoint_finalization_timeout)", params.w);

  const power = new Map<string, bigint>();
  for (const provider of providers) {
    if (isEligible(provider, btcHeight, params.bsnId, allowList)) power.set(provider.btcPk, 0n);
  }
  for (const delegation of delegations) {
    if (delegation.totalSat < 0n) {
      throw new RangeError(
        `delegation ${delegation.stakingTxHash} has negative total_sat ${delegation.totalSat}`,
      );
    }
    if (!isDelegationActive(delegation, btcHeight, params)) continue;
    // A repeated pk in one delegation must not count its stake twice for that provider.
    for (const pk of new Set(delegation.fpBtcPks)) {
      const current = power.get(pk);
      if (current !== undefined) power.set(pk, current + delegation.totalSat);
    }
  }
  return power;
}

/** Rule 3's delegation predicate at BTC height H. */
export function isDelegationActive(
  delegation: Delegation,
  btcHeight: number,
  params: StakingParams,
): boolean {
  const { startHeight, endHeight, unbondedAtBtcHeight } = delegation;
  if (!delegation.covenantQuorumReached) return false;
  if (startHeight === 0) return false;
  // Stryker disable next-line ConditionalExpression: with startHeight ≥ 1 the end check below rejects endHeight 0 too; this line says why
  if (endHeight === 0) return false;
  if (startHeight + params.k > btcHeight) return false;
  if (btcHeight + params.w > endHeight) return false;
  return unbondedAtBtcHeight === undefined || unbondedAtBtcHeight > btcHeight;
}

function isEligible(
  provider: ProviderState,
  btcHeight: number,
  bsnId: string,
  allowList: ReadonlySet<string> | undefined,
): boolean {
  if (provider.bsnId !== bsnId) return false;
  if (allowList !== undefined && allowList.size > 0 && !allowList.has(provider.btcPk)) return false;
  if (isSlashedBy(provider, btcHeight)) return false;
  return !provider.jailed;
}

function isSlashedBy(provider: ProviderState, btcHeight: number): boolean {
  const btc = provider.slashedBtcHeight || undefined; // Babylon encodes "not slashed" as 0
  if (btc !== undefined) return btc <= btcHeight;
  return Boolean(provider.slashedBabylonHeight);
}

function assertBtcHeight(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}
