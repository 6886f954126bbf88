// An async mutex: the engine's finalization and the L2 ingester's reorg rollback must not interleave, or a
// block could be finalized in the instant it leaves the canonical chain.
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => {});
    return result;
  }
}
