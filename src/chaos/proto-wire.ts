// Just enough protobuf wire format for the checker's few Babylon and CosmWasm queries, written apart from
// the gadget's codecs (src/chains/babylon) so that a decoding mistake there cannot hide here too.

export type WireValue = bigint | Uint8Array;

/** Field number → values in order (varints as bigint, length-delimited as bytes). */
export type WireMessage = Map<number, WireValue[]>;

export function decodeMessage(buf: Uint8Array): WireMessage {
  const out: WireMessage = new Map();
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new RangeError("protobuf: truncated varint");
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = key >>> 3;
    const type = key & 7;
    let value: WireValue;
    if (type === 0) value = varint();
    else if (type === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new RangeError("protobuf: truncated field");
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else if (type === 1) {
      pos += 8;
      continue;
    } else if (type === 5) {
      pos += 4;
      continue;
    } else throw new RangeError(`protobuf: unsupported wire type ${type}`);
    const list = out.get(field) ?? [];
    list.push(value);
    out.set(field, list);
  }
  return out;
}

export function bytesField(m: WireMessage, field: number): Uint8Array | undefined {
  const v = m.get(field)?.[0];
  return v instanceof Uint8Array ? v : undefined;
}

export function stringField(m: WireMessage, field: number): string {
  const v = bytesField(m, field);
  return v === undefined ? "" : new TextDecoder().decode(v);
}

export function uintField(m: WireMessage, field: number): bigint {
  const v = m.get(field)?.[0];
  return typeof v === "bigint" ? v : 0n;
}

export function repeatedMessages(m: WireMessage, field: number): WireMessage[] {
  return (m.get(field) ?? [])
    .filter((v) => v instanceof Uint8Array)
    .map((v) => decodeMessage(v as Uint8Array));
}

function varintBytes(n: bigint): number[] {
  const out: number[] = [];
  let v = n;
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

/** Encodes fields in the order given; strings and bytes length-delimited, bigints and numbers as varints. */
export function encodeMessage(
  fields: [number, string | Uint8Array | bigint | number | boolean][],
): Uint8Array {
  const out: number[] = [];
  for (const [field, value] of fields) {
    if (typeof value === "string" || value instanceof Uint8Array) {
      const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
      out.push(...varintBytes(BigInt((field << 3) | 2)), ...varintBytes(BigInt(bytes.length)), ...bytes);
    } else {
      out.push(
        ...varintBytes(BigInt(field << 3)),
        ...varintBytes(BigInt(value === true ? 1 : value === false ? 0 : value)),
      );
    }
  }
  return Uint8Array.from(out);
}
