// An async iterator a producer pushes into and a consumer can end at any moment. Async generators cannot be
// used for subscriptions here: their return() waits until the generator reaches a yield, so a client that
// unsubscribes while the stream waits for the next event would leak the listener until that event comes.

const HIGH_WATER = 256;

export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly readers: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> =
    [];
  private readonly space: Array<() => void> = [];
  private readonly closeHooks: Array<() => void> = [];
  private failure: unknown;
  private done = false;

  get closed(): boolean {
    return this.done;
  }

  /** Delivers a value; resolves once the buffer has room, so a producer reading a database paces itself. */
  async push(value: T): Promise<void> {
    if (this.done) return;
    const reader = this.readers.shift();
    if (reader !== undefined) {
      reader.resolve({ value, done: false });
      return;
    }
    this.buffer.push(value);
    while (this.buffer.length >= HIGH_WATER && !this.done) {
      await new Promise<void>((resolve) => this.space.push(resolve));
    }
  }

  /** Delivers a value without waiting (event listeners cannot wait). */
  offer(value: T): void {
    void this.push(value);
  }

  onClose(hook: () => void): void {
    if (this.done) hook();
    else this.closeHooks.push(hook);
  }

  /** Ends the stream after what is buffered; with an error, the consumer sees it after the buffer. */
  close(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.failure = error;
    for (const reader of this.readers.splice(0)) {
      if (error === undefined) reader.resolve({ value: undefined, done: true });
      else reader.reject(error);
    }
    for (const release of this.space.splice(0)) release();
    for (const hook of this.closeHooks.splice(0)) hook();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) {
      const value = this.buffer.shift() as T;
      this.space.shift()?.();
      return Promise.resolve({ value, done: false });
    }
    if (this.done) {
      return this.failure === undefined
        ? Promise.resolve({ value: undefined, done: true })
        : Promise.reject(this.failure);
    }
    return new Promise((resolve, reject) => this.readers.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.buffer.length = 0;
    this.close();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
