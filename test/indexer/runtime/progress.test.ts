// Catch-up progress: percent, rate and ETA from reported heights; on a terminal one line redrawn in place, and
// otherwise structured log lines at an interval; a "caught up" line when a run ends.
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  CatchUpProgress,
  formatDuration,
  startProgressOutput,
} from "../../../src/indexer/runtime/progress.ts";

class Capture extends Writable {
  text = "";
  constructor(readonly isTTY: boolean) {
    super();
  }
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function jsonLines(c: Capture): Record<string, unknown>[] {
  return c.text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe("CatchUpProgress", () => {
  it("reports percent of the run, the rate over the window and the ETA", () => {
    let now = 0;
    const progress = new CatchUpProgress(100n, () => now);
    progress.report("l2", 1_000n, 11_000n); // a run starts 10,000 blocks behind
    now = 10_000;
    progress.report("l2", 3_000n, 11_000n); // 200 blocks/s
    const [p] = progress.snapshot();
    expect(p).toMatchObject({ ingester: "l2", height: 3_000n, target: 11_000n, catchingUp: true });
    expect(p!.percent).toBeCloseTo(20);
    expect(p!.blocksPerSecond).toBeCloseTo(200);
    expect(p!.etaSeconds).toBeCloseTo(40);
  });

  it("is 100 % and not catching up within the threshold, and starts a new run when it falls behind again", () => {
    let now = 0;
    const progress = new CatchUpProgress(100n, () => now);
    progress.report("babylon", 500n, 550n);
    expect(progress.snapshot()[0]).toMatchObject({ percent: 100, catchingUp: false });
    now = 1_000;
    progress.report("babylon", 550n, 550n);
    expect(progress.snapshot()[0]).toMatchObject({ percent: 100, etaSeconds: 0, catchingUp: false });
    now = 2_000;
    progress.report("babylon", 560n, 1_560n); // the source jumped ahead: a new run from 560
    expect(progress.snapshot()[0]).toMatchObject({ percent: 0, catchingUp: true });
  });

  it("has no rate or ETA before it has seen the height move", () => {
    const progress = new CatchUpProgress(100n, () => 0);
    progress.report("l2", 0n, 5_000n);
    expect(progress.snapshot()[0]).toMatchObject({ blocksPerSecond: null, etaSeconds: null });
  });

  it("formats durations for people", () => {
    expect(formatDuration(41.4)).toBe("41s");
    expect(formatDuration(725)).toBe("12m 05s");
    expect(formatDuration(10_920)).toBe("3h 02m");
  });
});

describe("progress output", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  function catchingUp() {
    const progress = new CatchUpProgress(100n, () => Date.now());
    progress.report("l2", 0n, 10_000n);
    vi.advanceTimersByTime(5_000);
    progress.report("l2", 2_500n, 10_000n); // 500 blocks/s, 15 s to go
    return progress;
  }

  it("redraws one line in place on a terminal and clears it when caught up", () => {
    const progress = catchingUp();
    const tty = new Capture(true);
    const logs = new Capture(false);
    const stop = startProgressOutput(progress, { log: pino(logs), stream: tty, redrawMs: 1_000 });
    vi.advanceTimersByTime(1_000);
    expect(tty.text).toBe("\r\x1b[2Kl2 25.0% 2500/10000 · 500 blocks/s · ETA 15s");
    expect(tty.text).not.toContain("\n");
    progress.report("l2", 10_000n, 10_000n);
    vi.advanceTimersByTime(1_000);
    expect(tty.text.endsWith("\r\x1b[2K")).toBe(true);
    expect(jsonLines(logs).map((l) => l.msg)).toEqual(["caught up"]);
    stop();
  });

  it("writes structured log lines at an interval when not on a terminal", () => {
    const progress = catchingUp();
    const pipe = new Capture(false);
    const logs = new Capture(false);
    const stop = startProgressOutput(progress, { log: pino(logs), stream: pipe, logEveryMs: 10_000 });
    vi.advanceTimersByTime(25_000);
    expect(pipe.text).toBe("");
    const lines = jsonLines(logs);
    expect(lines).toHaveLength(3); // at 1 s, 11 s and 21 s
    expect(lines[0]).toMatchObject({
      msg: "catch-up progress",
      ingester: "l2",
      height: "2500",
      target: "10000",
      percent: 25,
      blocksPerSecond: 500,
      etaSeconds: 15,
    });
    stop();
  });
});
