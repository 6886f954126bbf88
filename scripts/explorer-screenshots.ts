// Screenshots of the explorer for the README, from a running devnet system: the overview, a BTC-finalized
// block's page and a provider's page, at a laptop's width, in Debian's chromium.
//   npx tsx scripts/explorer-screenshots.ts [out-dir]   (default docs/)
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "../test/helpers/chromium.ts";
import { startTestSystem } from "../test/helpers/system.ts";

const out = process.argv[2] ?? "docs";
mkdirSync(out, { recursive: true });
const t = await startTestSystem([
  { stakeSat: 4_000_000_000n, moniker: "satoshi-vault" },
  { stakeSat: 3_000_000_000n, moniker: "hodl-stake" },
  { stakeSat: 2_000_000_000n, moniker: "orange-pill" },
  { stakeSat: 1_000_000_000n, moniker: "lightning-fp" },
]);
const browser = await launchChromium({ width: 1280, height: 900 });
try {
  // Long enough for the lag chart and the block strip to have something to show.
  await t.waitFor("60 BTC-finalized blocks", async () => (await t.finalizedHeight()) >= 60n, 180_000);
  const base = t.service.httpUrl;
  const page = await browser.context.newPage();
  const shot = async (path: string, ready: string, name: string) => {
    await page.goto(`${base}${path}`);
    await page.locator(ready).first().waitFor();
    await page.waitForTimeout(1_500); // charts draw after their data arrives
    await page.screenshot({ path: join(out, name), fullPage: true });
    console.log(`${join(out, name)}  ${path}`);
  };
  const height = (await t.finalizedHeight()) - 1n;
  const checked = height % 2n === 0n ? height : height - 1n; // the devnet votes on every second height
  await shot("/", "[data-testid=btc-finalized-height] a", "explorer-overview.png");
  await shot(`/blocks/${checked}`, "[data-testid=vote-table]", "explorer-block.png");
  await shot(
    `/providers/${t.system.providers[0]!.btcPkHex}`,
    "[data-testid=provider-pk]",
    "explorer-provider.png",
  );
} finally {
  await browser.close();
  await t.stop();
}
