// The committed web/dist is what the sources build to (npm run build:web after changing web/src), and it fits
// the page-load budget: JS + CSS under 300 KB compressed.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { buildWeb, DIST } from "../../scripts/build-web.ts";

function committed(dir: string, prefix = ""): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const [k, v] of committed(path, `${prefix}${entry.name}/`)) files.set(k, v);
    else files.set(`${prefix}${entry.name}`, readFileSync(path));
  }
  return files;
}

describe("web bundle", () => {
  it("web/dist is current: rebuilding the sources gives the same files", async () => {
    const built = await buildWeb();
    const onDisk = committed(DIST);
    expect([...onDisk.keys()].sort(), "run npm run build:web and commit web/dist").toEqual(
      [...built.keys()].sort(),
    );
    for (const [path, contents] of built) {
      expect(Buffer.from(contents).equals(onDisk.get(path)!), `${path} differs; run npm run build:web`).toBe(
        true,
      );
    }
  });

  it("JS and CSS stay under 300 KB gzip-compressed", () => {
    let total = 0;
    for (const [path, contents] of committed(DIST)) {
      if (path.endsWith(".js") || path.endsWith(".css")) total += gzipSync(contents, { level: 9 }).length;
    }
    expect(total).toBeGreaterThan(1_000);
    expect(total).toBeLessThan(300 * 1024);
  });
});
