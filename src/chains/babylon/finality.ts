// babylon.finality.v1: equivocation evidence, and the slashing and jailing events x/finality emits.

import {
  bip340PubKey,
  bytes,
  defineMessage,
  field,
  type MessageOf,
  message,
  optional,
  string,
  uint64,
} from "./proto.ts";

/**
 * In JSON (typed events) fp_btc_pk is hex (Babylon's BIP340PubKey.MarshalJSON) and the other byte fields
 * base64 (Go's default for []byte); decoding accepts either form for every byte field.
 */
export const Evidence = defineMessage("babylon.finality.v1.Evidence", {
  fpBtcPk: field(1, bip340PubKey),
  blockHeight: field(2, uint64),
  pubRand: field(3, bytes),
  canonicalAppHash: field(4, bytes),
  forkAppHash: field(5, bytes),
  canonicalFinalitySig: field(6, bytes),
  forkFinalitySig: field(7, bytes),
  /** The signing context the votes were made under (v3; absent before). */
  signingContext: field(8, string),
});
export type Evidence = MessageOf<typeof Evidence>;

export const EventSlashedFinalityProvider = defineMessage(
  "babylon.finality.v1.EventSlashedFinalityProvider",
  {
    evidence: optional(1, message(Evidence)),
  },
);
export type EventSlashedFinalityProvider = MessageOf<typeof EventSlashedFinalityProvider>;

/** x/finality jailing a provider for missing too many votes (liveness); public_key is its BTC key in hex. */
export const EventJailedFinalityProvider = defineMessage("babylon.finality.v1.EventJailedFinalityProvider", {
  publicKey: field(1, string),
});
export type EventJailedFinalityProvider = MessageOf<typeof EventJailedFinalityProvider>;
