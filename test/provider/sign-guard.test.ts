import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HomeLockedError } from "../../provider/home-lock.ts";
import {
  JOURNAL_FILE,
  SignGuard,
  SignGuardConflictError,
  SignGuardCorruptError,
} from "../../provider/sign-guard.ts";

const hashFor = (height: bigint, fork = "") => createHash("sha256").update(`block-${height}${fork}`).digest();

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "guard-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("SignGuard", () => {
  it("answers new / same / conflict and refuses a second hash at a signed height (reorg)", () => {
    const g = SignGuard.open({ dir, namespace: "ns" });
    expect(g.check(10n, hashFor(10n))).toBe("new");
    g.record(10n, hashFor(10n));
    expect(g.check(10n, hashFor(10n))).toBe("same");
    // The L2 reorged: height 10 now has another block.
    expect(g.check(10n, hashFor(10n, "fork"))).toBe("conflict");
    expect(() => g.record(10n, hashFor(10n, "fork"))).toThrow(SignGuardConflictError);
    // Re-recording the same pair is a no-op, not an error.
    g.record(10n, hashFor(10n));
    g.close();
    const again = SignGuard.open({ dir, namespace: "ns" });
    expect(again.check(10n, hashFor(10n, "fork"))).toBe("conflict");
    expect(again.check(10n, hashFor(10n))).toBe("same");
    expect(again.highestHeight()).toBe(10n);
    again.close();
  });

  it("recordMany writes nothing if any entry conflicts, including within the batch", () => {
    const g = SignGuard.open({ dir, namespace: "ns" });
    g.record(5n, hashFor(5n));
    const before = statSync(join(dir, JOURNAL_FILE)).size;
    expect(() =>
      g.recordMany([
        { height: 6n, hash: hashFor(6n) },
        { height: 5n, hash: hashFor(5n, "fork") },
      ]),
    ).toThrow(SignGuardConflictError);
    expect(() =>
      g.recordMany([
        { height: 7n, hash: hashFor(7n) },
        { height: 7n, hash: hashFor(7n, "fork") },
      ]),
    ).toThrow(SignGuardConflictError);
    expect(statSync(join(dir, JOURNAL_FILE)).size).toBe(before);
    expect(g.check(6n, hashFor(6n))).toBe("new");
    g.recordMany([
      { height: 6n, hash: hashFor(6n) },
      { height: 5n, hash: hashFor(5n) },
      { height: 8n, hash: hashFor(8n) },
    ]);
    expect(g.heightsAbove(5n)).toEqual([6n, 8n]);
    g.close();
  });

  it("drops a torn final record at every cut point without losing earlier records", () => {
    const g = SignGuard.open({ dir, namespace: "ns" });
    for (let h = 1n; h <= 20n; h++) g.record(h, hashFor(h));
    g.close();
    const path = join(dir, JOURNAL_FILE);
    const full = readFileSync(path);
    const lastRecordBytes = 9 + 8 + 32;
    for (let cut = 1; cut < lastRecordBytes; cut++) {
      writeFileSync(path, full.subarray(0, full.length - cut));
      const reopened = SignGuard.open({ dir, namespace: "ns" });
      expect(reopened.recoveredTornBytes).toBe(lastRecordBytes - cut);
      expect(reopened.highestHeight()).toBe(19n);
      for (let h = 1n; h <= 19n; h++) expect(reopened.check(h, hashFor(h))).toBe("same");
      expect(reopened.check(20n, hashFor(20n, "fork"))).toBe("new");
      // The torn bytes were cut off, so a new append is readable after it.
      reopened.record(20n, hashFor(20n, "other"));
      reopened.close();
      const third = SignGuard.open({ dir, namespace: "ns" });
      expect(third.recoveredTornBytes).toBe(0);
      expect(third.check(20n, hashFor(20n, "other"))).toBe("same");
      third.close();
    }
  });

  it("ignores a zero-filled tail but refuses a journal with damage in the middle", () => {
    const g = SignGuard.open({ dir, namespace: "ns" });
    for (let h = 1n; h <= 10n; h++) g.record(h, hashFor(h));
    g.close();
    const path = join(dir, JOURNAL_FILE);
    appendFileSync(path, Buffer.alloc(4096));
    const z = SignGuard.open({ dir, namespace: "ns" });
    expect(z.highestHeight()).toBe(10n);
    z.close();
    const bytes = readFileSync(path);
    bytes[bytes.length - 200]! ^= 0xff; // flip a bit well before the tail
    writeFileSync(path, bytes);
    expect(() => SignGuard.open({ dir, namespace: "ns" })).toThrow(SignGuardCorruptError);
  });

  it("refuses to open a journal written for another namespace (same key, other signing context)", () => {
    SignGuard.open({ dir, namespace: "pk/bsn/ctx-a" }).close();
    expect(() => SignGuard.open({ dir, namespace: "pk/bsn/ctx-b" })).toThrow(/belongs to "pk\/bsn\/ctx-a"/);
  });

  it("compaction drops records below the floor atomically and refuses pruned heights", () => {
    const g = SignGuard.open({ dir, namespace: "ns" });
    for (let h = 1n; h <= 100n; h++) g.record(h, hashFor(h));
    const before = statSync(join(dir, JOURNAL_FILE)).size;
    g.compact(90n);
    expect(statSync(join(dir, JOURNAL_FILE)).size).toBeLessThan(before);
    expect(g.check(50n, hashFor(50n))).toBe("pruned");
    expect(() => g.record(50n, hashFor(50n))).toThrow(SignGuardConflictError);
    expect(g.check(95n, hashFor(95n, "fork"))).toBe("conflict");
    g.record(101n, hashFor(101n));
    g.close();
    const re = SignGuard.open({ dir, namespace: "ns" });
    expect(re.floor()).toBe(90n);
    expect(re.size).toBe(12);
    expect(re.check(89n, hashFor(89n))).toBe("pruned");
    expect(re.check(101n, hashFor(101n))).toBe("same");
    expect(statSync(join(dir, JOURNAL_FILE)).mode & 0o777).toBe(0o600);
    re.close();
  });

  it("allows one process per home and takes over a stale lock", () => {
    const g = SignGuard.open({ dir, namespace: "ns" });
    expect(() => SignGuard.open({ dir, namespace: "ns" })).toThrow(HomeLockedError);
    g.close();
    // A lock left behind by a dead process (pid far beyond pid_max) is taken over.
    writeFileSync(join(dir, "sign-journal.lock"), "99999999\n");
    const h = SignGuard.open({ dir, namespace: "ns" });
    h.close();
    // A lock held by a live process (this test's parent) is respected.
    writeFileSync(join(dir, "sign-journal.lock"), `${process.ppid}\n`);
    expect(() => SignGuard.open({ dir, namespace: "ns" })).toThrow(/held by running process/);
  });
});

const writer = fileURLToPath(new URL("./fixtures/guard-writer.ts", import.meta.url));

/** Runs the writer child until it has acknowledged some records, kills it with SIGKILL, returns the acks. */
function runAndKill(mode: string, killAfterMs: number): Promise<bigint[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", writer, dir, mode], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      if (timer === undefined && out.startsWith("ready\n")) {
        timer = setTimeout(() => child.kill("SIGKILL"), killAfterMs);
      }
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("exit", (_code, signal) => {
      if (signal !== "SIGKILL") return reject(new Error(`writer exited without being killed: ${err}`));
      // Only complete lines are acknowledgements; a line cut by the kill is not.
      const lines = out.split("\n").slice(1, -1);
      resolve(lines.map((l) => BigInt(l)));
    });
  });
}

describe("SignGuard under kill -9", () => {
  it("never loses a record that record()/recordMany() returned for", async () => {
    const runs = 6;
    let acked: bigint[] = [];
    for (let i = 0; i < runs; i++) {
      const mode = i % 2 === 0 ? "single" : "batch";
      const got = await runAndKill(mode, 20 + Math.floor(Math.random() * 150));
      acked = acked.concat(got);
      const g = SignGuard.open({ dir, namespace: "kill-test" });
      for (const h of acked) expect(g.check(h, hashFor(h))).toBe("same");
      // Heights are recorded in order, so there are no holes below the highest recorded height.
      const highest = g.highestHeight() ?? 0n;
      expect(g.size).toBe(Number(highest));
      g.close();
    }
    expect(acked.length).toBeGreaterThan(runs);
  }, 120_000);
});
