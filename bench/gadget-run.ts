// Runs the gadget as it runs in production — `op-btc-finality start` in a process of its own, on Postgres
// (DATABASE_URL, or the local server at 127.0.0.1:5432) — against a frozen devnet, from an empty database to
// the last checked block finalized; with its wall time, milestones and CPU-seconds (gadget, devnet, Postgres).
// The backfill and growth benchmarks measure through it; with `checkout`, another checkout's gadget runs
// instead (BENCH_BASE_CHECKOUT, bench/base-compare.ts).
import { execFile, spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { openDatabase } from "../src/db/database.ts";
import type { DevnetInfo } from "../src/devnet/devnet.ts";
import { readCursor, readState } from "../src/store/state.ts";
import { createTestDatabaseUrl } from "../test/helpers/database.ts";
import { INTERVAL } from "./history.ts";

export interface BackfillTarget {
  info: DevnetInfo;
  babylonHead: bigint;
  l2Head: bigint;
}

/** This repository's root, whose gadget runs unless another checkout is named. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

const run = promisify(execFile);

/**
 * Starts the gadget on an empty database against a frozen devnet (through `rpc` URLs when given) and waits
 * until it has indexed both chains to their heads and finalized the last checked block. The gadget keeps
 * running until `close`. `checkout` (a directory holding another checkout of this repository, installed) runs
 * that one's gadget, on a database its own `db migrate` made, so its schema is its own.
 */
export async function runBackfill(
  o: BackfillTarget & { rpc?: { babylon: string; l2: string }; checkout?: string },
) {
  const { info, babylonHead, l2Head } = o;
  const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const { url, drop } = await createTestDatabaseUrl(adminUrl);
  const profileDir = process.env.BENCH_CPU_PROF;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const opening = performance.now();
  if (o.checkout !== undefined) {
    await run(process.execPath, [gadgetBin(o.checkout), "db", "migrate", `--database.url=${url}`], {
      cwd: o.checkout,
      env: { ...process.env, DATABASE_URL: undefined },
    }).catch(async (error: unknown) => {
      await drop();
      throw error;
    });
  }
  const db = await openDatabase({ url, migrate: o.checkout === undefined, poolSize: 2 });
  const migratedSeconds = (performance.now() - opening) / 1000;
  const prisma = db.prisma;
  const lastChecked = l2Head - ((l2Head - 1n) % INTERVAL);
  // The gadget runs as its own process, as it does in production: the devnet answering its RPC calls lives in
  // this one, so the two do not share a thread.
  const nodeFlags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const gadget = spawnGadget(o.checkout ?? ROOT, nodeFlags, [
    `--database.url=${url}`,
    `--l2.rpc_url=${o.rpc?.l2 ?? info.l2!.rpcUrl}`,
    "--l2.poll_interval_ms=100",
    `--babylon.rpc_url=${o.rpc?.babylon ?? info.babylon.rpcUrl}`,
    `--babylon.contract_address=${info.contractAddress}`,
    "--babylon.poll_interval_ms=100",
    "--api.http_port=0",
    "--api.grpc_port=0",
    `--log.level=${process.env.BENCH_LOG_LEVEL ?? "warn"}`,
  ]);
  const began = gadget.spawnedAt;
  const cpuAtStart = { bench: process.cpuUsage(), postgres: postgresCpuSeconds() };
  let listeningAt: number | undefined;
  const milestones = new Map<string, number>();
  const mark = (name: string, reached: boolean) => {
    if (reached && !milestones.has(name)) milestones.set(name, (performance.now() - began) / 1000);
  };
  let cpuAtListening: number | undefined;
  gadget.listening.then(() => {
    listeningAt = performance.now();
    cpuAtListening = gadget.cpuSeconds();
    mark("API listening", true);
  });
  const close = async () => {
    await gadget.stop();
    await db.close();
    await drop();
  };
  try {
    for (;;) {
      if (gadget.exitCode() !== undefined) throw new Error(`gadget exited early:\n${gadget.output()}`);
      const [l2, babylon, finalized, btcSynced, stakingSynced, firstEval] = await Promise.all([
        readCursor(prisma, "l2"),
        readCursor(prisma, "babylon"),
        readState(prisma, "finalized_height"),
        readState(prisma, "btc_synced_time"),
        readState(prisma, "staking_params_synced"),
        readCursor(prisma, "engine"),
      ]);
      mark("BTC headers read", btcSynced !== undefined);
      mark("first reconciler pass", stakingSynced !== undefined);
      mark("Babylon ingested", babylon?.height === babylonHead);
      mark("L2 ingested", l2?.height === l2Head);
      mark("first block evaluated", firstEval !== undefined);
      if (
        l2?.height === l2Head &&
        babylon?.height === babylonHead &&
        finalized !== undefined &&
        BigInt(finalized) >= lastChecked
      )
        break;
      if (performance.now() - began > 10 * 60_000) throw new Error("backfill did not finish within 10 min");
      await new Promise((r) => setTimeout(r, 50));
    }
    const doneAt = performance.now();
    const seconds = (doneAt - began) / 1000;
    const serviceSeconds = (doneAt - (listeningAt ?? began)) / 1000;
    const cpu = {
      gadget: gadget.cpuSeconds(),
      devnet: process.cpuUsage(cpuAtStart.bench),
      postgres: postgresCpuSeconds() - cpuAtStart.postgres,
    };
    // The gadget's CPU after its start-up (modules loaded, API up): what the blocks themselves cost.
    const serviceCpu = (cpu.gadget ?? Number.NaN) - (cpuAtListening ?? Number.NaN);
    return {
      gadget,
      /** The gadget's API base URL (GraphQL at /graphql). */
      httpUrl: await gadget.listening,
      prisma,
      close,
      url,
      adminUrl,
      migratedSeconds,
      seconds,
      serviceSeconds,
      serviceCpu,
      milestones,
      cpu,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

interface GadgetProcess {
  spawnedAt: number;
  /** Resolves with the API's base URL when the service has started (its API listens and the indexer runs). */
  listening: Promise<string>;
  exitCode(): number | undefined;
  /** The last lines the process wrote, for an error report. */
  output(): string;
  peakRssBytes(): number | undefined;
  /** Resident memory now (Linux). */
  rssBytes(): number | undefined;
  /** User + system CPU time the process has used so far (Linux). */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

const gadgetBin = (checkout: string) => join(checkout, "bin", "op-btc-finality.js");

/**
 * `op-btc-finality start` of the checkout at `dir` with the given flags, Node run as the bin's own `#!` line
 * runs it (its environment and flags), then with `nodeFlags`; BENCH_GADGET_NODE_OPTIONS adds more (e.g.
 * --cpu-prof-interval).
 */
function spawnGadget(dir: string, nodeFlags: string[], flags: string[]): GadgetProcess {
  const bin = gadgetBin(dir);
  const launch = launcher(bin);
  const nodeOptions = [
    ...launch.flags,
    ...nodeFlags,
    ...(process.env.BENCH_GADGET_NODE_OPTIONS ?? "").split(" ").filter(Boolean),
  ];
  const child = spawn(process.execPath, [...nodeOptions, bin, "start", ...flags], {
    cwd: dir,
    env: { ...process.env, ...launch.env, DATABASE_URL: undefined },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const spawnedAt = performance.now();
  let tail = "";
  let code: number | undefined;
  const exited = new Promise<void>((resolve) =>
    child.on("exit", (c, signal) => {
      code = c ?? (signal ? 128 : 1);
      resolve();
    }),
  );
  const listening = new Promise<string>((resolve) => {
    const onData = (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
      // The start command prints "GraphQL  http://host:port/graphql" once its API listens.
      const url = /GraphQL\s+(\S+)\/graphql/.exec(tail)?.[1];
      if (url !== undefined) resolve(url);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => {
      tail = (tail + chunk.toString()).slice(-4000);
    });
  });
  return {
    spawnedAt,
    listening,
    exitCode: () => code,
    output: () => tail,
    cpuSeconds: () => (child.pid === undefined ? undefined : processCpuSeconds(child.pid)),
    peakRssBytes: () => statusBytes(child.pid, "VmHWM"),
    rssBytes: () => statusBytes(child.pid, "VmRSS"),
    async stop() {
      if (code !== undefined) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * What the bin's `#!/usr/bin/env -S [NAME=VALUE…] node [flags…]` line sets: its environment and Node's flags
 * (none for a bin without them, as in an older checkout).
 */
function launcher(bin: string): { env: Record<string, string>; flags: string[] } {
  const first = readFileSync(bin, "utf8").split("\n", 1)[0]!;
  const words = /^#!\/usr\/bin\/env -S (.*)$/.exec(first)?.[1]?.split(" ").filter(Boolean) ?? [];
  const at = words.indexOf("node");
  const env = Object.fromEntries(
    words.slice(0, Math.max(at, 0)).map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]),
  );
  return { env, flags: at < 0 ? [] : words.slice(at + 1) };
}

/** A memory figure of /proc/<pid>/status (VmHWM: peak resident, VmRSS: resident now), in bytes. */
function statusBytes(pid: number | undefined, field: "VmHWM" | "VmRSS"): number | undefined {
  try {
    const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return kb ? Number(kb[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// /proc/<pid>/stat counts CPU time in clock ticks, 100 per second on Linux.
function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** CPU time of every Postgres server process now alive on this machine (0 where /proc is not there). */
function postgresCpuSeconds(): number {
  let total = 0;
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() !== "postgres") continue;
      } catch {
        continue;
      }
      total += processCpuSeconds(Number(entry)) ?? 0;
    }
  } catch {
    return 0;
  }
  return total;
}
