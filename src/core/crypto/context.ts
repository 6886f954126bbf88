// Babylon v3 signing context: binds a signature to one operation, chain and contract so it cannot be
// replayed elsewhere. The 64 hex *characters* are what gets prepended to signed messages.

import { bytesToHex } from "./bytes.ts";
import { CryptoInputError } from "./errors.ts";
import { sha256 } from "./sha256.ts";

export type SigningOp = "fp_rand_commit" | "fp_fin_vote" | "fp_pop" | "staker_pop";

const OPS: ReadonlySet<string> = new Set<SigningOp>([
  "fp_rand_commit",
  "fp_fin_vote",
  "fp_pop",
  "staker_pop",
]);
const PROTOCOL = "btcstaking";
const VERSION = "0";

/** hex_lower(SHA-256("btcstaking/0/{op}/{babylonChainId}/{contractAddress}")). */
export function signingContext(op: SigningOp, babylonChainId: string, contractAddress: string): string {
  if (!OPS.has(op)) throw new CryptoInputError("op", `op must be one of ${[...OPS].join(", ")}, got ${op}`);
  if (typeof babylonChainId !== "string" || babylonChainId.length === 0) {
    throw new CryptoInputError("babylonChainId", "babylonChainId must be a non-empty string");
  }
  if (typeof contractAddress !== "string" || contractAddress.length === 0) {
    throw new CryptoInputError("contractAddress", "contractAddress must be a non-empty string");
  }
  const preimage = [PROTOCOL, VERSION, op, babylonChainId, contractAddress].join("/");
  return bytesToHex(sha256(new TextEncoder().encode(preimage)));
}
