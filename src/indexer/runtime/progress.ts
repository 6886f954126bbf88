// Progress of long catch-up work (a backfill from an old height, a restart far behind): each ingester's height
// against its source's head, with the rate over the last half minute and an ETA. The service feeds it from
// what it already reads every two seconds (cursors and heads), so ingesters need no hooks; /ready and
// syncStatus { progress } read snapshots, and the output below shows it while a catch-up runs.
import type { Logger } from "../../log.ts";

export interface IngesterProgress {
  ingester: string;
  /** Height processed so far. */
  height: bigint;
  /** The source's head: what "caught up" means. */
  target: bigint;
  /** Of this catch-up run (from where it started to the target); 100 when within the threshold. */
  percent: number;
  /** Over the last RATE_WINDOW_MS; null before two samples. */
  blocksPerSecond: number | null;
  /** null while the rate is unknown or zero. */
  etaSeconds: number | null;
  /** More than the catch-up threshold behind. */
  catchingUp: boolean;
}

const RATE_WINDOW_MS = 30_000;

interface Track {
  from: bigint;
  samples: { at: number; height: bigint }[];
  latest: { height: bigint; target: bigint };
  catchingUp: boolean;
}

export class CatchUpProgress {
  private readonly tracks = new Map<string, Track>();

  /** `threshold`: blocks behind at which an ingester counts as catching up (default 100). */
  constructor(
    private readonly threshold = 100n,
    private readonly now: () => number = Date.now,
  ) {}

  report(ingester: string, height: bigint, target: bigint): void {
    const at = this.now();
    let track = this.tracks.get(ingester);
    const behind = target > height ? target - height : 0n;
    if (track === undefined) {
      track = { from: height, samples: [], latest: { height, target }, catchingUp: false };
      this.tracks.set(ingester, track);
    }
    if (!track.catchingUp && behind > this.threshold) track.from = height; // a new catch-up run starts here
    track.catchingUp = behind > this.threshold;
    track.latest = { height, target };
    track.samples.push({ at, height });
    while (track.samples.length > 2 && at - track.samples[0]!.at > RATE_WINDOW_MS) track.samples.shift();
  }

  snapshot(): IngesterProgress[] {
    return [...this.tracks.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([ingester, t]) => {
        const { height, target } = t.latest;
        const first = t.samples[0]!;
        const last = t.samples[t.samples.length - 1]!;
        const seconds = (last.at - first.at) / 1000;
        const rate = seconds > 0 ? Number(last.height - first.height) / seconds : null;
        const remaining = target > height ? target - height : 0n;
        const span = target - t.from;
        const percent =
          !t.catchingUp || remaining === 0n || span <= 0n
            ? 100
            : (Number(height - t.from) / Number(span)) * 100;
        return {
          ingester,
          height,
          target,
          percent: Math.max(0, Math.min(100, percent)),
          blocksPerSecond: rate,
          etaSeconds: rate !== null && rate > 0 ? Number(remaining) / rate : remaining === 0n ? 0 : null,
          catchingUp: t.catchingUp,
        };
      });
  }
}

/** As JSON (log lines, /ready): heights as decimal strings like every uint64 the API returns, the percent and
 * rate to one decimal, the ETA in whole seconds. */
export function progressRecord(p: IngesterProgress) {
  return {
    ingester: p.ingester,
    height: p.height.toString(),
    target: p.target.toString(),
    percent: Number(p.percent.toFixed(1)),
    blocksPerSecond: p.blocksPerSecond === null ? null : Number(p.blocksPerSecond.toFixed(1)),
    etaSeconds: p.etaSeconds === null ? null : Math.round(p.etaSeconds),
    catchingUp: p.catchingUp,
  };
}

/** "12m 05s", "3h 02m", "41s". */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function progressLine(p: IngesterProgress): string {
  const rate =
    p.blocksPerSecond === null ? "–" : `${p.blocksPerSecond.toFixed(p.blocksPerSecond < 10 ? 1 : 0)}`;
  const eta = p.etaSeconds === null ? "–" : formatDuration(p.etaSeconds);
  return `${p.ingester} ${p.percent.toFixed(1)}% ${p.height}/${p.target} · ${rate} blocks/s · ETA ${eta}`;
}

export interface ProgressOutputOptions {
  log: Logger;
  /** A terminal gets one line rewritten in place; anything else (or none) gets periodic log lines. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Between TTY redraws (default 1 s). */
  redrawMs?: number;
  /** Between structured log lines when not on a TTY (default 10 s). */
  logEveryMs?: number;
}

/**
 * Shows catch-up progress while any ingester is catching up: on a TTY a single line redrawn in place, otherwise
 * a structured log line per ingester every `logEveryMs`; one "caught up" log line when a run ends.
 * Returns a function that stops it.
 */
export function startProgressOutput(progress: CatchUpProgress, options: ProgressOutputOptions): () => void {
  const tty = options.stream?.isTTY === true ? options.stream : undefined;
  const active = new Set<string>();
  let lineShown = false;
  let lastLog = 0;
  const tick = () => {
    const snapshot = progress.snapshot();
    const running = snapshot.filter((p) => p.catchingUp);
    for (const p of snapshot) {
      if (p.catchingUp) active.add(p.ingester);
      else if (active.delete(p.ingester))
        options.log.info({ ingester: p.ingester, height: p.height.toString() }, "caught up");
    }
    if (tty) {
      if (running.length > 0) {
        tty.write(`\r\x1b[2K${running.map(progressLine).join("  |  ")}`);
        lineShown = true;
      } else if (lineShown) {
        tty.write("\r\x1b[2K");
        lineShown = false;
      }
      return;
    }
    const now = Date.now();
    if (running.length === 0 || now - lastLog < (options.logEveryMs ?? 10_000)) return;
    lastLog = now;
    for (const p of running) {
      const { catchingUp: _, ...fields } = progressRecord(p);
      options.log.info(fields, "catch-up progress");
    }
  };
  const timer = setInterval(
    tick,
    tty ? (options.redrawMs ?? 1_000) : Math.min(options.logEveryMs ?? 10_000, 1_000),
  );
  timer.unref();
  return () => {
    clearInterval(timer);
    if (tty && lineShown) tty.write("\r\x1b[2K");
  };
}
