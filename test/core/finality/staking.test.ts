// The staking history at a Babylon height (rule 3's statuses), case by case: the allow-list and its edges
// (entries known from state at height 0, an emptied list), jail changes, slashings known only by their Babylon
// height, and when the answer depends on the height at all.
import { describe, expect, it } from "vitest";
import {
  type AllowlistInterval,
  allowListAt,
  dependsOnBabylonHeight,
  type JailHistory,
  jailedAt,
  type ProviderRecord,
  powerTableAt,
  providersAt,
  type StakingHistory,
} from "../../../src/core/finality/staking.ts";

const history = (over: Partial<StakingHistory> = {}): StakingHistory => ({
  bsnId: "bsn",
  k: 2,
  w: 4,
  providers: [],
  delegations: [],
  jail: new Map(),
  allowList: [],
  ...over,
});

describe("allow-list at a Babylon height", () => {
  it("lists an entry known from state (added 0) at every height, 0 included", () => {
    const list: AllowlistInterval[] = [{ fpBtcPk: "a", added: 0n }];
    expect(allowListAt(list, 0n)).toEqual(new Set(["a"]));
    expect(allowListAt(list, 1n)).toEqual(new Set(["a"]));
  });

  it("lists an entry from the block after the one that added it until the block after its removal", () => {
    const list: AllowlistInterval[] = [
      { fpBtcPk: "a", added: 10n, removed: 20n },
      { fpBtcPk: "b", added: 0n },
    ];
    expect(allowListAt(list, 10n)).toEqual(new Set(["b"]));
    expect(allowListAt(list, 11n)).toEqual(new Set(["a", "b"]));
    expect(allowListAt(list, 20n)).toEqual(new Set(["a", "b"]));
    expect(allowListAt(list, 21n)).toEqual(new Set(["b"]));
  });

  it("is no filter (undefined) when empty: never listed, emptied by removals, or not yet in force", () => {
    expect(allowListAt([], 5n)).toBeUndefined();
    expect(allowListAt([{ fpBtcPk: "a", added: 1n, removed: 2n }], 5n)).toBeUndefined();
    expect(allowListAt([{ fpBtcPk: "a", added: 9n }], 5n)).toBeUndefined();
  });
});

describe("jail status at a Babylon height", () => {
  it("starts from the recorded status and applies each change from the block after it", () => {
    const h = {
      jailedAtStart: true,
      changes: [
        { babylonHeight: 10n, jailed: false },
        { babylonHeight: 20n, jailed: true },
      ],
    };
    expect([5n, 10n, 11n, 20n, 21n].map((at) => jailedAt(h, at))).toEqual([true, true, false, false, true]);
    expect(jailedAt(undefined, 30n)).toBe(false);
  });
});

describe("providers at a Babylon height", () => {
  const providers: ProviderRecord[] = [
    { btcPk: "a", bsnId: "bsn" },
    { btcPk: "b", bsnId: "bsn", slashedBabylonHeight: 10n },
    { btcPk: "c", bsnId: "other", slashedBabylonHeight: 10n, slashedBtcHeight: 150 },
  ];

  it("counts a slashing from the Babylon block after the one that recorded it, with its BTC height", () => {
    const jail = new Map([["a", { jailedAtStart: false, changes: [{ babylonHeight: 5n, jailed: true }] }]]);
    expect(providersAt(history({ providers, jail }), 10n)).toEqual([
      {
        btcPk: "a",
        bsnId: "bsn",
        jailed: true,
        slashedBtcHeight: undefined,
        slashedBabylonHeight: undefined,
      },
      {
        btcPk: "b",
        bsnId: "bsn",
        jailed: false,
        slashedBtcHeight: undefined,
        slashedBabylonHeight: undefined,
      },
      {
        btcPk: "c",
        bsnId: "other",
        jailed: false,
        slashedBtcHeight: undefined,
        slashedBabylonHeight: undefined,
      },
    ]);
    expect(providersAt(history({ providers }), 11n).map((p) => p.slashedBtcHeight)).toEqual([
      undefined,
      undefined,
      150,
    ]);
    expect(providersAt(history({ providers }), 11n).map((p) => p.slashedBabylonHeight)).toEqual([
      undefined,
      10,
      10,
    ]);
  });

  it("gives the table of the statuses in force: the allow-list filters only when it lists someone", () => {
    const delegations = ["a", "b"].map((pk) => ({
      stakingTxHash: pk,
      fpBtcPks: [pk],
      totalSat: 100n,
      startHeight: 100,
      endHeight: 200,
      covenantQuorumReached: true,
    }));
    const two: ProviderRecord[] = [
      { btcPk: "a", bsnId: "bsn" },
      { btcPk: "b", bsnId: "bsn" },
    ];
    const h = history({
      providers: two,
      delegations,
      allowList: [{ fpBtcPk: "a", added: 10n, removed: 20n }],
    });
    expect(powerTableAt(h, 150, 15n)).toEqual(new Map([["a", 100n]]));
    expect(powerTableAt(h, 150, 25n)).toEqual(
      new Map([
        ["a", 100n],
        ["b", 100n],
      ]),
    );
  });
});

describe("whether the statuses depend on the Babylon height", () => {
  it("does not for a history of statuses known from state only", () => {
    expect(dependsOnBabylonHeight(history())).toBe(false);
    expect(
      dependsOnBabylonHeight(
        history({
          allowList: [{ fpBtcPk: "a", added: 0n }],
          jail: new Map([["a", { jailedAtStart: true, changes: [] }]]),
          providers: [
            { btcPk: "a", bsnId: "bsn" },
            { btcPk: "b", bsnId: "bsn" },
          ],
        }),
      ),
    ).toBe(false);
  });

  it("does for each kind of change recorded at a Babylon height, whatever else the history holds", () => {
    const still = {
      allowList: [{ fpBtcPk: "z", added: 0n }],
      jail: new Map<string, JailHistory>([["z", { jailedAtStart: false, changes: [] }]]),
      providers: [{ btcPk: "z", bsnId: "bsn" }],
    };
    const cases: Partial<StakingHistory>[] = [
      { allowList: [...still.allowList, { fpBtcPk: "a", added: 3n }] },
      { allowList: [...still.allowList, { fpBtcPk: "a", added: 0n, removed: 3n }] },
      {
        jail: new Map([
          ...still.jail,
          ["a", { jailedAtStart: false, changes: [{ babylonHeight: 3n, jailed: true }] }],
        ]),
      },
      { providers: [...still.providers, { btcPk: "a", bsnId: "bsn", slashedBabylonHeight: 3n }] },
      {
        providers: [
          ...still.providers,
          { btcPk: "a", bsnId: "bsn", slashedBabylonHeight: 3n, slashedBtcHeight: 120 },
        ],
      },
    ];
    for (const change of cases) expect(dependsOnBabylonHeight(history({ ...still, ...change }))).toBe(true);
  });
});
