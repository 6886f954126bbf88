// The exact bytes signed for votes and randomness commitments. With a context they are the rollup-BSN
// contract's messages; without one, the old op-finality-gadget contract's.
import { be64, concatBytes, requireBytes } from "./bytes.ts";
import { CryptoInputError } from "./errors.ts";

const CONTEXT_RE = /^[0-9a-f]{64}$/;

/**
 * [context ASCII] ‖ BE64(height) ‖ blockHash — EOTS-signed (it hashes this once). Any blockHash length is
 * encoded as given, like the contracts; OP-stack hashes are 32 bytes, which Babylon's slashing path needs.
 */
export function finalityVoteMessage(height: bigint, blockHash: Uint8Array, context?: string): Uint8Array {
  requireBytes(blockHash, "blockHash");
  return concatBytes(contextBytes(context), u64(height, "height"), blockHash);
}

/** [context ASCII] ‖ BE64(startHeight) ‖ BE64(numPubRand) ‖ commitment — signed BIP-340 over its SHA-256. */
export function randomnessCommitMessage(
  startHeight: bigint,
  numPubRand: bigint,
  commitment: Uint8Array,
  context?: string,
): Uint8Array {
  requireBytes(commitment, "commitment");
  return concatBytes(
    contextBytes(context),
    u64(startHeight, "startHeight"),
    u64(numPubRand, "numPubRand"),
    commitment,
  );
}

function u64(value: bigint, input: string): Uint8Array {
  if (typeof value !== "bigint") throw new CryptoInputError(input, `${input} must be a bigint`);
  return be64(value, input);
}

function contextBytes(context: string | undefined): Uint8Array {
  if (context === undefined) return new Uint8Array(0);
  if (typeof context !== "string" || !CONTEXT_RE.test(context)) {
    throw new CryptoInputError(
      "context",
      "context must be 64 lowercase hex characters from signingContext()",
    );
  }
  return new TextEncoder().encode(context);
}
