// Finality first. The API and the indexer share one event loop, so under a busy API every await of an indexer
// step queues behind the API's callbacks, and a block's finalization waits on explorer queries. The finality
// path therefore goes first: when the indexer reads Babylon (a step of its Babylon or BTC loop, which each new
// Babylon block wakes), HTTP requests that arrive are held until the path is idle again (the engine's step,
// which the read wakes, keeps the hold), but never longer than `maxHoldMs`; and after a hold the next one
// starts only once requests have had as long again, so a path that is always busy, as in a backfill, still
// leaves the API at least half of the time.

export class FinalityFirst {
  private running = 0;
  /** When the current hold began (performance.now()); undefined while requests pass. */
  private holdSince: number | undefined;
  /** No hold starts before this time: the requests' turn after the last one. */
  private notBefore = 0;
  private waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly maxHoldMs = 100) {}

  /** Runs a step that starts the finality path (a new Babylon block, new BTC headers): it may open a hold. */
  run<T>(step: () => Promise<T>): Promise<T> {
    const now = performance.now();
    if (this.holdSince === undefined && now >= this.notBefore) {
      this.holdSince = now;
      this.timer = setTimeout(() => this.endHold(), this.maxHoldMs);
    }
    return this.within(step);
  }

  /**
   * Runs a step that continues the path (the engine): it keeps a hold open while it runs, but opens none, so
   * the engine's own polls, which mostly find nothing to do, never hold requests.
   */
  async within<T>(step: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await step();
    } finally {
      // The step that finished may start the next one of the path in this same turn of the event loop: the
      // hold ends only if none has started by the next turn.
      if (--this.running === 0) setImmediate(() => this.running === 0 && this.endHold());
    }
  }

  /** Undefined when a request may be served now; otherwise a promise that resolves when it may. */
  turn(): Promise<void> | undefined {
    if (this.holdSince === undefined) return undefined;
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private endHold(): void {
    if (this.holdSince === undefined) return;
    const now = performance.now();
    this.notBefore = now + (now - this.holdSince);
    this.holdSince = undefined;
    clearTimeout(this.timer);
    const waiting = this.waiting;
    this.waiting = [];
    for (const resolve of waiting) resolve();
  }
}
