// The benchmarks at a tiny scale, so that they keep working: `npm run bench -- --json FILE backfill api` runs
// end to end (history, backfill behind the RPC-delay proxy and without it, floors, the live windows idle and
// under the explorer mix, the API parts) and writes every figure the README's performance table names. The
// figures themselves mean nothing at this scale and are not judged; the growth suite (three histories) is
// left to the command.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "obf-bench-smoke-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bench(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--expose-gc", "--import", "tsx", "bench/run.ts", ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr.on("data", (c: Buffer) => (output += c.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

describe("npm run bench at a tiny scale", () => {
  it("runs the backfill and API suites and writes their figures as JSON", async () => {
    const file = join(dir, "bench.json");
    const { code, output } = await bench(["--json", file, "backfill", "api"], {
      BENCH_SCALE: "0.002",
      BENCH_LIVE_SECONDS: "10",
      BENCH_RPC_DELAY_MS: "20",
      BENCH_SUBSCRIBERS: "20",
    });
    expect(code, output.slice(-3000)).toBe(0);
    const figures = JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, number>>;
    for (const [suite, names] of Object.entries({
      backfill: [
        "floor_ratio",
        "fetch_floor_ratio",
        "blocks_per_s_rpc_latency_20ms",
        "cpu_s_per_1000_blocks",
        "peak_rss_mib",
      ],
      live: [
        "latency_p95_ms",
        "latency_p95_ms_under_load",
        "quorum_latency_p95_ms",
        "quorum_latency_p95_ms_under_load",
        "committed_latency_p95_ms",
        "committed_latency_p95_ms_under_load",
      ],
      api: ["explorer_rps", "explorer_p99_ms", "range_1000_p99_ms", "fanout_p99_ms", "fanout_subscribers"],
    })) {
      for (const name of names) expect(figures[suite]?.[name], `${suite}.${name}`).toBeGreaterThan(0);
    }
    // The history is built once and then reopened from .bench-cache/: either figure is there.
    const history = figures.history ?? {};
    expect(history.build_s_cold ?? history.build_s_cached).toBeGreaterThan(0);
  }, 600_000);
});
