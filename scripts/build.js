// `npm run build` (and `prepare`, so a clone's `npm install` builds): generates the Prisma client, compiles
// src/, contracts/ and provider/ to ESM JavaScript with declarations in dist/ (tsconfig.build.json), and copies
// the files the code finds beside itself at run time (.proto, the worker entry, wasm, migrations) to the same
// place under dist/. Plain node, no tsx: it runs before anything is compiled.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { createRequire } from "node:module";
import { extname, join } from "node:path";

const require = createRequire(import.meta.url);
const root = new URL("..", import.meta.url).pathname;

execFileSync(process.execPath, [join(root, "scripts/prisma-generate.js")], { stdio: "inherit", cwd: root });
execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
  stdio: "inherit",
  cwd: root,
});

// Sources and documentation stay behind; everything else a module may open at run time goes along.
const LEFT_BEHIND = new Set([".ts", ".md"]);
function copyAssets(dir) {
  for (const name of readdirSync(join(root, dir))) {
    const path = join(dir, name);
    if (path === join("src", "db", "generated")) continue;
    if (statSync(join(root, path)).isDirectory()) copyAssets(path);
    else if (!LEFT_BEHIND.has(extname(name))) cpSync(join(root, path), join(root, "dist", path));
  }
}
for (const dir of ["src", "contracts", "provider"]) copyAssets(dir);

// An incremental build keeps the output of a source that was deleted or moved since; drop it, so that what is
// packed is what the sources are.
function pruneOrphans(dir) {
  for (const name of readdirSync(join(root, "dist", dir))) {
    const path = join(dir, name);
    if (statSync(join(root, "dist", path)).isDirectory()) {
      pruneOrphans(path);
      continue;
    }
    const source = path.replace(/\.d\.ts$|\.js$/, ".ts");
    if (!existsSync(join(root, source)) && !existsSync(join(root, path))) rmSync(join(root, "dist", path));
  }
}
for (const dir of ["src", "contracts", "provider", "bench"])
  if (existsSync(join(root, "dist", dir))) pruneOrphans(dir);
cpSync(join(root, "prisma", "migrations"), join(root, "dist", "prisma", "migrations"), { recursive: true });

// The build's time stamp, which test/helpers/build-dist.ts compares against the sources: tsc leaves its build
// info untouched when nothing it compiles changed, so it is touched here.
const stamp = join(root, "dist", ".tsbuildinfo");
const now = new Date();
utimesSync(stamp, now, now);
