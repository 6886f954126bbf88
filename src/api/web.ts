// The explorer UI and GraphiQL as files this server sends itself (no CDN): the committed bundle in web/dist,
// answered for every explorer route so deep links survive a reload, and yoga's GraphiQL build from
// node_modules. Every response gets the headers a public deployment needs; files are compressed once, on first
// request, and kept.
import { readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, gzipSync, constants as zlib } from "node:zlib";
import type { GraphiQLOptions } from "graphql-yoga";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const WEB_DIST = join(REPO_ROOT, "web", "dist");
const GRAPHIQL_START = join(REPO_ROOT, "web", "graphiql", "start.js");
const require = createRequire(import.meta.url);
const GRAPHIQL_PACKAGE = dirname(require.resolve("@graphql-yoga/graphiql/package.json"));
const GRAPHIQL_VERSION = (
  JSON.parse(readFileSync(join(GRAPHIQL_PACKAGE, "package.json"), "utf8")) as { version: string }
).version;
/** Versioned, so its files can be cached forever. */
export const GRAPHIQL_PREFIX = `/graphiql/${GRAPHIQL_VERSION}/`;

/** Paths of the single-page explorer: each answers index.html and the page routes itself. */
const UI_ROUTE = /^\/(?:|blocks|blocks\/[^/]+|providers|providers\/[^/]+|tx\/[^/]+|search)$/;

// Scripts only from this origin (no inline script); inline styles are allowed because GraphiQL's editor
// sets them at run time. 'self' covers ws: to the same host in CSP Level 3 browsers.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers for every response of the HTTP server. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader("content-security-policy", CSP);
  res.setHeader("x-content-type-options", "nosniff");
  res.setHeader("x-frame-options", "DENY");
  res.setHeader("referrer-policy", "no-referrer");
  res.setHeader("cross-origin-opener-policy", "same-origin");
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".json", ".txt"]);

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
  mtimeMs: number;
  compressible: boolean;
  compressed: Map<"br" | "gzip", Buffer>;
}

export class WebAssets {
  private readonly files = new Map<string, StaticFile>();

  /** Answers GET/HEAD for the UI and GraphiQL files; false when the path is not one of them. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean {
    const file = this.lookup(url.pathname);
    if (file === undefined) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" });
      res.end(`${req.method} is not allowed on ${url.pathname}`);
      return true;
    }
    if (file === null) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" });
      res.end(`no such file ${url.pathname}`);
      return true;
    }
    this.send(req, res, file);
    return true;
  }

  /** undefined: not ours; null: ours but missing. */
  private lookup(pathname: string): StaticFile | null | undefined {
    if (UI_ROUTE.test(pathname)) return this.load(join(WEB_DIST, "index.html"), "no-cache");
    if (pathname.startsWith("/assets/") || pathname === "/favicon.svg") {
      const immutable = pathname.startsWith("/assets/");
      return this.loadUnder(
        WEB_DIST,
        pathname,
        immutable ? "public, max-age=31536000, immutable" : "no-cache",
      );
    }
    if (pathname === `${GRAPHIQL_PREFIX}start.js`) {
      return this.load(GRAPHIQL_START, "no-cache");
    }
    if (pathname.startsWith(GRAPHIQL_PREFIX)) {
      const rest = pathname.slice(GRAPHIQL_PREFIX.length - 1);
      return this.loadUnder(join(GRAPHIQL_PACKAGE, "dist"), rest, "public, max-age=31536000, immutable");
    }
    return undefined;
  }

  private loadUnder(root: string, relative: string, cacheControl: string): StaticFile | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(relative);
    } catch {
      return null;
    }
    const path = normalize(join(root, decoded));
    // A path that climbs out of the root ("/assets/../../x") is not a file of ours.
    if (!path.startsWith(root + sep)) return null;
    return this.load(path, cacheControl);
  }

  private load(path: string, cacheControl: string): StaticFile | null {
    let mtimeMs: number;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) return null;
      mtimeMs = stat.mtimeMs;
    } catch {
      return null;
    }
    const cached = this.files.get(path);
    // Checked against the file's time so that a rebuilt bundle is served without a restart.
    if (cached !== undefined && cached.mtimeMs === mtimeMs) return cached;
    const body = readFileSync(path);
    const type = CONTENT_TYPES[extname(path)] ?? "application/octet-stream";
    const etag = `"${body.length.toString(36)}-${hashOf(body)}"`;
    const compressible = COMPRESSIBLE.has(extname(path)) && body.length >= 1024;
    const file = { body, type, etag, cacheControl, mtimeMs, compressible, compressed: new Map() };
    this.files.set(path, file);
    return file;
  }

  private send(req: IncomingMessage, res: ServerResponse, file: StaticFile): void {
    const headers: Record<string, string | number> = {
      "content-type": file.type,
      "cache-control": file.cacheControl,
      etag: file.etag,
      vary: "accept-encoding",
    };
    if (req.headers["if-none-match"] === file.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    let body = file.body;
    const chosen = chooseEncoding(req.headers["accept-encoding"], file);
    if (chosen !== undefined) {
      body = compressed(file, chosen);
      headers["content-encoding"] = chosen;
    }
    headers["content-length"] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  }
}

function chooseEncoding(accept: string | undefined, file: StaticFile): "br" | "gzip" | undefined {
  if (accept === undefined || !file.compressible) return undefined;
  const offered = accept.split(",").map((part) => part.split(";")[0]!.trim().toLowerCase());
  if (offered.includes("br")) return "br";
  if (offered.includes("gzip")) return "gzip";
  return undefined;
}

function compressed(file: StaticFile, encoding: "br" | "gzip"): Buffer {
  let body = file.compressed.get(encoding);
  if (body === undefined) {
    // GraphiQL's megabytes at a fast level (quality 5 takes a tenth of quality 9's time for a few percent
    // more bytes), the explorer's own small files at a high one; either way once per file.
    const large = file.body.length > 512 * 1024;
    body =
      encoding === "br"
        ? brotliCompressSync(file.body, {
            params: {
              [zlib.BROTLI_PARAM_QUALITY]: large ? 5 : 9,
              [zlib.BROTLI_PARAM_SIZE_HINT]: file.body.length,
            },
          })
        : gzipSync(file.body, { level: large ? 6 : 9 });
    file.compressed.set(encoding, body);
  }
  return body;
}

function hashOf(body: Buffer): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < body.length; i += 1) h = Math.imul(h ^ body[i]!, 0x01000193);
  return (h >>> 0).toString(36);
}

const EXAMPLE_QUERY = `# op-btc-finality: BTC-staking finality of this rollup. Run with Ctrl-Enter.
query Status {
  syncStatus { l2HeadHeight l2SafeHeight l2FinalizedHeight btcFinalizedHeight babylonHeight btcTipHeight lagBlocks lagSeconds ready }
}

query Recent {
  blocks(first: 10, orderBy: HEIGHT_DESC, where: { checked: true }) {
    edges { node { height hash status votedPower totalPower timeToFinalitySeconds } }
  }
}

query Providers {
  finalityProviders(first: 20) {
    edges { node { btcPk description { moniker } status votingPower participation { rate missedBlocks } } }
  }
}

# every block as it becomes BTC-finalized, live
subscription Finalized { finalizedBlocks { height hash finalizedAt } }
`;

/** yoga's GraphiQL page, its scripts and styles from GRAPHIQL_PREFIX and its options as inert JSON. */
export function renderLocalGraphiql(options: GraphiQLOptions): string {
  // yoga's GraphiQL takes `query` as the editor's first content (a ?query= in the address wins over it).
  const merged = { query: EXAMPLE_QUERY, ...options, endpoint: "/graphql" };
  const json = JSON.stringify(merged).replace(/</g, "\\u003c");
  const title = String(options.title ?? "GraphiQL").replace(/[<>&"]/g, "");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${GRAPHIQL_PREFIX}graphiql.css"></head>
<body id="body" class="no-focus-outline"><div id="root">Loading ${title}…</div>
<script type="application/json" id="graphiql-options">${json}</script>
<script src="${GRAPHIQL_PREFIX}start.js"></script>
<script src="${GRAPHIQL_PREFIX}yoga-graphiql.umd.js"></script>
</body></html>`;
}
