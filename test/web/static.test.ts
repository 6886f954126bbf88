// The HTTP server's explorer and GraphiQL files: served by this server with security headers, compression
// and cache headers; deep links answer the app; nothing climbs out of the served folders.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRAPHIQL_PREFIX } from "../../src/api/web.ts";
import { startTestApi, type TestApi } from "../api/harness.ts";

let t: TestApi;
beforeAll(async () => {
  t = await startTestApi({ seed: false });
});
afterAll(async () => {
  await t?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${t.api.httpUrl}${path}`, { headers });

describe("explorer and GraphiQL files", () => {
  it("answers the app at / and at deep links, with the security headers", async () => {
    for (const path of [
      "/",
      "/blocks",
      "/blocks/42",
      "/blocks/0xabc",
      "/providers/ab12",
      "/tx/0x12",
      "/search",
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(res.headers.get("cache-control")).toBe("no-cache");
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await res.text()).toContain('<div id="app">');
    }
  });

  it("serves hashed assets compressed and immutable, and answers 304 to a matching etag", async () => {
    const html = await (await get("/")).text();
    const script = /src="(\/assets\/main-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const res = await get(script!, { "accept-encoding": "gzip" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    const raw = Buffer.from(await res.arrayBuffer());
    // fetch decodes the body itself; the length header is the compressed size.
    expect(Number(res.headers.get("content-length"))).toBeLessThan(raw.length);
    const again = await get(script!, { "if-none-match": res.headers.get("etag")! });
    expect(again.status).toBe(304);
  });

  it("renders GraphiQL from local files only, with example queries and WebSocket subscriptions", async () => {
    const res = await get("/graphql", { accept: "text/html" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>(?!<)/);
    expect(html).toContain(`${GRAPHIQL_PREFIX}yoga-graphiql.umd.js`);
    const options = JSON.parse(
      /<script type="application\/json" id="graphiql-options">(.*?)<\/script>/s.exec(html)![1]!,
    );
    expect(options.subscriptionsProtocol).toBe("WS");
    expect(options.query).toContain("syncStatus");
    for (const asset of [
      "yoga-graphiql.umd.js",
      "graphiql.css",
      "start.js",
      "monacoeditorwork/editor.worker.bundle.js",
    ]) {
      const a = await get(`${GRAPHIQL_PREFIX}${asset}`, { "accept-encoding": "br" });
      expect(a.status, asset).toBe(200);
    }
  });

  it("refuses paths outside the served folders and unknown files", async () => {
    for (const path of [
      "/assets/../package.json",
      "/assets/..%2f..%2fpackage.json",
      `${GRAPHIQL_PREFIX}..%2f..%2fpackage.json`,
    ]) {
      expect((await get(path)).status, path).toBe(404);
    }
    expect((await get("/assets/nope.js")).status).toBe(404);
    expect((await get("/nope")).status).toBe(404);
    const post = await fetch(`${t.api.httpUrl}/`, { method: "POST" });
    expect(post.status).toBe(405);
  });
});
