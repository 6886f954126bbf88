import { fromBech32 } from "@cosmjs/encoding";
import * as bip340 from "../../core/crypto/bip340.ts";
import { concatBytes } from "../../core/crypto/bytes.ts";
import { signingContext } from "../../core/crypto/context.ts";
import { sha256 } from "../../core/crypto/sha256.ts";
import { moduleAddress } from "../chain/encoding.ts";

/** ProofOfPossessionBTC.btc_sig_type values. */
export const BtcSigType = { BIP340: 0, BIP322: 1, ECDSA: 2 } as const;

/**
 * What a finality provider's BTC key signs to prove it belongs to the account `addr` (Babylon v3
 * `VerifyBIP340` with `FpPopContextV0`): sha256(context ‖ addr's 20 bytes), the context being the hex of
 * sha256("btcstaking/0/fp_pop/<chain id>/<btcstaking module address>").
 */
export function popMessageHash(babylonChainId: string, addr: string): Uint8Array {
  const context = signingContext("fp_pop", babylonChainId, moduleAddress("btcstaking"));
  return sha256(concatBytes(new TextEncoder().encode(context), fromBech32(addr, 1023).data));
}

export function signPop(secretKey: Uint8Array, babylonChainId: string, addr: string): Uint8Array {
  return bip340.sign(secretKey, popMessageHash(babylonChainId, addr));
}

/** Only BIP-340 proofs are accepted; BIP-322 and ECDSA proofs are for wallets the devnet does not model. */
export function verifyPop(
  sigType: number,
  sig: Uint8Array,
  btcPk: Uint8Array,
  babylonChainId: string,
  addr: string,
): { ok: true } | { ok: false; reason: string } {
  if (sigType !== BtcSigType.BIP340) return { ok: false, reason: `unsupported btc_sig_type ${sigType}` };
  if (sig.length !== 64) return { ok: false, reason: `btc_sig must be 64 bytes, got ${sig.length}` };
  let hash: Uint8Array;
  try {
    hash = popMessageHash(babylonChainId, addr);
  } catch {
    return { ok: false, reason: `addr ${JSON.stringify(addr)} is not a bech32 address` };
  }
  return bip340.verify(sig, hash, btcPk)
    ? { ok: true }
    : { ok: false, reason: "BIP-340 signature does not verify" };
}
