// A provider with real keys, randomness, commitments and EOTS votes, and a Babylon host backed by maps,
// so the model is driven exactly as the chain drives the wasm contract.
import { sha256 } from "@noble/hashes/sha2.js";
import type { ExecuteMsg, InstantiateMsg } from "../../contracts/finality/messages.ts";
import {
  type BabylonHost,
  type Env,
  FinalityContract,
  type FinalityProviderInfo,
} from "../../contracts/finality/model.ts";
import {
  bip340,
  eots,
  finalityVoteMessage,
  hexToBytes,
  keys,
  merkle,
  randomness,
  randomnessCommitMessage,
  signingContext,
} from "../../src/core/crypto/index.ts";

export const CHAIN_ID = "bbn-test-5";
export const CONTRACT = "bbn1contractcontractcontractcontractcontractcontractcontractcon";
export const ADMIN = "bbn1qqadmqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq";
export const NEW_ADMIN = "bbn1qqnewadmqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq";
export const BSN_ID = "op-stack-l2-11155420";

export class TestHost implements BabylonHost {
  readonly providers = new Map<string, FinalityProviderInfo>();
  epoch = 3n;
  finalizedEpoch = 0n;
  finalityProvider(btcPkHex: string): FinalityProviderInfo | undefined {
    return this.providers.get(btcPkHex.toLowerCase());
  }
  currentEpoch(): bigint {
    return this.epoch;
  }
  lastFinalizedEpoch(): bigint {
    return this.finalizedEpoch;
  }
  addressValidate(addr: string): boolean {
    return /^bbn1[02-9ac-hj-np-z]{6,}$/.test(addr);
  }
  register(pkHex: string, bsnId = BSN_ID): void {
    this.providers.set(pkHex, { btcPkHex: pkHex, bsnId, slashedBabylonHeight: 0n, slashedBtcHeight: 0n });
  }
}

export function env(blockHeight: bigint): Env {
  return {
    blockHeight,
    blockTimeNs: blockHeight * 1_000_000_000n,
    chainId: CHAIN_ID,
    contractAddress: CONTRACT,
  };
}

export const VOTE_CONTEXT = signingContext("fp_fin_vote", CHAIN_ID, CONTRACT);
export const COMMIT_CONTEXT = signingContext("fp_rand_commit", CHAIN_ID, CONTRACT);

export class Provider {
  readonly pk: Uint8Array;
  readonly pkHex: string;
  constructor(readonly sk: Uint8Array) {
    this.pk = keys.xonlyPublicKey(sk);
    this.pkHex = keys.publicKeyHex(sk);
  }

  static fromSeed(seed: number): Provider {
    const sk = sha256(new TextEncoder().encode(`provider-${seed}`));
    return new Provider(sk);
  }

  /** A commitment of `num` randomness values at start, start + interval, … plus everything to vote with it. */
  commitment(start: bigint, num: number, interval: bigint) {
    const list = randomness.deriveRandomnessList(this.sk, BSN_ID, start, num, interval);
    const root = merkle.root(list.pubRands);
    const proofs = merkle.proofs(list.pubRands);
    const signature = bip340.sign(
      this.sk,
      sha256(randomnessCommitMessage(start, BigInt(num), root, COMMIT_CONTEXT)),
    );
    const msg: ExecuteMsg = {
      commit_public_randomness: {
        fp_pubkey_hex: this.pkHex,
        start_height: start,
        num_pub_rand: BigInt(num),
        commitment: root,
        signature,
      },
    };
    const vote = (height: bigint, blockHash: Uint8Array) => {
      const i = list.heights.indexOf(height);
      if (i < 0) throw new Error(`height ${height} is not in the commitment`);
      const proof = proofs[i]!;
      const sig = eots.sign(
        this.sk,
        list.privRands[i]!,
        finalityVoteMessage(height, blockHash, VOTE_CONTEXT),
      );
      const submit: ExecuteMsg = {
        submit_finality_signature: {
          fp_pubkey_hex: this.pkHex,
          height,
          pub_rand: list.pubRands[i]!,
          proof: { total: proof.total, index: proof.index, leaf_hash: proof.leafHash, aunts: proof.aunts },
          block_hash: blockHash,
          signature: sig,
        },
      };
      return submit;
    };
    return { msg, root, list, proofs, vote };
  }
}

export function blockHash(label: string): Uint8Array {
  return sha256(new TextEncoder().encode(label));
}

export function instantiateMsg(overrides: Partial<InstantiateMsg> = {}): InstantiateMsg {
  return {
    admin: ADMIN,
    bsn_id: BSN_ID,
    min_pub_rand: 10n,
    rate_limiting_interval: 100n,
    max_msgs_per_interval: 50,
    bsn_activation_height: 100n,
    finality_signature_interval: 5n,
    ...overrides,
  };
}

export function setup(providers: Provider[], overrides: Partial<InstantiateMsg> = {}) {
  const host = new TestHost();
  for (const p of providers) host.register(p.pkHex);
  const { contract, result } = FinalityContract.instantiate(
    instantiateMsg({ allowed_finality_providers: providers.map((p) => p.pkHex), ...overrides }),
    env(10n),
    host,
    ADMIN,
  );
  return { host, contract, result };
}

export { hexToBytes };
