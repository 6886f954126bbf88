// Every ingester and the engine run as a loop of steps. A step that fails is retried with backoff and jitter;
// the component reports itself degraded meanwhile and ok again once a step succeeds. Nothing a chain RPC does
// ends the loop: only the abort signal does.
import type { Logger } from "../log.ts";
import { Backoff, sleep } from "./backoff.ts";

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
      if (result === "idle") await sleep(idleMs, signal);
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

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0]!.slice(0, 500);
  return String(error).slice(0, 500);
}
