import { spawn } from "node:child_process";
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, expect, it } from "vitest";
import { ensurePrivateDir } from "../../provider/atomic-file.ts";

const writer = fileURLToPath(new URL("./fixtures/atomic-writer.ts", import.meta.url));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "atomic-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function killWriterAfter(path: string, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", writer, path], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.stdout.once("data", () => setTimeout(() => child.kill("SIGKILL"), ms));
    child.on("error", reject);
    child.on("exit", () => resolve());
  });
}

it("a file rewritten atomically holds one whole version whenever the writer is killed", async () => {
  const path = join(dir, "state.bin");
  // The old version is private too: a writer killed before its first rename leaves this very file in place.
  writeFileSync(path, Buffer.alloc(1 << 20, 0x61), { mode: 0o600 });
  for (const ms of [15, 40, 90]) {
    await killWriterAfter(path, ms);
    const content = readFileSync(path);
    expect(content.length).toBe(1 << 20);
    const first = content[0];
    expect(first === 0x61 || first === 0x62).toBe(true);
    expect(content.every((b) => b === first)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  }
  // A kill can leave a temp file behind, never a damaged target.
  expect(readdirSync(dir).filter((f) => !f.startsWith(".state.bin.tmp-"))).toEqual(["state.bin"]);
}, 60_000);

it("ensurePrivateDir tightens a group/world-readable directory to 0700", () => {
  const d = join(dir, "home");
  mkdirSync(d, { mode: 0o755 });
  chmodSync(d, 0o755);
  ensurePrivateDir(d);
  expect(statSync(d).mode & 0o777).toBe(0o700);
});
