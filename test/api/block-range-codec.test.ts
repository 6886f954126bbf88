// The range query's hand-written codec against protobufjs (through proto-loader, with the options the rest of
// the service uses): the same bytes out, the same blocks in, unknown fields skipped, bad bytes refused.
import type { MethodDefinition } from "@grpc/proto-loader";
import { describe, expect, it } from "vitest";
import type { BlockInfo } from "../../src/api/finality.ts";
import {
  decodeBlockRangeRequest,
  encodeBlockRangeRequest,
  ProtobufDecodeError,
} from "../../src/api/grpc/block-range-codec.ts";
import { loadFinalityGadgetProto, type WireBlockInfo } from "../../src/api/grpc/proto.ts";

const service = loadFinalityGadgetProto()["proto.FinalityGadget"] as Record<
  string,
  MethodDefinition<{ blocks: WireBlockInfo[] }, unknown>
>;
const protobufjs = service.QueryBlockRangeBabylonFinalized!;

const toWire = (b: BlockInfo): WireBlockInfo => ({
  block_hash: b.hash,
  block_height: b.height.toString(),
  block_timestamp: b.timestamp.toString(),
});
const fromWire = (w: WireBlockInfo): BlockInfo => ({
  hash: w.block_hash,
  height: BigInt(w.block_height),
  timestamp: BigInt(w.block_timestamp),
});

const MAX = 2n ** 64n - 1n;
const edges: BlockInfo[] = [
  { hash: `0x${"ab".repeat(32)}`, height: 1n, timestamp: 1_700_000_000n },
  { hash: "", height: 0n, timestamp: 0n },
  { hash: "é ∆ 🙂", height: MAX, timestamp: MAX },
  ...[7, 14, 21, 28, 31, 32, 35, 49, 53, 56, 63].flatMap((bits) => [
    { hash: "x", height: 2n ** BigInt(bits) - 1n, timestamp: 2n ** BigInt(bits) },
    { hash: "y", height: 2n ** BigInt(bits) + 1n, timestamp: 0n },
  ]),
];

function randomBlocks(n: number): BlockInfo[] {
  let seed = 11;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return BigInt(seed >>> 0);
  };
  return Array.from({ length: n }, (_, i) => ({
    hash: `0x${next().toString(16).padStart(8, "0").repeat(8)}`,
    height: 10_000_000n + BigInt(i),
    timestamp: (next() << 32n) | next(),
  }));
}

describe("range request codec", () => {
  for (const [name, blocks] of [
    ["no blocks", []],
    ["edge values", edges],
    ["a thousand blocks", randomBlocks(1_000)],
  ] as const) {
    it(`writes protobuf's bytes and reads protobufjs's: ${name}`, () => {
      const ours = encodeBlockRangeRequest({ blocks });
      const theirs = protobufjs.requestSerialize({ blocks: blocks.map(toWire) });
      // protobufjs writes a zero value it was given; Go's protobuf, like this codec, leaves it out.
      const nonZero = blocks.filter((b) => b.hash !== "" && b.height !== 0n && b.timestamp !== 0n);
      expect(encodeBlockRangeRequest({ blocks: nonZero })).toEqual(
        protobufjs.requestSerialize({ blocks: nonZero.map(toWire) }),
      );
      expect(decodeBlockRangeRequest(theirs).blocks).toEqual(blocks);
      expect(protobufjs.requestDeserialize(ours).blocks.map(fromWire)).toEqual(blocks);
    });
  }

  it("skips unknown fields of every wire type, at both levels", () => {
    const block = encodeBlockRangeRequest({ blocks: [edges[0]!] }).subarray(2); // BlockInfo's own bytes
    const unknown = Buffer.from([
      0x38,
      0x96,
      0x01, // field 7, varint 150
      0x41,
      1,
      2,
      3,
      4,
      5,
      6,
      7,
      8, // field 8, fixed64
      0x4a,
      0x02,
      0xff,
      0xfe, // field 9, 2 bytes
      0x55,
      1,
      2,
      3,
      4, // field 10, fixed32
    ]);
    const inner = Buffer.concat([unknown, block, unknown]);
    const bytes = Buffer.concat([unknown, Buffer.from([0x0a, inner.length]), inner, unknown]);
    expect(decodeBlockRangeRequest(bytes).blocks).toEqual([edges[0]]);
    expect(protobufjs.requestDeserialize(bytes).blocks.map(fromWire)).toEqual([edges[0]]);
  });

  it("leaves zero values out, as Go's protobuf writes them", () => {
    const zero = { hash: "", height: 0n, timestamp: 0n };
    expect(encodeBlockRangeRequest({ blocks: [zero] }).toString("hex")).toBe("0a00");
  });

  it("keeps the last value of a field written twice, as protobuf does", () => {
    const inner = Buffer.from([0x10, 0x05, 0x10, 0x07]);
    const bytes = Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
    expect(decodeBlockRangeRequest(bytes).blocks[0]?.height).toBe(7n);
  });

  it("refuses truncated and malformed bytes", () => {
    const good = encodeBlockRangeRequest({ blocks: randomBlocks(2) });
    for (const bad of [
      good.subarray(0, good.length - 1), // cut inside the last block
      good.subarray(0, 1), // a tag and nothing else
      Buffer.from([0x0a, 0x05, 0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), // a varint past its message
      Buffer.from([0x0a, 0x0b, 0x10, ...Array(10).fill(0xff), 0x01]), // an 11-byte varint
      Buffer.from([0x0b, 0x00]), // wire type 3 (groups)
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x7f]), // a length past 2^32
    ]) {
      expect(() => decodeBlockRangeRequest(bad), bad.toString("hex")).toThrow(ProtobufDecodeError);
    }
  });

  it("refuses to encode a height that is no uint64", () => {
    expect(() => encodeBlockRangeRequest({ blocks: [{ hash: "", height: -1n, timestamp: 0n }] })).toThrow(
      RangeError,
    );
    expect(() =>
      encodeBlockRangeRequest({ blocks: [{ hash: "", height: MAX + 1n, timestamp: 0n }] }),
    ).toThrow(RangeError);
  });
});
