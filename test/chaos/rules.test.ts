// The checker's own finality rules on hand-made facts.
import { describe, expect, it } from "vitest";
import {
  babylonHeightAt,
  btcHeightAt,
  consecutiveFinality,
  type DelegationFact,
  delegationActiveAt,
  monotoneView,
  type ProviderFact,
  powerAt,
  tally,
} from "../../src/chaos/rules.ts";

const params = { k: 2, w: 4 };
const fp = (pk: string, extra: Partial<ProviderFact> = {}): ProviderFact => ({
  btcPkHex: pk,
  slashedBtcHeight: 0,
  slashedBabylonHeight: 0,
  jailChanges: [],
  ...extra,
});
const del = (fps: string[], sat: bigint, extra: Partial<DelegationFact> = {}): DelegationFact => ({
  stakingTxHash: `${fps.join("")}${sat}`,
  fps,
  totalSat: sat,
  startHeight: 100,
  endHeight: 1_000,
  covenantQuorum: true,
  unbondedAtBtcHeight: null,
  activeBabylonHeight: 1,
  unbondedBabylonHeight: 1,
  ...extra,
});

describe("BTC height of an L2 block (rule 2)", () => {
  // Header 102 is earlier than 101: its effective time is 101's.
  const view = monotoneView([
    { height: 100, time: 1_000 },
    { height: 101, time: 1_100 },
    { height: 102, time: 1_050 },
    { height: 103, time: 1_200 },
  ]);

  it("takes the highest height whose effective time is at or before the timestamp", () => {
    expect(view.map((h) => h.time)).toEqual([1_000, 1_100, 1_100, 1_200]);
    expect(btcHeightAt(view, 1_000)).toBe(100);
    expect(btcHeightAt(view, 1_099)).toBe(100);
    expect(btcHeightAt(view, 1_100)).toBe(102);
    expect(btcHeightAt(view, 1_150)).toBe(102);
  });

  it("maps a timestamp after the tip to the tip, and one before every header to none", () => {
    expect(btcHeightAt(view, 9_999)).toBe(103);
    expect(btcHeightAt(view, 999)).toBeNull();
    expect(btcHeightAt([], 5)).toBeNull();
  });

  it("places a BTC height's time among Babylon blocks", () => {
    const blocks = [
      { height: 1, time: 10 },
      { height: 2, time: 20 },
      { height: 3, time: 30 },
    ];
    expect(babylonHeightAt(blocks, 25)).toBe(2);
    expect(babylonHeightAt(blocks, 30)).toBe(3);
    expect(babylonHeightAt(blocks, 5)).toBeNull();
  });
});

describe("voting power at a BTC height (rule 3)", () => {
  it("counts a delegation from start + k to end − w, until an early unbonding", () => {
    const d = del(["a"], 10n, { unbondedAtBtcHeight: 500 });
    expect(delegationActiveAt(d, 101, params, 50)).toBe(false);
    expect(delegationActiveAt(d, 102, params, 50)).toBe(true);
    expect(delegationActiveAt(d, 499, params, 50)).toBe(true);
    expect(delegationActiveAt(d, 500, params, 50)).toBe(false);
    const long = del(["a"], 10n);
    expect(delegationActiveAt(long, 996, params, 50)).toBe(true);
    expect(delegationActiveAt(long, 997, params, 50)).toBe(false);
    expect(delegationActiveAt(del(["a"], 1n, { covenantQuorum: false }), 200, params, 50)).toBe(false);
    expect(delegationActiveAt(del(["a"], 1n, { startHeight: null, endHeight: null }), 200, params, 50)).toBe(
      false,
    );
  });

  it("counts only what Babylon had reported before the Babylon block placed at the height", () => {
    // Reported ACTIVE in block 10: from block 11 on.
    const d = del(["a"], 10n, { activeBabylonHeight: 10 });
    expect(delegationActiveAt(d, 200, params, 10)).toBe(false);
    expect(delegationActiveAt(d, 200, params, 11)).toBe(true);
    expect(delegationActiveAt(del(["a"], 1n, { activeBabylonHeight: null }), 200, params, 99)).toBe(false);
    // An early unbonding at BTC 150 reported in block 30: blocks placed at 30 or before still count it.
    const u = del(["a"], 10n, { unbondedAtBtcHeight: 150, unbondedBabylonHeight: 30 });
    expect(delegationActiveAt(u, 200, params, 30)).toBe(true);
    expect(delegationActiveAt(u, 200, params, 31)).toBe(false);
    expect(delegationActiveAt(u, 149, params, 31)).toBe(true);
  });

  it("leaves out slashed, jailed, unregistered and (with a list) not allow-listed providers", () => {
    const providers = new Map([
      ["a", fp("a")],
      ["b", fp("b", { slashedBtcHeight: 150, slashedBabylonHeight: 5 })],
      [
        "c",
        fp("c", {
          jailChanges: [
            { babylonHeight: 7, jailed: true },
            { babylonHeight: 9, jailed: false },
          ],
        }),
      ],
      ["d", fp("d")],
    ]);
    const delegations = [del(["a"], 10n), del(["b"], 20n), del(["c"], 30n), del(["d"], 40n), del(["z"], 50n)];
    const at = (h: number, babylonHeight: number, allow: string[] = []) =>
      Object.fromEntries(
        powerAt(h, { providers, delegations, params, allowlist: new Set(allow), babylonHeight }),
      );
    expect(at(149, 7)).toEqual({ a: 10n, b: 20n, c: 30n, d: 40n });
    // Slashed at BTC 150; jailed in Babylon block 7, in force from block 8 until block 9's unjail (from 10).
    expect(at(150, 8)).toEqual({ a: 10n, d: 40n });
    expect(at(150, 9)).toEqual({ a: 10n, d: 40n });
    expect(at(150, 10)).toEqual({ a: 10n, c: 30n, d: 40n });
    expect(at(150, 10, ["a", "c"])).toEqual({ a: 10n, c: 30n });
    // Babylon recorded b's slashing in block 5: a height placed at block 5 or before still counts it.
    expect(at(150, 5)).toEqual({ a: 10n, b: 20n, c: 30n, d: 40n });
  });
});

describe("quorum and consecutive finality (rules 4, 5, 7)", () => {
  const power = new Map([
    ["a", 40n],
    ["b", 30n],
    ["c", 20n],
    ["d", 10n],
  ]);

  it("needs 3·voted ≥ 2·total over distinct voters, and no total is no quorum", () => {
    expect(tally(power, ["a", "b"]).quorum).toBe(true); // 70 of 100
    expect(tally(power, ["a", "c", "c", "c"]).quorum).toBe(false); // 60: a repeated voter counts once
    expect(
      tally(
        new Map([
          ["a", 2n],
          ["b", 1n],
        ]),
        ["a"],
      ).quorum,
    ).toBe(true); // exactly 2/3
    expect(tally(power, ["x"]).voted).toBe(0n);
    expect(tally(new Map(), ["a"]).quorum).toBe(false);
  });

  it("finalizes checked blocks in order from activation, stopping at a gap or a broken link", () => {
    const b = (height: bigint, quorum: boolean, total = 100n) => ({
      height,
      hash: `h${height}`,
      quorum,
      total,
    });
    const linked = () => true;
    expect([
      ...consecutiveFinality(
        [b(10n, true, 0n), b(12n, true), b(14n, true), b(16n, false), b(18n, true)],
        linked,
      ),
    ]).toEqual([12n, 14n]);
    expect([...consecutiveFinality([b(10n, false), b(12n, true)], linked)]).toEqual([]);
    const broken = (older: { height: bigint }, newer: { height: bigint }) =>
      !(older.height === 12n && newer.height === 14n);
    expect([...consecutiveFinality([b(10n, true), b(12n, true), b(14n, true)], broken)]).toEqual([10n, 12n]);
  });
});
