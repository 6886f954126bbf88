/**
 * Rule 4: quorum for one block. Hashes and keys are compared as given: lowercase hex without 0x.
 */

export interface Vote {
  readonly fpBtcPk: string;
  /** The block hash the contract accepted this provider's signature for. */
  readonly blockHash: string;
  /** The Babylon block that carried the vote: votes are counted in Babylon order. */
  readonly babylonHeight: bigint;
}

export type QuorumStatus =
  /** 3·voted ≥ 2·total with total > 0. */
  | "quorum"
  /** total > 0 but the votes fall short. */
  | "no_quorum"
  /** total = 0: nobody can finalize the block (DESIGN rule 4: "no voting power"). */
  | "no_voting_power";

export interface Tally {
  readonly blockHash: string;
  readonly votedPower: bigint;
  readonly totalPower: bigint;
  /** The distinct counted voters that are in the power table (their power may be 0), sorted. */
  readonly voters: readonly string[];
  readonly status: QuorumStatus;
}

/**
 * Tallies the votes for `blockHash` against `powerTable` (from `votingPowerTable` at the block's BTC
 * height). Each provider counts once however many times it appears; votes for another hash and voters
 * absent from the table add nothing. The threshold is inclusive (exactly 2/3 reaches quorum), as the
 * reference gadget's code. Never throws for a zero total: the status says so instead.
 *
 * Votes are counted in Babylon order, a whole Babylon block at a time, up to the block that completes the
 * quorum; votes in later Babylon blocks are not counted. They could change no verdict, and leaving them out
 * makes the voted power a function of the chain alone: a gadget that decided live, before those votes
 * landed, and a backfill that reads them all store the same figure.
 */
export function tally(
  blockHash: string,
  votes: readonly Vote[],
  powerTable: ReadonlyMap<string, bigint>,
): Tally {
  let totalPower = 0n;
  for (const power of powerTable.values()) totalPower += power;

  // Each eligible voter once, at the first Babylon block that carried its vote for this hash.
  const firstVote = new Map<string, bigint>();
  for (const vote of votes) {
    if (vote.blockHash !== blockHash || !powerTable.has(vote.fpBtcPk)) continue;
    const seen = firstVote.get(vote.fpBtcPk);
    if (seen === undefined || vote.babylonHeight < seen) firstVote.set(vote.fpBtcPk, vote.babylonHeight);
  }
  const inBabylonOrder = [...firstVote].sort(([, a], [, b]) => (a < b ? -1 : a > b ? 1 : 0));
  const voters: string[] = [];
  let votedPower = 0n;
  let i = 0;
  while (i < inBabylonOrder.length && quorumStatus(votedPower, totalPower) !== "quorum") {
    const babylonHeight = inBabylonOrder[i]![1];
    for (; i < inBabylonOrder.length && inBabylonOrder[i]![1] === babylonHeight; i++) {
      const voter = inBabylonOrder[i]![0];
      voters.push(voter);
      votedPower += powerTable.get(voter)!;
    }
  }

  return {
    blockHash,
    votedPower,
    totalPower,
    voters: voters.sort(),
    status: quorumStatus(votedPower, totalPower),
  };
}

export function quorumStatus(votedPower: bigint, totalPower: bigint): QuorumStatus {
  if (totalPower === 0n) return "no_voting_power";
  return 3n * votedPower >= 2n * totalPower ? "quorum" : "no_quorum";
}
