// The voter's ports implemented over the real clients: the L2 through viem (src/chains/l2.ts), the
// finality contract through the typed CosmJS client (contracts/finality/client.ts), Babylon through ABCI
// queries (src/chains/babylon/query-client.ts).
import type { FinalityContractClient } from "../contracts/finality/client.ts";
import { type BTCDelegationResponse, covenantQuorumReached } from "../src/chains/babylon/btcstaking.ts";
import { type BabylonQueryClient, BabylonQueryError } from "../src/chains/babylon/query-client.ts";
import type { L2Client } from "../src/chains/l2.ts";
import { hexToBytes, strip0x } from "../src/core/crypto/bytes.ts";
import type { BabylonPort, ContractPort, L2Source } from "./voter.ts";

export function l2Source(client: L2Client): L2Source {
  return {
    async latestHeight(tag) {
      const block = await client.blockAtTag(tag);
      if (block === undefined) throw new Error(`the L2 node has no "${tag}" block yet`);
      return block.height;
    },
    async blockAt(height) {
      const block = await client.block(height);
      return { height: block.height, hash: hexToBytes(strip0x(block.hash), "L2 block hash") };
    },
  };
}

export function contractPort(client: FinalityContractClient<"rollup-bsn">): ContractPort {
  return {
    config: () => client.config(),
    highestVotedHeight: (pk) => client.highestVotedHeight(pk),
    lastPubRandCommit: (pk) => client.lastPubRandCommit(pk),
    pubRandCommitForHeight: (pk, h) => client.pubRandCommitForHeight(pk, h),
    async commitPublicRandomness(req) {
      return { txHash: (await client.commitPublicRandomness(req)).transactionHash };
    },
    async submitFinalitySignatures(votes) {
      return { txHash: (await client.submitFinalitySignatures(votes)).transactionHash };
    },
  };
}

/**
 * The Go provider's notion of voting power (reference §5.4): at least one delegation that is not
 * unbonded early and carries a covenant quorum of staking, unbonding and slashing signatures.
 */
export function hasActiveDelegation(
  delegations: readonly BTCDelegationResponse[],
  covenantQuorum: number,
): boolean {
  return delegations.some((d) => {
    const u = d.undelegationResponse;
    if (u === undefined || u.delegatorUnbondingInfoResponse !== undefined) return false;
    return covenantQuorumReached(d, covenantQuorum);
  });
}

export function babylonPort(query: BabylonQueryClient): BabylonPort {
  return {
    async hasVotingPower(pk) {
      const params = await query.btcstakingParams();
      return hasActiveDelegation(await query.allFinalityProviderDelegations(pk), params.covenantQuorum);
    },
    async lastFinalizedEpoch() {
      try {
        return await query.lastFinalizedEpoch();
      } catch (err) {
        // Before the first checkpoint is finalized Babylon answers "not found"; nothing is timestamped yet.
        if (err instanceof BabylonQueryError) return 0n;
        throw err;
      }
    },
  };
}
