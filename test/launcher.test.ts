// The launcher's `#!` line is where the gadget's memory settings live (bin/op-btc-finality.js explains them):
// run as an executable, the process must get them, on any platform whose `env` splits `-S`.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);
const bin = new URL("../bin/op-btc-finality.js", import.meta.url).pathname;

it("runs Node with the launcher's heap flags and malloc settings", async () => {
  // A preload reports what the process was started with, then the CLI runs as usual.
  const probe = join(mkdtempSync(join(tmpdir(), "obf-launcher-")), "probe.mjs");
  writeFileSync(
    probe,
    `process.stderr.write(JSON.stringify({ execArgv: process.execArgv, arena: process.env.MALLOC_ARENA_MAX, mmap: process.env.MALLOC_MMAP_THRESHOLD_ }) + "\\n");`,
  );
  const { stdout, stderr } = await run(bin, ["config"], {
    env: { ...process.env, NODE_OPTIONS: `--import=${probe}` },
  });
  const started = JSON.parse(stderr.split("\n")[0]!);
  expect(started.execArgv).toEqual(
    expect.arrayContaining([
      "--max-old-space-size=1024",
      "--max-semi-space-size=4",
      "--interrupt-budget=270336",
    ]),
  );
  expect(started).toMatchObject({ arena: "2", mmap: "32768" });
  expect(JSON.parse(stdout)).toHaveProperty("api");
});
