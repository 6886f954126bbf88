// The explorer and GraphiQL in a real browser (Debian's chromium through playwright-core) against a live devnet
// system: the overview goes live without a reload, block and provider pages show their audit trail, search
// finds a block by hash, GraphiQL runs a query and a subscription, the pages pass axe-core, every request goes
// to this server, no script error is logged, the overview is interactive within a second with JS+CSS under
// 300 KB compressed, and the UI reconnects and catches up after the server restarts.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Chromium, launchChromium } from "../helpers/chromium.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface Block {
  height: string;
  hash: string;
  votes: { fpBtcPk: string }[];
}

describe("explorer in a browser", () => {
  let t: TestSystem;
  let browser: Chromium;
  let page: Page;
  let base: string;
  const foreign: string[] = [];
  const scriptErrors: string[] = [];
  let navigations = 0;

  async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    const res = await fetch(`${t.service.httpUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { data: T; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  }

  const shownFinalized = async () =>
    Number((await page.locator("[data-testid=btc-finalized-height]").textContent())?.replace(/,/g, ""));

  async function axeViolations(): Promise<string[]> {
    // Evaluated through the DevTools protocol: the page's CSP (no inline script) does not apply to it.
    await page.evaluate(AXE);
    const result = await page.evaluate(() =>
      (
        window as unknown as {
          axe: { run(o: object): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> };
        }
      ).axe.run({ runOnly: ["wcag2a", "wcag2aa", "wcag21aa"] }),
    );
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }

  beforeAll(async () => {
    t = await startTestSystem([
      { stakeSat: 400_000n, moniker: "satoshi-vault" },
      { stakeSat: 350_000n, moniker: "hodl-stake" },
      { stakeSat: 250_000n, moniker: "orange-pill" },
    ]);
    base = t.service.httpUrl;
    await t.waitFor("BTC finality past activation", async () => (await t.finalizedHeight()) >= 14n);
    browser = await launchChromium();
    page = await browser.context.newPage();
    const host = new URL(base).host;
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (url.protocol.startsWith("http") && url.host !== host) foreign.push(r.url());
    });
    page.on("websocket", (ws) => {
      if (new URL(ws.url()).host !== host) foreign.push(ws.url());
    });
    page.on("pageerror", (e) => scriptErrors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") scriptErrors.push(`console: ${m.text()}`);
    });
    page.on("framenavigated", (f) => {
      if (f === page.mainFrame()) navigations += 1;
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it("shows the overview within the page-load budget and advances it without a reload", async () => {
    // The first visit downloads the bundle; its bytes are the budget's. The time is the best of three more
    // visits with the HTTP cache off (a warm browser process, cold page): the machine is shared and noisy.
    const visit = async () => {
      await page.goto(`${base}/`);
      await page.locator("[data-testid=btc-finalized-height] a").waitFor();
      // From the navigation's start to the heights on screen, read from the browser's own clock.
      return page.evaluate(() => performance.now());
    };
    const coldMs = await visit();
    const bytes = await page.evaluate(() =>
      performance
        .getEntriesByType("resource")
        .filter((e) => /\.(js|css)$/.test(new URL(e.name).pathname))
        .reduce((sum, e) => sum + (e as PerformanceResourceTiming).transferSize, 0),
    );
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    const warm = [await visit(), await visit(), await visit()];
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: false });
    const interactiveMs = Math.min(...warm);
    // The budget is for a machine that is not oversubscribed: on a shared one (load above its core count) it
    // scales with the load, and the log says by how much.
    const contention = Math.max(1, loadavg()[0]! / cpus().length);
    console.log(
      `overview interactive: first visit ${coldMs.toFixed(0)} ms, then ${warm.map((m) => m.toFixed(0)).join(" / ")} ms; ` +
        `JS+CSS ${bytes} bytes transferred; load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores, budget ×${contention.toFixed(1)}`,
    );
    expect(interactiveMs).toBeLessThan(1_000 * contention);
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThan(300 * 1024);

    const first = await shownFinalized();
    expect(first).toBeGreaterThanOrEqual(14);
    const loads = navigations;
    await page.waitForFunction(
      (h) =>
        Number(document.querySelector("[data-testid=btc-finalized-height]")?.textContent?.replace(/,/g, "")) >
        h,
      first,
      { timeout: 20_000 },
    );
    expect(navigations).toBe(loads);
    expect(await axeViolations()).toEqual([]);
  });

  it("shows a block's hash and each voter, and finds a block by hash", async () => {
    const { blocks } = await gql<{ blocks: { edges: { node: Block }[] } }>(
      `{ blocks(first: 1, where: { status: FINALIZED, checked: true }) { edges { node { height hash votes { fpBtcPk } } } } }`,
    );
    const block = blocks.edges[0]!.node;
    expect(block.votes.length).toBeGreaterThan(0);
    await page.goto(`${base}/blocks?status=FINALIZED`);
    await page.locator(`main table a[href="/blocks/${block.height}"]`).waitFor();
    expect(await axeViolations()).toEqual([]);
    await page.goto(`${base}/blocks/${block.height}`);
    await expect.poll(() => page.locator("[data-testid=block-hash]").textContent()).toBe(block.hash);
    await page.locator("[data-testid=vote-table]").waitFor();
    for (const vote of block.votes) {
      const row = page.locator(`[data-testid=vote-table] tr[data-provider="${vote.fpBtcPk}"]`);
      await expect.poll(() => row.textContent()).toContain("voted");
    }
    expect(await axeViolations()).toEqual([]);

    await page.goto(`${base}/`);
    await page.locator("#q").fill(block.hash);
    await page.locator("#q").press("Enter");
    await page.waitForURL(`${base}/blocks/${block.hash}`);
    await expect.poll(() => page.locator("[data-testid=block-hash]").textContent()).toBe(block.hash);
    // A 0x hash that is no block is looked up as a transaction; the L2 knows none by that hash.
    const unknown = `0x${"ab".repeat(32)}`;
    await page.locator("#q").fill(unknown);
    await page.locator("#q").press("Enter");
    await page.waitForURL(`${base}/tx/${unknown}`);
    await expect.poll(() => page.locator("main").textContent()).toContain("does not know a transaction");
    await page.goBack();
    await page.waitForURL(`${base}/blocks/${block.hash}`);
    // The back button returns to the overview, and a reload of a deep link shows the same page.
    await page.goBack();
    await page.locator("[data-testid=btc-finalized-height] a").waitFor();
    await page.goto(`${base}/blocks/${block.hash}`);
    await expect.poll(() => page.locator("[data-testid=block-hash]").textContent()).toBe(block.hash);
  });

  it("shows a provider", async () => {
    const pk = t.system.providers[0]!.btcPkHex;
    await page.goto(`${base}/providers`);
    await page.locator(`a[href="/providers/${pk}"]`).waitFor();
    expect(await axeViolations()).toEqual([]);
    await page.locator(`a[href="/providers/${pk}"]`).click();
    await page.waitForURL(`${base}/providers/${pk}`);
    await expect.poll(() => page.locator("[data-testid=provider-pk]").textContent()).toBe(pk);
    await expect.poll(() => page.locator("main h1").textContent()).toContain("satoshi-vault");
    expect(await axeViolations()).toEqual([]);
  });

  it("runs a query and a subscription in GraphiQL", async () => {
    const run = async (query: string, expected: string) => {
      await page.goto(`${base}/graphql?query=${encodeURIComponent(query)}`);
      await page.locator(".graphiql-execute-button").click({ timeout: 30_000 });
      await expect
        .poll(() => page.locator(".graphiql-response").textContent(), { timeout: 20_000 })
        .toContain(expected);
    };
    await run("{ syncStatus { btcFinalizedHeight ready } }", "btcFinalizedHeight");
    await run("subscription { finalizedBlocks { height hash } }", '"hash"');
  });

  it("reconnects after the server restarts and catches up without a reload", async () => {
    await page.goto(`${base}/`);
    await page.locator("[data-testid=btc-finalized-height] a").waitFor();
    const errorsBefore = scriptErrors.length;
    const loads = navigations;
    const epoch = Number(await page.locator(".conn").getAttribute("data-epoch"));
    await t.restartService();
    expect(t.service.httpUrl).toBe(base);
    // A new connection (the socket's epoch moves on), then live again.
    await expect
      .poll(async () => Number(await page.locator(".conn").getAttribute("data-epoch")), { timeout: 30_000 })
      .toBeGreaterThan(epoch);
    await expect.poll(() => page.locator(".conn").textContent(), { timeout: 30_000 }).toBe("live");
    const after = Number(await t.finalizedHeight());
    await page.waitForFunction(
      (h) =>
        Number(
          document.querySelector("[data-testid=btc-finalized-height]")?.textContent?.replace(/,/g, ""),
        ) >= h,
      after,
      { timeout: 30_000 },
    );
    expect(navigations).toBe(loads);
    // While the server was down Chromium logged the WebSocket connections it refused and any query a new block
    // set off in that window (a refused connection, or the stopping server's answer); no script error.
    const during = scriptErrors.splice(errorsBefore);
    const networkLoss = /WebSocket connection to .* failed|Failed to load resource/;
    expect(during.filter((e) => !networkLoss.test(e))).toEqual([]);
  });

  it("fits a phone's width: no page scrolls sideways (wide tables scroll in their own box)", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      const pk = t.system.providers[0]!.btcPkHex;
      for (const [path, ready] of [
        ["/", "[data-testid=btc-finalized-height] a"],
        ["/blocks", "main table"],
        [`/providers/${pk}`, "[data-testid=provider-pk]"],
      ] as const) {
        await page.goto(`${base}${path}`);
        await page.locator(ready).first().waitFor();
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow, path).toBeLessThanOrEqual(0);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  it("made no request to another host and logged no script error", () => {
    expect(foreign).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });
});
