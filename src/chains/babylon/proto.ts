/**
 * A small protobuf toolkit for the few Babylon / Cosmos messages this project speaks; this module is its one
 * entry point (`proto/wire.ts` the wire format, `proto/values.ts` the value types, `proto/message.ts` messages).
 *
 * A message is declared once — field numbers, names and types — and the declaration yields `encode`,
 * `decode`, `fromPartial` and the proto3 JSON mapping Go's gogoproto `jsonpb` produces (what Cosmos SDK
 * typed events carry). Encoding follows Go's output: fields in ascending number order, proto3 default
 * scalars omitted, repeated numeric scalars packed, non-nullable (gogoproto) sub-messages always written.
 * Decoding skips unknown fields of every wire type (newer Babylon replies add fields), accepts packed and
 * unpacked repeated scalars, and fills missing fields with their defaults (older replies lack fields).
 */

export * from "./proto/message.ts";
export {
  bip340PubKey,
  bool,
  bytes,
  bytesToHex,
  defineEnum,
  enumOf,
  hexToBytes,
  int32,
  int64,
  type JsonValue,
  type ProtoEnum,
  type ProtoType,
  string,
  uint32,
  uint64,
} from "./proto/values.ts";
export * from "./proto/wire.ts";
