/**
 * A small protobuf toolkit for the few Babylon / Cosmos messages this project speaks.
 *
 * A message is declared once — field numbers, names and types — and the declaration yields `encode`,
 * `decode`, `fromPartial` and the proto3 JSON mapping Go's gogoproto `jsonpb` produces (what Cosmos SDK
 * typed events carry). Encoding follows Go's output: fields in ascending number order, proto3 default
 * scalars omitted, repeated numeric scalars packed, non-nullable (gogoproto) sub-messages always written.
 * Decoding skips unknown fields of every wire type (newer Babylon replies add fields), accepts packed and
 * unpacked repeated scalars, and fills missing fields with their defaults (older replies lack fields).
 */

export const WireType = {
  Varint: 0,
  Fixed64: 1,
  LengthDelimited: 2,
  StartGroup: 3,
  EndGroup: 4,
  Fixed32: 5,
} as const;
export type WireType = (typeof WireType)[keyof typeof WireType];

/** Malformed protobuf input: truncated data, overlong varints, a known field with a foreign wire type. */
export class ProtoDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProtoDecodeError";
  }
}

const MAX_UINT64 = (1n << 64n) - 1n;
const MIN_INT64 = -(1n << 63n);
const MAX_INT64 = (1n << 63n) - 1n;

const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const utf8Encoder = new TextEncoder();

// ---------------------------------------------------------------------------------------------------
// Wire reader and writer
// ---------------------------------------------------------------------------------------------------

export class Reader {
  pos: number;
  readonly end: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new ProtoDecodeError(`truncated input at byte ${this.pos}`);
    return this.buf[this.pos++]!;
  }

  /** A varint as an unsigned 64-bit bigint. */
  varint64(): bigint {
    let low = 0;
    // The first four bytes fit a 28-bit number; most values end there and need no bigint work.
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.byte();
      low |= (b & 0x7f) << shift;
      if (b < 0x80) return BigInt(low >>> 0);
    }
    let value = BigInt(low >>> 0);
    for (let shift = 28n; shift < 70n; shift += 7n) {
      const b = this.byte();
      value |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, value);
    }
    throw new ProtoDecodeError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** A varint truncated to its low 32 bits, unsigned (what Go does for uint32/int32/enum fields). */
  varint32(): number {
    let value = 0;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      if (i < 5) value |= (b & 0x7f) << (7 * i);
      if (b < 0x80) return value >>> 0;
    }
    throw new ProtoDecodeError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new ProtoDecodeError(`truncated fixed32 at byte ${this.pos}`);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getUint32(0, true);
    this.pos += 4;
    return v;
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.end) throw new ProtoDecodeError(`truncated fixed64 at byte ${this.pos}`);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getBigUint64(0, true);
    this.pos += 8;
    return v;
  }

  /** Length prefix of a length-delimited field, checked against the enclosing bounds. */
  length(): number {
    const len = this.varint64();
    if (len > BigInt(this.end - this.pos)) {
      throw new ProtoDecodeError(`length ${len} at byte ${this.pos} runs past the end of its message`);
    }
    return Number(len);
  }

  /** A length-delimited value as a copy, so decoded messages never alias the input buffer. */
  bytes(): Uint8Array {
    return this.view().slice();
  }

  /** A length-delimited value as a view into the input (for values consumed at once, like strings). */
  view(): Uint8Array {
    const len = this.length();
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  tag(): { no: number; wire: number } {
    const key = this.varint64();
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no < 1 || no > 0x1fffffff)
      throw new ProtoDecodeError(`invalid field number ${no} at byte ${this.pos}`);
    return { no, wire };
  }

  /** Skips the value of a field with the given wire type (groups included, nested to any depth). */
  skip(wire: number, no: number): void {
    switch (wire) {
      case WireType.Varint:
        this.varint64();
        return;
      case WireType.Fixed64:
        if (this.pos + 8 > this.end) throw new ProtoDecodeError(`truncated fixed64 at byte ${this.pos}`);
        this.pos += 8;
        return;
      case WireType.LengthDelimited: {
        // Read the length first: `this.pos += this.length()` would add it to the pre-prefix position.
        const len = this.length();
        this.pos += len;
        return;
      }
      case WireType.Fixed32:
        if (this.pos + 4 > this.end) throw new ProtoDecodeError(`truncated fixed32 at byte ${this.pos}`);
        this.pos += 4;
        return;
      case WireType.StartGroup:
        for (;;) {
          const t = this.tag();
          if (t.wire === WireType.EndGroup) {
            if (t.no !== no) throw new ProtoDecodeError(`group ${no} closed by end-group ${t.no}`);
            return;
          }
          this.skip(t.wire, t.no);
        }
      default:
        throw new ProtoDecodeError(`unexpected wire type ${wire} for field ${no} at byte ${this.pos}`);
    }
  }
}

export class Writer {
  private buf = new Uint8Array(128);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Unsigned varint of a number in [0, 2^32). */
  varint32(value: number): this {
    this.reserve(5);
    let v = value >>> 0;
    while (v > 0x7f) {
      this.buf[this.len++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[this.len++] = v;
    return this;
  }

  /** Unsigned varint of a bigint in [0, 2^64). */
  varint64(value: bigint): this {
    if (value < 0x80000000n) return this.varint32(Number(value));
    this.reserve(10);
    let v = value;
    while (v > 0x7fn) {
      this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.len++] = Number(v);
    return this;
  }

  fixed32(value: number): this {
    this.reserve(4);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 4).setUint32(0, value >>> 0, true);
    this.len += 4;
    return this;
  }

  fixed64(value: bigint): this {
    this.reserve(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.len, 8).setBigUint64(0, value, true);
    this.len += 8;
    return this;
  }

  tag(no: number, wire: WireType): this {
    // Field numbers are below 2^29, so the key fits a uint32 varint.
    return this.varint32(no * 8 + wire);
  }

  /** UTF-8 string, length-prefixed, encoded straight into the buffer. */
  string(value: string): this {
    const len = Buffer.byteLength(value, "utf8");
    this.varint32(len);
    this.reserve(len);
    utf8Encoder.encodeInto(value, this.buf.subarray(this.len, this.len + len));
    this.len += len;
    return this;
  }

  /**
   * Starts a length-delimited value written in place; `join` then inserts its length prefix. Nested
   * messages are encoded into the one buffer instead of a writer (and a copy) per level.
   */
  fork(): number {
    return this.len;
  }

  join(start: number): this {
    const contentLength = this.len - start;
    let prefixLength = 1;
    for (let v = contentLength >>> 7; v > 0; v >>>= 7) prefixLength++;
    this.reserve(prefixLength);
    this.buf.copyWithin(start + prefixLength, start, this.len);
    const end = this.len + prefixLength;
    this.len = start;
    this.varint32(contentLength);
    this.len = end;
    return this;
  }

  /** Length-prefixed bytes. */
  bytes(value: Uint8Array): this {
    this.varint32(value.length);
    this.reserve(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

// ---------------------------------------------------------------------------------------------------
// Value types
// ---------------------------------------------------------------------------------------------------

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

function describe(value: unknown): string {
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

// ---------------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------------

type FieldLabel = "singular" | "optional" | "repeated";

export interface FieldDef<V> {
  readonly no: number;
  readonly label: FieldLabel;
  readonly type: ProtoType<unknown>;
  /** Proto field name (JSON key); derived from the property name when not given. */
  readonly protoName: string | undefined;
  /** Type marker only; never set. */
  readonly __value?: V;
}

export interface FieldOptions {
  /** Proto field name when it is not the snake_case form of the property name. */
  protoName?: string;
}

/**
 * A singular field. Scalars are omitted on encode when they hold their default; a message type here is
 * gogoproto `nullable=false`: always written, and an empty message when absent on decode.
 */
export function field<T>(no: number, type: ProtoType<T>, opts: FieldOptions = {}): FieldDef<T> {
  return { no, label: "singular", type: type as ProtoType<unknown>, protoName: opts.protoName };
}

/** A field with presence: a (nullable) sub-message, or a proto3 `optional` scalar. Written iff defined. */
export function optional<T>(
  no: number,
  type: ProtoType<T>,
  opts: FieldOptions = {},
): FieldDef<T | undefined> {
  return { no, label: "optional", type: type as ProtoType<unknown>, protoName: opts.protoName };
}

export function repeated<T>(no: number, type: ProtoType<T>, opts: FieldOptions = {}): FieldDef<T[]> {
  return { no, label: "repeated", type: type as ProtoType<unknown>, protoName: opts.protoName };
}

export type Shape = Record<string, FieldDef<unknown>>;

type ValueOf<F> = F extends FieldDef<infer V> ? V : never;
type OptionalKeys<S extends Shape> = {
  [K in keyof S]: S[K]["label"] extends "optional" ? K : undefined extends ValueOf<S[K]> ? K : never;
}[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The TypeScript value of a message declared with `shape`. */
export type MessageValue<S extends Shape> = Simplify<
  { -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: ValueOf<S[K]> } & {
    -readonly [K in OptionalKeys<S>]?: ValueOf<S[K]>;
  }
>;

export type DeepPartial<T> = T extends Uint8Array | bigint | string | number | boolean | undefined
  ? T
  : T extends readonly (infer U)[]
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

export interface MessageCodec<T, N extends string = string> {
  /** Full protobuf name, e.g. "babylon.btcstaking.v1.Params" (also the typed-event type). */
  readonly typeName: N;
  readonly shape: Shape;
  /** Proto field names (the JSON keys), in field-number order. */
  readonly protoNames: readonly string[];
  encode(message: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  fromPartial(partial: DeepPartial<T>): T;
  /** Proto3 JSON as Go's jsonpb emits it with OrigName and EmitDefaults (all fields, proto names). */
  toJSON(message: T): { [key: string]: JsonValue };
  /** Accepts proto3 JSON (proto or camelCase names); unknown keys ignored, missing ones defaulted. */
  fromJSON(json: unknown): T;
  /** The codec as a field type, for nesting in other messages. */
  readonly type: ProtoType<T>;
}

export type MessageOf<C> = C extends MessageCodec<infer T, string> ? T : never;

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

interface CompiledField {
  readonly key: string;
  readonly protoName: string;
  readonly no: number;
  readonly label: FieldLabel;
  readonly type: ProtoType<unknown>;
}

export interface MessageOptions {
  /** Replaces the generic JSON mapping (well-known types such as Timestamp have their own). */
  json?: { toJSON(message: unknown): JsonValue; fromJSON(json: unknown): unknown };
}

export function defineMessage<const N extends string, const S extends Shape>(
  typeName: N,
  shape: S,
  options: MessageOptions = {},
): MessageCodec<MessageValue<S>, N> {
  type T = MessageValue<S>;
  const fields: CompiledField[] = Object.entries(shape)
    .map(([key, f]) => ({
      key,
      protoName: f.protoName ?? snakeCase(key),
      no: f.no,
      label: f.label,
      type: f.type,
    }))
    .sort((a, b) => a.no - b.no);
  const byNumber = new Map<number, CompiledField>();
  for (const f of fields) {
    if (byNumber.has(f.no)) throw new Error(`${typeName}: field number ${f.no} declared twice`);
    byNumber.set(f.no, f);
  }

  const where = (f: CompiledField) => `${typeName}.${f.protoName}`;

  const empty = (): T => {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      if (f.label === "repeated") out[f.key] = [];
      else if (f.label === "singular") out[f.key] = f.type.zero();
    }
    return out as T;
  };

  const writeMessage = (w: Writer, message: T): void => {
    const m = message as Record<string, unknown>;
    for (const f of fields) {
      const value = m[f.key];
      try {
        if (f.label === "repeated") {
          if (value === undefined) continue;
          if (!Array.isArray(value)) throw new TypeError(`expected an array, got ${describe(value)}`);
          if (value.length === 0) continue;
          if (f.type.packable) {
            w.tag(f.no, WireType.LengthDelimited);
            const start = w.fork();
            for (const v of value) f.type.write(w, v);
            w.join(start);
          } else {
            for (const v of value) {
              w.tag(f.no, f.type.wire);
              f.type.write(w, v);
            }
          }
        } else if (f.label === "optional") {
          if (value === undefined || value === null) continue;
          w.tag(f.no, f.type.wire);
          f.type.write(w, value);
        } else {
          // A message type's isZero is always false: non-nullable sub-messages are written even when empty.
          const v = value === undefined ? f.type.zero() : value;
          if (f.type.isZero(v)) continue;
          w.tag(f.no, f.type.wire);
          f.type.write(w, v);
        }
      } catch (err) {
        if (err instanceof EncodeFieldError) throw err;
        throw new EncodeFieldError(`cannot encode ${where(f)}: ${(err as Error).message}`, err);
      }
    }
  };

  const readMessage = (r: Reader): T => {
    const out = empty() as Record<string, unknown>;
    while (!r.done) {
      const { no, wire } = r.tag();
      const f = byNumber.get(no);
      if (f === undefined) {
        r.skip(wire, no);
        continue;
      }
      if (f.label === "repeated" && f.type.packable && wire === WireType.LengthDelimited) {
        const len = r.length();
        const sub = new Reader(r.buf, r.pos, r.pos + len);
        const list = out[f.key] as unknown[];
        while (!sub.done) list.push(f.type.read(sub));
        r.pos += len;
        continue;
      }
      if (wire !== f.type.wire) {
        throw new ProtoDecodeError(
          `${where(f)} (field ${no}) has wire type ${wire}, expected ${f.type.wire}`,
        );
      }
      const value = f.type.read(r);
      if (f.label === "repeated") (out[f.key] as unknown[]).push(value);
      else out[f.key] = value;
    }
    return out as T;
  };

  const fromPartial = (partial: DeepPartial<T>): T => {
    const p = (partial ?? {}) as Record<string, unknown>;
    const out = empty() as Record<string, unknown>;
    for (const f of fields) {
      const value = p[f.key];
      if (value === undefined || value === null) continue;
      try {
        if (f.label === "repeated") {
          if (!Array.isArray(value)) throw new TypeError(`expected an array, got ${describe(value)}`);
          out[f.key] = value.map((v) => f.type.fromPartial(v));
        } else {
          out[f.key] = f.type.fromPartial(value);
        }
      } catch (err) {
        throw new TypeError(`${where(f)}: ${(err as Error).message}`);
      }
    }
    return out as T;
  };

  const genericToJSON = (message: T): { [key: string]: JsonValue } => {
    const m = message as Record<string, unknown>;
    const out: { [key: string]: JsonValue } = {};
    for (const f of fields) {
      const value = m[f.key];
      if (f.label === "repeated")
        out[f.protoName] = ((value as unknown[] | undefined) ?? []).map((v) => f.type.toJSON(v));
      else if (value === undefined || value === null)
        out[f.protoName] = f.label === "optional" ? null : f.type.toJSON(f.type.zero());
      else out[f.protoName] = f.type.toJSON(value);
    }
    return out;
  };

  const genericFromJSON = (json: unknown): T => {
    if (json === null || json === undefined) return empty();
    if (typeof json !== "object" || Array.isArray(json))
      throw new TypeError(`${typeName}: expected a JSON object, got ${describe(json)}`);
    const j = json as Record<string, unknown>;
    const out = empty() as Record<string, unknown>;
    for (const f of fields) {
      const value = f.protoName in j ? j[f.protoName] : j[f.key];
      if (value === undefined) continue;
      try {
        if (f.label === "repeated") {
          if (value === null) continue;
          if (!Array.isArray(value)) throw new TypeError(`expected a JSON array, got ${describe(value)}`);
          out[f.key] = value.map((v) => f.type.fromJSON(v));
        } else if (f.label === "optional") {
          out[f.key] = value === null ? undefined : f.type.fromJSON(value);
        } else {
          out[f.key] = f.type.fromJSON(value);
        }
      } catch (err) {
        throw new TypeError(`${where(f)}: ${(err as Error).message}`);
      }
    }
    return out as T;
  };

  const toJSON = options.json
    ? (m: T) => options.json!.toJSON(m) as { [key: string]: JsonValue }
    : genericToJSON;
  const fromJSON = options.json ? (j: unknown) => options.json!.fromJSON(j) as T : genericFromJSON;

  const type: ProtoType<T> = {
    label: typeName,
    wire: WireType.LengthDelimited,
    packable: false,
    zero: empty,
    isZero: () => false,
    write(w, v) {
      if (typeof v !== "object" || v === null)
        throw new TypeError(`expected a ${typeName} object, got ${describe(v)}`);
      const start = w.fork();
      writeMessage(w, v);
      w.join(start);
    },
    read(r) {
      const len = r.length();
      const sub = new Reader(r.buf, r.pos, r.pos + len);
      r.pos += len;
      return readMessage(sub);
    },
    fromPartial: (v) => fromPartial(v as DeepPartial<T>),
    toJSON: (v) => toJSON(v),
    fromJSON: (j) => fromJSON(j),
  };

  return {
    typeName,
    shape,
    protoNames: fields.map((f) => f.protoName),
    type,
    encode(message) {
      const w = new Writer();
      writeMessage(w, message);
      return w.finish();
    },
    decode(input) {
      try {
        return readMessage(new Reader(input));
      } catch (err) {
        if (err instanceof ProtoDecodeError)
          throw new ProtoDecodeError(`cannot decode ${typeName}: ${err.message}`);
        throw err;
      }
    },
    fromPartial,
    toJSON,
    fromJSON,
  };
}

class EncodeFieldError extends TypeError {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = "EncodeFieldError";
  }
}

/** A message type as a field type (shorthand for `codec.type`). */
export function message<T>(codec: MessageCodec<T>): ProtoType<T> {
  return codec.type;
}
