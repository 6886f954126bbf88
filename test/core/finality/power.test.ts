import { describe, expect, it } from "vitest";
import {
  type Delegation,
  isDelegationActive,
  type ProviderState,
  type StakingParams,
  votingPowerTable,
} from "../../../src/core/finality/index.ts";

const FP1 = "a1".repeat(32);
const FP2 = "b2".repeat(32);
const FP3 = "c3".repeat(32);
const params: StakingParams = { bsnId: "op-l2", k: 10, w: 100 };

const provider = (btcPk: string, extra: Partial<ProviderState> = {}): ProviderState => ({
  btcPk,
  bsnId: "op-l2",
  jailed: false,
  ...extra,
});

let txCounter = 0;
const delegation = (fpBtcPks: string[], totalSat: bigint, extra: Partial<Delegation> = {}): Delegation => ({
  stakingTxHash: (txCounter++).toString(16).padStart(64, "0"),
  fpBtcPks,
  totalSat,
  startHeight: 1000,
  endHeight: 2000,
  covenantQuorumReached: true,
  ...extra,
});

// With start 1000, end 2000, k 10, w 100 the delegation is active for 1010 <= H <= 1900.
describe("delegation activity at BTC height H (rule 3)", () => {
  const del = delegation([FP1], 5n);

  it("becomes active exactly at start + k", () => {
    expect(isDelegationActive(del, 1009, params)).toBe(false);
    expect(isDelegationActive(del, 1010, params)).toBe(true);
    expect(isDelegationActive(del, 1011, params)).toBe(true);
  });

  it("stays active while H + w <= end, exactly", () => {
    expect(isDelegationActive(del, 1899, params)).toBe(true);
    expect(isDelegationActive(del, 1900, params)).toBe(true);
    expect(isDelegationActive(del, 1901, params)).toBe(false);
  });

  it("unbonding at H excludes, unbonding at H + 1 still counts at H", () => {
    expect(isDelegationActive({ ...del, unbondedAtBtcHeight: 1500 }, 1500, params)).toBe(false);
    expect(isDelegationActive({ ...del, unbondedAtBtcHeight: 1500 }, 1501, params)).toBe(false);
    expect(isDelegationActive({ ...del, unbondedAtBtcHeight: 1501 }, 1500, params)).toBe(true);
    // History: before the unbonding the stake counted (the reference dropped it for every height).
    expect(isDelegationActive({ ...del, unbondedAtBtcHeight: 1501 }, 1200, params)).toBe(true);
  });

  it("needs covenant quorum", () => {
    expect(isDelegationActive({ ...del, covenantQuorumReached: false }, 1500, params)).toBe(false);
  });

  it("needs an inclusion proof (start and end heights set)", () => {
    const noProof = { ...del, startHeight: 0, endHeight: 0 };
    expect(isDelegationActive(noProof, 1500, { ...params, k: 0, w: 0 })).toBe(false);
  });
});

describe("voting power table", () => {
  it("sums total_sat of active delegations per provider; multi-staked stake counts fully for each", () => {
    const table = votingPowerTable(
      1500,
      [provider(FP1), provider(FP2), provider(FP3)],
      [
        delegation([FP1], 100n),
        delegation([FP1], 50n),
        delegation([FP1, FP2], 30n),
        delegation([FP2], 7n, { startHeight: 1495 }), // not k-deep yet
        delegation([FP3], 9n, { covenantQuorumReached: false }),
      ],
      params,
    );
    expect(table).toEqual(
      new Map([
        [FP1, 180n],
        [FP2, 30n],
        [FP3, 0n],
      ]),
    );
  });

  it("counts a provider listed twice in one delegation once", () => {
    const table = votingPowerTable(1500, [provider(FP1)], [delegation([FP1, FP1], 10n)], params);
    expect(table.get(FP1)).toBe(10n);
  });

  it("excludes providers of another BSN and ignores delegations to unknown providers", () => {
    const table = votingPowerTable(
      1500,
      [provider(FP1), provider(FP2, { bsnId: "other-bsn" })],
      [delegation([FP1], 1n), delegation([FP2], 2n), delegation([FP3], 3n)],
      params,
    );
    expect(table).toEqual(new Map([[FP1, 1n]]));
  });

  it("excludes a provider slashed at or before H, counts it before the slashing", () => {
    const providers = [provider(FP1), provider(FP2, { slashedBtcHeight: 1500, slashedBabylonHeight: 77 })];
    const dels = [delegation([FP1], 1n), delegation([FP2], 2n)];
    expect(votingPowerTable(1500, providers, dels, params).has(FP2)).toBe(false);
    expect(votingPowerTable(1501, providers, dels, params).has(FP2)).toBe(false);
    expect(votingPowerTable(1499, providers, dels, params).get(FP2)).toBe(2n);
  });

  it("treats a slashing with only a Babylon height as slashed at every height", () => {
    const providers = [provider(FP1, { slashedBabylonHeight: 500 })];
    expect(votingPowerTable(1010, providers, [delegation([FP1], 1n)], params).size).toBe(0);
  });

  it("treats Babylon's 0 heights as not slashed", () => {
    const providers = [provider(FP1, { slashedBtcHeight: 0, slashedBabylonHeight: 0 })];
    expect(votingPowerTable(1500, providers, [delegation([FP1], 4n)], params).get(FP1)).toBe(4n);
  });

  it("excludes a provider jailed at the table's height (staking.ts computes the flag from history)", () => {
    const dels = [delegation([FP1], 1n), delegation([FP2], 2n)];
    expect(votingPowerTable(1500, [provider(FP1, { jailed: true }), provider(FP2)], dels, params)).toEqual(
      new Map([[FP2, 2n]]),
    );
  });

  it("with a non-empty allow-list counts only listed providers; an empty one allows all", () => {
    const providers = [provider(FP1), provider(FP2)];
    const dels = [delegation([FP1, FP2], 5n)];
    expect(votingPowerTable(1500, providers, dels, params, new Set([FP2]))).toEqual(new Map([[FP2, 5n]]));
    expect(votingPowerTable(1500, providers, dels, params, new Set())).toEqual(
      new Map([
        [FP1, 5n],
        [FP2, 5n],
      ]),
    );
  });

  it("rejects negative or fractional heights and negative stake with the value named", () => {
    expect(() => votingPowerTable(-1, [], [], params)).toThrow(
      "BTC height must be a non-negative integer, got -1",
    );
    expect(() => votingPowerTable(1.5, [], [], params)).toThrow("got 1.5");
    expect(() => votingPowerTable(1, [], [], { ...params, k: -2 })).toThrow("k (btc_confirmation_depth)");
    const bad = delegation([FP1], -5n);
    expect(() => votingPowerTable(1500, [provider(FP1)], [bad], params)).toThrow(
      `delegation ${bad.stakingTxHash} has negative total_sat -5`,
    );
  });
});

describe("delegation and height edges", () => {
  it("a delegation without a start height is not active, even with an end height far ahead", () => {
    const unproven = delegation([FP1], 5n, { startHeight: 0, endHeight: 5000 });
    expect(isDelegationActive(unproven, 1500, params)).toBe(false);
    expect(isDelegationActive({ ...unproven, startHeight: 1000 }, 1500, params)).toBe(true);
    expect(isDelegationActive({ ...unproven, startHeight: 1000, endHeight: 0 }, 1500, params)).toBe(false);
  });

  it("a zero-satoshi delegation is accepted and adds nothing", () => {
    const table = votingPowerTable(
      1500,
      [provider(FP1)],
      [delegation([FP1], 0n), delegation([FP1], 7n)],
      params,
    );
    expect(table).toEqual(new Map([[FP1, 7n]]));
  });

  it("accepts BTC height 0 and k = w = 0", () => {
    expect(votingPowerTable(0, [provider(FP1)], [], { ...params, k: 0, w: 0 })).toEqual(new Map([[FP1, 0n]]));
  });

  it("names w when it is invalid", () => {
    expect(() => votingPowerTable(1, [], [], { ...params, w: -1 })).toThrow(
      "w (checkpoint_finalization_timeout) must be a non-negative integer, got -1",
    );
  });
});
