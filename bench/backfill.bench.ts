// Backfill benchmark (issue 7): a devnet with 20 providers, 10,000 delegations and 20,000 L2 blocks already
// voted; the gadget indexes and evaluates all of it from an empty database. Then the chains run again and
// the end-to-end latency from the Babylon block whose votes complete a quorum to the stored finalization is
// measured live. BENCH_SCALE (default 0.1) scales delegations and L2 blocks; 1 is the issue's full size.
//
// The history's votes are signed here with the crypto core and sent through the contract client in batches
// (test/helpers/voted-history.ts): the real provider daemons would need about as many Babylon blocks as L2
// blocks to catch up, hours at this size. The history is cached by its parameters (bench/history.ts).
//
// The gadget is measured as it runs in production: `op-btc-finality start` in a process of its own, on
// Postgres (DATABASE_URL, or the local server at 127.0.0.1:5432), reading the devnet over RPC. Its time is
// also given as a multiple of two floors measured in the same run (bench/floor.ts). BENCH_CPU_PROF=DIR saves
// the gadget's CPU profiles there and prints their top frames.
import type { PrismaClient } from "../src/db/generated/client.ts";
import type { BtcLightClientModule } from "../src/devnet/babylon/index.ts";
import type { BtcHeaderChain } from "../src/devnet/btc.ts";
import { readState } from "../src/store/state.ts";
import { l2Hashes } from "../test/helpers/voted-history.ts";
import { compareWithBase } from "./base-compare.ts";
import { fetchFloor, INDEXER_TABLES, writeFloor } from "./floor.ts";
import { type BackfillTarget, runBackfill } from "./gadget-run.ts";
import { percentile, printLine, record } from "./harness.ts";
import { backfillHistoryParams, benchHistory, EXTRA_RANDOMNESS, INTERVAL } from "./history.ts";
import { runMixApart } from "./load-process.ts";
import { summariseProfiles } from "./profile.ts";
import { startDelayProxy } from "./rpc-delay.ts";
import { readVerdicts } from "./verdicts.ts";

/** Each live window: idle, then with the explorer mix running (BENCH_LIVE_SECONDS, default 25). */
const LIVE_WINDOW_MS = Number(process.env.BENCH_LIVE_SECONDS ?? "25") * 1000;

export async function run(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? "0.1");
  if (!(scale > 0 && scale <= 1))
    throw new Error(`BENCH_SCALE must be in (0, 1], got ${process.env.BENCH_SCALE}`);
  const params = backfillHistoryParams(scale);
  console.log(
    `\n## Backfill (BENCH_SCALE=${scale}: ${params.providers.length} providers, ` +
      `${params.providers.length * params.delegationsPerProvider} delegations, ${params.l2Blocks} L2 blocks)`,
  );

  const { h, heads, cached, seconds: buildSeconds, timings } = await benchHistory(params);
  printLine("chains stopped at", `Babylon height ${heads.babylonHead}, L2 height ${heads.l2Head}`);
  record(cached ? "history.build_s_cached" : "history.build_s_cold", buildSeconds);
  printLine(
    cached ? "history reopened from .bench-cache/" : "history built (votes signed here, batched txs)",
    `${buildSeconds.toFixed(1)} s, ${h.votes} votes`,
  );
  if (!cached)
    printLine(
      "  of which",
      Object.entries(timings)
        .map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`)
        .join(", "),
    );

  const frozen = { info: h.devnet.info, babylonHead: heads.babylonHead, l2Head: heads.l2Head };
  // BENCH_RPC_DELAY_MS (default 50; 0 skips it): the same backfill with that latency on every RPC round trip.
  const delayMs = Number(process.env.BENCH_RPC_DELAY_MS ?? "50");
  const base = process.env.BENCH_BASE_CHECKOUT;
  let measured: Awaited<ReturnType<typeof measureBackfill>>;
  try {
    if (base) await compareWithBase(frozen, base);
    if (delayMs > 0) await measureLatencyBackfill(frozen, delayMs);
    measured = await measureBackfill(frozen);
  } catch (error) {
    await h.stop(); // the devnet's anvil is a process of its own
    throw error;
  }
  const { gadget, prisma, close, httpUrl } = measured;
  // `--soak-minutes N` keeps the idle live phase going that long, then reports the gadget's resident memory.
  const soakMinutes = Number(process.env.BENCH_SOAK_MINUTES ?? "0");
  const info = h.devnet.info;
  try {
    // Live: chains run again; every new checked block gets all providers' votes in one tx as soon as it exists.
    // When the devnet committed each Babylon block: a block's header time is when the devnet began it, and
    // executing twenty vote txs through the contract's wasm takes it a while; the gadget can read the block
    // only after that.
    const commits = new Map<bigint, number>();
    h.devnet.chain.onBlock((block) => commits.set(block.header.height, Date.now()));
    // When each BTC header was made and landed on Babylon: a block can be evaluated only once a header past its
    // time is known.
    const headers = headerTimes(h.devnet.btc, h.devnet.babylon.lightClient, commits);
    await h.admin("/babylon/resume");
    await h.admin("/btc/resume", { intervalMs: 2000 });
    // The providers' committed randomness covers EXTRA_RANDOMNESS checked heights past the history: a soak
    // stretches the L2's block time so that its votes last (2 s, OP Stack's, for 30 minutes; 1 s otherwise).
    const liveSeconds = ((soakMinutes > 0 ? soakMinutes * 60_000 : LIVE_WINDOW_MS) + LIVE_WINDOW_MS) / 1000;
    const blockTimeSec = Math.max(1, Math.ceil(liveSeconds / ((EXTRA_RANDOMNESS - 50) * Number(INTERVAL))));
    await h.admin("/l2/resume", { blockTimeSec });
    let voteFrom = heads.l2Head + 1n;
    const isChecked = (x: bigint) => (x - 1n) % INTERVAL === 0n;
    /** Votes every checked block that appears during `ms`; the heights voted. */
    const liveWindow = async (ms: number): Promise<bigint[]> => {
      const mine: bigint[] = [];
      const end = performance.now() + ms;
      while (performance.now() < end) {
        const head = await h.devnet.anvil!.blockNumber();
        const todo: bigint[] = [];
        for (let x = voteFrom; x <= head; x++) if (isChecked(x)) todo.push(x);
        voteFrom = head + 1n;
        if (todo.length > 0) {
          mine.push(...todo);
          await h.vote(h.providers, await l2Hashes(info.l2!.rpcUrl, todo));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return mine;
    };
    // The voter's first vote derives every provider's randomness list (seconds per provider, on the signer's
    // worker threads, which take both cores meanwhile): it is cast on the first new checked block before the
    // measured windows, which begin once the gadget has finalized that block.
    const warmUp = async () => {
      const end = performance.now() + 180_000;
      while (performance.now() < end) {
        const head = await h.devnet.anvil!.blockNumber();
        let x = voteFrom;
        while (x <= head && !isChecked(x)) x++;
        if (x <= head) {
          voteFrom = x + 1n;
          await h.vote(h.providers, await l2Hashes(info.l2!.rpcUrl, [x]));
          while (
            performance.now() < end &&
            BigInt((await readState(prisma, "finalized_height")) ?? "-1") < x
          ) {
            await new Promise((r) => setTimeout(r, 100));
          }
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await warmUp();
    // Resident memory moves by tens of MiB within a minute (a reconciler pass starts the fetch worker, then it
    // stops): sampled through the idle window, so that the figure at its end can be read against its spread.
    const idleMs = soakMinutes > 0 ? soakMinutes * 60_000 : LIVE_WINDOW_MS;
    const rssSamples: { at: number; bytes: number }[] = [];
    const sampler = setInterval(() => {
      const bytes = gadget.rssBytes();
      if (bytes !== undefined) rssSamples.push({ at: performance.now(), bytes });
    }, 5_000);
    const idleEnd = performance.now() + idleMs;
    const idle = await liveWindow(idleMs).finally(() => clearInterval(sampler));
    const rss = gadget.rssBytes();
    // Then as long again while the explorer's query mix runs against the same gadget (issue 21: "under load").
    const [loaded, { mix }] = await Promise.all([
      liveWindow(LIVE_WINDOW_MS),
      runMixApart(
        { httpUrl, maxHeight: heads.l2Head, providers: h.providers.map((p) => p.btcPkHex) },
        { seconds: LIVE_WINDOW_MS / 1000, concurrency: 16 },
      ),
    ]);
    // Every voted block is measured: wait (bounded) until the last of them is finalized.
    const voted = [...idle, ...loaded]; // ascending: each window votes the heights after the last one's
    const lastVoted = voted.at(-1) ?? 0n;
    const settleEnd = performance.now() + 30_000;
    while (performance.now() < settleEnd) {
      const finalized = await readState(prisma, "finalized_height");
      if (finalized !== undefined && BigInt(finalized) >= lastVoted) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    printLine(
      "live: L2 head, checked blocks voted, finalized height",
      `${await h.devnet.anvil!.blockNumber()}, ${voted.length}, ${(await readState(prisma, "finalized_height")) ?? "none"}`,
    );
    const windows = [
      // The bench devnet's Babylon block interval is 100 ms.
      {
        label: "idle",
        heights: idle,
        p50Key: "live.latency_p50_ms",
        key: "live.latency_p95_ms",
        targetMs: 100 + 250,
      },
      {
        label: `explorer mix alongside (${mix.rps.toFixed(0)} req/s, p99 ${mix.p99.toFixed(0)} ms)`,
        heights: loaded,
        p50Key: undefined,
        key: "live.latency_p95_ms_under_load",
        targetMs: 200,
      },
    ];
    for (const w of windows) {
      const samples = await finalizationLatencies(prisma, w.heights, headers, commits);
      printLine(`live, ${w.label}: finalized checked blocks measured`, String(samples.length));
      if (samples.length === 0) {
        printLine("  finalizable → stored finalization", "no voted block was finalized: no sample");
        continue;
      }
      const own = samples.map((x) => x.fromFinalizable).sort((a, b) => a - b);
      const [p50, p95] = [percentile(own, 50), percentile(own, 95)];
      if (w.p50Key !== undefined) record(w.p50Key, p50);
      record(w.key, p95);
      printLine(
        "  finalizable (quorum and settling BTC header on Babylon) → stored finalization",
        `p50 ${p50.toFixed(0)} ms, p95 ${p95.toFixed(0)} ms (target ≤ ${w.targetMs} ms: ${p95 <= w.targetMs ? "met" : "NOT met"})`,
      );
      const quorum = samples.map((x) => x.fromQuorum).sort((a, b) => a - b);
      printLine(
        "  quorum Babylon block → stored finalization (with the wait for the BTC header)",
        `p50 ${percentile(quorum, 50).toFixed(0)} ms, p95 ${percentile(quorum, 95).toFixed(0)} ms`,
      );
      record(w.key.replace("latency", "quorum_latency"), percentile(quorum, 95));
      const committed = samples
        .map((x) => x.fromCommitted)
        .filter((x) => !Number.isNaN(x))
        .sort((a, b) => a - b);
      if (committed.length > 0) {
        const p95Committed = percentile(committed, 95);
        printLine(
          "  the same, from the devnet's commits of the quorum's block and the header's (their execution excluded)",
          `p50 ${percentile(committed, 50).toFixed(0)} ms, p95 ${p95Committed.toFixed(0)} ms ` +
            `(${committed.length} blocks; slowest ${committed
              .slice(-3)
              .map((x) => x.toFixed(0))
              .join(", ")} ms)`,
        );
        record(w.key.replace("latency", "committed_latency"), p95Committed);
      }
      const slowest = samples.reduce((a, b) => (b.fromFinalizable > a.fromFinalizable ? b : a));
      printLine(
        "  slowest, ms after its quorum Babylon block",
        `height ${slowest.height}: settling BTC header made ${slowest.headerAfterQuorum.toFixed(0)}, ` +
          `evaluated ${slowest.evaluated.toFixed(0)}, finalized ${slowest.fromQuorum.toFixed(0)}`,
      );
    }
    const peak = gadget.peakRssBytes();
    printLine(
      "peak RSS of the gadget process (VmHWM), backfill and live",
      peak === undefined ? "not available on this OS" : `${(peak / 2 ** 20).toFixed(0)} MiB`,
    );
    if (rss !== undefined) {
      printLine(
        `RSS of the gadget process (VmRSS) after ${soakMinutes > 0 ? `${soakMinutes} min` : `${LIVE_WINDOW_MS / 1000} s`} live`,
        `${(rss / 2 ** 20).toFixed(0)} MiB${soakMinutes >= 30 ? " (target ≤ 200 MiB after 30 min)" : ""}`,
      );
      if (soakMinutes > 0) record("live.steady_rss_mib", rss / 2 ** 20);
    }
    // The window's last 5 minutes, or its last half when it is shorter than 10.
    const tail = rssSamples
      .filter((x) => x.at >= idleEnd - Math.min(5 * 60_000, idleMs / 2))
      .map((x) => x.bytes / 2 ** 20)
      .sort((a, b) => a - b);
    if (tail.length > 0) {
      const median = tail[Math.floor(tail.length / 2)]!;
      printLine(
        "  RSS sampled every 5 s over the window's last 5 min (or half)",
        `min ${tail[0]!.toFixed(0)}, median ${median.toFixed(0)}, max ${tail.at(-1)!.toFixed(0)} MiB (${tail.length} samples)`,
      );
      if (soakMinutes > 0) record("live.steady_rss_mib_median", median);
    }
  } finally {
    await close();
    await h.stop();
  }
  if (process.env.BENCH_CPU_PROF) summariseProfiles(process.env.BENCH_CPU_PROF);
}

/**
 * The backfill behind `delayMs` of added latency on every Babylon and L2 RPC round trip (bench/rpc-delay.ts),
 * on its own empty database; prints and records its rate, then stops that gadget.
 */
export async function measureLatencyBackfill(o: BackfillTarget, delayMs: number): Promise<void> {
  const babylon = await startDelayProxy(o.info.babylon.rpcUrl, delayMs);
  const l2 = await startDelayProxy(o.info.l2!.rpcUrl, delayMs);
  try {
    const run = await runBackfill({ ...o, rpc: { babylon: babylon.url, l2: l2.url } });
    await run.close();
    const rate = Number(o.l2Head) / run.serviceSeconds;
    printLine(
      `backfill behind ${delayMs} ms per RPC round trip`,
      `${run.seconds.toFixed(1)} s from process start, ${rate.toFixed(0)} L2 blocks/s from service start ` +
        `(target ≥ 1,000: ${rate >= 1000 ? "met" : "NOT met"}), ${babylon.requests} Babylon + ${l2.requests} L2 requests`,
    );
    record(`backfill.blocks_per_s_rpc_latency_${delayMs}ms`, rate);
  } finally {
    await babylon.close();
    await l2.close();
  }
}

/** `runBackfill`, with its numbers and the two floors printed and recorded. */
export async function measureBackfill(o: BackfillTarget) {
  const run = await runBackfill(o);
  const { gadget, prisma, close, url, adminUrl, seconds, serviceSeconds, milestones, cpu } = run;
  const { l2Head } = o;
  try {
    const peak = gadget.peakRssBytes();
    const rows = await prisma.$queryRawUnsafe<{ n: bigint }[]>(
      `SELECT ${INDEXER_TABLES.map((t) => `(SELECT count(*) FROM ${t})`).join(" + ")} AS n`,
    );
    const rowCount = Number(rows[0]!.n);
    // Runs of one history compare by this: a change that alters any verdict changes the digest.
    const { md5 } = await readVerdicts(prisma);
    const blocksPerSec = Number(l2Head) / serviceSeconds;
    printLine(
      "database created and migrated (before the gadget starts)",
      `${run.migratedSeconds.toFixed(1)} s`,
    );
    printLine(
      "backfill: gadget process start → all finalized",
      `${seconds.toFixed(1)} s (Postgres, gadget in its own process)`,
    );
    printLine(
      "  of which process start-up (TypeScript load, API up)",
      `${(seconds - serviceSeconds).toFixed(1)} s`,
    );
    printLine(
      "  milestones (s from process start)",
      [...milestones].map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", "),
    );
    printLine(
      "L2 blocks/s, service start → all finalized",
      `${blocksPerSec.toFixed(0)} (target ≥ 1,000: ${blocksPerSec >= 1000 ? "met" : "NOT met"}; ` +
        `${(Number(l2Head) / seconds).toFixed(0)} from process start)`,
    );
    printLine(
      "CPU-seconds used meanwhile (2 cores: 2 per second)",
      `gadget ${cpu.gadget?.toFixed(1) ?? "?"}, devnet ${((cpu.devnet.user + cpu.devnet.system) / 1e6).toFixed(1)}, ` +
        `Postgres ${cpu.postgres.toFixed(1)}, in ${seconds.toFixed(1)} s`,
    );
    printLine("rows written/s", `${(rowCount / seconds).toFixed(0)} (${rowCount} rows)`);
    printLine("l2_block verdict columns, md5", md5);
    printLine(
      "peak RSS of the gadget process (VmHWM), backfill",
      peak === undefined ? "not available on this OS" : `${(peak / 2 ** 20).toFixed(0)} MiB`,
    );
    // The floors run while the gadget idles on frozen chains, so they share the machine with nothing but it.
    const written = await writeFloor(url, adminUrl);
    const fetched = await fetchFloor(o);
    printLine(
      "write floor: COPY of the same rows into an empty database",
      `${written.seconds.toFixed(2)} s (${written.rows} rows, ${(written.rows / written.seconds).toFixed(0)} rows/s)`,
    );
    printLine("fetch floor: the same chain data, gadget's RPC calls only", `${fetched.toFixed(2)} s`);
    printLine(
      "backfill ÷ write floor, ÷ fetch floor",
      `${(seconds / written.seconds).toFixed(1)}×, ${(seconds / fetched).toFixed(1)}× (write-floor target ≤ 3×)`,
    );
    const cpuGadget = cpu.gadget ?? Number.NaN;
    record("backfill.seconds", seconds);
    record("backfill.startup_s", seconds - serviceSeconds);
    record("backfill.blocks_per_s", blocksPerSec);
    record("backfill.rows", rowCount);
    record("backfill.cpu_s", cpuGadget);
    record("backfill.cpu_s_per_1000_blocks", (cpuGadget * 1000) / Number(l2Head));
    record("backfill.service_cpu_s_per_1000_blocks", (run.serviceCpu * 1000) / Number(l2Head));
    record("backfill.peak_rss_mib", peak === undefined ? Number.NaN : peak / 2 ** 20);
    record("backfill.write_floor_s", written.seconds);
    record("backfill.fetch_floor_s", fetched);
    record("backfill.floor_ratio", seconds / written.seconds);
    record("backfill.fetch_floor_ratio", seconds / fetched);
  } catch (error) {
    await close();
    throw error;
  }
  return { gadget, prisma, close, httpUrl: run.httpUrl };
}

interface HeaderTimes {
  /** Wall-clock ms when the first header whose effective time (the running maximum of header times) is past
   * `timestamp` was made, 0 when it was there before the live phase; undefined while there is none. */
  settledAt(timestamp: bigint): number | undefined;
  /** The same header's arrival on Babylon: when the devnet committed the block its light client took it in
   * (0 before the live phase; undefined while not committed yet). */
  settledCommittedAt(timestamp: bigint): number | undefined;
}

/** Records when each new BTC header of the devnet is made and when it lands on Babylon, from now on. */
function headerTimes(
  btc: BtcHeaderChain,
  lightClient: BtcLightClientModule,
  commits: ReadonlyMap<bigint, number>,
): HeaderTimes {
  let effective = 0;
  for (const header of btc.range(btc.baseHeight, btc.tip().height))
    effective = Math.max(effective, header.time);
  const made: Array<{ effective: number; at: number; height: number }> = [
    { effective, at: 0, height: btc.tip().height },
  ];
  btc.onHeaders((headers) => {
    for (const header of headers) {
      effective = Math.max(effective, header.time);
      made.push({ effective, at: Date.now(), height: header.height });
    }
  });
  // The light client takes in every header made since the last Babylon block at the next block's start.
  const tips: Array<{ tip: number; babylonHeight: bigint }> = [];
  lightClient.onTipAdvanced((_old, next, ctx) => tips.push({ tip: next, babylonHeight: ctx.height }));
  const settling = (timestamp: bigint) => made.find((m) => BigInt(m.effective) > timestamp);
  return {
    settledAt: (timestamp) => settling(timestamp)?.at,
    settledCommittedAt: (timestamp) => {
      const header = settling(timestamp);
      if (header === undefined || header.at === 0) return header?.at;
      const tip = tips.find((t) => t.tip >= header.height);
      return tip === undefined ? undefined : commits.get(tip.babylonHeight);
    },
  };
}

interface LiveSample {
  height: bigint;
  /** ms from the Babylon block with the quorum's last vote to the stored finalization. */
  fromQuorum: number;
  /** ms from when the block could be finalized (its quorum and the header settling its BTC height on Babylon). */
  fromFinalizable: number;
  /** The same, with the quorum's Babylon block counted from the devnet's commit of it (NaN: not seen). */
  fromCommitted: number;
  headerAfterQuorum: number;
  evaluated: number;
}

/** Each finalized checked block's times from the Babylon block holding its last counted vote. */
async function finalizationLatencies(
  prisma: PrismaClient,
  heights: readonly bigint[],
  headers: HeaderTimes,
  commits: ReadonlyMap<bigint, number>,
): Promise<LiveSample[]> {
  if (heights.length === 0) return [];
  const rows = await prisma.$queryRawUnsafe<
    {
      height: bigint;
      timestamp: bigint;
      voted: Date;
      votedAt: bigint;
      evaluated: Date;
      finalized: Date;
    }[]
  >(
    `SELECT b.height, b.timestamp, max(s.babylon_time) AS voted, max(s.babylon_height) AS "votedAt",
            b.evaluated_at AS evaluated, b.finalized_at AS finalized
     FROM l2_block b JOIN finality_signature s ON s.height = b.height AND lower(s.block_hash) IN (lower(b.hash), lower(substr(b.hash, 3)))
     WHERE b.canonical AND b.checked AND b.status = 'FINALIZED' AND b.height = ANY($1::bigint[])
     GROUP BY b.height, b.timestamp, b.evaluated_at, b.finalized_at`,
    heights.map(String),
  );
  return rows.map((r) => {
    const voted = r.voted.getTime();
    const settled = headers.settledAt(r.timestamp) ?? Number.NaN;
    return {
      height: r.height,
      fromQuorum: r.finalized.getTime() - voted,
      fromFinalizable: r.finalized.getTime() - Math.max(voted, settled),
      fromCommitted:
        r.finalized.getTime() -
        Math.max(
          commits.get(BigInt(r.votedAt)) ?? Number.NaN,
          headers.settledCommittedAt(r.timestamp) ?? Number.NaN,
        ),
      headerAfterQuorum: settled - voted,
      evaluated: r.evaluated.getTime() - voted,
    };
  });
}
