// Vitest global setup: tests that spawn bin/op-btc-finality.js or install the packed package run the compiled
// dist/, so it is rebuilt first when any source is newer than the last build. Up to date, this costs a walk
// over file times, not a compile.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const STAMP = join(root, "dist", ".tsbuildinfo");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated" && entry.name !== "node_modules")
        newest = Math.max(newest, newestMtime(path));
    } else {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

export default function buildDist(): void {
  const sources = ["src", "contracts", "provider", "prisma", "scripts/build.js", "tsconfig.build.json"];
  const newest = Math.max(
    ...sources
      .map((s) => join(root, s))
      .map((p) => (statSync(p).isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)),
  );
  if (existsSync(STAMP) && statSync(STAMP).mtimeMs >= newest) return;
  execFileSync(process.execPath, [join(root, "scripts", "build.js")], { cwd: root, stdio: "inherit" });
}
