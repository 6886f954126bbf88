// Registering the finality provider on Babylon: MsgCreateFinalityProvider for the rollup's BSN, with a
// proof of possession that binds the BTC (EOTS) key to the Babylon account that signs the transaction.
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import type { GeneratedType } from "@cosmjs/proto-signing";
import { sha256 } from "@noble/hashes/sha2.js";
import {
  BTCSigType,
  MsgCreateFinalityProvider,
  type MsgCreateFinalityProvider as MsgCreateFinalityProviderValue,
} from "../src/chains/babylon/btcstaking.ts";
import { legacyDecToWire } from "../src/chains/babylon/cosmos.ts";
import { sign as bip340Sign } from "../src/core/crypto/bip340.ts";
import { concatBytes } from "../src/core/crypto/bytes.ts";
import { signingContext } from "../src/core/crypto/context.ts";
import { xonlyPublicKey } from "../src/core/crypto/keys.ts";

export const MSG_CREATE_FINALITY_PROVIDER_TYPE_URL = "/babylon.btcstaking.v1.MsgCreateFinalityProvider";

/** The Cosmos SDK module account address: the first 20 bytes of sha256(module name). */
export function moduleAccountAddress(module: string, prefix = "bbn"): string {
  return toBech32(prefix, sha256(new TextEncoder().encode(module)).slice(0, 20));
}

/**
 * BIP-340 proof of possession (Babylon v3 `VerifyBIP340` with `FpPopContextV0`): the BTC key signs
 * sha256(context ‖ the account's 20 address bytes), context = hex(sha256("btcstaking/0/fp_pop/<chain id>/
 * <btcstaking module address>")).
 */
export function proofOfPossession(
  secretKey: Uint8Array,
  babylonChainId: string,
  addr: string,
  prefix = "bbn",
): Uint8Array {
  const context = signingContext("fp_pop", babylonChainId, moduleAccountAddress("btcstaking", prefix));
  const msg = concatBytes(new TextEncoder().encode(context), fromBech32(addr, 1023).data);
  return bip340Sign(secretKey, sha256(msg));
}

export interface RegistrationInput {
  /** the provider's Babylon account (signer of the tx) */
  addr: string;
  eotsSecretKey: Uint8Array;
  babylonChainId: string;
  bsnId: string;
  description: {
    moniker: string;
    identity: string;
    website: string;
    securityContact: string;
    details: string;
  };
  /** decimals such as "0.05" */
  commission: { rate: string; maxRate: string; maxChangeRate: string };
  prefix?: string;
}

export function createFinalityProviderMsg(input: RegistrationInput): MsgCreateFinalityProviderValue {
  return MsgCreateFinalityProvider.fromPartial({
    addr: input.addr,
    description: input.description,
    btcPk: xonlyPublicKey(input.eotsSecretKey),
    pop: {
      btcSigType: BTCSigType.values.BIP340,
      btcSig: proofOfPossession(input.eotsSecretKey, input.babylonChainId, input.addr, input.prefix),
    },
    commission: {
      rate: legacyDecToWire(input.commission.rate),
      maxRate: legacyDecToWire(input.commission.maxRate),
      maxChangeRate: legacyDecToWire(input.commission.maxChangeRate),
    },
    bsnId: input.bsnId,
  });
}

/** The message codec in the shape CosmJS's Registry expects of generated protobuf types. */
export const msgCreateFinalityProviderType = {
  encode: (m: MsgCreateFinalityProviderValue) => ({ finish: () => MsgCreateFinalityProvider.encode(m) }),
  decode: (bytes: Uint8Array) => MsgCreateFinalityProvider.decode(bytes),
  fromPartial: (p: Parameters<typeof MsgCreateFinalityProvider.fromPartial>[0]) =>
    MsgCreateFinalityProvider.fromPartial(p),
} as unknown as GeneratedType;
