// The checker's reading of Babylon against the devnet: what it must learn from Babylon's state when no event
// tells it (a BSN provider's slashing emits no status change in Babylon v3).
import { toHex } from "@cosmjs/encoding";
import { sha256 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BabylonFacts } from "../../src/chaos/chain-facts.ts";
import { keys } from "../../src/core/crypto/index.ts";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";

let devnet: Devnet;

async function admin(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${devnet.info.adminUrl}${path}`, { method: "POST", body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status !== 200) throw new Error(`${path}: ${JSON.stringify(json)}`);
  return json;
}

const pkOf = (label: string) => toHex(keys.xonlyPublicKey(sha256(new TextEncoder().encode(label))));

beforeAll(async () => {
  devnet = await startDevnet({ blockIntervalMs: 40, btcBlockIntervalMs: 0, accounts: 1, l2: false });
});

afterAll(async () => {
  await devnet?.stop();
});

describe("the checker's Babylon facts", () => {
  it("learns a BSN provider's slashing from Babylon's state, though no event reports it", async () => {
    const facts = new BabylonFacts(
      devnet.info.babylon.rpcUrl,
      devnet.info.contractAddress,
      devnet.info.bsnId,
    );
    const slashed = pkOf("chaos facts: slashed");
    const honest = pkOf("chaos facts: honest");
    for (const pk of [slashed, honest]) await admin("/providers", { btcPkHex: pk, allowlist: false });
    await admin("/btc/advance", { blocks: 3 });
    await facts.sync();
    expect(facts.providers.get(slashed)?.slashedBtcHeight).toBe(0);

    const at = await admin("/providers/slash", { btcPkHex: slashed });
    const tip = devnet.babylon.lightClient.tipHeight();
    expect(tip).toBeGreaterThan(0);
    await facts.sync();
    expect(facts.providers.get(slashed)?.slashedBtcHeight).toBe(tip);
    expect(facts.slashStatus.get(slashed)).toBe(Number(at.height));
    expect(facts.providers.get(honest)?.slashedBtcHeight).toBe(0);
    expect(facts.slashStatus.has(honest)).toBe(false);
  });
});
