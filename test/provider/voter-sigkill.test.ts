// The provider process is killed with SIGKILL at the dangerous points — after journalling but before
// broadcasting, after the transaction is included but before the confirmation is processed, after a
// randomness commitment lands — and restarted on the same home against the same chain. Nothing may be
// lost, nothing duplicated, and after an L2 reorg nothing may be signed twice at one height.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectJournal } from "../../provider/sign-guard.ts";
import { type DevnetContract, startDevnetContract } from "./devnet-rig.ts";
import { FakeL2, PK } from "./harness.ts";

const child = fileURLToPath(new URL("./fixtures/voter-child.ts", import.meta.url));
let devnet: DevnetContract;
const homes: string[] = [];

beforeAll(async () => {
  devnet = await startDevnetContract({ activation: 100, interval: 5 });
}, 60_000);
afterAll(async () => {
  await devnet?.close();
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

function runChild(home: string, tip: bigint, killAt: string, fork?: [bigint, string]) {
  return new Promise<{ signal: NodeJS.Signals | null; code: number | null; out: string }>(
    (resolve, reject) => {
      const args = [devnet.rpcUrl, devnet.contractAddress, home, tip.toString(), killAt];
      if (fork !== undefined) args.push(fork[0].toString(), fork[1]);
      const p = spawn(process.execPath, ["--import", "tsx", child, ...args], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      p.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      p.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      p.on("error", reject);
      p.on("exit", (code, signal) => {
        if (signal === null && code !== 0) reject(new Error(`child failed (${code}): ${err}`));
        else resolve({ signal, code, out });
      });
    },
  );
}

/** How many votes of ours the contract holds at `height` for the given block hashes. */
async function votesAt(height: bigint, hashes: Uint8Array[]): Promise<number> {
  let n = 0;
  for (const hash of hashes) {
    const voters = await devnet.query.blockVoters(height, hash);
    n += voters?.filter((v) => v.fp_btc_pk_hex === PK).length ?? 0;
  }
  return n;
}

const checked = (from: bigint, to: bigint) => {
  const out: bigint[] = [];
  for (let h = from; h <= to; h += 5n) out.push(h);
  return out;
};

describe("provider process killed with SIGKILL", () => {
  it("at each dangerous point, then restarted: no vote lost, none duplicated, no equivocation after a reorg", async () => {
    const home = mkdtempSync(join(tmpdir(), "provider-kill-"));
    homes.push(home);
    const l2 = new FakeL2();
    const forked = new FakeL2();

    // 1. Killed right after the randomness commitment landed; the restart adopts it from the contract.
    expect((await runChild(home, 95n, "after-commit")).signal).toBe("SIGKILL");
    expect(existsSync(join(home, "guard", "sign-journal.lock"))).toBe(true); // stale lock left behind
    expect((await runChild(home, 95n, "none")).code).toBe(0);
    const commit = await devnet.query.lastPubRandCommit(PK);
    expect(commit).toMatchObject({ start_height: 100n, num_pub_rand: 40n });

    // 2. Killed after journalling 100/105/110 but before broadcasting them.
    l2.tip = 120n;
    expect((await runChild(home, 120n, "before-broadcast")).signal).toBe("SIGKILL");
    expect(inspectJournal(join(home, "guard"))?.highest).toBe(110n);
    expect(await devnet.query.highestVotedHeight(PK)).toBeNull();
    expect((await runChild(home, 120n, "none")).code).toBe(0);
    for (const h of checked(100n, 120n)) expect(await votesAt(h, [l2.hashAt(h)]), `height ${h}`).toBe(1);

    // 3. Killed after the transaction with 125/130/135 was included, before the provider saw it.
    l2.tip = 140n;
    expect((await runChild(home, 140n, "after-broadcast")).signal).toBe("SIGKILL");
    expect(await devnet.query.highestVotedHeight(PK)).toBe(135n);
    expect((await runChild(home, 140n, "none")).code).toBe(0);
    for (const h of checked(100n, 140n)) expect(await votesAt(h, [l2.hashAt(h)]), `height ${h}`).toBe(1);

    // 4. Killed after journalling 145/150/155, then the L2 reorganises from 150 before the restart.
    expect((await runChild(home, 160n, "before-broadcast")).signal).toBe("SIGKILL");
    forked.tip = 170n;
    forked.reorg(150n, "fork");
    const res = await runChild(home, 170n, "none", [150n, "fork"]);
    expect(res.code).toBe(0);
    const report = JSON.parse(res.out) as { missed: [string, string][] };
    expect(report.missed).toEqual([
      ["150", "reorg-conflict"],
      ["155", "reorg-conflict"],
    ]);
    // 145 (unchanged) was re-sent; 150/155 stay silent under both forks; 160… vote on the new fork.
    expect(await votesAt(145n, [l2.hashAt(145n)])).toBe(1);
    for (const h of [150n, 155n]) expect(await votesAt(h, [l2.hashAt(h), forked.hashAt(h)])).toBe(0);
    for (const h of checked(160n, 170n)) expect(await votesAt(h, [forked.hashAt(h)]), `height ${h}`).toBe(1);
    expect(readFileSync(join(home, "guard", "sign-journal.bin")).length).toBeGreaterThan(0);
  }, 180_000);
});
