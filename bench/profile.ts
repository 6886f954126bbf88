// Summaries of V8 CPU profiles (`node --cpu-prof`): where a measured process spent its time, by function and by
// area (our folders, each dependency, Node internals, GC), so a bench run says what to make faster next.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { printLine } from "./harness.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** Self time in ms per key, summed over every profile (one per thread) in `dir`. */
function selfTimes(dir: string, keyOf: (node: ProfileNode) => string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))) {
    const profile = JSON.parse(readFileSync(join(dir, file), "utf8")) as CpuProfile;
    const samples = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
    if (samples === 0) continue;
    const msPerSample = (profile.endTime - profile.startTime) / 1000 / samples;
    for (const node of profile.nodes) {
      const ms = (node.hitCount ?? 0) * msPerSample;
      if (ms > 0) totals.set(keyOf(node), (totals.get(keyOf(node)) ?? 0) + ms);
    }
  }
  return totals;
}

/** V8's own frames ("(garbage collector)", "(idle)") and native functions have no URL. */
function nativeName(functionName: string): string {
  return `(${functionName.replace(/[()]/g, "") || "native"})`;
}

/** The area a frame belongs to: a folder of this repository, a dependency, Node itself, or V8's own work. */
export function areaOf(url: string, functionName: string): string {
  if (url === "") return nativeName(functionName);
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (dependency) return dependency[1]!;
  if (url.startsWith("node:")) return "node internals";
  const ours = /\/(src\/[^/]+(?:\/[^/]+)?|provider|contracts\/[^/]+)\//.exec(url);
  return ours ? ours[1]! : url;
}

/** V8 reports a thread waiting as a frame: it is no cost, so it is shown apart and left out of the shares. */
const IDLE = "(idle)";

function printTop(title: string, totals: Map<string, number>, limit: number): void {
  const idle = totals.get(IDLE) ?? 0;
  totals.delete(IDLE);
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  const top = [...totals].sort((a, b) => b[1] - a[1]).slice(0, limit);
  printLine(title, `${(all / 1000).toFixed(1)} s busy, ${(idle / 1000).toFixed(1)} s idle (all threads)`);
  for (const [key, ms] of top) {
    printLine(
      `  ${key.length > 50 ? `…${key.slice(-49)}` : key}`,
      `${(ms / 1000).toFixed(2)} s (${((100 * ms) / all).toFixed(1)} %)`,
    );
  }
}

/** Prints the top areas and functions by self time of the profiles written to `dir`. */
export function summariseProfiles(dir: string, limit = 12): void {
  printTop(
    "CPU profile by area (self time)",
    selfTimes(dir, (n) => areaOf(n.callFrame.url, n.callFrame.functionName)),
    limit,
  );
  printTop(
    "CPU profile by function (self time)",
    selfTimes(dir, (n) => {
      const { functionName, url, lineNumber } = n.callFrame;
      const file = url.replace(/^.*\/(node_modules|src|provider|contracts)\//, "$1/");
      return url === ""
        ? nativeName(functionName)
        : `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`;
    }),
    limit,
  );
}
