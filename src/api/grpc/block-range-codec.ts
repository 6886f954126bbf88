// QueryBlockRangeBabylonFinalizedRequest (`repeated BlockInfo blocks = 1`) between protobuf bytes and BlockInfo
// values, for the one call op-node makes with a thousand blocks. protobufjs decodes each uint64 to a Long,
// proto-loader turns it into a decimal string and the handler parses that into a bigint; here the varints go
// straight to bigints, about a quarter of the call's cost on both ends. The bytes are protobuf's: the test
// checks them against protobufjs both ways, unknown fields included.
import type { BlockInfo } from "../finality.ts";

/** Malformed protobuf bytes: grpc-js answers INTERNAL "Error deserializing request", as for protobufjs. */
export class ProtobufDecodeError extends Error {
  override readonly name = "ProtobufDecodeError";
}

const TWO_32 = 2 ** 32;

class Reader {
  pos = 0;
  readonly end: number;
  constructor(readonly buf: Buffer) {
    this.end = buf.length;
  }

  /** A varint as a bigint; up to 10 bytes, as protobuf writes a uint64. */
  varint(): bigint {
    // Seven 7-bit groups (49 bits) add up exactly in a double, and bigint arithmetic per byte costs more than
    // the rest of the decoding: heights and timestamps end well within them.
    let value = 0;
    let scale = 1;
    for (let groups = 0; groups < 7; groups++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return BigInt(value);
      scale *= 0x80;
    }
    let big = BigInt(value);
    for (let shift = 49n; shift < 70n; shift += 7n) {
      const b = this.byte();
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, big);
    }
    throw new ProtobufDecodeError("varint longer than 10 bytes");
  }

  /** A varint that must fit a length or a tag. */
  small(): number {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      value += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (value >= TWO_32) break;
        return value;
      }
    }
    throw new ProtobufDecodeError("length or tag out of range");
  }

  byte(): number {
    if (this.pos >= this.end) throw new ProtobufDecodeError("message truncated");
    return this.buf[this.pos++]!;
  }

  /** The end of a length-delimited field that starts here. */
  delimited(): number {
    const length = this.small();
    const end = this.pos + length;
    if (end > this.end) throw new ProtobufDecodeError("message truncated");
    return end;
  }

  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 1) this.advance(8);
    else if (wireType === 2) this.pos = this.delimited();
    else if (wireType === 5) this.advance(4);
    else throw new ProtobufDecodeError(`unsupported wire type ${wireType}`);
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new ProtobufDecodeError("message truncated");
    this.pos += n;
  }
}

function readBlockInfo(r: Reader, end: number): BlockInfo {
  // proto3 defaults for fields left out.
  const block: BlockInfo = { hash: "", height: 0n, timestamp: 0n };
  while (r.pos < end) {
    const tag = r.small();
    const field = tag >>> 3;
    const wireType = tag & 7;
    if (field === 1 && wireType === 2) {
      const stringEnd = r.delimited();
      block.hash = r.buf.toString("utf8", r.pos, stringEnd);
      r.pos = stringEnd;
    } else if (field === 2 && wireType === 0) block.height = r.varint();
    else if (field === 3 && wireType === 0) block.timestamp = r.varint();
    else r.skip(wireType);
  }
  if (r.pos !== end) throw new ProtobufDecodeError("field overruns its message");
  return block;
}

export function decodeBlockRangeRequest(buf: Buffer): { blocks: BlockInfo[] } {
  const r = new Reader(buf);
  const blocks: BlockInfo[] = [];
  while (r.pos < r.end) {
    const tag = r.small();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const end = r.delimited();
      blocks.push(readBlockInfo(r, end));
    } else r.skip(tag & 7);
  }
  return { blocks };
}

const MAX_UINT64 = (1n << 64n) - 1n;
const EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** Bytes of the varint of a non-negative integer a double holds exactly (a length, or a value up to 2^53). */
function numberVarintSize(n: number): number {
  let size = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

function writeNumberVarint(buf: Buffer, pos: number, n: number): number {
  let v = n;
  for (; v >= 0x80; v = Math.floor(v / 0x80)) buf[pos++] = (v % 0x80) | 0x80;
  buf[pos++] = v;
  return pos;
}

function varintSize(value: bigint): number {
  if (value <= EXACT) return numberVarintSize(Number(value));
  let size = 1;
  for (let v = value >> 7n; v > 0n; v >>= 7n) size++;
  return size;
}

function writeVarint(buf: Buffer, pos: number, value: bigint): number {
  if (value < 0n || value > MAX_UINT64) throw new RangeError(`${value} is not a uint64`);
  // As in decoding: doubles while the value is exact in one, bigints only above.
  if (value <= EXACT) return writeNumberVarint(buf, pos, Number(value));
  let v = value;
  while (v >= 0x80n) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
  return pos;
}

/** The request's bytes, field for field as protobufjs writes them (proto3 zero values left out). */
export function encodeBlockRangeRequest(request: { blocks: readonly BlockInfo[] }): Buffer {
  const { blocks } = request;
  // Sizes in typed arrays and lengths as numbers: an object and three bigints per block were most of what the
  // client allocated for a thousand-block request.
  const hashBytes = new Uint32Array(blocks.length);
  const bodies = new Uint32Array(blocks.length);
  let total = 0;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    const hash = Buffer.byteLength(b.hash);
    const body =
      (hash > 0 ? 1 + numberVarintSize(hash) + hash : 0) +
      (b.height !== 0n ? 1 + varintSize(b.height) : 0) +
      (b.timestamp !== 0n ? 1 + varintSize(b.timestamp) : 0);
    hashBytes[i] = hash;
    bodies[i] = body;
    total += 1 + numberVarintSize(body) + body;
  }
  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    buf[pos++] = 0x0a; // field 1, length-delimited
    pos = writeNumberVarint(buf, pos, bodies[i]!);
    if (hashBytes[i]! > 0) {
      buf[pos++] = 0x0a;
      pos = writeNumberVarint(buf, pos, hashBytes[i]!);
      pos += buf.write(b.hash, pos, "utf8");
    }
    if (b.height !== 0n) {
      buf[pos++] = 0x10; // field 2, varint
      pos = writeVarint(buf, pos, b.height);
    }
    if (b.timestamp !== 0n) {
      buf[pos++] = 0x18; // field 3, varint
      pos = writeVarint(buf, pos, b.timestamp);
    }
  }
  return buf;
}
