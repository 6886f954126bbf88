import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { firstUnslashed, type InjectionTarget, Injectors } from "../../src/chaos/injectors.ts";

describe("the provider a jail or unbond fault acts on", () => {
  const providers = ["a", "b", "c"].map((btcPkHex) => ({ btcPkHex }));

  it("passes over a provider the campaign slashed (Babylon takes no new delegation or jail for it)", () => {
    // The 30-minute run's `unbond` drew the slashed provider and Babylon refused the new delegation.
    expect(firstUnslashed(providers, new Set(["b"]), 1)).toBe("c");
    expect(firstUnslashed(providers, new Set(["c"]), 2)).toBe("a");
    expect(firstUnslashed(providers, new Set(), 4)).toBe("b");
    expect(firstUnslashed(providers, new Set(["a", "b", "c"]), 0)).toBeUndefined();
  });
});

describe("a jail fault's undo", () => {
  it("leaves jailed a provider the campaign slashed meanwhile (seed u1: Babylon refused the unjail)", async () => {
    const calls: string[] = [];
    const server = createServer((req, res) => {
      calls.push(req.url ?? "");
      req.resume();
      req.on("end", () => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { port } = server.address() as AddressInfo;
      const providers = ["a", "b"].map((btcPkHex) => ({ btcPkHex, process: undefined as never }));
      const target = {
        adminUrl: `http://127.0.0.1:${port}`,
        providers,
        slashable: 0,
        slashedOnPurpose: new Set<string>(),
      } as unknown as InjectionTarget;
      const injectors = new Injectors(target);
      const fault = (kind: "jail" | "slash") => ({ atMs: 0, kind, durationMs: 0, params: { provider: 0 } });
      const unjailA = await injectors.inject(fault("jail"));
      await injectors.inject(fault("slash"));
      await unjailA();
      const unjailB = await injectors.inject(fault("jail"));
      await unjailB();
      expect(calls).toEqual(["/providers/jail", "/providers/slash", "/providers/jail", "/providers/unjail"]);
    } finally {
      server.close();
    }
  });
});
