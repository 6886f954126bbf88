// The benchmarks' voted history, cached by what determines it. Building the BENCH_SCALE=1 history takes
// minutes (mostly signing and verifying 100,000 votes); the devnet can persist its chains (Babylon blocks and
// module state, anvil's state file), so a history is built once into `.bench-cache/history-<key>/` and every
// run reopens a copy of it. The key hashes the parameters and the code that shapes the chain data (the devnet,
// the contract, the history builder), so a change there builds afresh. BENCH_HISTORY_REBUILD=1 forces a build;
// deleting `.bench-cache/` frees the disk.
//
// A cold run also reopens from the state it just wrote, so the gadget always reads a reopened devnet and the
// cold and cached paths measure the same thing.
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildVotedHistory,
  freeze,
  openVotedHistory,
  type VotedHistory,
  type VotedHistoryOptions,
} from "../test/helpers/voted-history.ts";

export type HistoryParams = Omit<VotedHistoryOptions, "stateDir" | "log">;

export interface BenchHistory {
  h: VotedHistory;
  heads: { babylonHead: bigint; l2Head: bigint };
  /** True when the history came from the cache. */
  cached: boolean;
  /** Seconds from the call until the frozen devnet answers (build included when not cached). */
  seconds: number;
  /** Seconds of each build phase, when built now. */
  timings: Record<string, number>;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CACHE = join(ROOT, ".bench-cache");
// The code whose change changes the chain data a history holds.
const SHAPING = ["src/devnet", "contracts/finality", "test/helpers/voted-history.ts", "package-lock.json"];

/** The contract's finality signature interval in the bench histories. */
export const INTERVAL = 4n; // keeps each provider's votes under the contract's 10,000 messages per rate-limit window

/** Checked heights past the history that the providers have committed randomness for: the live phase's votes. */
export const EXTRA_RANDOMNESS = 400;

/**
 * The backfill benchmarks' history at `scale` (1 = the issue's full size): 20 providers, 10,000 delegations
 * and 20,000 voted L2 blocks, the last two scaled.
 */
export function backfillHistoryParams(scale: number) {
  if (!(scale > 0 && scale <= 1)) throw new Error(`a history scale must be in (0, 1], got ${scale}`);
  const providers = 20;
  const delegations = Math.max(providers, Math.round(10_000 * scale));
  return {
    providers: Array.from({ length: providers }, (_, i) => BigInt(10_000_000 + i * 100_000)),
    delegationsPerProvider: Math.round(delegations / providers),
    l2Blocks: Math.round(20_000 * scale),
    interval: INTERVAL,
    extraRandomness: EXTRA_RANDOMNESS,
    votesPerTx: 250,
  } satisfies HistoryParams;
}

/** A frozen devnet holding the voted history for `params`, from the cache when it is there. */
export async function benchHistory(params: HistoryParams): Promise<BenchHistory> {
  const began = performance.now();
  const dir = join(CACHE, `history-${historyKey(params)}`);
  const fresh = process.env.BENCH_HISTORY_REBUILD === "1" || !existsSync(join(dir, "voted-history.json"));
  let timings: Record<string, number> = {};
  if (fresh) {
    mkdirSync(CACHE, { recursive: true });
    const building = `${dir}.building-${process.pid}`;
    rmSync(building, { recursive: true, force: true });
    try {
      const built = await buildVotedHistory({ ...params, stateDir: building });
      timings = built.timings;
      await built.stop(); // writes Babylon's module state and anvil's state file
    } catch (error) {
      rmSync(building, { recursive: true, force: true });
      throw error;
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(building, dir);
  }
  // The live phase moves the chains on: it runs on a copy, so the cache stays as built.
  const work = mkdtempSync(join(tmpdir(), "obf-history-"));
  cpSync(dir, work, { recursive: true });
  let h: VotedHistory;
  try {
    h = await openVotedHistory(work);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  const heads = await freeze(h);
  const stop = h.stop;
  h.stop = async () => {
    await stop();
    rmSync(work, { recursive: true, force: true });
  };
  return { h, heads, cached: !fresh, seconds: (performance.now() - began) / 1000, timings };
}

function historyKey(params: HistoryParams): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify(params, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
  for (const path of SHAPING)
    for (const file of filesUnder(join(ROOT, path))) {
      hash.update(relative(ROOT, file));
      hash.update(readFileSync(file));
    }
  return hash.digest("hex").slice(0, 16);
}

function filesUnder(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}
