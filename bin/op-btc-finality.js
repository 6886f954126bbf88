#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=32768 node --max-old-space-size=1024 --max-semi-space-size=4 --interrupt-budget=270336
// Memory settings live here, in the one launcher the Docker image, `npm start` and an installed package all run
// (Node and glibc read them only at start). Measured on the full-size benchmark backfill (README, Performance):
// - A 1 GiB heap limit: V8 sizes how far a heap grows between collections from its limit, and Node's default (a
//   quarter of the machine's memory) let the heap reach 2–4× what it holds (peak 667–747 MiB resident).
// - 4 MiB semi-spaces instead of 16 in the main thread and the fetch worker: the young generation is most of
//   what a heap holds beyond its live data here. Peak 408–410 → 327–339 MiB, for ~7 % more CPU in scavenges.
// - glibc's malloc: two arenas rather than one per thread, and a fixed mmap threshold (its default rises after
//   the first large free): peak 466–483 → 423–428 MiB, resident 5 s into live following 351–357 → 263–297 MiB.
//   The threshold is 32 KiB, the size of the segments V8's optimizing compiler takes its working memory in on
//   its background threads and frees after each function: from the arenas, they left ~90 MiB there after a
//   backfill, fragmented by longer-lived blocks, which glibc never gives back (malloc_trim, called from gdb,
//   returned 76 MiB of it). Mapped and unmapped each, resident 30 s into following 227–241 → 162–173 MiB.
// - Four times V8's interrupt budget: a function is optimized after four times as much unoptimized work, so
//   only the really hot ones are. A backfill then compiles 900 functions instead of 1,618, which pays for the
//   mapping above (backfill CPU +0–8 % with both, +3–13 % with the threshold alone, in alternated runs).
// A history that needs more heap: `node --max-old-space-size=N bin/op-btc-finality.js start`.
// The #! line is 146 bytes: Linux reads 255 of it since 5.1, but only 127 before, where it is cut off and Node
// refuses the cut flag; on such a kernel run `node` with these flags and variables (README, Configuration).
// Runs the compiled CLI (dist/, built by `npm run build`, which `npm install` runs in a clone through `prepare`).
// The development loop runs the sources instead: `npm run dev -- <command>`.
import { existsSync } from "node:fs";

const cli = new URL("../dist/src/cli.js", import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write("op-btc-finality: dist/ is missing; run `npm run build` first\n");
  process.exit(1);
}
await import(cli.href);
