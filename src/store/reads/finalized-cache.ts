// BTC-finalized canonical blocks never change (rule 9: no reorg removes them, and the engine neither
// re-evaluates nor re-orphans them), so the API keeps the ones it has read in memory and serves them without
// asking the database again. Only rows the database returned as canonical and FINALIZED enter; anything not
// finalized is always read fresh, so a reorg of unfinalized blocks has nothing here to invalidate. Bounded:
// the oldest entries leave first.
import type { L2Block } from "../../db/generated/client.ts";

/** How many full rows and how many height → hash entries are kept (~1 KiB and ~0.2 KiB each). */
export interface FinalizedCacheSize {
  rows: number;
  hashes: number;
}

export const DEFAULT_FINALIZED_CACHE: FinalizedCacheSize = { rows: 10_000, hashes: 200_000 };

export class FinalizedBlocks {
  private readonly rowsByHash = new Map<string, L2Block>();
  private readonly rowsByHeight = new Map<bigint, L2Block>();
  private readonly hashAt = new Map<bigint, string>();

  constructor(private readonly size: FinalizedCacheSize = DEFAULT_FINALIZED_CACHE) {}

  /** Whether any block has been seen finalized (then activation is settled: rule 5 chains back to it). */
  get seenAny(): boolean {
    return this.hashAt.size > 0;
  }

  byHash(hash: string): L2Block | undefined {
    return this.rowsByHash.get(hash);
  }

  atHeight(height: bigint): L2Block | undefined {
    return this.rowsByHeight.get(height);
  }

  /** The hash of the BTC-finalized canonical block at `height`, when known. */
  finalizedHashAt(height: bigint): string | undefined {
    return this.hashAt.get(height);
  }

  /** Keeps the rows that can no longer change; ignores the rest. */
  remember(rows: readonly L2Block[]): void {
    for (const row of rows) {
      if (!row.canonical || row.status !== "FINALIZED") continue;
      this.rememberHash(row.height, row.hash);
      // A checked block is immutable once its verdict is written too (the engine never re-evaluates a
      // finalized block); a finalized block not yet evaluated may still get its tally, so it is not kept.
      if (row.checked && row.evaluatedAt === null) continue;
      if (this.rowsByHash.has(row.hash)) continue;
      this.rowsByHash.set(row.hash, row);
      this.rowsByHeight.set(row.height, row);
      if (this.rowsByHash.size > this.size.rows) {
        const oldest = this.rowsByHash.values().next().value as L2Block;
        this.rowsByHash.delete(oldest.hash);
        this.rowsByHeight.delete(oldest.height);
      }
    }
  }

  /** Keeps the height → hash of a block the database returned as canonical and FINALIZED. */
  rememberHash(height: bigint, hash: string): void {
    if (this.hashAt.has(height)) return;
    this.hashAt.set(height, hash);
    if (this.hashAt.size > this.size.hashes) this.hashAt.delete(this.hashAt.keys().next().value as bigint);
  }
}
