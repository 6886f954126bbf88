// Follows the L2 head and stores every block (height, hash, parent hash, timestamp) of the canonical chain.
// A block is stored only if it links to the stored block below it; when it does not, the L2 reorganised:
// the ingester walks back to the common ancestor and marks the stored suffix above it non-canonical — never a
// BTC-finalized block, whose loss would be a safety incident (DESIGN rule 9).
import type { L2BlockHeader, L2Client } from "../chains/l2.ts";
import { type FinalityGrid, isCheckedHeight } from "../core/finality/index.ts";
import type { PrismaClient } from "../db/database.ts";
import type { Logger } from "../log.ts";
import type { StepResult } from "./loop.ts";
import type { Mutex } from "./mutex.ts";
import { type Db, readContractSettings, readCursor, writeCursor, writeState } from "./state.ts";

export interface L2IngesterOptions {
  prisma: PrismaClient;
  l2: L2Client;
  log: Logger;
  /** First height to ingest into an empty database; 0 means the contract's activation height. */
  startHeight: bigint;
  follow: "latest" | "safe" | "finalized";
  /** Most blocks fetched and written per step. */
  maxBlocksPerStep: number;
  /** Serialises the rollback with the engine's finalization. */
  writeLock: Mutex;
  onReorg?: (depth: number) => void;
  onSafetyIncident?: (kind: string, details: string) => void;
}

export const L2_CURSOR = "l2";

export class L2Ingester {
  constructor(private readonly o: L2IngesterOptions) {}

  async step(): Promise<StepResult> {
    const { prisma, l2 } = this.o;
    const settings = await readContractSettings(prisma);
    if (!settings) return "idle"; // the Babylon side has not read the contract config yet

    const [head, safe, finalized] = await Promise.all([
      l2.blockAtTag(this.o.follow),
      l2.blockAtTag("safe").catch(() => undefined),
      l2.blockAtTag("finalized").catch(() => undefined),
    ]);
    await writeState(prisma, {
      l2_head_height: head?.height,
      l2_safe_height: safe?.height,
      l2_finalized_height: finalized?.height,
      l2_head_at: head ? Date.now() : undefined,
    });
    if (!head) return "idle";

    const cursor = await readCursor(prisma, L2_CURSOR);
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

    await prisma.$transaction(async (tx) => {
      await insertBlocks(tx, linked, settings.grid);
      const last = linked[linked.length - 1]!;
      await writeCursor(tx, L2_CURSOR, last.height, last.hash);
    });
    return "progress";
  }

  /** Walks back from the cursor to the highest stored block the L2 still has, and rolls back above it. */
  private rollback(cursor: { height: bigint; hash: string | null }, headHeight: bigint): Promise<StepResult> {
    return this.o.writeLock.run(() => this.rollbackLocked(cursor, headHeight));
  }

  private async rollbackLocked(
    cursor: { height: bigint; hash: string | null },
    headHeight: bigint,
  ): Promise<StepResult> {
    const { prisma, l2, log } = this.o;
    let height = minBig(cursor.height, headHeight);
    let ancestor: { height: bigint; hash: string } | undefined;
    while (height >= 0n && !ancestor) {
      const low = maxBig(0n, height - 31n);
      const [stored, remote] = await Promise.all([
        canonicalHashes(prisma, low, height),
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
    const finalizedAbove = await prisma.$queryRawUnsafe<{ height: bigint; hash: string }[]>(
      `SELECT height, hash FROM l2_block WHERE canonical AND status = 'FINALIZED' AND height > $1::bigint ORDER BY height LIMIT 1`,
      (ancestor?.height ?? -1n).toString(),
    );
    if (finalizedAbove.length > 0) {
      const block = finalizedAbove[0]!;
      const details = `L2 reorg of depth ${depth} would remove BTC-finalized block ${block.height} (${block.hash})`;
      await recordIncident(prisma, "finalized_block_reorged", BigInt(block.height), details);
      this.o.onSafetyIncident?.("finalized_block_reorged", details);
      log.error(
        { height: String(block.height), hash: block.hash, depth },
        "SAFETY: L2 reorg below a BTC-finalized block",
      );
      return "idle"; // keep the finalized history; never follow the fork past it
    }

    await prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe(
        `UPDATE l2_block SET canonical = false, status = 'ORPHANED'
         WHERE canonical AND height > $1::bigint AND status <> 'FINALIZED'`,
        (ancestor?.height ?? -1n).toString(),
      );
      if (ancestor) await writeCursor(tx, L2_CURSOR, ancestor.height, ancestor.hash);
      else await tx.$executeRawUnsafe(`DELETE FROM ingest_cursor WHERE name = $1`, L2_CURSOR);
    });
    log.warn(
      { depth, ancestor: ancestor ? String(ancestor.height) : null },
      "L2 reorg: rolled back the unfinalized suffix",
    );
    this.o.onReorg?.(depth);
    return "progress";
  }
}

async function canonicalHashes(db: Db, from: bigint, to: bigint): Promise<Map<bigint, string>> {
  const rows = await db.$queryRawUnsafe<{ height: bigint; hash: string }[]>(
    `SELECT height, hash FROM l2_block WHERE canonical AND height BETWEEN $1::bigint AND $2::bigint`,
    from.toString(),
    to.toString(),
  );
  return new Map(rows.map((r) => [BigInt(r.height), r.hash]));
}

export async function insertBlocks(db: Db, blocks: L2BlockHeader[], grid: FinalityGrid): Promise<void> {
  const checked = blocks.map((b) => isCheckedHeight(b.height, grid));
  await db.$executeRawUnsafe(
    `INSERT INTO l2_block (hash, height, parent_hash, timestamp, canonical, checked, status)
     SELECT h, ht, p, ts, true, c, (CASE WHEN c THEN 'PENDING' ELSE 'NOT_CHECKED' END)::"BlockStatus"
     FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::boolean[]) AS t(h, ht, p, ts, c)
     ON CONFLICT (hash) DO UPDATE SET canonical = true,
       status = CASE WHEN l2_block.status = 'ORPHANED' THEN EXCLUDED.status ELSE l2_block.status END`,
    blocks.map((b) => b.hash),
    blocks.map((b) => b.height.toString()),
    blocks.map((b) => b.parentHash),
    blocks.map((b) => b.timestamp.toString()),
    checked,
  );
}

export async function recordIncident(
  db: Db,
  kind: string,
  height: bigint | null,
  details: string,
): Promise<void> {
  // One open incident per kind and height: a loop that meets the same fork again does not pile up rows.
  await db.$executeRawUnsafe(
    `INSERT INTO safety_incident (kind, height, details)
     SELECT $1, $2::bigint, $3 WHERE NOT EXISTS (
       SELECT 1 FROM safety_incident WHERE kind = $1 AND height IS NOT DISTINCT FROM $2::bigint AND resolved_at IS NULL)`,
    kind,
    height === null ? null : height.toString(),
    details,
  );
}

const minBig = (a: bigint, b: bigint) => (a < b ? a : b);
const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);
