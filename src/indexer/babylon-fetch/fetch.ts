// Reading a range of Babylon blocks into the records the store writes: fetched in JSON-RPC batches with
// bounded concurrency, each block decided by `recordsOfBlock`, the range merged into one batch in order.
import type { BabylonBlockReader } from "../../chains/babylon/block-reader.ts";
import { mapWithConcurrency } from "../../chains/concurrency.ts";
import { type BabylonBlockRecords, emptyRecords, mergeRecords, recordsOfBlock } from "../babylon-records.ts";

/** Heights per JSON-RPC batch request: ten blocks of 250 votes make a reply of about 6 MB. */
const HEIGHTS_PER_REQUEST = 10;

export interface BabylonRange {
  records: BabylonBlockRecords;
  /** The range's last block: the cursor goes there once the records are written. */
  last: { height: bigint; time: Date };
}

export async function fetchRange(
  reader: BabylonBlockReader,
  contractAddress: string,
  from: bigint,
  to: bigint,
  concurrency: number,
): Promise<BabylonRange> {
  const chunks: bigint[][] = [];
  for (let h = from; h <= to; h += BigInt(HEIGHTS_PER_REQUEST)) {
    const chunk: bigint[] = [];
    for (let x = h; x <= to && x < h + BigInt(HEIGHTS_PER_REQUEST); x++) chunk.push(x);
    chunks.push(chunk);
  }
  const batch = emptyRecords();
  let last: BabylonRange["last"] | undefined;
  // Each chunk is turned into records as soon as it is its turn, so the raw replies do not pile up.
  const parts = await mapWithConcurrency(chunks, concurrency, async (c) => {
    const blocks = await reader.blocks(c);
    return blocks.map((block) => ({ block, records: recordsOfBlock(block, contractAddress) }));
  });
  for (const part of parts) {
    for (const { block, records } of part) {
      mergeRecords(batch, records);
      last = { height: block.height, time: block.time };
    }
  }
  return { records: batch, last: last! };
}
