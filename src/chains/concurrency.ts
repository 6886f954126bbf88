// Bounded fan-out for chain reads: at most `limit` calls in flight, results in input order. Every backfill
// path (L2 block batches, Babylon blocks, per-provider delegation pages) fetches through it.
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}

/** Heights `from..to` inclusive, in ascending order, cut into batches of at most `size`. */
export function heightChunks(from: bigint, to: bigint, size: number): bigint[][] {
  const chunks: bigint[][] = [];
  for (let start = from; start <= to; start += BigInt(size)) {
    const chunk: bigint[] = [];
    for (let h = start; h <= to && chunk.length < size; h++) chunk.push(h);
    chunks.push(chunk);
  }
  return chunks;
}
