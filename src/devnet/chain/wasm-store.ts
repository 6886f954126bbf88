// A contract's key-value storage: keys kept in byte order (as the SDK's IAVL store orders them, where a key
// sorts before the same key plus 0x00), with an undo journal so a failed call, a failed sub-message or a
// failed tx rolls back exactly its own writes. Keys are held as lowercase hex, whose string order is the
// bytes' order (a proper prefix sorts first), so the sorted index is a plain string array.
import { toHex } from "@cosmjs/encoding";

export type Order = "ascending" | "descending";

interface Undo {
  store: ContractStore;
  key: string;
  /** The value before the write; undefined = the key was absent. */
  before: Uint8Array | undefined;
}

/**
 * The undo journal shared by every contract's store: a call takes a checkpoint, and a failure rolls back
 * to it across all contracts the call (and its sub-messages) touched.
 */
export class StorageJournal {
  private entries: Undo[] = [];

  checkpoint(): number {
    return this.entries.length;
  }

  record(undo: Undo): void {
    this.entries.push(undo);
  }

  rollbackTo(checkpoint: number): void {
    while (this.entries.length > checkpoint) {
      const u = this.entries.pop()!;
      u.store.restoreRaw(u.key, u.before);
    }
  }

  /** The tx committed: its writes stay. */
  clear(): void {
    this.entries = [];
  }
}

/** First index in the sorted `keys` whose key is >= `key` (or > `key` when `after`). */
function lowerBound(keys: readonly string[], key: string, after = false): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (k < key || (after && k === key)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A range iterator: it re-seeks from the last key it returned, so writes during iteration are safe. */
export class StoreIterator {
  private last: string | undefined;
  private done = false;

  constructor(
    private readonly store: ContractStore,
    private readonly start: string | undefined,
    private readonly end: string | undefined,
    private readonly order: Order,
  ) {}

  next(): [Uint8Array, Uint8Array] | undefined {
    if (this.done) return undefined;
    const key = this.store.seek(this.start, this.end, this.order, this.last);
    if (key === undefined) {
      this.done = true;
      return undefined;
    }
    this.last = key;
    return [Uint8Array.from(Buffer.from(key, "hex")), this.store.getHex(key)!];
  }
}

export class ContractStore {
  private readonly values = new Map<string, Uint8Array>();
  /** Sorted hex keys of `values`. */
  private readonly keys: string[] = [];
  /** entries() as last computed, until the next write (state is saved far more often than it changes). */
  private exported: [string, string][] | undefined;

  constructor(private readonly journal: StorageJournal) {}

  get size(): number {
    return this.keys.length;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.values.get(toHex(key));
  }

  getHex(key: string): Uint8Array | undefined {
    return this.values.get(key);
  }

  set(key: Uint8Array, value: Uint8Array): void {
    const k = toHex(key);
    this.journal.record({ store: this, key: k, before: this.values.get(k) });
    this.restoreRaw(k, Uint8Array.from(value));
  }

  remove(key: Uint8Array): void {
    const k = toHex(key);
    const before = this.values.get(k);
    if (before === undefined) return;
    this.journal.record({ store: this, key: k, before });
    this.restoreRaw(k, undefined);
  }

  /** Writes without journaling (undo and state import). */
  restoreRaw(key: string, value: Uint8Array | undefined): void {
    const had = this.values.has(key);
    this.exported = undefined;
    if (value === undefined) {
      if (!had) return;
      this.values.delete(key);
      this.keys.splice(lowerBound(this.keys, key), 1);
      return;
    }
    this.values.set(key, value);
    if (!had) this.keys.splice(lowerBound(this.keys, key), 0, key);
  }

  /** CosmWasm `range(start, end, order)`: start inclusive, end exclusive, either open. */
  iterate(start: Uint8Array | undefined, end: Uint8Array | undefined, order: Order): StoreIterator {
    return new StoreIterator(this, start && toHex(start), end && toHex(end), order);
  }

  /** The next key in [start, end) after `last` in `order`, or undefined. */
  seek(
    start: string | undefined,
    end: string | undefined,
    order: Order,
    last: string | undefined,
  ): string | undefined {
    if (order === "ascending") {
      const i =
        last !== undefined ? lowerBound(this.keys, last, true) : start ? lowerBound(this.keys, start) : 0;
      const key = this.keys[i];
      if (key === undefined || (end !== undefined && key >= end)) return undefined;
      return key;
    }
    const i =
      (last !== undefined
        ? lowerBound(this.keys, last)
        : end !== undefined
          ? lowerBound(this.keys, end)
          : this.keys.length) - 1;
    const key = i >= 0 ? this.keys[i] : undefined;
    if (key === undefined || (start !== undefined && key < start)) return undefined;
    return key;
  }

  /** All entries in key order, as hex (persistence). */
  entries(): [string, string][] {
    this.exported ??= this.keys.map((k) => [k, toHex(this.values.get(k)!)]);
    return this.exported;
  }
}
