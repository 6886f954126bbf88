// Rule 3's promise: a block's verdict depends on the chain state at its BTC height only, so evaluating it
// before or after later chain events (jail, unjail, slash, delegation changes, allow-list changes) gives the
// same table and the same quorum status. Random histories, seeded so that a failure replays.
import { describe, expect, it } from "vitest";
import {
  type AllowlistInterval,
  type Delegation,
  type JailHistory,
  type ProviderRecord,
  powerTableAt,
  type StakingHistory,
  tally,
  type Vote,
} from "../../../src/core/finality/index.ts";
import { rng } from "./chain-fixtures.ts";

const K = 2;
const W = 4;

interface Scenario {
  history: StakingHistory;
  /** The same history with chain events that happened after the block's heights appended. */
  later: StakingHistory;
  btcHeight: number;
  babylonHeight: bigint;
  votes: Vote[];
}

function scenario(seed: number): Scenario {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[int(0, xs.length - 1)]!;
  const btcHeight = int(100, 200);
  const at = BigInt(int(50, 100));
  const before = () => BigInt(int(1, Number(at) - 1));
  const after = () => at + BigInt(int(0, 50));
  const pks = Array.from({ length: int(1, 6) }, (_, i) => `fp${i}`);

  const providers: ProviderRecord[] = pks.map((btcPk) => {
    const slash = int(0, 3);
    return {
      btcPk,
      bsnId: r() < 0.9 ? "bsn" : "other",
      ...(slash === 1 ? { slashedBabylonHeight: before(), slashedBtcHeight: int(90, btcHeight) } : {}),
      ...(slash === 2 ? { slashedBabylonHeight: before() } : {}),
    };
  });
  const delegations: Delegation[] = Array.from({ length: int(0, 12) }, (_, i) => ({
    stakingTxHash: `d${i}`,
    fpBtcPks: [pick(pks)],
    totalSat: BigInt(int(0, 1000)),
    startHeight: r() < 0.1 ? 0 : int(50, btcHeight),
    endHeight: r() < 0.1 ? 0 : int(btcHeight, btcHeight + 50),
    covenantQuorumReached: r() < 0.9,
    // Reported active before the first indexed height, in a block before `at`, or never.
    activeBabylonHeight: pick([undefined, 0n, before(), before(), null]),
    ...(r() < 0.2 ? { unbondedAtBtcHeight: int(90, btcHeight + 20), unbondedBabylonHeight: before() } : {}),
  }));
  const jail = new Map<string, JailHistory>();
  for (const pk of pks) {
    if (r() < 0.5) continue;
    const heights = Array.from({ length: int(0, 4) }, before).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    jail.set(pk, {
      jailedAtStart: r() < 0.3,
      changes: heights.map((h) => ({ babylonHeight: h, jailed: r() < 0.5 })),
    });
  }
  const allowList: AllowlistInterval[] = [];
  for (const pk of pks) {
    const kind = int(0, 3);
    if (kind === 1) allowList.push({ fpBtcPk: pk, added: 0n });
    if (kind === 2)
      allowList.push({ fpBtcPk: pk, added: before(), removed: r() < 0.5 ? before() : undefined });
  }
  const history: StakingHistory = { bsnId: "bsn", k: K, w: W, providers, delegations, jail, allowList };

  // What can happen after Babylon height `at` and BTC height `btcHeight`.
  const laterJail = new Map(jail);
  for (const pk of pks) {
    if (r() < 0.5) continue;
    const current = laterJail.get(pk) ?? { jailedAtStart: false, changes: [] };
    const heights = Array.from({ length: int(1, 3) }, after).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    laterJail.set(pk, {
      jailedAtStart: current.jailedAtStart,
      changes: [...current.changes, ...heights.map((h) => ({ babylonHeight: h, jailed: r() < 0.5 }))],
    });
  }
  const laterProviders = providers.map((p) =>
    p.slashedBabylonHeight === undefined && r() < 0.4
      ? {
          ...p,
          slashedBabylonHeight: after(),
          // Its BTC height may be at or before the block's: Babylon recorded it only after `at`.
          ...(r() < 0.5 ? { slashedBtcHeight: int(90, btcHeight + 10) } : {}),
        }
      : p,
  );
  const laterDelegations: Delegation[] = [
    ...delegations.map((d) => {
      if (d.unbondedAtBtcHeight !== undefined || r() < 0.5) return d;
      // Unbonded after the height, or reported late: a spend at or before the height that Babylon recorded
      // only after `at` (a fact learned late must not change the table).
      return r() < 0.5
        ? { ...d, unbondedAtBtcHeight: btcHeight + int(1, 10), unbondedBabylonHeight: before() }
        : { ...d, unbondedAtBtcHeight: int(50, btcHeight), unbondedBabylonHeight: after() };
    }),
    // Confirmed by the height, but reported ACTIVE only afterwards.
    ...Array.from({ length: int(0, 3) }, (_, i) => ({
      stakingTxHash: `reported-late${i}`,
      fpBtcPks: [pick(pks)],
      totalSat: BigInt(int(1, 1000)),
      startHeight: int(50, btcHeight - K),
      endHeight: btcHeight + 100,
      covenantQuorumReached: true,
      activeBabylonHeight: after(),
    })),
    // Staked after the height: not confirmed (start + k) by it.
    ...Array.from({ length: int(0, 3) }, (_, i) => ({
      stakingTxHash: `late${i}`,
      fpBtcPks: [pick(pks)],
      totalSat: BigInt(int(1, 1000)),
      startHeight: btcHeight - K + int(1, 10),
      endHeight: btcHeight + 100,
      covenantQuorumReached: true,
    })),
  ];
  const laterAllowList: AllowlistInterval[] = allowList.map((e) =>
    e.removed === undefined && e.added !== 0n && r() < 0.5 ? { ...e, removed: after() } : e,
  );
  for (const pk of pks) if (r() < 0.3) laterAllowList.push({ fpBtcPk: pk, added: after() });
  const later: StakingHistory = {
    ...history,
    providers: laterProviders,
    delegations: laterDelegations,
    jail: laterJail,
    allowList: laterAllowList,
  };
  const votes = pks
    .filter(() => r() < 0.6)
    .map((fpBtcPk) => ({
      fpBtcPk,
      blockHash: r() < 0.9 ? "aa" : "bb",
      babylonHeight: at + BigInt(Math.floor(r() * 3)),
    }));
  return { history, later, btcHeight, babylonHeight: at, votes };
}

describe("staking history at a BTC height (rule 3)", () => {
  it("gives the same table and verdict before and after later chain events", () => {
    let differentHistories = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const s = scenario(seed);
      const now = powerTableAt(s.history, s.btcHeight, s.babylonHeight);
      const afterwards = powerTableAt(s.later, s.btcHeight, s.babylonHeight);
      expect({ seed, table: afterwards }).toEqual({ seed, table: now });
      expect(tally("aa", s.votes, afterwards)).toEqual(tally("aa", s.votes, now));
      // The later events do change the table at later heights, or the property would say nothing.
      const laterAt = s.babylonHeight + 60n;
      const h = s.btcHeight + 20;
      const a = powerTableAt(s.history, h, laterAt);
      const b = powerTableAt(s.later, h, laterAt);
      if (JSON.stringify([...a].map(String)) !== JSON.stringify([...b].map(String))) differentHistories++;
    }
    expect(differentHistories).toBeGreaterThan(200);
  });

  it("never reads a current flag: a provider jailed only by a later event counts at earlier heights", () => {
    const history: StakingHistory = {
      bsnId: "bsn",
      k: 0,
      w: 0,
      providers: [{ btcPk: "a", bsnId: "bsn" }],
      delegations: [
        {
          stakingTxHash: "d",
          fpBtcPks: ["a"],
          totalSat: 5n,
          startHeight: 1,
          endHeight: 999,
          covenantQuorumReached: true,
        },
      ],
      jail: new Map([["a", { jailedAtStart: false, changes: [{ babylonHeight: 40n, jailed: true }] }]]),
      allowList: [],
    };
    expect(powerTableAt(history, 100, 40n).get("a")).toBe(5n); // jailed in block 40: in force from 41
    expect(powerTableAt(history, 100, 41n).get("a")).toBeUndefined();
    const jailedAtStart = { ...history, jail: new Map([["a", { jailedAtStart: true, changes: [] }]]) };
    expect(powerTableAt(jailedAtStart, 100, 1n).get("a")).toBeUndefined();
  });
});
