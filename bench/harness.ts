// Benchmarks print numbers; they never pass or fail. Each measurement is the median of three timed runs
// after a warm-up, so one noisy run on a shared two-core machine does not decide the figure.

export interface Rate {
  name: string;
  opsPerSec: number;
  usPerOp: number;
}

export async function measure(
  name: string,
  fn: () => unknown | Promise<unknown>,
  options: { warmup?: number; minMs?: number } = {},
): Promise<Rate> {
  const warmup = options.warmup ?? 50;
  const minMs = options.minMs ?? 500;
  for (let i = 0; i < warmup; i++) await fn();
  const rates: number[] = [];
  for (let run = 0; run < 3; run++) {
    let ops = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < minMs) {
      await fn();
      ops++;
      elapsed = performance.now() - start;
    }
    rates.push((ops * 1000) / elapsed);
  }
  rates.sort((a, b) => a - b);
  const opsPerSec = rates[1]!;
  return { name, opsPerSec, usPerOp: 1e6 / opsPerSec };
}

export async function timeOnce<T>(fn: () => Promise<T> | T): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/**
 * Now in milliseconds since the epoch at performance.now()'s resolution: unlike performance.now() alone, it
 * compares across processes, so a time taken in one can be subtracted from a time taken in another.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx]!;
}

/** The median and 99th percentile of unsorted samples. */
export function stats(samples: number[]): { p50: number; p99: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

export function printRates(title: string, rates: Rate[]): void {
  console.log(`\n## ${title}`);
  for (const r of rates) {
    console.log(
      `${r.name.padEnd(52)} ${r.opsPerSec.toFixed(0).padStart(10)} ops/s ${r.usPerOp.toFixed(1).padStart(10)} µs/op`,
    );
  }
}

export function printLine(label: string, value: string): void {
  console.log(`${label.padEnd(52)} ${value}`);
}

const figures = new Map<string, number>();

/**
 * Keeps a figure for `npm run bench -- --json FILE` under `key` ("suite.name", e.g. "backfill.floor_ratio"),
 * so runs can be compared by a program; the printed lines stay the human report. Non-finite values are
 * left out rather than written as null, so a missing figure reads as missing.
 */
export function record(key: string, value: number): void {
  if (Number.isFinite(value)) figures.set(key, Number(value.toPrecision(6)));
}

/** The recorded figures nested by their first dot: `{ backfill: { floor_ratio: 2.9 } }`. */
export function recordedFigures(): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [key, value] of figures) {
    const dot = key.indexOf(".");
    const [suite, name] = dot < 0 ? ["misc", key] : [key.slice(0, dot), key.slice(dot + 1)];
    out[suite] = { ...out[suite], [name]: value };
  }
  return out;
}

/**
 * The cost ratio of `fn` to `baseline` (µs per op of fn ÷ µs per op of baseline), measured in alternating
 * short windows so that a change in machine load during the run affects both sides alike. Median of rounds.
 */
export async function costRatio(
  baseline: () => unknown,
  fn: () => unknown,
  options: { rounds?: number; windowMs?: number } = {},
): Promise<number> {
  const rounds = options.rounds ?? 9;
  const windowMs = options.windowMs ?? 200;
  const rate = (f: () => unknown) => {
    let ops = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < windowMs) {
      f();
      ops++;
      elapsed = performance.now() - start;
    }
    return ops / elapsed;
  };
  for (let i = 0; i < 20; i++) {
    baseline();
    fn();
  }
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const b = rate(baseline);
    const f = rate(fn);
    ratios.push(b / f);
  }
  ratios.sort((a, b) => a - b);
  return ratios[Math.floor(rounds / 2)]!;
}
