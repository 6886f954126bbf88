import { CryptoInputError } from "./errors.ts";

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;
const MAX_U64 = (1n << 64n) - 1n;

/** Decodes hex (either case, no `0x`); `input` names the value in the error. */
export function hexToBytes(hex: string, input = "hex"): Uint8Array {
  if (typeof hex !== "string" || !HEX_RE.test(hex)) {
    throw new CryptoInputError(input, `${input} must be an even-length hex string without 0x`);
  }
  return new Uint8Array(Buffer.from(hex, "hex"));
}

/** Lowercase hex without `0x`, the form the contract and Babylon use for keys. */
export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Hex without a `0x` (or `0X`) prefix: how the contract and Babylon write hashes. */
export function strip0x(hex: string): string {
  return hex.startsWith("0x") || hex.startsWith("0X") ? hex.slice(2) : hex;
}

/** Hex with a `0x` prefix: how the L2 (EVM) writes hashes. */
export function with0x(hex: string): string {
  return `0x${strip0x(hex)}`;
}

/** 8-byte big-endian encoding of a uint64 (heights, counts). */
export function be64(value: bigint | number, input = "value"): Uint8Array {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new CryptoInputError(input, `${input} must be an integer, got ${value}`);
  }
  const n = BigInt(value);
  if (n < 0n || n > MAX_U64) throw new CryptoInputError(input, `${input} must fit in uint64, got ${n}`);
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, false);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  // Stryker disable next-line EqualityOperator: at i = length both sides are undefined, and undefined ^ undefined is 0
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Standard-alphabet base64 with padding, as Go's encoding/json and cosmwasm `Binary` emit it. */
export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Standard-alphabet base64, padding optional (cosmwasm-std accepts both). Rejects what cosmwasm rejects:
 * other alphabets, whitespace, impossible lengths and non-zero trailing bits — Buffer alone would silently
 * skip such characters and decode a different value, so the decoded bytes must encode back to the input
 * (which a character outside the standard alphabet never does). No regular expression over the whole text:
 * on a 200 KB transaction it cost more than the decoding.
 */
export function fromBase64(s: string, input = "base64"): Uint8Array {
  const bad = () => new CryptoInputError(input, `${input} must be standard base64, got ${JSON.stringify(s)}`);
  if (typeof s !== "string") throw bad();
  const body = unpadded(s);
  const padding = s.length - body.length;
  // Stryker disable next-line ConditionalExpression,ArithmeticOperator: a body of length 4k+1 fails the round trip below anyway; this says why
  if (body.length % 4 === 1 || padding > 2) throw bad();
  if (padding > 0 && s.length % 4 !== 0) throw bad();
  const bytes = Buffer.from(body, "base64");
  if (unpadded(bytes.toString("base64")) !== body) throw bad();
  return new Uint8Array(bytes);
}

function unpadded(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d) end--; // "="
  return text.slice(0, end);
}

/** Throws unless `value` is a Uint8Array of exactly `length` bytes. */
export function requireLength(value: Uint8Array, length: number, input: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CryptoInputError(input, `${input} must be a Uint8Array`);
  if (value.length !== length) {
    throw new CryptoInputError(input, `${input} must be ${length} bytes, got ${value.length}`);
  }
  return value;
}

/** Throws unless `value` is a Uint8Array (any length). */
export function requireBytes(value: Uint8Array, input: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CryptoInputError(input, `${input} must be a Uint8Array`);
  return value;
}
