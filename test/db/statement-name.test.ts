// Prepared statements are named by their text: one text, one name, on every connection.
import { describe, expect, it } from "vitest";
import { statementName } from "../../src/db/statement-name.ts";

describe("statement names", () => {
  it("are made from the text: one text, one name", () => {
    const a = "SELECT 1";
    expect(statementName(a)).toMatch(/^obf_[0-9a-f]{16}$/);
    expect(statementName(`${a}`)).toBe(statementName(a));
    expect(statementName("SELECT 2")).not.toBe(statementName(a));
  });
});
