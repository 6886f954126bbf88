// Waiting and retrying, one way for the whole project. Chain RPCs fail, stall and recover; a loop that meets
// an error waits and tries again instead of ending the service (DESIGN rule 10). Delays double per failure
// up to a cap and use "equal jitter" (uniform in the upper half of the doubled delay): instances that failed
// together spread out, and no retry comes sooner than half the nominal delay.

export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  /** Randomness source, replaceable in tests. */
  random?: () => number;
}

/** The delay after `failures` consecutive failures (1 for the first): equal jitter on a doubling, capped delay. */
export function backoffDelay(failures: number, options: BackoffOptions = {}): number {
  const { initialMs = 250, maxMs = 30_000, random = Math.random } = options;
  const cap = Math.min(maxMs, initialMs * 2 ** Math.min(Math.max(0, failures - 1), 30));
  return cap / 2 + random() * (cap / 2);
}

/** Counts consecutive failures and gives the delay before the next try. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions = {}) {}

  next(): number {
    this.attempt = Math.min(this.attempt + 1, 31);
    return backoffDelay(this.attempt, this.options);
  }

  reset(): void {
    this.attempt = 0;
  }

  get failures(): number {
    return this.attempt;
  }
}

/** Resolves after `ms`, or at once (without throwing) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Runs `call` up to `attempts` times, sleeping a backoff delay from `baseMs` between tries. */
export async function withRetry<T>(call: () => Promise<T>, attempts = 4, baseMs = 50): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await sleep(backoffDelay(attempt, { initialMs: baseMs, maxMs: Number.POSITIVE_INFINITY }));
    }
  }
}

/**
 * Runs `call` again after a backoff delay for as long as `retryable` says so of its error (`failures` counts
 * the failures so far, this one included); any other error is thrown.
 */
export async function retryWhile<T>(
  call: () => Promise<T>,
  retryable: (error: unknown, failures: number) => boolean,
  options: BackoffOptions & { onRetry?: (error: unknown, delayMs: number) => void } = {},
): Promise<T> {
  const backoff = new Backoff(options);
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const delay = backoff.next();
      if (!retryable(error, backoff.failures)) throw error;
      options.onRetry?.(error, delay);
      await sleep(delay);
    }
  }
}
