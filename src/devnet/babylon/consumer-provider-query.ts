// `/babylon.btcstkconsumer.v1.Query/FinalityProvider`, the lookup the older op-finality-gadget contract
// makes (Babylon v1.99 devnets; v3 moved it to x/btcstaking). Request: consumer_id = 1, fp_btc_pk_hex = 2.
// Reply: finality_provider = 1, a btcstkconsumer FinalityProviderResponse of which the devnet writes the
// key, slashing heights, height and consumer_id (field 10; voting_power 9 is left out as zero).
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { btcstakingError, type FinalityProvider } from "./staking.ts";

export const CONSUMER_FINALITY_PROVIDER_PATH = "/babylon.btcstkconsumer.v1.Query/FinalityProvider";

export function decodeConsumerProviderRequest(request: Uint8Array): {
  consumerId: string;
  fpBtcPkHex: string;
} {
  const reader = new BinaryReader(request);
  const out = { consumerId: "", fpBtcPkHex: "" };
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 === 1) out.consumerId = reader.string();
    else if (tag >>> 3 === 2) out.fpBtcPkHex = reader.string();
    else reader.skipType(tag & 7);
  }
  return out;
}

/** Answers the query from the provider registry; a provider of another consumer is not found. */
export function consumerProviderResponse(
  request: Uint8Array,
  lookup: (pkHex: string) => FinalityProvider | undefined,
  height: bigint,
): Uint8Array {
  const { consumerId, fpBtcPkHex } = decodeConsumerProviderRequest(request);
  const fp = lookup(fpBtcPkHex);
  if (!fp || fp.bsnId !== consumerId) throw btcstakingError.fpNotFound(fpBtcPkHex);
  const inner = new BinaryWriter();
  inner.uint32((3 << 3) | 2).string(fp.addr);
  inner.uint32((4 << 3) | 2).bytes(Buffer.from(fp.btcPkHex, "hex"));
  if (fp.slashedBabylonHeight > 0n) inner.uint32(6 << 3).uint64(fp.slashedBabylonHeight);
  if (fp.slashedBtcHeight > 0) inner.uint32(7 << 3).uint32(fp.slashedBtcHeight);
  inner.uint32(8 << 3).uint64(height);
  inner.uint32((10 << 3) | 2).string(fp.bsnId);
  const outer = new BinaryWriter();
  outer.uint32((1 << 3) | 2).bytes(inner.finish());
  return outer.finish();
}
