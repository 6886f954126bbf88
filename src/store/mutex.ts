// An async mutex: the store's write lock. The engine's verdicts and finalization, the L2 stage's reorg
// rollback and every change to staking inputs must not interleave, or a block could be finalized in the
// instant it leaves the canonical chain, or judged from stake that changed under it.
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn, fn);
    this.tail = result.catch(() => {});
    return result;
  }
}
