// Reading a range of Babylon blocks into the records the store writes: fetched in JSON-RPC batches with
// bounded concurrency, each block decided by `recordsOfBlock`, the range merged into one batch in order.
import type { BabylonBlockReader } from "../../../chains/babylon/block-reader.ts";
import { heightChunks, mapWithConcurrency } from "../../../chains/concurrency.ts";
import { type BabylonBlockRecords, emptyRecords, mergeRecords, recordsOfBlock } from "../records.ts";

/** Heights per JSON-RPC batch request: ten blocks of 250 votes make a reply of about 6 MB. */
const HEIGHTS_PER_REQUEST = 10;

/** The records of blocks `from..to`; their `blocks` list every height read, in order. */
export async function fetchRange(
  reader: BabylonBlockReader,
  contractAddress: string,
  from: bigint,
  to: bigint,
  concurrency: number,
): Promise<BabylonBlockRecords> {
  // Each chunk is turned into records as soon as it is its turn, so the raw replies do not pile up.
  const parts = await mapWithConcurrency(
    heightChunks(from, to, HEIGHTS_PER_REQUEST),
    concurrency,
    async (c) => (await reader.blocks(c)).map((block) => recordsOfBlock(block, contractAddress)),
  );
  const batch = emptyRecords();
  for (const records of parts.flat()) mergeRecords(batch, records);
  return batch;
}
