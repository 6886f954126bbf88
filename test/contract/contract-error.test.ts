import { describe, expect, it } from "vitest";
import { ContractError, classifyContractError } from "../../contracts/finality/contract-error.ts";

const PK = "ab".repeat(32);

describe("contract error classification (the bytecode's texts, as a chain wraps them)", () => {
  it.each([
    [`Duplicated finality signature for finality provider ${PK} at height 7`, "duplicate-vote"],
    [`Finality provider ${PK} has been slashed at Babylon height 27 and BTC height 9`, "slashed"],
    [`Rate limit exceeded for finality provider ${PK} with limit 50`, "rate-limit"],
    ["No finalized epoch yet", "not-timestamped"],
    [`The finality provider ${PK} last committed epoch: 3, last finalized epoch: 2`, "not-timestamped"],
    [`Finality provider ${PK} is not in the allowlist`, "not-allowed"],
    ["Generic error: Querier contract error: codespace: btcstaking, code: 1100", "unknown-provider"],
    [`Public randomness not found for finality provider ${PK} at height 9`, "missing-randomness"],
    ["Failed to verify signature: EOTS", "bad-signature"],
    ["Admin error: Caller is not admin", "not-admin"],
  ])("%s → %s", (text, kind) => {
    const wrapped = `failed to execute message; message index: 0: ${text}: execute wasm contract failed`;
    expect(classifyContractError(wrapped)).toBe(kind);
    expect(new ContractError(text).kind).toBe(kind);
  });

  it("leaves other texts unclassified", () => {
    expect(
      classifyContractError("out of gas in location: wasm contract execute: out of gas"),
    ).toBeUndefined();
    expect(new ContractError("Block height overflow detected for start height 100").kind).toBe("");
  });
});
