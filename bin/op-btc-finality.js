#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm install` runs in a clone through `prepare`).
// The development loop runs the sources instead: `npm run dev -- <command>`.
import { existsSync } from "node:fs";

const cli = new URL("../dist/src/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("op-btc-finality: dist/ is missing; run `npm run build` first\n");
  process.exit(1);
}
await import(cli.href);
