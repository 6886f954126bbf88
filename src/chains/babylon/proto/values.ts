// Protobuf value types (scalars, bytes, strings, enums): how each is written, read, defaulted and mapped to
// proto3 JSON.

import { ProtoDecodeError, type Reader, WireType, type Writer } from "./wire.ts";

const MAX_UINT64 = (1n << 64n) - 1n;
const MIN_INT64 = -(1n << 63n);
const MAX_INT64 = (1n << 63n) - 1n;

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** How one protobuf value type is written, read, defaulted and mapped to proto3 JSON. */
export interface ProtoType<T> {
  /** Short description for error messages, e.g. "uint64". */
  readonly label: string;
  readonly wire: WireType;
  /** Repeated fields of this type are packed on encode (numeric scalars). */
  readonly packable: boolean;
  zero(): T;
  isZero(value: T): boolean;
  /** Throws a RangeError/TypeError describing the problem when `value` cannot be encoded. */
  write(w: Writer, value: T): void;
  read(r: Reader): T;
  fromPartial(value: unknown): T;
  toJSON(value: T): JsonValue;
  fromJSON(json: unknown): T;
}

/** A value, shown for an error message. */
export function describe(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function scalarFromPartial<T>(check: (v: unknown) => v is T, label: string): (v: unknown) => T {
  return (v) => {
    if (!check(v)) throw new TypeError(`expected ${label}, got ${describe(v)}`);
    return v;
  };
}

const isString = (v: unknown): v is string => typeof v === "string";
const isBool = (v: unknown): v is boolean => typeof v === "boolean";
const isBigint = (v: unknown): v is bigint => typeof v === "bigint";
const isBytes = (v: unknown): v is Uint8Array => v instanceof Uint8Array;
const isNumber = (v: unknown): v is number => typeof v === "number";

function checkUint32(v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`expected uint32, got ${v}`);
}

function checkInt32(v: number): void {
  if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff)
    throw new RangeError(`expected int32, got ${v}`);
}

function jsonInteger(json: unknown, label: string): bigint {
  if (typeof json === "string" && /^-?\d+$/.test(json)) return BigInt(json);
  if (typeof json === "number" && Number.isSafeInteger(json)) return BigInt(json);
  throw new TypeError(`expected ${label} as a decimal string or integer, got ${describe(json)}`);
}

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

export function hexToBytes(hex: string, what = "hex string"): Uint8Array {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw new TypeError(`${what} is not valid hex: ${describe(hex)}`);
  return new Uint8Array(Buffer.from(hex, "hex"));
}

function base64ToBytes(s: string): Uint8Array {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) throw new TypeError(`not valid base64: ${describe(s)}`);
  return new Uint8Array(Buffer.from(s, "base64"));
}

/**
 * Bytes in JSON: Babylon's BIP340PubKey marshals as hex, plain `bytes` as base64, and the docs are loose
 * about which is which, so accept both. An even-length all-hex string is read as hex; 32- and 64-byte
 * values in base64 always end in "=" padding, so keys, hashes and signatures are never misread.
 */
function bytesFromJSON(json: unknown): Uint8Array {
  if (json === null || json === undefined) return new Uint8Array(0);
  if (typeof json !== "string")
    throw new TypeError(`expected bytes as a hex or base64 string, got ${describe(json)}`);
  if (/^(?:[0-9a-fA-F]{2})+$/.test(json)) return hexToBytes(json);
  return base64ToBytes(json);
}

export const string: ProtoType<string> = {
  label: "string",
  wire: WireType.LengthDelimited,
  packable: false,
  zero: () => "",
  isZero: (v) => v === "",
  write(w, v) {
    if (typeof v !== "string") throw new TypeError(`expected string, got ${describe(v)}`);
    w.string(v);
  },
  read(r) {
    const b = r.view();
    try {
      return utf8Decoder.decode(b);
    } catch {
      throw new ProtoDecodeError("string field is not valid UTF-8");
    }
  },
  fromPartial: scalarFromPartial(isString, "string"),
  toJSON: (v) => v,
  fromJSON(json) {
    if (json === null || json === undefined) return "";
    if (typeof json !== "string") throw new TypeError(`expected string, got ${describe(json)}`);
    return json;
  },
};

/** Plain `bytes`: base64 in JSON. */
export const bytes: ProtoType<Uint8Array> = {
  label: "bytes",
  wire: WireType.LengthDelimited,
  packable: false,
  zero: () => new Uint8Array(0),
  isZero: (v) => v.length === 0,
  write(w, v) {
    if (!(v instanceof Uint8Array)) throw new TypeError(`expected Uint8Array, got ${describe(v)}`);
    w.bytes(v);
  },
  read: (r) => r.bytes(),
  fromPartial: scalarFromPartial(isBytes, "Uint8Array"),
  toJSON: (v) => (v.length === 0 ? null : Buffer.from(v).toString("base64")),
  fromJSON: bytesFromJSON,
};

/** `bytes` with Babylon's BIP340PubKey customtype: identical on the wire, lowercase hex in JSON. */
export const bip340PubKey: ProtoType<Uint8Array> = {
  ...bytes,
  label: "BIP340PubKey bytes",
  toJSON: (v) => (v.length === 0 ? null : bytesToHex(v)),
};

export const uint32: ProtoType<number> = {
  label: "uint32",
  wire: WireType.Varint,
  packable: true,
  zero: () => 0,
  isZero: (v) => v === 0,
  write(w, v) {
    checkUint32(v);
    w.varint32(v);
  },
  read: (r) => r.varint32(),
  fromPartial: scalarFromPartial(isNumber, "number"),
  toJSON: (v) => v,
  fromJSON(json) {
    if (json === null || json === undefined) return 0;
    const v = Number(jsonInteger(json, "uint32"));
    checkUint32(v);
    return v;
  },
};

export const int32: ProtoType<number> = {
  label: "int32",
  wire: WireType.Varint,
  packable: true,
  zero: () => 0,
  isZero: (v) => v === 0,
  write(w, v) {
    checkInt32(v);
    // Negative int32 values are sign-extended to 64 bits on the wire, as Go does.
    w.varint64(BigInt.asUintN(64, BigInt(v)));
  },
  read: (r) => r.varint32() | 0,
  fromPartial: scalarFromPartial(isNumber, "number"),
  toJSON: (v) => v,
  fromJSON(json) {
    if (json === null || json === undefined) return 0;
    const v = Number(jsonInteger(json, "int32"));
    checkInt32(v);
    return v;
  },
};

export const uint64: ProtoType<bigint> = {
  label: "uint64",
  wire: WireType.Varint,
  packable: true,
  zero: () => 0n,
  isZero: (v) => v === 0n,
  write(w, v) {
    if (typeof v !== "bigint" || v < 0n || v > MAX_UINT64)
      throw new RangeError(`expected uint64 bigint, got ${describe(v)}`);
    w.varint64(v);
  },
  read: (r) => r.varint64(),
  fromPartial: scalarFromPartial(isBigint, "bigint"),
  toJSON: (v) => v.toString(),
  fromJSON(json) {
    if (json === null || json === undefined) return 0n;
    const v = jsonInteger(json, "uint64");
    if (v < 0n || v > MAX_UINT64) throw new RangeError(`uint64 out of range: ${v}`);
    return v;
  },
};

export const int64: ProtoType<bigint> = {
  label: "int64",
  wire: WireType.Varint,
  packable: true,
  zero: () => 0n,
  isZero: (v) => v === 0n,
  write(w, v) {
    if (typeof v !== "bigint" || v < MIN_INT64 || v > MAX_INT64)
      throw new RangeError(`expected int64 bigint, got ${describe(v)}`);
    w.varint64(BigInt.asUintN(64, v));
  },
  read: (r) => BigInt.asIntN(64, r.varint64()),
  fromPartial: scalarFromPartial(isBigint, "bigint"),
  toJSON: (v) => v.toString(),
  fromJSON(json) {
    if (json === null || json === undefined) return 0n;
    const v = jsonInteger(json, "int64");
    if (v < MIN_INT64 || v > MAX_INT64) throw new RangeError(`int64 out of range: ${v}`);
    return v;
  },
};

export const bool: ProtoType<boolean> = {
  label: "bool",
  wire: WireType.Varint,
  packable: true,
  zero: () => false,
  isZero: (v) => v === false,
  write(w, v) {
    if (typeof v !== "boolean") throw new TypeError(`expected boolean, got ${describe(v)}`);
    w.varint32(v ? 1 : 0);
  },
  read: (r) => r.varint64() !== 0n,
  fromPartial: scalarFromPartial(isBool, "boolean"),
  toJSON: (v) => v,
  fromJSON(json) {
    if (json === null || json === undefined) return false;
    if (typeof json !== "boolean") throw new TypeError(`expected boolean, got ${describe(json)}`);
    return json;
  },
};

// ---------------------------------------------------------------------------------------------------
// Enums
// ---------------------------------------------------------------------------------------------------

export interface ProtoEnum<V extends Record<string, number>> {
  readonly typeName: string;
  readonly values: V;
  /** The declared name of a value, or undefined for values this build does not know. */
  nameOf(value: number): (keyof V & string) | undefined;
  /** The value of a declared name; throws naming the enum when the name is unknown. */
  valueOf(name: string): number;
}

export function defineEnum<const V extends Record<string, number>>(
  typeName: string,
  values: V,
): ProtoEnum<V> {
  const names = new Map<number, keyof V & string>();
  for (const [name, value] of Object.entries(values)) if (!names.has(value)) names.set(value, name);
  return {
    typeName,
    values,
    nameOf: (value) => names.get(value),
    valueOf(name) {
      const v = values[name];
      if (v === undefined) {
        throw new RangeError(
          `unknown ${typeName} value ${describe(name)}; expected one of ${Object.keys(values).join(", ")}`,
        );
      }
      return v;
    },
  };
}

/** An enum field. Values are kept as numbers so that values added by a newer Babylon survive decoding. */
export function enumOf<V extends Record<string, number>>(e: ProtoEnum<V>): ProtoType<number> {
  return {
    ...int32,
    label: e.typeName,
    toJSON: (v) => e.nameOf(v) ?? v,
    fromJSON(json) {
      if (json === null || json === undefined) return 0;
      if (typeof json === "string" && !/^-?\d+$/.test(json)) return e.valueOf(json);
      return int32.fromJSON(json);
    },
  };
}
