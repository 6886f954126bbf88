// The two spellings of a hash the gadget meets: without a prefix (the contract, Babylon) and with `0x` (the L2).
import { describe, expect, it } from "vitest";
import { strip0x, with0x } from "../../../src/core/crypto/bytes.ts";

describe("hex prefixes", () => {
  it("strips a 0x or 0X prefix and leaves unprefixed hex as it is", () => {
    expect(strip0x("0xab12")).toBe("ab12");
    expect(strip0x("0XAB12")).toBe("AB12");
    expect(strip0x("ab12")).toBe("ab12");
    expect(strip0x("x0ab")).toBe("x0ab");
    expect(strip0x("")).toBe("");
  });

  it("adds exactly one 0x prefix", () => {
    expect(with0x("ab12")).toBe("0xab12");
    expect(with0x("0xab12")).toBe("0xab12");
    expect(with0x("0XAB12")).toBe("0xAB12");
  });
});
