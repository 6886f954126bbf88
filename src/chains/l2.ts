// The L2 execution RPC, read through viem. Block fetches for a range go out as JSON-RPC batches with a bounded
// number in flight, so backfilling thousands of blocks costs tens of round trips, not thousands.

import { createPublicClient, http, type PublicClient, webSocket } from "viem";
import { heightChunks, mapWithConcurrency } from "./concurrency.ts";

export interface L2BlockHeader {
  height: bigint;
  /** 0x-prefixed lowercase hex. */
  hash: string;
  parentHash: string;
  /** Unix seconds. */
  timestamp: bigint;
}

export type BlockTag = "latest" | "safe" | "finalized";

export class L2Client {
  private readonly client: PublicClient;

  constructor(
    url: string,
    private readonly options: { batchSize: number; concurrency: number; timeoutMs?: number } = {
      batchSize: 100,
      concurrency: 4,
    },
  ) {
    const transport = url.startsWith("ws")
      ? webSocket(url, { retryCount: 0, timeout: options.timeoutMs ?? 10_000 })
      : http(url, {
          batch: { batchSize: options.batchSize, wait: 0 },
          retryCount: 0,
          timeout: options.timeoutMs ?? 10_000,
        });
    this.client = createPublicClient({ transport }) as PublicClient;
  }

  async chainId(): Promise<number> {
    return this.client.getChainId();
  }

  /** The block at a tag, or undefined when the node does not serve that tag (yet). */
  async blockAtTag(tag: BlockTag): Promise<L2BlockHeader | undefined> {
    try {
      return toHeader(await this.client.getBlock({ blockTag: tag }));
    } catch (error) {
      if (
        tag !== "latest" &&
        /not found|unknown block|not (yet )?available|does not exist/i.test(String(error))
      )
        return undefined;
      throw error;
    }
  }

  async block(height: bigint): Promise<L2BlockHeader> {
    return toHeader(await this.client.getBlock({ blockNumber: height }));
  }

  /** Blocks `from..to` inclusive, in ascending order. */
  async blocks(from: bigint, to: bigint): Promise<L2BlockHeader[]> {
    const chunks = heightChunks(from, to, this.options.batchSize);
    const out = await mapWithConcurrency(chunks, this.options.concurrency, (chunk) =>
      Promise.all(chunk.map((h) => this.block(h))),
    );
    return out.flat();
  }
}

function toHeader(block: {
  number: bigint | null;
  hash: string | null;
  parentHash: string;
  timestamp: bigint;
}): L2BlockHeader {
  if (block.number === null || block.hash === null)
    throw new Error("L2 RPC returned a pending block without number or hash");
  return {
    height: block.number,
    hash: block.hash.toLowerCase(),
    parentHash: block.parentHash.toLowerCase(),
    timestamp: block.timestamp,
  };
}
