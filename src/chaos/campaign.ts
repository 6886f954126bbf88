// A fault campaign: the whole system (devnet, provider daemons, a writer and a hot-standby gadget on one
// Postgres database) under the seed's fault schedule for M minutes, every verdict held to the checker's
// independent recomputation, then a quiet phase in which the system must converge, and a fresh backfill
// whose verdicts must equal the writer's.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  createDatabase,
  dropDatabase,
  serverMajorVersion,
  terminateConnections,
} from "../db/server-admin.ts";
import { startDevnetSystem } from "../devnet/system.ts";
import { createLogger } from "../log.ts";
import { BabylonFacts } from "./chain-facts.ts";
import { Checker, serialize, serializeTally } from "./checker.ts";
import { FAULT_KINDS, type FaultKey } from "./fault-kinds.ts";
import { type GadgetEndpoints, GadgetSurfaces } from "./gadget-surfaces.ts";
import { admin, Injectors, type UnreadableEvent, type UnreadableFault } from "./injectors.ts";
import { type CampaignReport, percentile } from "./report.ts";
import { maxBigint } from "./rules.ts";
import { buildSchedule, countByKind, type ScheduledFault } from "./schedule.ts";
import {
  freePort,
  gadgetProcess,
  type ManagedProcess,
  providerProcess,
  runCli,
  type UnexpectedExit,
} from "./supervisor.ts";

export interface CampaignOptions {
  minutes: number;
  seed: string;
  /** A Postgres server URL (any database on it); the campaign makes databases of its own there. */
  databaseUrl: string;
  /** `terminate` ends the gadgets' connections; `restart` restarts the whole server (pg_ctlcluster). */
  postgresFault?: "terminate" | "restart";
  /** Provider stakes in satoshis; the smallest is the one the campaign may slash. At least four. */
  stakes?: bigint[];
  /** Progress lines. */
  progress?: (line: string) => void;
  /** Quiet phase bound for convergence, and for invariant 4. Default 60 s. */
  settleMs?: number;
  /**
   * Runs on the converged system before it is torn down (the tests use it to tamper with the gadget's
   * answers in front of a fresh checker). Its findings are not part of the report.
   */
  afterCampaign?: (ctx: CampaignContext) => Promise<void>;
}

/** The running system, as `afterCampaign` sees it. */
export interface CampaignContext {
  babylon: BabylonFacts;
  l2RpcUrl: string;
  adminUrl: string;
  providers: { btcPkHex: string; stakeSat: bigint; process: ManagedProcess }[];
  /** A live gadget's endpoints. */
  gadget: GadgetEndpoints;
  now: () => number;
}

const PASSPHRASE = "devnet-passphrase";
const DEFAULT_STAKES = [4_000_000_000n, 3_000_000_000n, 2_500_000_000n, 2_000_000_000n, 500_000_000n];
const CHECK_INTERVAL_MS = 2_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const execFileP = promisify(execFile);

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function runCampaign(options: CampaignOptions): Promise<CampaignReport> {
  const { seed, minutes } = options;
  const say = options.progress ?? (() => {});
  const settleMs = options.settleMs ?? 60_000;
  const stakes = options.stakes ?? DEFAULT_STAKES;
  if (stakes.length < 4) throw new Error("stakes: a campaign needs at least four providers");
  const t0 = Date.now();
  const now = () => Date.now() - t0;
  const windowMs = Math.round(minutes * 60_000);
  const schedule = buildSchedule({ seed, windowMs, providers: stakes.length });
  const unexpectedExits: UnexpectedExit[] = [];
  const onExit = (e: UnexpectedExit) => {
    unexpectedExits.push(e);
    say(
      `unexpected exit of ${e.name} (code ${e.code}, signal ${e.signal}); restarting: ${e.stderr.trim().split("\n").slice(-6).join(" | ").slice(0, 800)}`,
    );
  };
  const tag = `${Date.now().toString(36)}_${process.pid}`;
  let keepDatabases = false;
  const mainDb = `obf_chaos_${tag}`;
  const freshDb = `obf_chaos_${tag}_fresh`;
  await createDatabase(options.databaseUrl, mainDb);
  await createDatabase(options.databaseUrl, freshDb);
  const dir = mkdtempSync(join(tmpdir(), "obf-chaos-"));
  const processes: ManagedProcess[] = [];
  const surfaces: GadgetSurfaces[] = [];
  const extraSurfaces: GadgetSurfaces[] = [];
  let injectors: Injectors | undefined;
  let system: Awaited<ReturnType<typeof startDevnetSystem>> | undefined;
  try {
    say(`devnet with ${stakes.length} providers…`);
    system = await startDevnetSystem({
      dir,
      log: createLogger("silent"),
      providers: stakes.map((stakeSat, i) => ({ stakeSat, moniker: `chaos-fp-${i}` })),
      devnet: {
        blockIntervalMs: 500,
        btcBlockIntervalMs: 2_000,
        activationHeight: 10n,
        finalitySignatureInterval: 2n,
      },
    });
    const info = system.devnet.info;
    // The daemons came up in process to meet the activation height; from here on they run as processes.
    for (const p of system.providers) {
      await system.stopVoting(p.index);
      // The operator's config file, as the daemon process reads it.
      writeFileSync(
        join(p.home, "provider.toml"),
        [
          `bsn_id = "${info.bsnId}"`,
          `[l2]\nrpc_url = "${info.l2!.rpcUrl}"`,
          `[babylon]\nrpc_url = "${info.babylon.rpcUrl}"\nchain_id = "${info.babylon.chainId}"`,
          `[contract]\naddress = "${info.contractAddress}"`,
          "[randomness]\nbatch = 500\nlook_ahead = 200",
          "[voting]\npoll_interval_ms = 250",
          '[server]\nlisten = ""',
        ].join("\n"),
      );
    }
    const providers = system.providers.map((p) => ({
      btcPkHex: p.btcPkHex,
      process: providerProcess(`provider-${p.index}`, p.home, PASSPHRASE, onExit, now, {
        // A slashed provider's daemon stops voting and exits, as it should; it is not restarted.
        expectedExit: (stderr) => stderr.includes("the finality provider is slashed"),
      }),
    }));
    for (const p of providers) {
      processes.push(p.process);
      p.process.start();
    }

    const gadgetOptions = async (name: string, db: string) => ({
      name,
      databaseUrl: withDatabase(options.databaseUrl, db),
      l2RpcUrl: info.l2!.rpcUrl,
      babylonRpcUrl: info.babylon.rpcUrl,
      babylonChainId: info.babylon.chainId,
      contractAddress: info.contractAddress,
      httpPort: await freePort(),
      grpcPort: await freePort(),
    });
    const gadgetA = await gadgetOptions("gadget-a", mainDb);
    const gadgetB = await gadgetOptions("gadget-b", mainDb);
    const gadgets = [gadgetA, gadgetB].map((o) => ({ o, process: gadgetProcess(o, onExit, now) }));
    let writer: ManagedProcess | undefined;
    for (const g of gadgets) {
      processes.push(g.process);
      g.process.onLine((l) => {
        if (l.msg === "acquired the writer lock") writer = g.process;
        else if (l.msg === "writer lock connection lost; stopping writes" && writer === g.process)
          writer = undefined;
      });
    }
    say("gadgets…");
    gadgets[0]!.process.start();
    await gadgets[0]!.process.waitForLine((l) => l.msg === "acquired the writer lock", 120_000);
    gadgets[1]!.process.start();
    for (const g of gadgets)
      surfaces.push(
        new GadgetSurfaces({
          httpUrl: `http://127.0.0.1:${g.o.httpPort}`,
          grpcAddress: `127.0.0.1:${g.o.grpcPort}`,
        }),
      );

    const slashedOnPurpose = new Set<string>();
    const unreadable: UnreadableFault[] = [];
    // The operator's decisions to read past unreadable events, taken again for the fresh backfill.
    const decisions: UnreadableEvent[] = [];
    const skipEvent = (db: string, e: UnreadableEvent) =>
      runCli(["babylon", "skip-event", "--height", e.babylonHeight, "--event", e.eventType], {
        DATABASE_URL: withDatabase(options.databaseUrl, db),
      });
    let quietSince: number | null = null;
    const babylon = new BabylonFacts(info.babylon.rpcUrl, info.contractAddress, info.bsnId);
    const checker = new Checker({
      l2RpcUrl: info.l2!.rpcUrl,
      babylon,
      slashedOnPurpose: () => slashedOnPurpose,
      unreadableEvents: () => unreadable,
      quietSince: () => quietSince,
      livenessBoundMs: settleMs,
      now,
    });
    const alive = () => surfaces.filter((_, i) => gadgets[i]!.process.running);
    let rounds = 0;
    const round = async () => {
      const candidates = alive();
      const gadget = candidates[rounds++ % Math.max(1, candidates.length)];
      if (gadget === undefined) return;
      try {
        await checker.round(gadget);
        await checker.checkSurfaces(gadget);
      } catch (error) {
        // A gadget killed mid-read, or a read through injected faults: the next round reads again.
        say(`check round skipped: ${(error as Error).message.slice(0, 200)}`);
      }
    };

    say("waiting for the first BTC-finalized block…");
    const warmDeadline = Date.now() + 180_000;
    while (checker.gadgetFinalized === 0n) {
      if (Date.now() > warmDeadline) throw new Error("no block was BTC-finalized within 180 s of start");
      await round();
      await sleep(CHECK_INTERVAL_MS);
    }

    let babylonHolds = 0;
    async function holdBabylon(): Promise<void> {
      if (babylonHolds++ === 0) await admin(info.adminUrl, "/babylon/pause", {});
    }
    async function releaseBabylon(): Promise<void> {
      if (--babylonHolds === 0) await admin(info.adminUrl, "/babylon/resume", {});
    }
    /** Whether a live gadget stores L2's current block at `height` (they share one database). */
    async function reorgSeen(height: bigint): Promise<boolean> {
      const gadget = alive()[0];
      if (gadget === undefined) return false;
      try {
        const hash = await checker.l2.hashAt(height);
        return (await gadget.blocks(height)).some((b) => b.height === height && b.hash === hash);
      } catch {
        return false;
      }
    }

    injectors = new Injectors({
      adminUrl: info.adminUrl,
      babylonRpcUrl: info.babylon.rpcUrl,
      contractAddress: info.contractAddress,
      contractAdminMnemonic: info.contractAdmin.mnemonic,
      gadgets: () => ({
        writer: writer ?? gadgets.find((g) => g.process.running)?.process,
        standby: gadgets.find((g) => g.process !== writer && g.process.running)?.process,
      }),
      providers,
      slashable: stakes.indexOf([...stakes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[0]!),
      slashedOnPurpose,
      postgresFault: async () => {
        if (options.postgresFault === "restart") {
          await execFileP("pg_ctlcluster", [
            "--skip-systemctl-redirect",
            await serverMajorVersion(options.databaseUrl),
            "main",
            "restart",
          ]);
          return;
        }
        await terminateConnections(options.databaseUrl, mainDb);
      },
      unreadableInjected: (babylonHeight) => {
        const fault = { babylonHeight, skipStartedAtMs: null };
        unreadable.push(fault);
        return fault;
      },
      stoppedAt: async () => {
        for (const s of alive()) {
          const e = await s.unreadableEvent().catch(() => null);
          if (e !== null) return e;
        }
        return null;
      },
      skipEvent: async (e) => {
        decisions.push(e);
        await skipEvent(mainDb, e);
      },
      reorgUnfinalized: async (depth) => {
        // A reorg must stay within what nothing may finalize. Babylon is held still (no vote can land) from
        // before a recomputation until the gadgets have seen the reorg: what the recomputation finalizes then
        // bounds what a correct gadget can, and votes already broadcast for the replaced blocks land only
        // once the gadgets know those blocks are gone (else the campaign would have reorged a block a quorum
        // had voted for, which no finality gadget can undo).
        await holdBabylon();
        try {
          const seen = checker.recomputations;
          const deadline = Date.now() + 30_000;
          while (checker.recomputations < seen + 2) {
            if (Date.now() > deadline) return 0;
            await sleep(200);
          }
          const head = await checker.l2.head();
          const final = maxBigint(checker.gadgetFinalized, checker.expectedFinalized);
          const reorged = Math.min(depth, Number(head - final) - 1);
          if (reorged < 1) return 0;
          await admin(info.adminUrl, "/l2/reorg", { depth: reorged });
          const lowest = head - BigInt(reorged) + 1n;
          const seenBy = Date.now() + 90_000;
          while (Date.now() < seenBy && !(await reorgSeen(lowest))) await sleep(500);
          return reorged;
        } finally {
          await releaseBabylon();
        }
      },
      holdBabylon,
      releaseBabylon,
    });

    // The fault window: faults start and end on the schedule while the checker runs.
    say(`fault window: ${schedule.length} faults over ${minutes} min`);
    const windowStart = Date.now();
    const injected: ScheduledFault[] = [];
    const recoveries: number[] = [];
    const pendingRecovery: { target: bigint; since: number }[] = [];
    const undos: Promise<void>[] = [];
    const failures: string[] = [];
    let checking = true;
    const checkLoop = (async () => {
      while (checking) {
        await round();
        for (let i = pendingRecovery.length - 1; i >= 0; i--) {
          const r = pendingRecovery[i]!;
          if (checker.gadgetFinalized >= r.target) {
            recoveries.push((Date.now() - r.since) / 1000);
            pendingRecovery.splice(i, 1);
          }
        }
        await sleep(CHECK_INTERVAL_MS);
      }
    })();
    for (const fault of schedule) {
      const wait = windowStart + fault.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      say(`+${Math.round((Date.now() - windowStart) / 1000)}s ${fault.kind} ${JSON.stringify(fault.params)}`);
      const run = injectors.inject(fault).then(
        async (undo) => {
          injected.push(fault);
          await sleep(Math.max(0, windowStart + fault.atMs + fault.durationMs - Date.now()));
          await undo();
          pendingRecovery.push({ target: checker.expectedFinalized, since: Date.now() });
        },
        (error: unknown) => {
          failures.push(`${fault.kind}: ${(error as Error).message}`);
          say(`fault ${fault.kind} not injected: ${(error as Error).message}`);
        },
      );
      undos.push(
        run.catch((error: unknown) => void failures.push(`${fault.kind} undo: ${(error as Error).message}`)),
      );
    }
    const windowLeft = windowStart + windowMs - Date.now();
    if (windowLeft > 0) await sleep(windowLeft);
    await Promise.all(undos);
    for (const p of processes) if (!p.running) p.start();

    // Quiet phase: the BTC-finalized height must reach the recomputed one within the bound.
    quietSince = now();
    say("faults off; waiting for convergence…");
    const settleDeadline = Date.now() + settleMs;
    // Reached: the gadget's height at least the recomputed height of a round before (the chain moves on while
    // one round reads it, and the gadget decides a moment after the votes land).
    let converged = false;
    let previousTarget = checker.expectedFinalized;
    while (Date.now() < settleDeadline) {
      await sleep(CHECK_INTERVAL_MS);
      if (previousTarget > 0n && checker.gadgetFinalized >= previousTarget) {
        converged = true;
        break;
      }
      previousTarget = checker.expectedFinalized;
    }
    checking = false;
    await checkLoop;
    checker.checks["7_convergence"]++;
    if (!converged) {
      // The first checked block the gadget has not finalized, as both sides see it.
      const stuck = [...checker.lastExpected.values()].find(
        (e) =>
          e.height > checker.gadgetFinalized && !(checker.lastVerdicts.get(e.height)?.btcFinalized ?? false),
      );
      const verdict = stuck === undefined ? undefined : checker.lastVerdicts.get(stuck.height);
      checker.violations.push({
        invariant: "7_convergence",
        atMs: now(),
        message: `BTC-finalized height ${checker.gadgetFinalized} did not reach the recomputed ${checker.expectedFinalized} within ${settleMs / 1000} s of faults stopping`,
        ...(stuck === undefined
          ? {}
          : {
              block: { height: String(stuck.height), hash: stuck.hash },
              verdict: verdict === undefined ? null : serialize(verdict),
              facts: { voters: stuck.voters, btcHeight: stuck.btcHeight, babylonHeight: stuck.babylonHeight },
              checker: serializeTally(stuck.tally),
            }),
      });
    }

    // A fresh backfill of the same chain must give the writer's verdicts.
    say("fresh backfill…");
    const freshOptions = await gadgetOptions("gadget-fresh", freshDb);
    const fresh = gadgetProcess(freshOptions, onExit, now);
    processes.push(fresh);
    fresh.start();
    const freshSurfaces = new GadgetSurfaces({
      httpUrl: `http://127.0.0.1:${freshOptions.httpPort}`,
      grpcAddress: `127.0.0.1:${freshOptions.grpcPort}`,
    });
    extraSurfaces.push(freshSurfaces);
    const target = checker.gadgetFinalized;
    const backfillDeadline = Date.now() + 180_000;
    let freshFinal = 0n;
    const decided = new Set<string>();
    while (Date.now() < backfillDeadline) {
      freshFinal = await freshSurfaces.graphqlFinalizedHeight().catch(() => 0n);
      if (freshFinal >= target) break;
      // The backfill stops at the same unreadable events: the operator takes the same decisions again.
      const stopped = await freshSurfaces.unreadableEvent().catch(() => null);
      const key = stopped && `${stopped.babylonHeight}:${stopped.eventType}`;
      if (stopped !== null && !decided.has(key!)) {
        if (decisions.some((d) => `${d.babylonHeight}:${d.eventType}` === key)) {
          decided.add(key!);
          await skipEvent(freshDb, stopped);
        }
      }
      await sleep(1_000);
    }
    const live = alive()[0];
    if (live !== undefined) await compareWithBackfill(checker, live, freshSurfaces, target, now);
    if (options.afterCampaign !== undefined && live !== undefined) {
      await options.afterCampaign({
        babylon,
        l2RpcUrl: info.l2!.rpcUrl,
        adminUrl: info.adminUrl,
        providers: providers.map((p, i) => ({ ...p, stakeSat: stakes[i]! })),
        gadget: live.endpoints,
        now,
      });
    }

    const faults = countByKind(injected);
    const report: CampaignReport = {
      seed,
      minutes,
      faults,
      faultsUnavailable: Object.fromEntries(
        FAULT_KINDS.filter((k) => k.unavailable !== undefined).map((k) => [k.key, k.unavailable!]),
      ) as Partial<Record<FaultKey, string>>,
      checks: checker.checks,
      violations: checker.violations.map((v) => ({
        ...v,
        seed,
        replay: `npm run chaos -- --minutes ${minutes} --seed ${seed}`,
      })),
      converged,
      recovery_s: {
        p50: percentile(recoveries, 50),
        p99: percentile(recoveries, 99),
        samples: recoveries.length,
      },
      knownDifferences: countCategories(checker),
      knownDifferenceExamples: [...checker.knownDifferences.values()].slice(0, 5),
      unexpectedExits,
      finalizedHeight: String(checker.gadgetFinalized),
      recomputedFinalizedHeight: String(checker.expectedFinalized),
    };
    for (const f of failures) say(`injection failure: ${f}`);
    // A violation's databases are kept, so that what the gadgets stored can be read after the run.
    keepDatabases = report.violations.length > 0;
    if (keepDatabases) say(`databases kept for inspection: ${mainDb}, ${freshDb}`);
    return report;
  } finally {
    await injectors?.close();
    for (const s of [...surfaces, ...extraSurfaces]) s.close();
    await Promise.all(processes.map((p) => p.stop()));
    await system?.stop();
    for (const db of keepDatabases ? [] : [mainDb, freshDb]) {
      await dropDatabase(options.databaseUrl, db).catch(() => {});
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function countCategories(checker: Checker): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of checker.knownDifferences.values()) out[d.category] = (out[d.category] ?? 0) + 1;
  return out;
}

/**
 * Invariant 7's second half: the writer's verdict columns against a fresh backfill, block by block up to
 * the writer's finalized height. A different BTC height is the known live-versus-backfill difference,
 * reported under its own category; any other difference is a violation, the voted power included (it
 * counts votes up to the Babylon block that completed the quorum, so a late vote changes it in neither).
 */
async function compareWithBackfill(
  checker: Checker,
  live: GadgetSurfaces,
  fresh: GadgetSurfaces,
  upTo: bigint,
  now: () => number,
): Promise<void> {
  const from = checker.activation;
  const [a, b] = await Promise.all([live.blocks(from), fresh.blocks(from)]);
  const freshBy = new Map(b.map((v) => [v.height, v]));
  for (const v of a) {
    if (v.height > upTo) break;
    checker.checks["7_convergence"]++;
    const f = freshBy.get(v.height);
    const same =
      f !== undefined &&
      f.hash === v.hash &&
      f.btcFinalized === v.btcFinalized &&
      f.status === v.status &&
      f.votedPower === v.votedPower &&
      f.totalPower === v.totalPower &&
      f.btcHeight === v.btcHeight;
    if (same) continue;
    if (f !== undefined && f.hash === v.hash && f.btcHeight !== v.btcHeight) {
      checker.knownDifferences.set(`${v.height}:${v.hash}:backfill`, {
        category: "btc_height_live_tip",
        height: String(v.height),
        hash: v.hash,
        gadgetBtcHeight: v.btcHeight,
        checkerBtcHeight: f.btcHeight,
      });
      continue;
    }
    checker.violations.push({
      invariant: "7_convergence",
      atMs: now(),
      message: `block ${v.height}: the writer's verdict differs from a fresh backfill's`,
      block: { height: String(v.height), hash: v.hash },
      verdict: serialize(v),
      facts: { backfill: f === undefined ? null : serialize(f) },
    });
  }
}
