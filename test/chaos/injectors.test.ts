import { describe, expect, it } from "vitest";
import { firstUnslashed } from "../../src/chaos/injectors.ts";

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
