// The floors a backfill is compared with, measured in the same run on the same data:
//  - write floor: the rows the gadget wrote, COPYed into an empty migrated database (the database's own
//    write speed for exactly that data, indexes included);
//  - fetch floor: the chain data the gadget reads, fetched with the gadget's own RPC clients, the same batch
//    sizes and requests in flight, and no processing.
// A backfill's time divided by a floor says how far the gadget is from what its inputs and outputs cost.
import type pg from "pg";
import { from as copyFrom, to as copyTo } from "pg-copy-streams";
import { BabylonBlockReader } from "../src/chains/babylon/block-reader.ts";
import { BabylonQueryClient } from "../src/chains/babylon/query-client.ts";
import { heightChunks, mapWithConcurrency } from "../src/chains/concurrency.ts";
import { L2Client } from "../src/chains/l2.ts";
import { openDatabase } from "../src/db/database.ts";
import { withClient } from "../src/db/server-admin.ts";
import type { DevnetInfo } from "../src/devnet/devnet.ts";
import { createTestDatabaseUrl } from "../test/helpers/database.ts";

/** Every table the indexer fills, in an order that satisfies foreign keys. */
export const INDEXER_TABLES = [
  "babylon_block",
  "btc_header",
  "staking_params",
  "contract_config",
  "finality_provider",
  "finality_provider_event",
  "btc_delegation",
  "delegation_provider",
  "delegation_status_change",
  "allowlist_entry",
  "pub_rand_commit",
  "finality_signature",
  "equivocation",
  "l2_block",
  "voting_power",
  "unvoted_block",
] as const;

async function copyOut(client: pg.Client, table: string): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  const stream = client.query(copyTo(`COPY (SELECT * FROM ${table}) TO STDOUT`));
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks;
}

async function copyIn(client: pg.Client, table: string, chunks: Buffer[]): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} FROM STDIN`));
  await new Promise<void>((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}

/**
 * Seconds to COPY every indexer row of `sourceUrl` into a fresh migrated database on the server of
 * `adminUrl`, in one transaction; the rows are read out first and not timed.
 */
export async function writeFloor(
  sourceUrl: string,
  adminUrl: string,
): Promise<{ seconds: number; rows: number }> {
  const data = await withClient(sourceUrl, async (c) => {
    const out: [string, Buffer[]][] = [];
    for (const table of INDEXER_TABLES) out.push([table, await copyOut(c, table)]);
    return out;
  });
  const rows = data.reduce(
    (n, [, chunks]) => n + chunks.reduce((m, b) => m + b.toString("utf8").split("\n").length - 1, 0),
    0,
  );
  const scratch = await createTestDatabaseUrl(adminUrl);
  try {
    await (await openDatabase({ url: scratch.url, migrate: true, poolSize: 1 })).close();
    const seconds = await withClient(scratch.url, async (c) => {
      const start = performance.now();
      await c.query("BEGIN");
      for (const [table, chunks] of data) await copyIn(c, table, chunks);
      await c.query("COMMIT");
      return (performance.now() - start) / 1000;
    });
    return { seconds, rows };
  } finally {
    await scratch.drop();
  }
}

/**
 * Seconds to fetch Babylon blocks 1..babylonHead, L2 blocks 1..l2Head and every provider's delegations with the
 * gadget's clients and its default batch sizes and concurrency, all three at once as the gadget reads them.
 */
export async function fetchFloor(o: {
  info: DevnetInfo;
  babylonHead: bigint;
  l2Head: bigint;
}): Promise<number> {
  const { info } = o;
  const reader = new BabylonBlockReader(info.babylon.rpcUrl);
  const l2 = new L2Client(info.l2!.rpcUrl, { batchSize: 200, concurrency: 4 });
  const queries = await BabylonQueryClient.connect(info.babylon.rpcUrl);
  const start = performance.now();
  try {
    await Promise.all([
      mapWithConcurrency(heightChunks(1n, o.babylonHead, 10), 8, (heights) => reader.blocks(heights)),
      l2.blocks(1n, o.l2Head),
      queries
        .allFinalityProviders(info.bsnId)
        .then((fps) =>
          mapWithConcurrency(fps, 4, (fp) =>
            queries.allFinalityProviderDelegations(Buffer.from(fp.btcPk).toString("hex")),
          ),
        ),
    ]);
    return (performance.now() - start) / 1000;
  } finally {
    queries.disconnect();
  }
}
