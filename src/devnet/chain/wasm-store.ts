// A contract's key-value storage: keys kept in byte order (as the SDK's IAVL store orders them, where a key
// sorts before the same key plus 0x00), with an undo journal so a failed call, a failed sub-message or a
// failed tx rolls back exactly its own writes. Keys are held as lowercase hex, whose string order is the
// bytes' order (a proper prefix sorts first), in a B-tree: a history of 200,000 entries made a sorted array's
// inserts (each moving half the array) a minute of the build.
import { createRequire } from "node:module";
import type SortedBTree from "sorted-btree";
import { bytesToHex as toHex } from "../../core/crypto/bytes.ts";

// A CommonJS package whose default export ESM loaders unwrap differently (Node gives module.exports, Vite the
// class); required, it is the same everywhere.
const BTree = (createRequire(import.meta.url)("sorted-btree") as { default: typeof SortedBTree.default })
  .default;

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
  private readonly entriesByKey = new BTree<string, Uint8Array>();
  /** entries() as last computed, until the next write (state is saved far more often than it changes). */
  private exported: [string, string][] | undefined;

  constructor(private readonly journal: StorageJournal) {}

  get size(): number {
    return this.entriesByKey.size;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    return this.entriesByKey.get(toHex(key));
  }

  getHex(key: string): Uint8Array | undefined {
    return this.entriesByKey.get(key);
  }

  /** Keeps a copy of `value`: the caller's bytes may be a view of a contract's memory. */
  set(key: Uint8Array, value: Uint8Array): void {
    const k = toHex(key);
    this.journal.record({ store: this, key: k, before: this.entriesByKey.get(k) });
    this.restoreRaw(k, value.slice());
  }

  remove(key: Uint8Array): void {
    const k = toHex(key);
    const before = this.entriesByKey.get(k);
    if (before === undefined) return;
    this.journal.record({ store: this, key: k, before });
    this.restoreRaw(k, undefined);
  }

  /** Writes without journaling (undo and state import). */
  restoreRaw(key: string, value: Uint8Array | undefined): void {
    this.exported = undefined;
    if (value === undefined) this.entriesByKey.delete(key);
    else this.entriesByKey.set(key, value);
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
    const tree = this.entriesByKey;
    if (order === "ascending") {
      const key =
        last !== undefined
          ? tree.nextHigherKey(last)
          : start === undefined
            ? tree.minKey()
            : tree.has(start)
              ? start
              : tree.nextHigherKey(start);
      if (key === undefined || (end !== undefined && key >= end)) return undefined;
      return key;
    }
    const key =
      last !== undefined
        ? tree.nextLowerKey(last)
        : end === undefined
          ? tree.maxKey()
          : tree.nextLowerKey(end);
    if (key === undefined || (start !== undefined && key < start)) return undefined;
    return key;
  }

  /** All entries in key order, as hex (persistence). */
  entries(): [string, string][] {
    this.exported ??= Array.from(this.entriesByKey.entries(), ([k, v]) => [k, toHex(v)]);
    return this.exported;
  }
}
