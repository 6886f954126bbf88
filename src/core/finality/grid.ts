/**
 * Rule 1 (checked heights) and the height arithmetic rule 6 needs: with `bsn_activation_height = A` and
 * `finality_signature_interval = I`, exactly the L2 heights A, A+I, A+2I, … are voted on and checked.
 * Every other height takes its finality from the next checked height above it.
 */
export interface FinalityGrid {
  /** The contract's `bsn_activation_height` (A). */
  readonly activationHeight: bigint;
  /** The contract's `finality_signature_interval` (I), at least 1. */
  readonly interval: bigint;
}

/** Validates the contract config values once, so the arithmetic below can never divide by zero. */
export function finalityGrid(activationHeight: bigint, interval: bigint): FinalityGrid {
  const grid = { activationHeight, interval };
  assertGrid(grid);
  return Object.freeze(grid);
}

export function isCheckedHeight(height: bigint, grid: FinalityGrid): boolean {
  assertGrid(grid);
  return height >= grid.activationHeight && (height - grid.activationHeight) % grid.interval === 0n;
}

/** Smallest checked height ≥ `height`: the block whose finality decides `height` (rule 6). */
export function nextCheckedHeight(height: bigint, grid: FinalityGrid): bigint {
  assertGrid(grid);
  const { activationHeight: a, interval: i } = grid;
  // Stryker disable next-line EqualityOperator: at height = A the formula below gives A as well, so < and <= agree
  if (height <= a) return a;
  // bigint division truncates toward zero; height - a > 0 here, so this is a ceiling division.
  return a + ((height - a + i - 1n) / i) * i;
}

/** Largest checked height < `height`, or undefined when `height` ≤ A. */
export function previousCheckedHeight(height: bigint, grid: FinalityGrid): bigint | undefined {
  assertGrid(grid);
  const { activationHeight: a, interval: i } = grid;
  if (height <= a) return undefined;
  return a + ((height - 1n - a) / i) * i;
}

/** The checked heights in the inclusive range [from, to], ascending; empty when from > to. */
export function checkedHeightsInRange(from: bigint, to: bigint, grid: FinalityGrid): bigint[] {
  const heights: bigint[] = [];
  for (let h = nextCheckedHeight(from, grid); h <= to; h += grid.interval) heights.push(h);
  return heights;
}

function assertGrid(grid: FinalityGrid): void {
  if (grid.activationHeight < 0n) {
    throw new RangeError(`bsn_activation_height must be >= 0, got ${grid.activationHeight}`);
  }
  if (grid.interval < 1n) {
    throw new RangeError(`finality_signature_interval must be >= 1, got ${grid.interval}`);
  }
}
