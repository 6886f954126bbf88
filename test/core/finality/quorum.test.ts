import { describe, expect, it } from "vitest";
import { quorumStatus, tally, type Vote } from "../../../src/core/finality/index.ts";

const HASH = "ab".repeat(32);
const OTHER = "cd".repeat(32);
const pk = (n: number) => n.toString(16).padStart(64, "0");
// All in one Babylon block unless a test says otherwise: every vote counts.
const votes = (...voters: number[]): Vote[] =>
  voters.map((n) => ({ fpBtcPk: pk(n), blockHash: HASH, babylonHeight: 1n }));
const table = (...powers: bigint[]) => new Map(powers.map((p, i) => [pk(i + 1), p]));

describe("quorum (rule 4): the reference's table", () => {
  it.each([
    { name: "no votes", powers: [100n, 300n], voters: [], voted: 0n, status: "no_quorum" },
    { name: "25%", powers: [100n, 300n], voters: [1], voted: 100n, status: "no_quorum" },
    { name: "exactly 2/3", powers: [100n, 100n, 100n], voters: [1, 2], voted: 200n, status: "quorum" },
    { name: "75%", powers: [100n, 300n], voters: [2], voted: 300n, status: "quorum" },
    { name: "all", powers: [100n, 100n, 100n], voters: [1, 2, 3], voted: 300n, status: "quorum" },
    { name: "3 of 4", powers: [100n, 100n, 100n, 100n], voters: [1, 2, 3], voted: 300n, status: "quorum" },
  ])("$name", ({ powers, voters, voted, status }) => {
    const result = tally(HASH, votes(...voters), table(...powers));
    expect(result.votedPower).toBe(voted);
    expect(result.totalPower).toBe(powers.reduce((a, b) => a + b, 0n));
    expect(result.status).toBe(status);
  });

  it("zero total power: not finalized, status no_voting_power, no throw", () => {
    const result = tally(HASH, votes(1, 2, 3), table(0n, 0n, 0n));
    expect(result).toEqual({
      blockHash: HASH,
      votedPower: 0n,
      totalPower: 0n,
      voters: [pk(1), pk(2), pk(3)],
      status: "no_voting_power",
    });
    expect(tally(HASH, [], new Map()).status).toBe("no_voting_power");
  });

  it("one vote short of 2/3 is not quorum", () => {
    expect(quorumStatus(199n, 300n)).toBe("no_quorum");
    expect(quorumStatus(200n, 300n)).toBe("quorum");
    expect(quorumStatus(2n, 3n)).toBe("quorum");
    expect(quorumStatus(1n, 2n)).toBe("no_quorum");
  });
});

describe("quorum: votes that must not count", () => {
  it("counts a duplicate voter once", () => {
    // 100 of 300 voting three times must not reach 2/3 (the reference summed duplicates).
    const result = tally(HASH, votes(1, 1, 1), table(100n, 100n, 100n));
    expect(result.votedPower).toBe(100n);
    expect(result.voters).toEqual([pk(1)]);
    expect(result.status).toBe("no_quorum");
  });

  it("ignores voters without an entry in the power table", () => {
    const result = tally(HASH, votes(9, 8, 1), table(100n, 300n));
    expect(result.votedPower).toBe(100n);
    expect(result.voters).toEqual([pk(1)]);
    expect(result.status).toBe("no_quorum");
  });

  it("ignores votes for another hash at the same height", () => {
    const result = tally(
      HASH,
      [
        { fpBtcPk: pk(2), blockHash: OTHER, babylonHeight: 1n },
        { fpBtcPk: pk(1), blockHash: HASH, babylonHeight: 1n },
      ],
      table(100n, 300n),
    );
    expect(result.votedPower).toBe(100n);
    expect(result.status).toBe("no_quorum");
  });

  it("lists distinct voters sorted, including eligible voters with 0 power", () => {
    const result = tally(HASH, votes(3, 1, 3, 2), table(10n, 0n, 20n));
    expect(result.voters).toEqual([pk(1), pk(2), pk(3)]);
    expect(result.votedPower).toBe(30n);
  });

  it("handles totals far beyond 2^64 exactly", () => {
    const big = 2n ** 70n;
    expect(tally(HASH, votes(1, 2), table(big, big, big)).status).toBe("quorum");
    expect(tally(HASH, votes(1, 2), table(big, big, big + 1n)).status).toBe("no_quorum");
  });
});

describe("quorum: votes are counted in Babylon order up to the block that completes the quorum", () => {
  const at = (babylonHeight: bigint, ...voters: number[]): Vote[] =>
    voters.map((n) => ({ fpBtcPk: pk(n), blockHash: HASH, babylonHeight }));

  it("leaves out votes in Babylon blocks after the one that completed the quorum", () => {
    // 1 and 2 (200 of 300) complete the quorum in block 11; 3's vote in block 12 changes no verdict.
    const result = tally(HASH, [...at(12n, 3), ...at(10n, 1), ...at(11n, 2)], table(100n, 100n, 100n));
    expect(result).toMatchObject({ votedPower: 200n, voters: [pk(1), pk(2)], status: "quorum" });
  });

  it("counts every vote of the Babylon block that completes the quorum", () => {
    const result = tally(HASH, [...at(10n, 1), ...at(11n, 2, 3)], table(100n, 100n, 100n));
    expect(result).toMatchObject({ votedPower: 300n, voters: [pk(1), pk(2), pk(3)] });
  });

  it("gives the same figure whether the later votes are known or not", () => {
    const early = [...at(10n, 2), ...at(10n, 1)];
    const powers = table(100n, 100n, 50n, 50n);
    expect(tally(HASH, [...early, ...at(20n, 3, 4)], powers)).toEqual(tally(HASH, early, powers));
  });

  it("places a provider that voted twice at its first vote", () => {
    const result = tally(
      HASH,
      [...at(30n, 1), ...at(10n, 2), ...at(11n, 1), ...at(12n, 3)],
      table(100n, 100n, 100n),
    );
    expect(result).toMatchObject({ votedPower: 200n, voters: [pk(1), pk(2)] });
  });

  it("counts every vote while the quorum is short, and when the total is zero", () => {
    expect(tally(HASH, [...at(10n, 1), ...at(20n, 2)], table(100n, 100n, 200n)).votedPower).toBe(200n);
    expect(tally(HASH, [...at(10n, 1), ...at(20n, 2)], table(0n, 0n)).voters).toEqual([pk(1), pk(2)]);
  });
});
