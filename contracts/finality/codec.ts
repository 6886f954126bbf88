// Small combinators that describe one contract JSON shape once and derive from it the strict parser
// (serde `deny_unknown_fields` behaviour, first offending path reported), the serialiser (field order of
// the Rust declaration, as serde_json writes it) and a JSON Schema.

import { fromBase64, toBase64 } from "../../src/core/crypto/index.ts";
import type { JsonValue } from "./json.ts";

export class ContractMsgError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = "ContractMsgError";
  }
}

export type JsonSchema = { [key: string]: unknown };

export interface Codec<T> {
  parse(value: unknown, path: string): T;
  toJson(value: T): JsonValue;
  schema(): JsonSchema;
}

const U64_MAX = (1n << 64n) - 1n;
const U32_MAX = 0xffff_ffff;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "bigint") return "a number";
  return `a ${typeof value}`;
}

export const u64: Codec<bigint> = {
  parse(value, path) {
    if (typeof value === "bigint") {
      if (value >= 0n && value <= U64_MAX) return value;
    } else if (typeof value === "number" && Number.isInteger(value) && value >= 0) {
      // Numbers above 2^53 arrive here only if the caller used JSON.parse and already lost precision.
      if (Number.isSafeInteger(value)) return BigInt(value);
      throw new ContractMsgError(path, "u64 above 2^53 lost precision; parse the text with parseJson");
    }
    throw new ContractMsgError(path, `expected u64 number, got ${describe(value)}`);
  },
  toJson: (value) => value,
  schema: () => ({ type: "integer", format: "uint64", minimum: 0 }),
};

/**
 * `codec` with a schema that says "at least `minimum`" (an interval of 0 blocks means nothing). Only the schema:
 * parsing stays the codec's, and refusing a 0 is left to the contract, whose error texts callers rely on.
 */
export function atLeast<T>(codec: Codec<T>, minimum: number): Codec<T> {
  return { ...codec, schema: () => ({ ...codec.schema(), minimum }) };
}

export const u32: Codec<number> = {
  parse(value, path) {
    const n = typeof value === "bigint" && value <= BigInt(U32_MAX) ? Number(value) : value;
    if (typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= U32_MAX) return n;
    throw new ContractMsgError(path, `expected u32 number, got ${describe(value)}`);
  },
  toJson: (value) => value,
  schema: () => ({ type: "integer", format: "uint32", minimum: 0 }),
};

export const str: Codec<string> = {
  parse(value, path) {
    if (typeof value === "string") return value;
    throw new ContractMsgError(path, `expected string, got ${describe(value)}`);
  },
  toJson: (value) => value,
  schema: () => ({ type: "string" }),
};

export const bool: Codec<boolean> = {
  parse(value, path) {
    if (typeof value === "boolean") return value;
    throw new ContractMsgError(path, `expected boolean, got ${describe(value)}`);
  },
  toJson: (value) => value,
  schema: () => ({ type: "boolean" }),
};

/** cosmwasm `Binary`: standard base64 string in JSON (padding optional when reading, written padded). */
export const binary: Codec<Uint8Array> = {
  parse(value, path) {
    if (typeof value !== "string")
      throw new ContractMsgError(path, `expected base64, got ${describe(value)}`);
    try {
      return fromBase64(value);
    } catch {
      throw new ContractMsgError(path, "expected base64");
    }
  },
  toJson: (value) => toBase64(value),
  schema: () => ({ type: "string", contentEncoding: "base64" }),
};

/** `Vec<u8>` in a reply: serde writes it as an array of numbers, not base64. */
export const byteArray: Codec<Uint8Array> = {
  parse(value, path) {
    if (!Array.isArray(value))
      throw new ContractMsgError(path, `expected array of bytes, got ${describe(value)}`);
    const out = new Uint8Array(value.length);
    value.forEach((b, i) => {
      if (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b > 255) {
        throw new ContractMsgError(`${path}[${i}]`, "expected byte (0-255)");
      }
      out[i] = b;
    });
    return out;
  },
  toJson: (value) => Array.from(value),
  schema: () => ({ type: "array", items: { type: "integer", format: "uint8", minimum: 0, maximum: 255 } }),
};

export function list<T>(item: Codec<T>): Codec<T[]> {
  return {
    parse(value, path) {
      if (!Array.isArray(value)) throw new ContractMsgError(path, `expected array, got ${describe(value)}`);
      return value.map((v, i) => item.parse(v, `${path}[${i}]`));
    },
    toJson: (value) => value.map((v) => item.toJson(v)),
    schema: () => ({ type: "array", items: item.schema() }),
  };
}

/** `Option<T>` returned by a query: the whole reply may be null. */
export function nullable<T>(inner: Codec<T>): Codec<T | null> {
  return {
    parse: (value, path) => (value === null ? null : inner.parse(value, path)),
    toJson: (value) => (value === null ? null : inner.toJson(value)),
    schema: () => ({ anyOf: [inner.schema(), { type: "null" }] }),
  };
}

export interface Field {
  readonly name: string;
  readonly codec: Codec<unknown>;
  /** `Option<T>`: may be absent or null; absence and null are kept apart so re-serialising is byte-exact. */
  readonly optional: boolean;
}

export function field<T>(name: string, codec: Codec<T>): Field {
  return { name, codec: codec as Codec<unknown>, optional: false };
}

export function optional<T>(name: string, codec: Codec<T>): Field {
  return { name, codec: codec as Codec<unknown>, optional: true };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array)
  );
}

/**
 * A `#[cw_serde]` struct: fields in declaration order. Unknown fields are skipped, as the compiled contracts
 * do (cosmwasm-schema 2.1 dropped serde's `deny_unknown_fields` from `#[cw_serde]`) and as a reader of a
 * newer contract must; its JSON Schema still says `additionalProperties: false`, as the contract's does.
 */
export function struct<T>(fields: readonly Field[]): Codec<T> {
  const byName = new Map(fields.map((f) => [f.name, f]));
  return {
    parse(value, path) {
      if (!isPlainObject(value)) throw new ContractMsgError(path, `expected object, got ${describe(value)}`);
      const out: Record<string, unknown> = {};
      // Document order, as serde reads it: the first bad key is the one reported.
      for (const key of Object.keys(value)) {
        const spec = byName.get(key);
        if (!spec) continue;
        const v = value[key];
        if (spec.optional && v === null) out[key] = null;
        else out[key] = spec.codec.parse(v, `${path}.${key}`);
      }
      for (const spec of fields) {
        if (!spec.optional && !(spec.name in out))
          throw new ContractMsgError(`${path}.${spec.name}`, "missing field");
      }
      return out as T;
    },
    toJson(value) {
      const record = value as Record<string, unknown>;
      const out: { [key: string]: JsonValue } = {};
      for (const spec of fields) {
        const v = record[spec.name];
        if (v === undefined) {
          if (!spec.optional) throw new TypeError(`field ${spec.name} is required`);
          continue;
        }
        out[spec.name] = v === null ? null : spec.codec.toJson(v);
      }
      return out;
    },
    schema() {
      const properties: Record<string, JsonSchema> = {};
      for (const f of fields) {
        properties[f.name] = f.optional ? { anyOf: [f.codec.schema(), { type: "null" }] } : f.codec.schema();
      }
      return {
        type: "object",
        required: fields.filter((f) => !f.optional).map((f) => f.name),
        properties,
        additionalProperties: false,
      };
    },
  };
}

/**
 * A `#[cw_serde]` enum of struct variants: `{"variant_name": {...}}`, exactly one key. The parsed value
 * keeps that shape, so TypeScript narrows it with `"variant_name" in msg`.
 */
export function variants<T>(variantCodecs: Record<string, Codec<unknown>>): Codec<T> {
  const names = Object.keys(variantCodecs);
  return {
    parse(value, path) {
      if (!isPlainObject(value)) throw new ContractMsgError(path, `expected object, got ${describe(value)}`);
      const keys = Object.keys(value);
      const [key] = keys;
      if (keys.length !== 1 || key === undefined) {
        throw new ContractMsgError(
          path,
          `expected exactly one of ${names.join(", ")}; got ${keys.length} keys`,
        );
      }
      const codec = variantCodecs[key];
      if (!codec || !Object.hasOwn(variantCodecs, key)) {
        throw new ContractMsgError(key, `unknown variant, expected one of ${names.join(", ")}`);
      }
      return { [key]: codec.parse(value[key], key) } as T;
    },
    toJson(value) {
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      const [key] = keys;
      const codec = key === undefined ? undefined : variantCodecs[key];
      if (keys.length !== 1 || key === undefined || !codec)
        throw new TypeError("not a variant of this message");
      return { [key]: codec.toJson(record[key]) };
    },
    schema: () => ({
      oneOf: names.map((n) => ({
        type: "object",
        required: [n],
        properties: { [n]: variantCodecs[n]?.schema() },
        additionalProperties: false,
      })),
    }),
  };
}

export const empty = struct<Record<string, never>>([]);
