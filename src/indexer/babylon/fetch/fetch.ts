// Reading a range of Babylon blocks into the records the store writes: fetched in JSON-RPC batches with
// bounded concurrency, each block decided by `recordsOfBlock`, the range merged into one batch in order.
// A range ends early, at a whole block, once it holds `maxRecords` records: a step of vote-heavy blocks is
// then as big as a step of light ones, so the memory a step holds (replies, records, the copy sent to the
// main thread, the statement that writes them) stays the same however many votes the chain carries.
import type { BabylonBlockReader } from "../../../chains/babylon/block-reader.ts";
import { heightChunks } from "../../../chains/concurrency.ts";
import { type BabylonBlockRecords, emptyRecords, mergeRecords, recordsOfBlock } from "../records.ts";

/** Heights per JSON-RPC batch request: ten blocks of 250 votes make a reply of about 6 MB. */
const HEIGHTS_PER_REQUEST = 10;

/** Records (rows to write) after which a range stops taking more blocks. */
export const MAX_RECORDS_PER_RANGE = 5000;

/**
 * The records of blocks `from..to`, or of a prefix of them when that prefix already holds `maxRecords`
 * records; their `blocks` list every height read, in order, so the caller learns where the range ended.
 */
export async function fetchRange(
  reader: BabylonBlockReader,
  contractAddress: string,
  from: bigint,
  to: bigint,
  concurrency: number,
  maxRecords = MAX_RECORDS_PER_RANGE,
): Promise<BabylonBlockRecords> {
  const chunks = heightChunks(from, to, HEIGHTS_PER_REQUEST);
  // Each chunk is turned into records as soon as it arrives, so the raw replies do not pile up. Chunks are
  // asked for in order and none after the budget is reached: those asked for form a prefix of the range.
  const parts: BabylonBlockRecords[][] = [];
  let next = 0;
  let records = 0;
  const worker = async () => {
    while (next < chunks.length && records < maxRecords) {
      const index = next++;
      const blocks = await reader.blocks(chunks[index]!);
      parts[index] = blocks.map((block) => recordsOfBlock(block, contractAddress));
      for (const r of parts[index]) records += recordCount(r);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, concurrency), chunks.length) }, worker));
  const batch = emptyRecords();
  for (const part of parts) for (const r of part) mergeRecords(batch, r);
  return batch;
}

/** Rows a block's records make (its own row aside). */
function recordCount(r: BabylonBlockRecords): number {
  return (
    r.signatures.length +
    r.commits.length +
    r.providersCreated.length +
    r.providerEvents.length +
    r.delegationsCreated.length +
    r.delegationChanges.length +
    r.equivocations.length +
    r.allowlist.length +
    r.malformed.length
  );
}
