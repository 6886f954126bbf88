// A provider daemon (re)started while its Babylon node fails every call waits for the node, as its voting loop
// does, instead of exiting: the 30-minute fault campaign saw a daemon restarted during an RPC-error burst exit
// with the node's "Internal error" after four failed tries of its first read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startProvider } from "../../provider/daemon.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

describe("a provider daemon started while Babylon fails every call", () => {
  let t: TestSystem;
  beforeAll(async () => {
    t = await startTestSystem([{ stakeSat: 100_000n }, { stakeSat: 100_000n, online: false }]);
  }, 180_000);
  afterAll(async () => t?.stop());

  it("retries its start-up reads and starts once the node answers", async () => {
    const p = t.system.providers[1]!;
    const warnings: string[] = [];
    const logger = { info() {}, error() {}, warn: (_o: object, msg: string) => void warnings.push(msg) };
    await t.admin("/faults", { errorRate: 1 });
    const starting = startProvider(p.home, p.config, "devnet-passphrase", logger);
    const outcome = starting.then(
      () => "started",
      (error: unknown) => `failed: ${(error as Error).message}`,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    expect(warnings.length).toBeGreaterThan(0);
    await t.admin("/faults", { errorRate: 0 });
    expect(await outcome).toBe("started");
    await (await starting).stop();
  }, 120_000);
});
