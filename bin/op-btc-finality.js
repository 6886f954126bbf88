#!/usr/bin/env -S node --max-old-space-size=1024
// The heap limit is here, in the one launcher the Docker image, `npm start` and an installed package all run: V8
// sizes how far a heap grows between collections from its limit, and Node's default limit (a quarter of the
// machine's memory, up to 4 GiB) let the gadget's heap reach 2–4× what it holds (a full-size backfill peaked at
// 667–747 MiB resident with 170 MiB of heap in use). At 1 GiB, several times what that backfill keeps, it peaks at
// ~440 MiB and runs faster. A history that needs more: `node --max-old-space-size=N bin/op-btc-finality.js start`.
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm install` runs in a clone through `prepare`).
// The development loop runs the sources instead: `npm run dev -- <command>`.
import { existsSync } from "node:fs";

const cli = new URL("../dist/src/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("op-btc-finality: dist/ is missing; run `npm run build` first\n");
  process.exit(1);
}
await import(cli.href);
