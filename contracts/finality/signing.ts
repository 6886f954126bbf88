// Builds the contract's two signed payloads from raw parts: a randomness commitment (BIP-340 over
// SHA-256 of the commit message) and a finality vote (EOTS over the vote message). With a signing context
// they target the rollup-BSN contract; without one, the old op-finality-gadget contract.

import { sha256 } from "@noble/hashes/sha2.js";
import {
  bip340,
  eots,
  finalityVoteMessage,
  keys,
  type merkle,
  randomnessCommitMessage,
  signingContext,
} from "../../src/core/crypto/index.ts";

export interface SigningContexts {
  /** hex(sha256("btcstaking/0/fp_rand_commit/<chain>/<contract>")) */
  randCommit: string;
  /** hex(sha256("btcstaking/0/fp_fin_vote/<chain>/<contract>")) */
  finalityVote: string;
}

/** The contexts the rollup-BSN contract at `contractAddress` on Babylon chain `chainId` expects. */
export function signingContextFor(chainId: string, contractAddress: string): SigningContexts {
  return {
    randCommit: signingContext("fp_rand_commit", chainId, contractAddress),
    finalityVote: signingContext("fp_fin_vote", chainId, contractAddress),
  };
}

export interface CommitArgs {
  fpPubkeyHex: string;
  startHeight: bigint;
  numPubRand: bigint;
  commitment: Uint8Array;
  signature: Uint8Array;
}

export interface Vote {
  fpPubkeyHex: string;
  height: bigint;
  pubRand: Uint8Array;
  proof: merkle.Proof;
  blockHash: Uint8Array;
  /** The 32-byte EOTS s. */
  signature: Uint8Array;
  /** Rollup-BSN only: echoed into the event, not signed. */
  l1BlockNumber?: bigint;
  l1BlockHashHex?: string;
}

/** Signs a commitment (Merkle root of the public randomness) with the provider's key. */
export function signCommit(
  secretKey: Uint8Array,
  startHeight: bigint,
  numPubRand: bigint,
  commitment: Uint8Array,
  randCommitContext?: string,
): CommitArgs {
  const hash = sha256(randomnessCommitMessage(startHeight, numPubRand, commitment, randCommitContext));
  return {
    fpPubkeyHex: keys.publicKeyHex(secretKey),
    startHeight,
    numPubRand,
    commitment,
    signature: bip340.sign(secretKey, hash),
  };
}

export interface VoteParts {
  height: bigint;
  blockHash: Uint8Array;
  /** The committed nonce for `height` and its public form (the 32-byte x). */
  privRand: Uint8Array;
  pubRand: Uint8Array;
  proof: merkle.Proof;
}

/** EOTS-signs (height, blockHash) with the committed randomness of that height. */
export function signVote(secretKey: Uint8Array, parts: VoteParts, finalityVoteContext?: string): Vote {
  return voteSigner(secretKey, finalityVoteContext)(parts);
}

/** `signVote` for many votes of one provider: its public key is derived once, not per vote. */
export function voteSigner(secretKey: Uint8Array, finalityVoteContext?: string): (parts: VoteParts) => Vote {
  const fpPubkeyHex = keys.publicKeyHex(secretKey);
  return (parts) => ({
    fpPubkeyHex,
    height: parts.height,
    pubRand: parts.pubRand,
    proof: parts.proof,
    blockHash: parts.blockHash,
    signature: eots.sign(
      secretKey,
      parts.privRand,
      finalityVoteMessage(parts.height, parts.blockHash, finalityVoteContext),
    ),
  });
}
