// DESIGN.md's finality rules, written again for the campaign's checker from the text alone: it must share no
// code with the engine (src/core/finality, src/indexer), so that one misreading of a rule cannot hide in both.
// Pure functions over plain facts the checker gathered from the chains.

export interface BtcHeaderFact {
  height: number;
  /** The header's own timestamp (unix seconds). */
  time: number;
}

export interface DelegationFact {
  stakingTxHash: string;
  fps: string[];
  totalSat: bigint;
  /** BTC inclusion height; null while no inclusion proof arrived. */
  startHeight: number | null;
  endHeight: number | null;
  covenantQuorum: boolean;
  /** BTC height of an early-unbonding spend. */
  unbondedAtBtcHeight: number | null;
  /** The Babylon block whose event first said the delegation is ACTIVE; null while none has. */
  activeBabylonHeight: number | null;
  /** The Babylon block whose event reported the early unbonding. */
  unbondedBabylonHeight: number | null;
}

export interface ProviderFact {
  btcPkHex: string;
  /** 0 when never slashed. */
  slashedBtcHeight: number;
  /** The Babylon block that recorded the slashing (0 when never slashed): in force from the next one. */
  slashedBabylonHeight: number;
  /** Jail changes: in force from the Babylon block after the one that made them. */
  jailChanges: { babylonHeight: number; jailed: boolean }[];
}

export interface BabylonBlockFact {
  height: number;
  /** unix seconds (fractional) */
  time: number;
}

export interface StakingParamsFact {
  /** btc_confirmation_depth */
  k: number;
  /** checkpoint_finalization_timeout */
  w: number;
}

/** Headers sorted by height with each one's effective time: the maximum timestamp of it and all before it. */
export function monotoneView(headers: readonly BtcHeaderFact[]): BtcHeaderFact[] {
  const sorted = [...headers].sort((a, b) => a.height - b.height);
  let max = Number.NEGATIVE_INFINITY;
  return sorted.map((h) => {
    max = Math.max(max, h.time);
    return { height: h.height, time: max };
  });
}

/**
 * Rule 2: the highest BTC height whose effective time is ≤ the L2 timestamp; after the tip, the tip. Null
 * when the timestamp is before every known header (or none is known).
 */
export function btcHeightAt(view: readonly BtcHeaderFact[], timestamp: number): number | null {
  let lo = 0;
  let hi = view.length - 1;
  let found: number | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (view[mid]!.time <= timestamp) {
      found = view[mid]!.height;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The effective time of BTC height h in the view, or null when h is not in it. */
export function effectiveTime(view: readonly BtcHeaderFact[], height: number): number | null {
  const first = view[0];
  if (first === undefined) return null;
  return view[height - first.height]?.height === height ? view[height - first.height]!.time : null;
}

/** The last Babylon block whose time is at or before `time`: where history stood at that BTC height. */
export function babylonHeightAt(blocks: readonly BabylonBlockFact[], time: number): number | null {
  let lo = 0;
  let hi = blocks.length - 1;
  let found: number | null = null;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (blocks[mid]!.time <= time) {
      found = blocks[mid]!.height;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Jailed as of Babylon block b: the last change made in a block before b. */
export function jailedAt(provider: ProviderFact, babylonHeight: number): boolean {
  let jailed = false;
  for (const c of provider.jailChanges) if (c.babylonHeight < babylonHeight) jailed = c.jailed;
  return jailed;
}

/**
 * Rule 3 for one delegation: does it count at BTC height h, placed at Babylon block b? Only what Babylon had
 * said in blocks before b counts (the README's finality rules): that it is ACTIVE, and that it unbonded early.
 */
export function delegationActiveAt(
  d: DelegationFact,
  h: number,
  params: StakingParamsFact,
  babylonHeight: number,
): boolean {
  if (d.activeBabylonHeight === null || d.activeBabylonHeight >= babylonHeight) return false;
  if (!d.covenantQuorum || d.startHeight === null || d.endHeight === null) return false;
  if (d.startHeight + params.k > h || h + params.w > d.endHeight) return false;
  const unbondKnown = d.unbondedBabylonHeight !== null && d.unbondedBabylonHeight < babylonHeight;
  return !unbondKnown || d.unbondedAtBtcHeight === null || d.unbondedAtBtcHeight > h;
}

export interface PowerContext {
  providers: ReadonlyMap<string, ProviderFact>;
  delegations: readonly DelegationFact[];
  params: StakingParamsFact;
  /** Allow-list as of the Babylon height placed at h; empty = everyone registered counts. */
  allowlist: ReadonlySet<string>;
  /** The Babylon height placed at h (jail state and delegation reports are read there). */
  babylonHeight: number;
}

/** Rule 3: every provider's voting power at BTC height h (providers with none are left out). */
export function powerAt(h: number, ctx: PowerContext): Map<string, bigint> {
  const power = new Map<string, bigint>();
  for (const d of ctx.delegations) {
    if (!delegationActiveAt(d, h, ctx.params, ctx.babylonHeight)) continue;
    for (const pk of d.fps) {
      const fp = ctx.providers.get(pk);
      // Not registered for this BSN (unknown to the checker's provider list): no power.
      if (fp === undefined) continue;
      // Slashed at or before h, as Babylon had recorded before the Babylon block placed at h.
      const slashKnown = fp.slashedBabylonHeight !== 0 && fp.slashedBabylonHeight < ctx.babylonHeight;
      if (slashKnown && fp.slashedBtcHeight <= h) continue;
      if (jailedAt(fp, ctx.babylonHeight)) continue;
      if (ctx.allowlist.size > 0 && !ctx.allowlist.has(pk)) continue;
      power.set(pk, (power.get(pk) ?? 0n) + d.totalSat);
    }
  }
  return power;
}

export interface Tally {
  voted: bigint;
  total: bigint;
  quorum: boolean;
}

/** Rule 4: distinct voters' power against the total, 3·voted ≥ 2·total, total 0 never a quorum. */
export function tally(power: ReadonlyMap<string, bigint>, voters: Iterable<string>): Tally {
  let total = 0n;
  for (const p of power.values()) total += p;
  let voted = 0n;
  for (const pk of new Set(voters)) voted += power.get(pk) ?? 0n;
  return { voted, total, quorum: total > 0n && 3n * voted >= 2n * total };
}

/** Rule 1: checked heights are A, A+I, A+2I, … */
export function isChecked(height: bigint, activation: bigint, interval: bigint): boolean {
  return height >= activation && (height - activation) % interval === 0n;
}

export interface CheckedBlockVerdict {
  height: bigint;
  hash: string;
  quorum: boolean;
  total: bigint;
}

/**
 * Rules 5 and 7: which checked blocks of the canonical chain are BTC-finalized. `checked` is ascending and
 * consecutive on the grid; `isAncestor(a, b)` says whether a is an ancestor of b on the canonical chain. The
 * chain starts at the first checked block with power (activation); a gap in quorum stops it there.
 */
export function consecutiveFinality(
  checked: readonly CheckedBlockVerdict[],
  isAncestor: (older: CheckedBlockVerdict, newer: CheckedBlockVerdict) => boolean,
): Set<bigint> {
  const finalized = new Set<bigint>();
  let prev: CheckedBlockVerdict | undefined;
  let activated = false;
  for (const b of checked) {
    if (!activated) {
      if (b.total === 0n) continue;
      activated = true;
      if (!b.quorum) return finalized;
      finalized.add(b.height);
      prev = b;
      continue;
    }
    if (!b.quorum || prev === undefined || !finalized.has(prev.height) || !isAncestor(prev, b))
      return finalized;
    finalized.add(b.height);
    prev = b;
  }
  return finalized;
}

/** The largest of some bigints (Math.max takes numbers only). */
export function maxBigint(first: bigint, ...rest: bigint[]): bigint {
  let max = first;
  for (const x of rest) if (x > max) max = x;
  return max;
}
