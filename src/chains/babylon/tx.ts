// What the indexer reads of a Cosmos tx: its hash and the JSON of its wasm execute messages. The decoders
// declare only those fields, so decoding skips every other one (signatures, auth info, fees), which a
// backfill of vote txs would otherwise decode by the million.

import { bytesToHex } from "../../core/crypto/bytes.ts";
import { sha256 } from "../../core/crypto/sha256.ts";
import { bytes, defineMessage, field, message, repeated, string } from "./proto.ts";

const AnyMessage = defineMessage("google.protobuf.Any", {
  typeUrl: field(1, string),
  value: field(2, bytes),
});
const TxBody = defineMessage("cosmos.tx.v1beta1.TxBody", { messages: repeated(1, message(AnyMessage)) });
const TxRaw = defineMessage("cosmos.tx.v1beta1.TxRaw", { body: field(1, bytes) });
const MsgExecuteContract = defineMessage("cosmwasm.wasm.v1.MsgExecuteContract", { msg: field(3, bytes) });
const utf8 = new TextDecoder();

/** A tx's hash as CometBFT shows it: uppercase hex of the SHA-256 of its bytes. */
export function txHash(tx: Uint8Array): string {
  return bytesToHex(sha256(tx)).toUpperCase();
}

/**
 * The JSON of the contract messages in a tx, by message index (undefined where a message is something else);
 * empty when the tx is absent or cannot be decoded.
 */
export function contractExecuteMessages(tx: Uint8Array | undefined): (Record<string, unknown> | undefined)[] {
  if (!tx) return [];
  try {
    const body = TxBody.decode(TxRaw.decode(tx).body);
    return body.messages.map((any) => {
      if (any.typeUrl !== "/cosmwasm.wasm.v1.MsgExecuteContract") return undefined;
      return JSON.parse(utf8.decode(MsgExecuteContract.decode(any.value).msg)) as Record<string, unknown>;
    });
  } catch {
    return [];
  }
}
