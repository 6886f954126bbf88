import { parseJson } from "../../../contracts/finality/json.ts";
import { bytesEqual, hexToBytes } from "../../core/crypto/bytes.ts";
import { extractSecretKey } from "../../core/crypto/eots.ts";
import { xonlyPublicKey } from "../../core/crypto/keys.ts";
import { finalityVoteMessage } from "../../core/crypto/messages.ts";
import { AbciError } from "../chain/module.ts";

/** The finality contract's `msg_equivocation_evidence` body (Babylon's MsgEquivocationEvidence). */
export interface Evidence {
  signer: string;
  fpBtcPk: Uint8Array;
  blockHeight: bigint;
  pubRand: Uint8Array;
  canonicalAppHash: Uint8Array;
  forkAppHash: Uint8Array;
  canonicalFinalitySig: Uint8Array;
  forkFinalitySig: Uint8Array;
  signingContext: string;
}

/** x/finality ErrInvalidEquivocationEvidence (codespace finality). */
export function invalidEvidence(why: string): AbciError {
  return new AbciError("finality", 1113, `${why}: invalid equivocation evidence`);
}

function hexField(body: Record<string, unknown>, name: string, length: number): Uint8Array {
  const value = body[name];
  if (typeof value !== "string") throw invalidEvidence(`${name} must be a hex string`);
  let bytes: Uint8Array;
  try {
    bytes = hexToBytes(value, name);
  } catch {
    throw invalidEvidence(`${name} is not valid hex`);
  }
  if (bytes.length !== length) throw invalidEvidence(`${name} must be ${length} bytes, got ${bytes.length}`);
  return bytes;
}

/** Babylon's ParseToEvidence: hex fields of the exact sizes (keys, hashes, randomness and sigs all 32 bytes). */
export function parseEvidence(json: string): Evidence {
  let parsed: unknown;
  try {
    parsed = parseJson(json);
  } catch (err) {
    throw invalidEvidence(`evidence is not JSON (${(err as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw invalidEvidence("evidence must be a JSON object");
  }
  const body = parsed as Record<string, unknown>;
  const height = body.block_height;
  if (
    !(
      typeof height === "bigint" ||
      (typeof height === "number" && Number.isSafeInteger(height) && height >= 0)
    )
  ) {
    throw invalidEvidence("block_height must be a non-negative integer");
  }
  const signer = body.signer;
  if (typeof signer !== "string" || signer === "") throw invalidEvidence("signer must be an address");
  const ctx = body.signing_context ?? "";
  if (typeof ctx !== "string") throw invalidEvidence("signing_context must be a string");
  return {
    signer,
    fpBtcPk: hexField(body, "fp_btc_pk_hex", 32),
    blockHeight: BigInt(height),
    pubRand: hexField(body, "pub_rand_hex", 32),
    canonicalAppHash: hexField(body, "canonical_app_hash_hex", 32),
    forkAppHash: hexField(body, "fork_app_hash_hex", 32),
    canonicalFinalitySig: hexField(body, "canonical_finality_sig_hex", 32),
    forkFinalitySig: hexField(body, "fork_finality_sig_hex", 32),
    signingContext: ctx,
  };
}

/**
 * ExtractBTCSK over msg = ctx ‖ BE64(h) ‖ hash for both blocks, then Babylon's check that the extracted key
 * belongs to the accused provider. Any failure is invalid evidence, so the whole tx (and the fork vote the
 * contract stored in it) is rolled back.
 */
export function extractEquivocatorKey(e: Evidence): Uint8Array {
  const ctx = e.signingContext === "" ? undefined : e.signingContext;
  let sk: Uint8Array;
  try {
    sk = extractSecretKey(
      e.fpBtcPk,
      e.pubRand,
      finalityVoteMessage(e.blockHeight, e.canonicalAppHash, ctx),
      e.canonicalFinalitySig,
      finalityVoteMessage(e.blockHeight, e.forkAppHash, ctx),
      e.forkFinalitySig,
    );
  } catch (err) {
    throw invalidEvidence(`failed to extract secret key: ${(err as Error).message}`);
  }
  if (!bytesEqual(xonlyPublicKey(sk), e.fpBtcPk)) {
    throw invalidEvidence("extracted public key does not match the one in evidence");
  }
  return sk;
}
