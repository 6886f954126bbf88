// The query surface under load, against a seeded database (Postgres when DATABASE_URL is set, in-memory PGlite
// otherwise) and the real servers on free ports:
//  - QueryBlockRangeBabylonFinalized over 1,000 blocks through the gRPC client (p50, p99);
//  - an explorer's GraphQL query mix at fixed concurrency (requests/s, p99);
//  - finalizedBlocks fan-out to 10,000 graphql-ws subscribers (publish → delivery latency p50, p99, and the
//    server's heap per subscriber: what closing them all frees in this process ÷ subscribers).
// BENCH_SUBSCRIBERS sets a smaller count (CI). The servers run in this process; the clients run in a
// load-generator process of their own (bench/load-client.ts), as real clients do, so the figures are the
// server's and not client and server sharing one thread.

import { createHash } from "node:crypto";
import { ServiceHealth } from "../src/api/health.ts";
import { GadgetMetrics } from "../src/api/metrics.ts";
import { startApi } from "../src/api/server.ts";
import { type Database, openDatabase } from "../src/db/database.ts";
import type { SignatureRecord } from "../src/indexer/babylon/records.ts";
import { GadgetEvents } from "../src/indexer/runtime/events.ts";
import { silentLogger } from "../src/log.ts";
import { recordUnvotedBlocks } from "../src/store/participation.ts";
import { insertSignatures } from "../src/store/signatures.ts";
import { createTestDatabaseUrl } from "../test/helpers/database.ts";
import { MIX_NAMES } from "./explorer-mix.ts";
import { printLine, record, stats, wallClockMs } from "./harness.ts";
import { forkLoadClient, type LoadClient } from "./load-process.ts";

const BLOCKS = 5_000n;
const FINALIZED = 4_000n;
const CONCURRENCY = 16;
const MIX_SECONDS = 5;
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 10_000);
const SOCKETS = Math.max(1, Math.round(SUBSCRIBERS / 50));
const FANOUT_EVENTS = 20;
// BENCH_API_PARTS=range,mix,fanout runs only those parts (to profile one with `node --cpu-prof`).
const PARTS = new Set((process.env.BENCH_API_PARTS ?? "range,mix,fanout").split(","));

const hex = (seed: string) => createHash("sha256").update(seed).digest("hex");
const blockHash = (h: bigint) => `0x${hex(`bench-block-${h}`)}`;
const fps = [hex("bench-fp-a"), hex("bench-fp-b"), hex("bench-fp-c")];
const powers = [500n, 300n, 200n];

export async function seed(db: Database): Promise<void> {
  const p = db.prisma;
  const chunk = 1_000n;
  await p.votingPower.createMany({
    data: fps.map((fpBtcPk, i) => ({ btcHeight: 100, fpBtcPk, power: powers[i]! })),
  });
  for (let start = 1n; start <= BLOCKS; start += chunk) {
    const blocks = [];
    const sigs: SignatureRecord[] = [];
    for (let h = start; h < start + chunk && h <= BLOCKS; h++) {
      const finalized = h <= FINALIZED;
      // every block is checked (interval 1); C skips every 7th height
      const voters = fps.filter((_, i) => i < 2 || h % 7n !== 0n);
      const time = (seconds: bigint) =>
        new Date(Number(1_700_000_000n + h * 2n + seconds) * 1000).toISOString();
      blocks.push({
        hash: blockHash(h),
        height: String(h),
        parent_hash: blockHash(h - 1n),
        timestamp: String(1_700_000_000n + h * 2n),
        canonical: true,
        checked: true,
        status: finalized ? "FINALIZED" : "PENDING",
        btc_height: 100,
        voted_power: String(voters.reduce((s, pk) => s + powers[fps.indexOf(pk)]!, 0n)),
        total_power: "1000",
        voter_count: voters.length,
        finalized_at: finalized ? time(6n) : null,
        // As the engine leaves them: a checked block carries its verdict's time (the API caches only those).
        evaluated_at: time(3n),
        ingested_at: time(1n),
      });
      for (const [i, pk] of voters.entries()) {
        sigs.push({
          babylonHeight: 1000n + h,
          txHash: hex(`bench-sig-${h}-${pk}`),
          msgIndex: i,
          fpBtcPk: pk,
          height: h,
          blockHash: blockHash(h),
          pubRand: null,
          signature: null,
          babylonTime: new Date(),
        });
      }
    }
    // Raw statements, as the gadget writes: Prisma keeps every createMany's plan, values and all, and 100 MB
    // of them in this process made every collection of the server's heap slower than the gadget's would be.
    await p.$executeRawUnsafe(
      "INSERT INTO l2_block SELECT * FROM json_populate_recordset(NULL::l2_block, $1::json)",
      JSON.stringify(blocks),
    );
    await insertSignatures(p, sigs);
    // As the engine's verdicts leave them (the power table above is stored first).
    await recordUnvotedBlocks(
      p,
      blocks.map((b) => b.hash),
    );
  }
  await p.finalityProvider.createMany({
    data: fps.map((btcPk, i) => ({ btcPk, bsnId: "bench", moniker: `fp-${i}`, updatedBabylonHeight: 1n })),
  });
  await p.gadgetState.createMany({
    data: [
      { key: "activated_timestamp", value: "1700000002" },
      { key: "l2_head_height", value: BLOCKS.toString() },
      { key: "l2_finalized_height", value: "100" },
    ],
  });
  // A database that has been running has planner statistics; without them a freshly seeded one picks plans
  // (hash joins over the whole block table) that no deployment would see.
  await db.prisma.$executeRawUnsafe("ANALYZE");
}

export async function run(): Promise<void> {
  console.log("\n## API (gRPC, GraphQL, subscriptions)");
  // With DATABASE_URL, a database of its own (created and dropped here), never the one the URL names.
  const scratch = process.env.DATABASE_URL ? await createTestDatabaseUrl() : undefined;
  const db = await openDatabase(scratch ? { url: scratch.url } : { memory: true });
  const seeded = performance.now();
  await seed(db);
  printLine(
    `seeded ${db.kind}`,
    `${BLOCKS} blocks, ${FINALIZED} finalized, ~${Number(BLOCKS) * 3} signatures in ${((performance.now() - seeded) / 1000).toFixed(1)} s`,
  );
  const events = new GadgetEvents();
  const api = await startApi({
    db,
    events,
    health: new ServiceHealth(),
    config: { host: "127.0.0.1", httpPort: 0, grpcPort: 0, maxPageSize: 1000 },
    log: silentLogger,
    metrics: new GadgetMetrics({ processMetrics: false }),
  });
  let load: LoadClient | undefined;
  try {
    load = await forkLoadClient();
    if (PARTS.has("range")) await rangeBench(load, api.grpcAddress);
    if (PARTS.has("mix")) await mixBench(load, api.httpUrl);
    if (PARTS.has("fanout")) await fanoutBench(load, api.httpUrl, db, events, api.metrics);
  } finally {
    await load?.close();
    await api.close();
    await db.close();
    await scratch?.drop();
  }
}

async function rangeBench(load: LoadClient, address: string): Promise<void> {
  const blocks = [];
  for (let h = FINALIZED - 999n; h <= FINALIZED; h++) {
    blocks.push({ hash: blockHash(h), height: h, timestamp: 1_700_000_000n + h * 2n });
  }
  const samples = await load.call("range", {
    address,
    blocks,
    expected: FINALIZED,
    // op-node asks this every few seconds for as long as it runs: the figure is the warm server's. After ten
    // calls the next few still ran 2–4× slower than the rest (JIT tiers), and made the p99 of 200 samples.
    warmup: 100,
    // The p99 of 200 samples is their second slowest, and moved between runs of the same code by 2×.
    samples: 1000,
  });
  const s = stats(samples);
  record("api.range_1000_p50_ms", s.p50);
  record("api.range_1000_p99_ms", s.p99);
  printLine(
    "QueryBlockRangeBabylonFinalized, 1,000 blocks",
    `p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`,
  );
}

async function mixBench(load: LoadClient, httpUrl: string): Promise<void> {
  const target = { httpUrl, maxHeight: BLOCKS, providers: fps };
  const { alone, mix } = await load.call("mix", { target, seconds: MIX_SECONDS, concurrency: CONCURRENCY });
  for (const [k, name] of MIX_NAMES.entries()) {
    const ks = stats(alone[k]!);
    printLine(`  alone: ${name}`, `p50 ${ks.p50.toFixed(1)} ms, p99 ${ks.p99.toFixed(1)} ms`);
  }
  record("api.explorer_rps", mix.rps);
  record("api.explorer_p99_ms", mix.p99);
  printLine(
    `GraphQL explorer mix, concurrency ${CONCURRENCY}`,
    `${mix.rps.toFixed(0)} req/s, p50 ${mix.p50.toFixed(1)} ms, p99 ${mix.p99.toFixed(1)} ms`,
  );
}

async function openSubscriptions(metrics: GadgetMetrics): Promise<number> {
  const { values } = await metrics.subscriptionsActive.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

async function fanoutBench(
  load: LoadClient,
  httpUrl: string,
  db: Database,
  events: GadgetEvents,
  metrics: GadgetMetrics,
): Promise<void> {
  const wsUrl = `${httpUrl.replace("http", "ws")}/graphql`;
  // What the subscribers hold is what their closing frees: this process's memory with them open minus its
  // memory once they are all closed, each read after a collection (the bench runs with --expose-gc). The
  // clients live in the load client, so this is the server's share alone. A reading taken before subscribing
  // also holds what the seeding and the earlier parts leave behind until later, and gave negative figures. The
  // heap only: resident memory is not given back when they close.
  const settledMemory = () => {
    (globalThis as { gc?: () => void }).gc?.();
    return process.memoryUsage();
  };
  // Publish and receipt times are both wallClockMs(), taken in two processes.
  const published = new Map<bigint, number>();
  const firstLive = BLOCKS + 1n;
  await load.call("subscribe", { wsUrl, subscribers: SUBSCRIBERS, sockets: SOCKETS, fromHeight: BLOCKS });
  // Every subscription counts itself in the API's gauge once its bus listener is attached.
  const waitStart = performance.now();
  while ((await openSubscriptions(metrics)) < SUBSCRIBERS && performance.now() - waitStart < 300_000) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const setupMs = performance.now() - waitStart;
  const subscribed = settledMemory();
  for (let k = 0n; k < BigInt(FANOUT_EVENTS); k++) {
    const h = firstLive + k;
    const finalizedAt = new Date();
    await db.prisma.l2Block.create({
      data: {
        hash: blockHash(h),
        height: h,
        parentHash: blockHash(h - 1n),
        timestamp: 1_700_000_000n + h * 2n,
        checked: true,
        status: "FINALIZED",
        finalizedAt,
      },
    });
    published.set(h, wallClockMs());
    events.publish("blockFinalized", {
      height: h,
      hash: blockHash(h),
      timestamp: 1_700_000_000n + h * 2n,
      finalizedAt,
    });
    await new Promise((r) => setTimeout(r, 500));
  }
  const expected = SUBSCRIBERS * FANOUT_EVENTS;
  const { delivered, receipts } = await load.call("collect", { expected, timeoutMs: 30_000 });
  const closing = performance.now();
  while ((await openSubscriptions(metrics)) > 0 && performance.now() - closing < 30_000) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const closed = settledMemory();
  const heapPerSub = (subscribed.heapUsed - closed.heapUsed) / SUBSCRIBERS / 1024;
  const latencies: number[] = [];
  for (const [height, times] of receipts) {
    const at = published.get(height);
    if (at !== undefined) for (const t of times) latencies.push(t - at);
  }
  const s = stats(latencies);
  record("api.fanout_subscribers", SUBSCRIBERS);
  record("api.fanout_delivered_ratio", delivered / expected);
  record("api.fanout_p99_ms", s.p99);
  record("api.fanout_heap_kib_per_subscriber", heapPerSub);
  printLine(
    `finalizedBlocks fan-out, ${SUBSCRIBERS} subscribers on ${SOCKETS} sockets`,
    `${delivered}/${expected} delivered (subscribed in ${(setupMs / 1000).toFixed(1)} s), latency p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms`,
  );
  printLine("  heap per subscriber (server only; freed by closing them)", `${heapPerSub.toFixed(1)} KiB`);
}
