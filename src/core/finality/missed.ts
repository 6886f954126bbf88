// When a provider has *missed* a checked height. A checked canonical height at which the provider had voting
// power and has no vote for the canonical block is pending while a vote could still count, and missed once it
// cannot: the block is BTC-finalized without the vote (finality is consecutive, so every height at or below
// the finalized height is decided), or the provider has voted a higher height (it votes in height order, so
// it has moved past this one), or the grace period since the block's time has passed. Without this an
// operator alerting on misses is paged for the newest height or two at every moment of a healthy chain.

/** Default grace period: a vote normally lands within a few Babylon blocks of the L2 block. */
export const DEFAULT_MISSED_GRACE_SECONDS = 60;
/** A day: beyond it a grace period would hide every miss an operator should see today. */
export const MAX_MISSED_GRACE_SECONDS = 86_400;

export interface MissedInput {
  /** The highest BTC-finalized L2 height; null before any. */
  finalizedHeight: bigint | null;
  /** The provider's highest voted L2 height; null before its first vote. */
  highestVotedHeight: bigint | null;
  /** Unix seconds now. */
  nowSeconds: bigint;
  graceSeconds: number;
}

/** An unvoted checked block is missed when its height ≤ throughHeight or its timestamp ≤ timestampCutoff. */
export interface MissedRule {
  throughHeight: bigint;
  timestampCutoff: bigint;
}

export class GracePeriodError extends RangeError {
  override readonly name = "GracePeriodError";
}

export function checkGraceSeconds(graceSeconds: number): number {
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_MISSED_GRACE_SECONDS) {
    throw new GracePeriodError(
      `grace period must be an integer number of seconds from 0 to ${MAX_MISSED_GRACE_SECONDS} (got ${graceSeconds})`,
    );
  }
  return graceSeconds;
}

export function missedRule(input: MissedInput): MissedRule {
  const grace = checkGraceSeconds(input.graceSeconds);
  const finalized = input.finalizedHeight ?? -1n;
  const passed = input.highestVotedHeight === null ? -1n : input.highestVotedHeight - 1n;
  return {
    throughHeight: finalized > passed ? finalized : passed,
    timestampCutoff: input.nowSeconds - BigInt(grace),
  };
}

/** For a checked height the provider had power at and did not vote for: missed (true) or still pending. */
export function isMissed(block: { height: bigint; timestamp: bigint }, rule: MissedRule): boolean {
  return block.height <= rule.throughHeight || block.timestamp <= rule.timestampCutoff;
}
