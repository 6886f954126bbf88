// The Cosmos SDK refuses a tx whose message carries a field its proto does not declare (RejectUnknownFields):
// field numbers below 1024 are "critical". This is how a real Babylon v3 (rc.0 on) answers a client still
// sending MsgCreateFinalityProvider.bsn_id as field 6, where it lived in an older snapshot (now field 8).
import { BinaryReader } from "cosmjs-types/binary";
import { AbciError } from "../chain/module.ts";

const WIRE_TYPES = ["varint", "fixed64", "bytes", "start_group", "end_group", "fixed32"];

/** Throws the SDK's tx parse error for the first undeclared critical field of a message. */
export function rejectUnknownCriticalFields(
  value: Uint8Array,
  goType: string,
  declared: ReadonlySet<number>,
): void {
  const reader = new BinaryReader(value);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (!declared.has(field) && field < 1024) {
      throw new AbciError(
        "sdk",
        2,
        `errUnknownField "${goType}": {TagNum: ${field}, WireType:"${WIRE_TYPES[wire] ?? wire}"}: tx parse error`,
      );
    }
    reader.skipType(wire);
  }
}
