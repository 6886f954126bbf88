// /v1/transaction and transaction(hash) against a real L2 (anvil): the receipt lookup finds the block, the
// gadget's database says how final it is; an unreachable L2 is a 503 / UNAVAILABLE, not a 500.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceHealth } from "../../src/api/health.ts";
import { GadgetMetrics } from "../../src/api/metrics.ts";
import { type ApiHandle, startApi } from "../../src/api/server.ts";
import { l2TransactionLocator } from "../../src/api/transactions.ts";
import { type Anvil, startAnvil } from "../../src/devnet/anvil.ts";
import { GadgetEvents } from "../../src/indexer/runtime/events.ts";
import { silentLogger } from "../../src/log.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/database.ts";
import { gql } from "./harness.ts";

async function serve(db: TestDatabase, rpcUrl: string): Promise<ApiHandle> {
  return startApi({
    db,
    events: new GadgetEvents(),
    health: new ServiceHealth(),
    config: { host: "127.0.0.1", httpPort: 0, grpcPort: 0, maxPageSize: 1000 },
    log: silentLogger,
    metrics: new GadgetMetrics({ processMetrics: false }),
    locateTransaction: l2TransactionLocator(rpcUrl, { timeoutMs: 2_000 }),
  });
}

describe("transaction finality with a real L2", () => {
  let anvil: Anvil;
  let db: TestDatabase;
  let api: ApiHandle;
  let txHash: string;
  let block: { hash: string; number: string; timestamp: string; parentHash: string };

  beforeAll(async () => {
    anvil = await startAnvil();
    db = await openTestDatabase();
    api = await serve(db, anvil.url);
    const [from] = await anvil.rpc<string[]>("eth_accounts");
    txHash = await anvil.rpc<string>("eth_sendTransaction", [{ from, to: from, value: "0x1" }]);
    // anvil mines the tx right away, but its receipt can lag the send by a moment on a busy machine.
    let receipt: { blockHash: string } | null = null;
    for (let i = 0; i < 100 && receipt === null; i++) {
      receipt = await anvil.rpc<{ blockHash: string } | null>("eth_getTransactionReceipt", [txHash]);
      if (receipt === null) await new Promise((r) => setTimeout(r, 50));
    }
    if (receipt === null) throw new Error(`anvil did not mine ${txHash} within 5 s`);
    block = await anvil.rpc("eth_getBlockByHash", [receipt.blockHash, false]);
  });
  afterAll(async () => {
    await api?.close();
    await db?.close();
    await anvil?.stop();
  });

  const rest = async (hash: string) => {
    const res = await fetch(`${api.httpUrl}/v1/transaction?hash=${hash}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it("is pending until the gadget finalizes its block, then btc finalized", async () => {
    expect(await rest(txHash)).toMatchObject({
      status: 200,
      body: {
        txHash,
        blockHash: block.hash,
        blockHeight: Number(block.number),
        status: "pending",
        babylonFinalized: false,
      },
    });
    await db.prisma.l2Block.create({
      data: {
        hash: block.hash,
        height: BigInt(block.number),
        parentHash: block.parentHash,
        timestamp: BigInt(block.timestamp),
        checked: true,
        status: "FINALIZED",
        finalizedAt: new Date(),
      },
    });
    expect((await rest(txHash)).body).toMatchObject({
      status: "btc finalized",
      babylonFinalized: true,
      blockTimestamp: Number(BigInt(block.timestamp)),
    });
    const g = await gql(api, `query($h: String!) { transaction(hash: $h) { status block { height } } }`, {
      h: txHash,
    });
    expect(g.data?.transaction).toEqual({
      status: "BTC_FINALIZED",
      block: { height: BigInt(block.number).toString() },
    });
  });

  it("an unknown transaction is 404 (REST) and null (GraphQL)", async () => {
    const unknown = `0x${"42".repeat(32)}`;
    expect((await rest(unknown)).status).toBe(404);
    expect((await gql(api, `{ transaction(hash: "${unknown}") { status } }`)).data?.transaction).toBeNull();
  });

  it("an unreachable L2 is 503 / UNAVAILABLE", async () => {
    const dead = await serve(db, "http://127.0.0.1:1");
    try {
      const res = await fetch(`${dead.httpUrl}/v1/transaction?hash=${txHash}`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toMatch(/the L2 RPC could not be asked/);
      const g = await gql(dead, `query($h: String!) { transaction(hash: $h) { status } }`, { h: txHash });
      expect(g.errors?.[0]?.extensions).toMatchObject({ code: "UNAVAILABLE" });
    } finally {
      await dead.close();
    }
  });
});
