// Rule 10 end to end: a gadget SIGKILLed at random moments during a backfill of thousands of L2 blocks, and
// restarted each time on the same database, ends with every row of every table identical to a run that was
// never interrupted (wall-clock columns aside). The devnet's chains are stopped before either run, so both
// read the same history; the gadget runs in a child process (test/helpers/gadget-process.ts) so it can die
// mid-write.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/db/database.ts";
import { createTestDatabaseUrl, usingPostgres } from "../helpers/database.ts";
import { differences, snapshot } from "../helpers/db-snapshot.ts";
import type { GadgetProgress } from "../helpers/gadget-process.ts";
import { buildVotedHistory, freeze, type VotedHistory } from "../helpers/voted-history.ts";

const GADGET = fileURLToPath(new URL("../helpers/gadget-process.ts", import.meta.url));
const L2_BLOCKS = 2000;

interface Store {
  flags: Record<string, string>;
  open(): ReturnType<typeof openDatabase>;
  drop(): Promise<void>;
}

async function newStore(h: VotedHistory): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), "obf-kill9-"));
  let url = "";
  let drop = async () => {};
  if (usingPostgres) ({ url, drop } = await createTestDatabaseUrl());
  const info = h.devnet.info;
  return {
    flags: {
      "database.url": url,
      "database.data_dir": dir,
      "l2.rpc_url": info.l2!.rpcUrl,
      "l2.poll_interval_ms": "100",
      "babylon.rpc_url": info.babylon.rpcUrl,
      "babylon.contract_address": info.contractAddress,
      "babylon.poll_interval_ms": "100",
      "babylon.reconcile_interval_ms": "1000",
      "api.http_port": "0",
      "api.grpc_port": "0",
    },
    open: () =>
      openDatabase(url ? { url, migrate: false } : { dataDir: join(dir, "pglite"), migrate: false }),
    async drop() {
      await drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Run {
  child: ChildProcess;
  last: GadgetProgress | undefined;
  /** Resolves at the first progress line: the database is open and migrated. */
  ready: Promise<void>;
  /** Resolves once the gadget has indexed and evaluated everything and its state no longer moves. */
  settled: Promise<void>;
  exited: Promise<number | null>;
}

function startGadget(store: Store, heads: { babylonHead: bigint; l2Head: bigint }): Run {
  const child = spawn(process.execPath, ["--import", "tsx", GADGET, JSON.stringify(store.flags)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let ready = () => {};
  const run: Run = {
    child,
    last: undefined,
    ready: new Promise<void>((r) => {
      ready = r;
    }),
    settled: undefined as unknown as Promise<void>,
    exited,
  };
  run.settled = new Promise<void>((resolve, reject) => {
    let doneSince: number | undefined;
    let doneState = "";
    createInterface({ input: child.stdout! }).on("line", (line) => {
      let p: GadgetProgress;
      try {
        p = JSON.parse(line) as GadgetProgress;
      } catch {
        return;
      }
      run.last = p;
      ready();
      const done =
        p.babylon === String(heads.babylonHead) && p.l2 === String(heads.l2Head) && p.unevaluated === 0;
      const state = JSON.stringify(p);
      if (!done || state !== doneState) {
        doneSince = done ? Date.now() : undefined;
        doneState = state;
        return;
      }
      // several reconciler passes (every second) with nothing left to do
      if (doneSince !== undefined && Date.now() - doneSince > 3000) resolve();
    });
    void exited.then((code) => reject(new Error(`gadget exited (${code}) before it settled`)));
  });
  run.settled.catch(() => {});
  return run;
}

async function stopGadget(run: Run): Promise<void> {
  run.child.kill("SIGTERM");
  expect(await run.exited).toBe(0);
}

describe("kill -9 during a backfill", () => {
  let h: VotedHistory;
  let heads: { babylonHead: bigint; l2Head: bigint };
  beforeAll(async () => {
    h = await buildVotedHistory({
      providers: [300_000n, 300_000n, 250_000n, 150_000n],
      delegationsPerProvider: 5,
      l2Blocks: L2_BLOCKS,
      interval: 2n,
    });
    heads = await freeze(h);
  }, 120_000);
  afterAll(async () => h?.stop());

  it("restarts after SIGKILLs at random moments into the same database as an uninterrupted run", async () => {
    const reference = await newStore(h);
    const killed = await newStore(h);
    try {
      const once = startGadget(reference, heads);
      await once.ready;
      const began = Date.now();
      await once.settled;
      const duration = Date.now() - began;
      expect(once.last!.finalized).toBe(String(heads.l2Head - (heads.l2Head % 2n === 0n ? 1n : 0n)));
      await stopGadget(once);

      // Kill at random moments of what an uninterrupted run takes; each restart resumes, so a later kill
      // may find the backfill done already — only kills that interrupt it count.
      let interrupted = 0;
      const progress: string[] = [];
      for (let attempt = 0; attempt < 8 && interrupted < 4; attempt++) {
        const run = startGadget(killed, heads);
        // From the moment its database is open: a first-time PGlite initdb killed midway is not what is tested.
        await Promise.race([run.ready, run.exited]);
        const wait = duration * (0.1 + Math.random() * 0.5);
        const finished = await Promise.race([
          run.settled.then(() => true),
          new Promise<false>((r) => setTimeout(() => r(false), wait)),
        ]);
        if (!finished) {
          interrupted++;
          progress.push(`kill after ${Math.round(wait)} ms at ${JSON.stringify(run.last ?? null)}`);
        }
        run.child.kill("SIGKILL");
        await run.exited;
      }
      expect(interrupted, progress.join("\n")).toBeGreaterThanOrEqual(3);
      const last = startGadget(killed, heads);
      await last.settled;
      await stopGadget(last);

      const dbA = await reference.open();
      const a = await snapshot(dbA);
      await dbA.close();
      const dbB = await killed.open();
      const b = await snapshot(dbB);
      await dbB.close();
      expect(a.get("l2_block")!.length).toBe(L2_BLOCKS); // heights 1…2000: from activation on
      expect(differences(a, b)).toEqual([]);
    } finally {
      await reference.drop();
      await killed.drop();
    }
  }, 300_000);
});
