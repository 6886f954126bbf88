// The HTTP endpoints: reference JSON field names and statuses; 400 for malformed input, 404 for unknown, never
// a 500 for what a user sent; readiness that says why it is not ready; Prometheus metrics.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  blockHash,
  FINALIZED,
  HEAD,
  TX_IN_BTC_FINALIZED,
  TX_IN_FINALIZED,
  TX_IN_SAFE,
  TX_PENDING,
  timestampOf,
} from "./fixtures.ts";
import { startTestApi, type TestApi } from "./harness.ts";

describe("REST", () => {
  let t: TestApi;
  const get = (path: string, init?: RequestInit) => fetch(`${t.api.httpUrl}${path}`, init);
  beforeAll(async () => {
    t = await startTestApi();
  });
  afterAll(() => t.close());

  it("GET /v1/chainSyncStatus uses the reference's field names", async () => {
    const res = await get("/v1/chainSyncStatus");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      latest_block: Number(HEAD),
      latest_btc_finalized_block: Number(FINALIZED),
      earliest_btc_finalized_block: 10,
      latest_eth_finalized_block: 20,
    });
  });

  it("GET /v1/transaction reports each status in the reference's precedence", async () => {
    const status = async (hash: string) => {
      const res = await get(`/v1/transaction?hash=${hash}`);
      expect(res.status).toBe(200);
      return (await res.json()) as Record<string, unknown>;
    };
    expect(await status(TX_IN_FINALIZED)).toEqual({
      txHash: TX_IN_FINALIZED,
      blockHash: blockHash(20n),
      status: "finalized",
      blockTimestamp: Number(timestampOf(20n)),
      blockHeight: 20,
      babylonFinalized: true,
    });
    expect(await status(TX_IN_BTC_FINALIZED)).toMatchObject({
      status: "btc finalized",
      babylonFinalized: true,
    });
    expect(await status(TX_IN_SAFE)).toMatchObject({
      status: "safe",
      babylonFinalized: false,
      blockHeight: 45,
    });
    expect(await status(TX_PENDING)).toMatchObject({ status: "pending", babylonFinalized: false });
    // any case is accepted; the reply is normalized
    expect(await status(TX_PENDING.toUpperCase().replace("0X", "0x"))).toMatchObject({ txHash: TX_PENDING });
  });

  it("answers 400 for a missing or malformed hash and 404 for an unknown transaction", async () => {
    const missing = await get("/v1/transaction");
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: string }).error).toMatch(/hash is required/);
    for (const bad of ["0x1234", "abc", `${TX_PENDING}00`, `0x${"g".repeat(64)}`]) {
      const res = await get(`/v1/transaction?hash=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/invalid EVM transaction hash/);
    }
    const unknown = await get(`/v1/transaction?hash=0x${"ab".repeat(32)}`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: `transaction 0x${"ab".repeat(32)} not found` });
  });

  it("rejects other methods and unknown paths without a 500", async () => {
    expect((await get("/v1/chainSyncStatus", { method: "POST" })).status).toBe(405);
    expect((await get("/nope")).status).toBe(404);
  });

  it("answers 400 for a request target no URL parser reads, and keeps serving", async () => {
    const { port } = new URL(t.api.httpUrl);
    const reply = await new Promise<string>((resolve, reject) => {
      // fetch cannot send this target: the request is written by hand.
      const socket = connect(Number(port), "127.0.0.1", () =>
        socket.write("GET //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
      );
      let text = "";
      socket.on("data", (chunk) => (text += chunk.toString()));
      socket.on("end", () => resolve(text));
      socket.setTimeout(5_000, () => reject(new Error("the server neither answered nor closed")));
      socket.on("error", reject);
    });
    expect(reply.split("\r\n")[0]).toBe("HTTP/1.1 400 Bad Request");
    expect(reply).toContain("malformed request target");
    expect((await get("/health")).status).toBe(200);
  });

  it("/health is up; /ready explains why it is not ready and turns 200 when it is", async () => {
    const health = await get("/health");
    expect(health.status).toBe(200);
    expect(await health.text()).toBe("Finality gadget is healthy");

    let ready = await get("/ready");
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons).toContain(
      "no component has reported yet",
    );

    t.health.report("l2", { state: "ok", lastProgressAt: new Date() });
    t.health.report("babylon", { state: "degraded", detail: "RPC timeout, retrying" });
    ready = await get("/ready");
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons).toEqual([
      "component babylon is degraded: RPC timeout, retrying",
    ]);

    t.health.report("babylon", { state: "ok" });
    ready = await get("/ready");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      ready: true,
      reasons: [],
      lagBlocks: "0",
      openSafetyIncidents: 0,
    });

    await t.db.prisma.gadgetState.update({ where: { key: "l2_head_height" }, data: { value: "500" } });
    ready = await get("/ready");
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons).toEqual([
      "engine is 450 blocks behind the L2 head (allowed 64)",
    ]);
    await t.db.prisma.gadgetState.update({
      where: { key: "l2_head_height" },
      data: { value: HEAD.toString() },
    });

    const incident = await t.db.prisma.safetyIncident.create({
      data: { kind: "reorg_below_finalized", height: 30n, details: "parent mismatch at 31" },
    });
    ready = await get("/ready");
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { reasons: string[] }).reasons).toEqual(["1 open safety incident"]);
    const metrics = await (await get("/metrics")).text();
    expect(metrics).toMatch(/^finality_gadget_safety_incidents_open 1$/m);
    await t.db.prisma.safetyIncident.update({ where: { id: incident.id }, data: { resolvedAt: new Date() } });
    expect((await get("/ready")).status).toBe(200);
  });

  it("/metrics serves the reference's metric names and the indexer's updates", async () => {
    t.api.metrics.recordFinalized({ height: 41n, timestamp: 1_700_000_000n }, new Date(1_700_000_012_000));
    t.api.metrics.rpcErrorsTotal.inc({ endpoint: "l2", kind: "timeout" });
    t.api.metrics.ingestionLagBlocks.set({ source: "l2" }, 3);
    const res = await get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    for (const name of [
      "finality_gadget_finalized_blocks_total 1",
      // the finalized head is the database's (the seed's 40), which holds on a standby gadget too
      "finality_gadget_latest_finalized_block_height 40",
      'finality_gadget_rpc_errors_total{endpoint="l2",kind="timeout"} 1',
      'finality_gadget_ingestion_lag_blocks{source="l2"} 3',
      'finality_gadget_finality_latency_seconds_bucket{le="20"} 1',
      'finality_gadget_finality_latency_seconds_bucket{le="10"} 0',
      "# TYPE finality_gadget_fp_latest_voting_power gauge",
      "# TYPE finality_gadget_fp_latest_block_voted gauge",
    ]) {
      expect(text).toContain(name);
    }
    // read from the seeded database at scrape time
    expect(text).toMatch(/^finality_gadget_fp_latest_block_voted\{fp_pubkey="[0-9a-f]{64}"\} [1-9]\d*$/m);
    expect(text).toMatch(/^finality_gadget_fp_latest_voting_power\{fp_pubkey="[0-9a-f]{64}"\} [1-9]\d*$/m);
  });
});

describe("REST without an L2 transaction lookup", () => {
  it("says transaction lookup is unavailable (503), still 400 for a malformed hash", async () => {
    const t = await startTestApi({ seed: false, withLocator: false });
    try {
      const res = await fetch(`${t.api.httpUrl}/v1/transaction?hash=${TX_PENDING}`);
      expect(res.status).toBe(503);
      expect((await fetch(`${t.api.httpUrl}/v1/transaction?hash=0x12`)).status).toBe(400);
      // an empty database is a valid state, not an error
      const sync = await fetch(`${t.api.httpUrl}/v1/chainSyncStatus`);
      expect(sync.status).toBe(200);
      expect(await sync.json()).toEqual({
        latest_block: 0,
        latest_btc_finalized_block: 0,
        earliest_btc_finalized_block: 0,
        latest_eth_finalized_block: 0,
      });
    } finally {
      await t.close();
    }
  });
});
