// Growth (issue 21): does a backfill cost the same per block on a long history as on a short one? The backfill
// of bench/backfill.bench.ts runs at three history sizes — ×0.1, ×1 and ×10 of BENCH_GROWTH_BASE (a history
// scale, default 0.1, so the sizes are 2,000, 20,000 and 200,000... capped: ×10 of 0.1 is the full BENCH_SCALE=1
// history) — each on an empty database, and prints per-block cost and memory at each size.
//
// Explorer latency is the explorer's GraphQL mix (bench/explorer-mix.ts) sent to the gadget once it has finalized
// the history, on the database it backfilled: the ×10 ÷ ×1 p99 says whether queries slow down as history grows.
//
// Per-block cost is the gadget's CPU-seconds after its start-up (API listening → all finalized) per 1,000 L2
// blocks: start-up is a fixed cost that would otherwise dominate the small size, and CPU time is less shaken
// than wall time by other work on a shared machine. Wall time per block is printed beside it. The histories
// come from .bench-cache/ when built before (bench/history.ts).

import { MIX_NAMES } from "./explorer-mix.ts";
import { runBackfill } from "./gadget-run.ts";
import { printLine, record, stats } from "./harness.ts";
import { backfillHistoryParams, benchHistory } from "./history.ts";
import { runMixApart } from "./load-process.ts";

const FACTORS = [
  { factor: 0.1, key: "x0_1" },
  { factor: 1, key: "x1" },
  { factor: 10, key: "x10" },
] as const;

interface Point {
  blocks: number;
  cpuPer1000: number;
  wallPer1000: number;
  peakRssMib: number;
  explorerP99: number;
}

export async function run(): Promise<void> {
  const base = Number(process.env.BENCH_GROWTH_BASE ?? "0.1");
  console.log(`\n## Growth (history sizes ×0.1, ×1, ×10 of scale ${base})`);
  const points = new Map<string, Point>();
  for (const { factor, key } of FACTORS) {
    const scale = Number((base * factor).toPrecision(6));
    const { h, heads } = await benchHistory(backfillHistoryParams(scale));
    try {
      const b = await runBackfill({
        info: h.devnet.info,
        babylonHead: heads.babylonHead,
        l2Head: heads.l2Head,
      });
      const peak = b.gadget.peakRssBytes();
      let result: Awaited<ReturnType<typeof runMixApart>>;
      try {
        result = await runMixApart(
          { httpUrl: b.httpUrl, maxHeight: heads.l2Head, providers: h.providers.map((p) => p.btcPkHex) },
          { seconds: 5, concurrency: 16, alone: true },
        );
      } finally {
        await b.close();
      }
      const { alone, mix } = result;
      const blocks = Number(heads.l2Head);
      const point = {
        blocks,
        cpuPer1000: (b.serviceCpu * 1000) / blocks,
        wallPer1000: (b.serviceSeconds * 1000) / blocks,
        peakRssMib: peak === undefined ? Number.NaN : peak / 2 ** 20,
        explorerP99: mix.p99,
      };
      points.set(key, point);
      printLine(
        `×${factor} (scale ${scale}, ${blocks} L2 blocks)`,
        `${point.cpuPer1000.toFixed(3)} CPU-s and ${point.wallPer1000.toFixed(3)} s per 1,000 blocks, ` +
          `peak RSS ${point.peakRssMib.toFixed(0)} MiB; explorer mix ${mix.rps.toFixed(0)} req/s, p99 ${mix.p99.toFixed(1)} ms`,
      );
      record(`growth.${key}_blocks`, blocks);
      record(`growth.${key}_cpu_s_per_1000_blocks`, point.cpuPer1000);
      record(`growth.${key}_s_per_1000_blocks`, point.wallPer1000);
      record(`growth.${key}_peak_rss_mib`, point.peakRssMib);
      // Each kind of query alone, so that a ratio that grows can be traced to the query that grows.
      printLine(
        "  alone, p50 by query (ms)",
        MIX_NAMES.map((name, k) => `${name} ${stats(alone[k]!).p50.toFixed(1)}`).join(", "),
      );
      record(`growth.${key}_explorer_rps`, mix.rps);
      record(`growth.${key}_explorer_p99_ms`, mix.p99);
    } finally {
      await h.stop();
    }
  }
  const one = points.get("x1")!;
  const ten = points.get("x10")!;
  const ratio = ten.cpuPer1000 / one.cpuPer1000;
  printLine(
    "per-block cost ×10 ÷ ×1 (CPU; wall)",
    `${ratio.toFixed(2)}; ${(ten.wallPer1000 / one.wallPer1000).toFixed(2)} (target ≤ 1.3: ${ratio <= 1.3 ? "met" : "NOT met"})`,
  );
  printLine("peak RSS ×10 ÷ ×1", (ten.peakRssMib / one.peakRssMib).toFixed(2));
  const apiRatio = ten.explorerP99 / one.explorerP99;
  printLine(
    "explorer mix p99 ×10 ÷ ×1",
    `${apiRatio.toFixed(2)} (target ≤ 1.3: ${apiRatio <= 1.3 ? "met" : "NOT met"})`,
  );
  record("growth.backfill_cost_ratio", ratio);
  record("growth.backfill_wall_ratio", ten.wallPer1000 / one.wallPer1000);
  record("growth.peak_rss_ratio", ten.peakRssMib / one.peakRssMib);
  record("growth.api_p99_ratio", apiRatio);
}
