#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 node --max-old-space-size=1024 --max-semi-space-size=4
// Memory settings live here, in the one launcher the Docker image, `npm start` and an installed package all run
// (Node and glibc read them only at start). Measured on the full-size benchmark backfill (README, Performance):
// - A 1 GiB heap limit: V8 sizes how far a heap grows between collections from its limit, and Node's default (a
//   quarter of the machine's memory) let the heap reach 2–4× what it holds (peak 667–747 MiB resident).
// - 4 MiB semi-spaces instead of 16 in the main thread and the fetch worker: the young generation is most of
//   what a heap holds beyond its live data here. Peak 408–410 → 327–339 MiB, for ~7 % more CPU in scavenges.
// - glibc's malloc: a fixed mmap threshold (its default rises after the first large free, after which freed
//   response and socket buffers stay in the arenas) and two arenas rather than one per thread: peak 466–483 →
//   423–428 MiB, resident 5 s into live following 351–357 → 263–297 MiB.
// A history that needs more heap: `node --max-old-space-size=N bin/op-btc-finality.js start`.
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm install` runs in a clone through `prepare`).
// The development loop runs the sources instead: `npm run dev -- <command>`.
import { existsSync } from "node:fs";

const cli = new URL("../dist/src/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("op-btc-finality: dist/ is missing; run `npm run build` first\n");
  process.exit(1);
}
await import(cli.href);
