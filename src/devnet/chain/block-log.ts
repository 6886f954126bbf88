// The chain's blocks, in height order. Held as objects (every event attribute one), a long history makes each
// collection of the devnet's heap slow, and the devnet collects often: every contract call runs on a fresh wasm
// memory, which V8 counts as external memory, so a full mark follows every few dozen calls. Only the newest
// blocks this process made therefore stay objects; older ones are kept as their serialized JSON, one string
// each, which a collection does not walk, and are parsed again when read, through a small cache. Blocks
// restored from the state dir stay objects: they were parsed to be indexed anyway, and a reopened history is
// there to be read (parsing each again for its reader cost the bench's backfill ~10 % more time).
import { type Block, deserializeBlock, serializeBlock } from "./block.ts";

/** Blocks kept as objects behind the newest one. */
const RECENT = 8;
/** Older blocks kept parsed after a read (RPC readers ask for a block and then for its results). */
const CACHED = 32;

export class BlockLog {
  private readonly blocks: (Block | string)[] = [];
  /** The serialized form of recent blocks that were pushed with it (persisted ones). */
  private readonly lines = new Map<number, string>();
  private readonly cache = new Map<number, Block>();

  get length(): number {
    return this.blocks.length;
  }

  /** Appends a block restored from the state dir, kept as it is. */
  restore(block: Block): void {
    this.blocks.push(block);
  }

  /** Appends the next block; `line` is its serialized form when the caller already made it. */
  push(block: Block, line?: string): void {
    this.blocks.push(block);
    if (line !== undefined) this.lines.set(this.blocks.length - 1, line);
    const aged = this.blocks.length - 1 - RECENT;
    if (aged < 0) return;
    const old = this.blocks[aged]!;
    if (typeof old === "string") return;
    this.blocks[aged] = this.lines.get(aged) ?? serializedLine(old);
    this.lines.delete(aged);
  }

  /** The block at `height` (1-based), or undefined past the end. */
  at(height: number): Block | undefined {
    const i = height - 1;
    const item = this.blocks[i];
    if (typeof item !== "string") return item;
    let block = this.cache.get(i);
    if (block) {
      this.cache.delete(i); // most recently used last
    } else {
      block = deserializeBlock(JSON.parse(item));
      if (this.cache.size >= CACHED) this.cache.delete(this.cache.keys().next().value!);
    }
    this.cache.set(i, block);
    return block;
  }

  *[Symbol.iterator](): Iterator<Block> {
    for (let h = 1; h <= this.blocks.length; h++) yield this.at(h)!;
  }
}

/** A block as one line of the chain's blocks file. */
export function serializedLine(block: Block): string {
  return JSON.stringify(serializeBlock(block));
}
