// Follows the L2 head and stores every block (height, hash, parent hash, timestamp) of the canonical chain.
// A block is stored only if it links to the stored block below it; when it does not, the L2 reorganised:
// the ingester walks back to the common ancestor and marks the stored suffix above it non-canonical — never a
// BTC-finalized block, whose loss would be a safety incident (DESIGN rule 9).
import type { L2BlockHeader, L2Client } from "../../chains/l2.ts";
import type { Logger } from "../../log.ts";
import {
  canonicalHashes,
  finalizedAbove,
  insertL2Blocks,
  orphanAbove,
  recordIncident,
} from "../../store/blocks.ts";
import { readContractSettings } from "../../store/contract.ts";
import { deleteCursor, readCursor, writeCursor, writeState } from "../../store/state.ts";
import type { Store } from "../../store/store.ts";
import type { StepResult } from "../runtime/loop.ts";

export interface L2IngesterOptions {
  store: Store;
  l2: L2Client;
  log: Logger;
  /** First height to ingest into an empty database; 0 means the contract's activation height. */
  startHeight: bigint;
  follow: "latest" | "safe" | "finalized";
  /** Most blocks fetched and written per step. */
  maxBlocksPerStep: number;
  onReorg?: (depth: number) => void;
  onSafetyIncident?: (kind: string, details: string) => void;
}

export class L2Ingester {
  constructor(private readonly o: L2IngesterOptions) {}

  async step(): Promise<StepResult> {
    const { store, l2 } = this.o;
    const db = store.db;
    const settings = await readContractSettings(db);
    if (!settings) return "idle"; // the Babylon side has not read the contract config yet

    const [head, safe, finalized] = await Promise.all([
      l2.blockAtTag(this.o.follow),
      l2.blockAtTag("safe").catch(() => undefined),
      l2.blockAtTag("finalized").catch(() => undefined),
    ]);
    await writeState(db, {
      l2_head_height: head?.height,
      l2_safe_height: safe?.height,
      l2_finalized_height: finalized?.height,
    });
    if (!head) return "idle";

    const cursor = await readCursor(db, "l2");
    const start = this.o.startHeight > 0n ? this.o.startHeight : settings.grid.activationHeight;
    if (cursor) {
      // The block we stored last must still be on the L2 chain; if not, roll back before going on.
      const current = cursor.height <= head.height ? await l2.block(cursor.height) : undefined;
      if (!current || current.hash !== cursor.hash) return this.rollback(cursor, head.height);
    }
    const from = cursor ? cursor.height + 1n : start;
    if (from > head.height) return "idle";
    const to = minBig(head.height, from + BigInt(this.o.maxBlocksPerStep) - 1n);
    const fetched = await l2.blocks(from, to);

    // Keep the prefix that links to what is stored; a break inside the batch is a reorg during the fetch,
    // and the next step (starting from the last linked block) finds it.
    const linked: L2BlockHeader[] = [];
    let parent = cursor?.hash ?? null;
    for (const block of fetched) {
      if (parent !== null && block.parentHash !== parent) break;
      linked.push(block);
      parent = block.hash;
    }
    if (linked.length === 0) return cursor ? this.rollback(cursor, head.height) : "idle";

    // New blocks change no verdict, so they commit beside the write lock rather than under it.
    await store.prisma.$transaction(async (tx) => {
      await insertL2Blocks(tx, linked, settings.grid);
      const last = linked[linked.length - 1]!;
      await writeCursor(tx, "l2", last.height, last.hash);
    });
    return "progress";
  }

  /** Walks back from the cursor to the highest stored block the L2 still has, and rolls back above it. */
  private async rollback(
    cursor: { height: bigint; hash: string | null },
    headHeight: bigint,
  ): Promise<StepResult> {
    const { store, l2, log } = this.o;
    let height = minBig(cursor.height, headHeight);
    let ancestor: { height: bigint; hash: string } | undefined;
    while (height >= 0n && !ancestor) {
      const low = maxBig(0n, height - 31n);
      const [stored, remote] = await Promise.all([
        canonicalHashes(store.db, low, height),
        l2.blocks(low, height),
      ]);
      for (let i = remote.length - 1; i >= 0; i--) {
        const block = remote[i]!;
        if (stored.get(block.height) === block.hash) {
          ancestor = { height: block.height, hash: block.hash };
          break;
        }
      }
      if (!ancestor && stored.size === 0) break; // below everything stored: start over from the ancestor-less state
      height = low - 1n;
    }

    const depth = Number(cursor.height - (ancestor?.height ?? -1n));
    // Under the write lock, the finalized check included: a block must not be finalized in the instant it
    // leaves the canonical chain.
    const block = await store.commit(async ({ tx }) => {
      const finalized = await finalizedAbove(tx, ancestor?.height ?? -1n);
      if (finalized !== undefined) {
        const details = `L2 reorg of depth ${depth} would remove BTC-finalized block ${finalized.height} (${finalized.hash})`;
        await recordIncident(tx, "finalized_block_reorged", finalized.height, details);
        return { ...finalized, details };
      }
      await orphanAbove(tx, ancestor?.height ?? -1n);
      if (ancestor) await writeCursor(tx, "l2", ancestor.height, ancestor.hash);
      else await deleteCursor(tx, "l2");
      return undefined;
    });
    if (block !== undefined) {
      this.o.onSafetyIncident?.("finalized_block_reorged", block.details);
      log.error(
        { height: String(block.height), hash: block.hash, depth },
        "SAFETY: L2 reorg below a BTC-finalized block",
      );
      return "idle"; // keep the finalized history; never follow the fork past it
    }
    log.warn(
      { depth, ancestor: ancestor ? String(ancestor.height) : null },
      "L2 reorg: rolled back the unfinalized suffix",
    );
    this.o.onReorg?.(depth);
    return "progress";
  }
}

const minBig = (a: bigint, b: bigint) => (a < b ? a : b);
const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);
