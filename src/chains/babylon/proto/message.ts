// Protobuf messages: a message is declared once (field numbers, names, types) and the declaration yields its
// codec, proto3 JSON included.

import { describe, type JsonValue, type ProtoType } from "./values.ts";
import { ProtoDecodeError, Reader, WireType, Writer } from "./wire.ts";

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
