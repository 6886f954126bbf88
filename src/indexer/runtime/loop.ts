// Every ingester and the engine run as a loop of steps. A step that fails is retried with backoff and jitter;
// the component reports itself degraded meanwhile and ok again once a step succeeds. Nothing a chain RPC does
// ends the loop: only the abort signal does.
import { errorText } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { Backoff, sleep } from "../../retry.ts";

export type ComponentState = "ok" | "degraded" | "down";

export interface ComponentStatus {
  state: ComponentState;
  detail?: string;
  lastProgressAt?: Date;
}

/** Where components report their state (the API's ServiceHealth implements it). */
export interface HealthReporter {
  report(component: string, status: ComponentStatus): void;
}

export type StepResult = "progress" | "idle";

export interface LoopOptions {
  name: string;
  step: () => Promise<StepResult>;
  idleMs: number;
  signal: AbortSignal;
  log: Logger;
  health?: HealthReporter;
  onError?: (error: unknown) => void;
  backoff?: Backoff;
  /** Ends an idle wait early when another component committed something this one should act on. */
  wakeup?: Wakeup;
}

/** A wake-up call between loops: the engine runs as soon as an ingester commits, not at its next poll. */
export class Wakeup {
  private wake: (() => void) | undefined;
  private pending = false;

  notify(): void {
    if (this.wake) this.wake();
    else this.pending = true;
  }

  /** Waits up to `ms`, less if notified (also by a notification that came while the loop was busy). */
  wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
      this.wake = done;
    });
  }
}

export async function runLoop(options: LoopOptions): Promise<void> {
  const { name, step, idleMs, signal, log, health } = options;
  const backoff = options.backoff ?? new Backoff();
  let lastProgressAt: Date | undefined;
  while (!signal.aborted) {
    try {
      const result = await step();
      if (result === "progress") lastProgressAt = new Date();
      if (backoff.failures > 0) log.info({ component: name }, "recovered");
      backoff.reset();
      health?.report(name, { state: "ok", lastProgressAt });
      if (result === "idle")
        await (options.wakeup ? options.wakeup.wait(idleMs, signal) : sleep(idleMs, signal));
    } catch (error) {
      if (signal.aborted) break;
      options.onError?.(error);
      const delay = backoff.next();
      const detail = errorText(error);
      log.warn(
        { component: name, err: detail, retryInMs: Math.round(delay), failures: backoff.failures },
        "step failed",
      );
      health?.report(name, { state: "degraded", detail, lastProgressAt });
      await sleep(delay, signal);
    }
  }
}
