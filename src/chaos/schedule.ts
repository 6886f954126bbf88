// The fault schedule: which fault starts when, with which parameters, drawn from the seed alone, so that one
// seed replays one schedule. Every available kind comes at least once (when the window has room); further
// faults arrive at random gaps, weighted by kind. Two faults of one kind never overlap.
import { FAULT_KINDS, type FaultKey, type FaultKind, type FaultParams } from "./fault-kinds.ts";
import { seededRng } from "./rng.ts";

export interface ScheduledFault {
  /** Milliseconds after the fault window opens. */
  atMs: number;
  kind: FaultKey;
  durationMs: number;
  params: FaultParams;
}

export interface ScheduleOptions {
  seed: string;
  /** Length of the fault window. */
  windowMs: number;
  providers: number;
  /** Mean gap between extra faults. Default 6 s. */
  meanGapMs?: number;
  /** Kinds to draw from; default every available kind. */
  kinds?: readonly FaultKind[];
}

export function buildSchedule(options: ScheduleOptions): ScheduledFault[] {
  const { windowMs, providers } = options;
  if (!(windowMs > 0)) throw new Error(`windowMs: must be positive, got ${windowMs}`);
  if (!(providers > 0)) throw new Error(`providers: must be positive, got ${providers}`);
  const rng = seededRng(options.seed);
  const kinds = (options.kinds ?? FAULT_KINDS).filter((k) => k.unavailable === undefined);
  const meanGap = options.meanGapMs ?? 6_000;
  const counts = new Map<FaultKey, number>();
  const out: ScheduledFault[] = [];

  const place = (kind: FaultKind, atMs: number): boolean => {
    if ((counts.get(kind.key) ?? 0) >= (kind.maxCount ?? Number.POSITIVE_INFINITY)) return false;
    const p = kind.params(rng, { providers });
    const { durationMs, ...params } = p;
    // Every fault ends inside the window, so the quiet phase after it starts with none in force.
    const end = Math.min(atMs + durationMs, windowMs);
    if (atMs >= windowMs) return false;
    const sameKind = out.filter((f) => f.kind === kind.key);
    if (sameKind.some((f) => atMs < f.atMs + f.durationMs && f.atMs < end)) return false;
    out.push({ atMs, kind: kind.key, durationMs: end - atMs, params });
    counts.set(kind.key, (counts.get(kind.key) ?? 0) + 1);
    return true;
  };

  // First one of every kind, each at its own random moment of the window's first 80 %.
  for (const kind of kinds) place(kind, rng.int(0, Math.floor(windowMs * 0.8)));
  // Then extra faults at exponential gaps.
  const totalWeight = kinds.reduce((s, k) => s + k.weight, 0);
  let t = 0;
  for (;;) {
    t += Math.max(250, Math.round(-Math.log(1 - rng.next()) * meanGap));
    if (t >= windowMs) break;
    const r = rng.next() * totalWeight;
    let acc = 0;
    const kind =
      kinds.find((k) => {
        acc += k.weight;
        return r < acc;
      }) ?? kinds[kinds.length - 1]!;
    place(kind, t);
  }
  return out.sort((a, b) => a.atMs - b.atMs || a.kind.localeCompare(b.kind));
}

/** How many faults of each kind a schedule (or the faults actually injected) holds. */
export function countByKind(faults: readonly { kind: FaultKey }[]): Partial<Record<FaultKey, number>> {
  const counts: Partial<Record<FaultKey, number>> = {};
  for (const f of faults) counts[f.kind] = (counts[f.kind] ?? 0) + 1;
  return counts;
}
