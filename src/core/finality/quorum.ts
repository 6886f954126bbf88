/**
 * Rule 4: quorum for one block. Hashes and keys are compared as given: lowercase hex without 0x.
 */

export interface Vote {
  readonly fpBtcPk: string;
  /** The block hash the contract accepted this provider's signature for. */
  readonly blockHash: string;
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
  /** Distinct voters that are in the power table (their power may be 0), sorted. */
  readonly voters: readonly string[];
  readonly status: QuorumStatus;
}

/**
 * Tallies the votes for `blockHash` against `powerTable` (from `votingPowerTable` at the block's BTC
 * height). Each provider counts once however many times it appears; votes for another hash and voters
 * absent from the table add nothing. The threshold is inclusive (exactly 2/3 reaches quorum), as the
 * reference gadget's code. Never throws for a zero total: the status says so instead.
 */
export function tally(
  blockHash: string,
  votes: readonly Vote[],
  powerTable: ReadonlyMap<string, bigint>,
): Tally {
  let totalPower = 0n;
  for (const power of powerTable.values()) totalPower += power;

  const voters = new Set<string>();
  for (const vote of votes) {
    if (vote.blockHash === blockHash && powerTable.has(vote.fpBtcPk)) voters.add(vote.fpBtcPk);
  }
  let votedPower = 0n;
  for (const voter of voters) votedPower += powerTable.get(voter) ?? 0n;

  return {
    blockHash,
    votedPower,
    totalPower,
    voters: [...voters].sort(),
    status: quorumStatus(votedPower, totalPower),
  };
}

export function quorumStatus(votedPower: bigint, totalPower: bigint): QuorumStatus {
  if (totalPower === 0n) return "no_voting_power";
  return 3n * votedPower >= 2n * totalPower ? "quorum" : "no_quorum";
}
