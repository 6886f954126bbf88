// An async iterator a producer pushes into and a consumer can end at any moment. Async generators cannot be
// used for subscriptions here: their return() waits until the generator reaches a yield, so a client that
// unsubscribes while the stream waits for the next event would leak the listener until that event comes.
// A channel fed by an event listener is bounded: a consumer `capacity` values behind is dropped with a
// SlowConsumerError, so one slow subscriber costs bounded memory and never holds up the publisher.
import { SlowConsumerError } from "../../errors.ts";

/** Values `push` buffers before it waits for the consumer. */
export const HIGH_WATER = 256;

export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly readers: Array<{ resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }> =
    [];
  private readonly space: Array<() => void> = [];
  private readonly closeHooks: Array<() => void> = [];
  private failure: unknown;
  private done = false;

  /** `capacity` bounds what `offer` may buffer; `push` waits for room instead. */
  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {}

  get closed(): boolean {
    return this.done;
  }

  /** Values waiting for the consumer. */
  get backlog(): number {
    return this.buffer.length;
  }

  /** Why the channel ended, when it ended with an error. */
  get error(): unknown {
    return this.failure;
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

  /** Delivers a value without waiting (event listeners cannot wait); past `capacity`, drops the consumer. */
  offer(value: T): void {
    if (this.done) return;
    const reader = this.readers.shift();
    if (reader !== undefined) {
      reader.resolve({ value, done: false });
      return;
    }
    if (this.buffer.length >= this.capacity) {
      this.fail(
        new SlowConsumerError(
          `subscription dropped: the client fell ${this.capacity} events behind; resubscribe (finalizedBlocks with fromHeight) to resume`,
        ),
      );
      return;
    }
    this.buffer.push(value);
  }

  /** Replaces everything waiting with `value` (for streams that can read what they skip from the database). */
  coalesce(value: T): void {
    if (this.done) return;
    this.buffer.length = 0;
    this.offer(value);
  }

  /** Ends the stream now: what is buffered is discarded and the consumer's next read sees `error`. */
  fail(error: unknown): void {
    this.buffer.length = 0;
    this.close(error);
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
