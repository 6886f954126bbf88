// Builds the explorer into web/dist: one ES module and one stylesheet, content-hashed, and an index.html that
// names them. The build is deterministic, so test/web/bundle.test.ts can check that the committed dist is what
// the sources produce. Run: npm run build:web
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const WEB = join(dirname(fileURLToPath(import.meta.url)), "..", "web");
export const DIST = join(WEB, "dist");

/** The files of web/dist, by path relative to it. */
export async function buildWeb(): Promise<Map<string, Uint8Array>> {
  const result = await build({
    absWorkingDir: WEB,
    entryPoints: [join(WEB, "src", "main.tsx")],
    bundle: true,
    minify: true,
    format: "esm",
    target: ["chrome111", "firefox115", "safari16"],
    jsx: "automatic",
    jsxImportSource: "preact",
    outdir: join(DIST, "assets"),
    entryNames: "[name]-[hash]",
    assetNames: "[name]-[hash]",
    legalComments: "none",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const files = new Map<string, Uint8Array>();
  let script = "";
  let style = "";
  for (const out of result.outputFiles) {
    const path = relative(DIST, out.path).split("\\").join("/");
    files.set(path, out.contents);
    if (path.endsWith(".js")) script = `/${path}`;
    if (path.endsWith(".css")) style = `/${path}`;
  }
  files.set("index.html", new TextEncoder().encode(indexHtml(script, style)));
  files.set("favicon.svg", new TextEncoder().encode(FAVICON));
  return files;
}

function indexHtml(script: string, style: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>op-btc-finality explorer</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${style}">
<script type="module" src="${script}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading the finality explorer…</p></div>
<noscript>The explorer needs JavaScript. The GraphQL API is at /graphql and REST at /v1/chainSyncStatus.</noscript>
</body>
</html>
`;
}

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#f7931a"/><path d="M9 17l5 5 9-11" stroke="#fff" stroke-width="4" fill="none" stroke-linecap="round" stroke-linejoin="round"/></svg>
`;

async function main(): Promise<void> {
  const files = await buildWeb();
  rmSync(DIST, { recursive: true, force: true });
  for (const [path, contents] of files) {
    mkdirSync(dirname(join(DIST, path)), { recursive: true });
    writeFileSync(join(DIST, path), contents);
  }
  const names = readdirSync(join(DIST, "assets")).map((n) => basename(n));
  console.log(`web/dist: index.html, favicon.svg, assets/${names.join(", assets/")}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
