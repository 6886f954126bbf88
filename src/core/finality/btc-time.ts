/**
 * Rule 2: the BTC height of an L2 block is the highest BTC height whose header time is ≤ the L2 block's
 * timestamp, over a monotone view of header times. Bitcoin only enforces median-time-past, so raw header
 * times can go backwards; the effective time of a header is the maximum of its own time and every time
 * before it, which makes the view non-decreasing and a binary search exact.
 */
export interface BtcHeader {
  /** BTC block height. */
  readonly height: number;
  /** Header time, seconds since the Unix epoch (uint32 in the header). */
  readonly timestamp: number;
}

const MAX_UINT32 = 0xffff_ffff;

export class BtcTimeIndex {
  #baseHeight: number | undefined;
  /**
   * effective[i] = max(time of headers base … base+i); non-decreasing by construction. A prefix's effective
   * times do not depend on later headers, so a BTC reorg only truncates and re-extends this array.
   */
  readonly #effective: number[] = [];

  /** Headers must have contiguous heights in ascending order; an empty list gives an empty index. */
  constructor(headers: readonly BtcHeader[] = []) {
    this.append(headers);
  }

  /** Height of the first header, or undefined while the index is empty. */
  get baseHeight(): number | undefined {
    return this.#baseHeight;
  }

  /** Height of the last header, or undefined while the index is empty. */
  get tipHeight(): number | undefined {
    return this.#baseHeight === undefined ? undefined : this.#baseHeight + this.#effective.length - 1;
  }

  /** Adds headers after the tip; the first must be at tip + 1 (or anywhere when the index is empty). */
  append(headers: readonly BtcHeader[]): void {
    const first = headers[0];
    if (first === undefined) return;
    const expected = this.tipHeight === undefined ? first.height : this.tipHeight + 1;
    validateHeaders(headers, expected);
    this.#baseHeight ??= first.height;
    for (const header of headers) this.#push(header.timestamp);
  }

  /**
   * BTC reorg: drops every header at or above `fromHeight` and appends `headers` (which must start at
   * `fromHeight`). `fromHeight` may be anywhere from the base to tip + 1.
   */
  replaceFrom(fromHeight: number, headers: readonly BtcHeader[]): void {
    const tip = this.tipHeight;
    if (tip === undefined) {
      throw new RangeError(`cannot replace BTC headers from height ${fromHeight}: the index is empty`);
    }
    const base = this.#baseHeight!; // a tip means a base
    if (!Number.isSafeInteger(fromHeight) || fromHeight < base || fromHeight > tip + 1) {
      throw new RangeError(
        `cannot replace BTC headers from height ${fromHeight}: the index holds heights ${base}..${tip}`,
      );
    }
    const first = headers[0];
    if (first !== undefined && first.height !== fromHeight) {
      throw new RangeError(
        `replacement BTC headers must start at height ${fromHeight}, got height ${first.height}`,
      );
    }
    validateHeaders(headers, fromHeight);
    const keep = fromHeight - base;
    this.#effective.length = keep;
    if (keep === 0) this.#baseHeight = first?.height;
    for (const header of headers) this.#push(header.timestamp);
  }

  /**
   * The BTC height of an L2 timestamp (seconds). A timestamp after the tip's effective time maps to the
   * tip; a timestamp before the first header's time gives undefined, which the caller must treat as
   * "not mappable" (the index does not reach back far enough), never as height 0. O(log n).
   */
  btcHeightAt(timestamp: bigint): number | undefined {
    const base = this.#baseHeight;
    // Stryker disable next-line ConditionalExpression,LogicalOperator: the search below finds no header for an empty index or a negative time either; the guard narrows `base` and skips it
    if (base === undefined || timestamp < 0n) return undefined;
    // Anything beyond uint32 is after every header; clamping keeps the comparison in safe numbers.
    // Stryker disable next-line ConditionalExpression,EqualityOperator: unclamped, Number() of a time past uint32 is past every header time too; the clamp only keeps it a safe integer
    const ts = timestamp > BigInt(MAX_UINT32) ? MAX_UINT32 + 1 : Number(timestamp);
    const eff = this.#effective;
    // Upper bound: first index whose effective time is > ts; the answer is the index before it.
    let lo = 0;
    let hi = eff.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (eff[mid]! <= ts) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : base + lo - 1;
  }

  /** The effective (monotone) time of the header at `height`, or undefined outside the index. */
  effectiveTime(height: number): number | undefined {
    const base = this.#baseHeight;
    // Stryker disable next-line ConditionalExpression,LogicalOperator: the array lookup below is undefined for these heights too; the guard states it and narrows `base`
    if (base === undefined || !Number.isSafeInteger(height) || height < base) return undefined;
    return this.#effective[height - base];
  }

  #push(timestamp: number): void {
    const previous = this.#effective[this.#effective.length - 1];
    this.#effective.push(previous === undefined ? timestamp : Math.max(previous, timestamp));
  }
}

function validateHeaders(headers: readonly BtcHeader[], firstHeight: number): void {
  headers.forEach((header, i) => {
    const expected = firstHeight + i;
    if (header.height !== expected) {
      throw new RangeError(
        `BTC headers must be contiguous: expected height ${expected}, got ${header.height}`,
      );
    }
    if (!Number.isSafeInteger(header.height) || header.height < 0) {
      throw new RangeError(`BTC header height must be a non-negative integer, got ${header.height}`);
    }
    if (!Number.isInteger(header.timestamp) || header.timestamp < 0 || header.timestamp > MAX_UINT32) {
      throw new RangeError(
        `BTC header ${header.height} has an invalid timestamp ${header.timestamp} (must be a uint32)`,
      );
    }
  });
}
