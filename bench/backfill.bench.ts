// Backfill benchmark (issue 7): a devnet with 20 providers, 10,000 delegations and 20,000 L2 blocks already
// voted; the gadget indexes and evaluates all of it from an empty database. Then the chains run again and
// the end-to-end latency from the Babylon block whose votes complete a quorum to the stored finalization is
// measured live. BENCH_SCALE (default 0.1) scales delegations and L2 blocks; 1 is the full size.
//
// The history's votes are signed here with the crypto core and sent through the contract client in batches
// (test/helpers/voted-history.ts): the real provider daemons would need about as many Babylon blocks as L2
// blocks to catch up, hours at this size.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { readCursor, readState } from "../src/indexer/state.ts";
import { createLogger } from "../src/log.ts";
import { startService } from "../src/service.ts";
import { createTestDatabaseUrl, usingPostgres } from "../test/helpers/database.ts";
import { buildVotedHistory, freeze, l2Hashes } from "../test/helpers/voted-history.ts";
import { percentile, printLine } from "./harness.ts";

const INTERVAL = 4n; // keeps each provider's votes under the contract's 10,000 messages per rate-limit window

export async function run(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? "0.1");
  if (!(scale > 0 && scale <= 1))
    throw new Error(`BENCH_SCALE must be in (0, 1], got ${process.env.BENCH_SCALE}`);
  const providers = 20;
  const delegations = Math.max(providers, Math.round(10_000 * scale));
  const l2Blocks = Math.round(20_000 * scale);
  console.log(
    `\n## Backfill (BENCH_SCALE=${scale}: ${providers} providers, ${delegations} delegations, ${l2Blocks} L2 blocks)`,
  );

  const build = performance.now();
  const h = await buildVotedHistory({
    providers: Array.from({ length: providers }, (_, i) => BigInt(10_000_000 + i * 100_000)),
    delegationsPerProvider: Math.round(delegations / providers),
    l2Blocks,
    interval: INTERVAL,
    extraRandomness: 400,
    votesPerTx: 250,
  });
  const heads = await freeze(h);
  printLine("chains stopped at", `Babylon height ${heads.babylonHead}, L2 height ${heads.l2Head}`);
  printLine(
    "history built (votes signed here, batched txs)",
    `${((performance.now() - build) / 1000).toFixed(1)} s, ${h.votes} votes`,
  );
  printLine(
    "  of which",
    Object.entries(h.timings)
      .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
      .join(", "),
  );

  let url = "";
  let drop = async () => {};
  if (usingPostgres) ({ url, drop } = await createTestDatabaseUrl());
  const info = h.devnet.info;
  const dataDir = mkdtempSync(join(tmpdir(), "obf-bench-"));
  const config = loadConfig({
    env: {},
    flags: {
      "database.url": url,
      "database.data_dir": dataDir,
      "l2.rpc_url": info.l2!.rpcUrl,
      "l2.poll_interval_ms": "100",
      "babylon.rpc_url": info.babylon.rpcUrl,
      "babylon.contract_address": info.contractAddress,
      "babylon.poll_interval_ms": "100",
      "babylon.reconcile_interval_ms": "1000",
      "api.http_port": "0",
      "api.grpc_port": "0",
    },
  });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const log = createLogger(process.env.BENCH_LOG_LEVEL ?? "silent");
  const lastChecked = heads.l2Head - ((heads.l2Head - 1n) % INTERVAL);
  const opening = performance.now();
  const service = await startService(config, log, { memoryDb: !usingPostgres });
  // startService creates and migrates the database before the indexer starts: timed apart.
  const began = performance.now();
  const prisma = service.db.prisma;
  const milestones = new Map<string, number>();
  const mark = (name: string, reached: boolean) => {
    if (reached && !milestones.has(name)) milestones.set(name, (performance.now() - began) / 1000);
  };
  try {
    for (;;) {
      const [l2, babylon, finalized, btcSynced, firstEval] = await Promise.all([
        readCursor(prisma, "l2"),
        readCursor(prisma, "babylon"),
        readState(prisma, "finalized_height"),
        readState(prisma, "btc_synced_time"),
        readCursor(prisma, "engine"),
      ]);
      mark("first reconciler pass", btcSynced !== undefined);
      mark("Babylon ingested", babylon?.height === heads.babylonHead);
      mark("L2 ingested", l2?.height === heads.l2Head);
      mark("first block evaluated", firstEval !== undefined);
      if (
        l2?.height === heads.l2Head &&
        babylon?.height === heads.babylonHead &&
        finalized !== undefined &&
        BigInt(finalized) >= lastChecked
      )
        break;
      if (performance.now() - began > 30 * 60_000) throw new Error("backfill did not finish within 30 min");
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - began) / 1000;
    const rows = await prisma.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT (SELECT count(*) FROM l2_block) + (SELECT count(*) FROM finality_signature) + (SELECT count(*) FROM btc_delegation)
            + (SELECT count(*) FROM delegation_provider) + (SELECT count(*) FROM delegation_status_change)
            + (SELECT count(*) FROM voting_power) + (SELECT count(*) FROM btc_header) + (SELECT count(*) FROM finality_provider)
            + (SELECT count(*) FROM finality_provider_event) + (SELECT count(*) FROM pub_rand_commit) AS n`,
    );
    const rowCount = Number(rows[0]!.n);
    const blocksPerSec = l2Blocks / seconds;
    printLine(
      "database created and migrated (before indexing)",
      `${((began - opening) / 1000).toFixed(1)} s`,
    );
    printLine(
      "backfill: index + evaluate, empty database",
      `${seconds.toFixed(1)} s (${usingPostgres ? "Postgres" : "PGlite in memory"})`,
    );
    printLine(
      "  milestones (s from start)",
      [...milestones].map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", "),
    );
    printLine(
      "L2 blocks/s",
      `${blocksPerSec.toFixed(0)} (target ≥ 1,000: ${blocksPerSec >= 1000 ? "met" : "NOT met"})`,
    );
    printLine("rows written/s", `${(rowCount / seconds).toFixed(0)} (${rowCount} rows)`);

    // Live: chains run again; every new checked block gets all providers' votes in one tx as soon as it exists.
    await h.admin("/babylon/resume");
    await h.admin("/btc/resume", { intervalMs: 2000 });
    await h.admin("/l2/resume", { blockTimeSec: 1 });
    const liveFrom = heads.l2Head + 1n;
    const voted = new Set<bigint>();
    const liveEnd = performance.now() + 25_000;
    while (performance.now() < liveEnd) {
      const head = await h.devnet.anvil!.blockNumber();
      const todo: bigint[] = [];
      for (let x = liveFrom; x <= head; x++) if ((x - 1n) % INTERVAL === 0n && !voted.has(x)) todo.push(x);
      if (todo.length > 0) {
        for (const x of todo) voted.add(x);
        await h.vote(h.providers, await l2Hashes(info.l2!.rpcUrl, todo));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 3000));
    const live = await prisma.$queryRawUnsafe<{ height: bigint; ms: number }[]>(
      `SELECT b.height, EXTRACT(EPOCH FROM (b.finalized_at - max(s.babylon_time))) * 1000 AS ms
       FROM l2_block b JOIN finality_signature s ON s.height = b.height AND lower(s.block_hash) IN (lower(b.hash), lower(substr(b.hash, 3)))
       WHERE b.canonical AND b.checked AND b.status = 'FINALIZED' AND b.height >= $1::bigint
       GROUP BY b.height, b.finalized_at`,
      liveFrom.toString(),
    );
    const latencies = live.map((r) => Number(r.ms)).sort((a, b) => a - b);
    printLine(
      "live: L2 head, checked blocks voted, finalized height",
      `${await h.devnet.anvil!.blockNumber()}, ${voted.size}, ${(await readState(prisma, "finalized_height")) ?? "none"}`,
    );
    const target = 100 + 250; // the bench devnet's Babylon block interval is 100 ms
    const p95 = percentile(latencies, 95);
    printLine("live: finalized checked blocks measured", String(latencies.length));
    printLine("quorum Babylon block → stored finalization p50", `${percentile(latencies, 50).toFixed(0)} ms`);
    printLine(
      "quorum Babylon block → stored finalization p95",
      `${p95.toFixed(0)} ms (target < ${target} ms: ${p95 < target ? "met" : "NOT met"})`,
    );
    printLine("peak RSS (bench process: devnet + gadget)", `${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  } finally {
    clearInterval(sampler);
    await service.stop();
    await h.stop();
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
