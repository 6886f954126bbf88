// The protobuf wire format: field tags, varints, fixed-width and length-delimited values, read and written
// the way Go's encoder does.

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

const utf8Encoder = new TextEncoder();

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
