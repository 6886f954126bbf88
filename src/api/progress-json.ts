// Catch-up progress as JSON for /ready: heights as decimal strings (as every uint64 the API returns), the rate
// and ETA rounded to what an operator reads.
import type { IngesterProgress } from "../indexer/progress.ts";

export function progressJson(progress: readonly IngesterProgress[]) {
  return progress.map((p) => ({
    ingester: p.ingester,
    height: p.height.toString(),
    target: p.target.toString(),
    percent: Number(p.percent.toFixed(2)),
    blocksPerSecond: p.blocksPerSecond === null ? null : Number(p.blocksPerSecond.toFixed(2)),
    etaSeconds: p.etaSeconds === null ? null : Math.round(p.etaSeconds),
    catchingUp: p.catchingUp,
  }));
}
