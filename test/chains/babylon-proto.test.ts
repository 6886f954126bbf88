import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { PageRequest as CjPageRequest } from "cosmjs-types/cosmos/base/query/v1beta1/pagination";
import {
  CommissionRates as CjCommissionRates,
  Description as CjDescription,
} from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { Timestamp as CjTimestamp } from "cosmjs-types/google/protobuf/timestamp";
import { describe, expect, it } from "vitest";
import {
  CommissionRates,
  Description,
  legacyDecFromWire,
  legacyDecToWire,
  PageRequest,
  Timestamp,
} from "../../src/chains/babylon/cosmos.ts";
import {
  bool,
  bytes,
  defineEnum,
  defineMessage,
  enumOf,
  field,
  int32,
  int64,
  message,
  optional,
  ProtoDecodeError,
  Reader,
  repeated,
  string,
  uint32,
  uint64,
  Writer,
} from "../../src/chains/babylon/proto.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

const Color = defineEnum("test.Color", { RED: 0, GREEN: 1, BLUE: 2 });
const Inner = defineMessage("test.Inner", { name: field(1, string), n: field(2, uint64) });
const Sample = defineMessage("test.Sample", {
  s: field(1, string),
  b: field(2, bytes),
  u32: field(3, uint32),
  i32: field(4, int32),
  u64: field(5, uint64),
  i64: field(6, int64),
  flag: field(7, bool),
  color: field(8, enumOf(Color)),
  inner: optional(9, message(Inner)),
  always: field(10, message(Inner)),
  nums: repeated(11, uint64),
  names: repeated(12, string),
  inners: repeated(13, message(Inner)),
});

describe("varints against cosmjs-types' writer and reader", () => {
  const u64Cases = [
    0n,
    1n,
    127n,
    128n,
    300n,
    2n ** 31n - 1n,
    2n ** 32n,
    2n ** 53n + 1n,
    2n ** 63n,
    2n ** 64n - 1n,
  ];
  it.each(u64Cases)("uint64 %s encodes as Go does and decodes back", (v) => {
    const ours = new Writer().varint64(v).finish();
    expect(hex(ours)).toBe(hex(new BinaryWriter().uint64(v).finish()));
    expect(new Reader(ours).varint64()).toBe(v);
  });

  // cosmjs-types 0.11's BinaryWriter.uint64 mis-encodes values in [2^31, 2^32) (its low
  // word goes negative), so these are checked against hand-computed varints instead.
  it.each([
    [2n ** 31n, "8080808008"],
    [2n ** 32n - 1n, "ffffffff0f"],
    [3_000_000_000n, "80bcc1960b"],
  ])("uint64 %s in the range cosmjs-types gets wrong is %s", (v, expected) => {
    expect(hex(new Writer().varint64(v).finish())).toBe(expected);
    expect(new Reader(Buffer.from(expected, "hex")).varint64()).toBe(v);
    expect(hex(new BinaryWriter().uint64(v).finish())).not.toBe(expected);
  });

  it.each([-1n, -(2n ** 63n), 2n ** 63n - 1n, -300n])("int64 %s is two's complement in 10 bytes", (v) => {
    const w = new Writer();
    int64.write(w, v);
    const ours = w.finish();
    expect(hex(ours)).toBe(hex(new BinaryWriter().int64(v).finish()));
    expect(int64.read(new Reader(ours))).toBe(v);
  });

  it.each([-1, -2147483648, 2147483647, 0, 5])("int32 %s sign-extends like Go", (v) => {
    const w = new Writer();
    int32.write(w, v);
    const ours = w.finish();
    expect(hex(ours)).toBe(hex(new BinaryWriter().int32(v).finish()));
    expect(int32.read(new Reader(ours))).toBe(v);
  });

  it("uint32 keeps the low 32 bits of an overlong varint, as Go does", () => {
    const enc = new BinaryWriter().uint64(2n ** 32n + 7n).finish();
    expect(new Reader(enc).varint32()).toBe(7);
  });

  it("rejects truncated and overlong varints", () => {
    expect(() => new Reader(Uint8Array.of(0x80, 0x80)).varint64()).toThrow(ProtoDecodeError);
    expect(() => new Reader(new Uint8Array(11).fill(0xff)).varint64()).toThrow(/longer than 10 bytes/);
  });
});

describe("message codec", () => {
  const full = Sample.fromPartial({
    s: "héllo",
    b: Uint8Array.of(1, 2, 3),
    u32: 4_000_000_000,
    i32: -5,
    u64: 2n ** 64n - 1n,
    i64: -(2n ** 40n),
    flag: true,
    color: Color.values.BLUE,
    inner: { name: "x", n: 9_007_199_254_740_993n },
    always: {},
    nums: [1n, 300n, 2n ** 60n],
    names: ["a", ""],
    inners: [{ name: "p" }, {}],
  });

  it("encodes fields in number order, matching a field-by-field BinaryWriter build", () => {
    const w = new BinaryWriter();
    w.uint32(10).string("héllo");
    w.uint32(18).bytes(Uint8Array.of(1, 2, 3));
    w.uint32(24).uint32(4_000_000_000);
    w.uint32(32).int32(-5);
    w.uint32(40).uint64(2n ** 64n - 1n);
    w.uint32(48).int64(-(2n ** 40n));
    w.uint32(56).bool(true);
    w.uint32(64).int32(2);
    w.uint32(74).fork().uint32(10).string("x").uint32(16).uint64(9_007_199_254_740_993n).ldelim();
    w.uint32(82).fork().ldelim(); // non-nullable sub-message: written even when empty
    w.uint32(90)
      .fork()
      .uint64(1n)
      .uint64(300n)
      .uint64(2n ** 60n)
      .ldelim(); // packed
    w.uint32(98).string("a");
    w.uint32(98).string(""); // repeated strings keep empty elements
    w.uint32(106).fork().uint32(10).string("p").ldelim();
    w.uint32(106).fork().ldelim();
    expect(hex(Sample.encode(full))).toBe(hex(w.finish()));
  });

  it("writes length prefixes of 1, 2 and 3 bytes for nested messages in place", () => {
    for (const size of [5, 200, 20_000]) {
      const m = Sample.fromPartial({
        inners: [{ name: "n".repeat(size), n: 1n }],
        names: ["é".repeat(size)],
      });
      const w = new BinaryWriter();
      w.uint32(82).fork().ldelim();
      w.uint32(98).string("é".repeat(size));
      w.uint32(106).fork().uint32(10).string("n".repeat(size)).uint32(16).uint64(1n).ldelim();
      expect(hex(Sample.encode(m))).toBe(hex(w.finish()));
      expect(Sample.decode(Sample.encode(m))).toEqual(m);
    }
  });

  it("round-trips byte-exact", () => {
    const enc = Sample.encode(full);
    expect(Sample.decode(enc)).toEqual(full);
    expect(hex(Sample.encode(Sample.decode(enc)))).toBe(hex(enc));
  });

  it("omits proto3 defaults: an all-default message is the non-nullable field only", () => {
    expect(hex(Sample.encode(Sample.fromPartial({})))).toBe("5200");
  });

  it("decodes missing fields to defaults, optional sub-messages to undefined", () => {
    const m = Sample.decode(new Uint8Array(0));
    expect(m).toEqual({
      s: "",
      b: new Uint8Array(0),
      u32: 0,
      i32: 0,
      u64: 0n,
      i64: 0n,
      flag: false,
      color: 0,
      always: { name: "", n: 0n },
      nums: [],
      names: [],
      inners: [],
    });
    expect(m.inner).toBeUndefined();
  });

  it("accepts unpacked repeated scalars (older encoders) as well as packed", () => {
    const w = new BinaryWriter();
    w.uint32(88).uint64(5n);
    w.uint32(88).uint64(6n);
    w.uint32(90).fork().uint64(7n).ldelim();
    expect(Sample.decode(w.finish()).nums).toEqual([5n, 6n, 7n]);
  });

  it("skips unknown fields of every wire type, groups included", () => {
    const known = Sample.encode(full);
    const w = new BinaryWriter();
    w.uint32((99 << 3) | 0).uint64(2n ** 63n);
    w.uint32((100 << 3) | 2).bytes(Uint8Array.of(9, 9, 9));
    w.uint32((101 << 3) | 1).fixed64(123n);
    w.uint32((102 << 3) | 5).fixed32(7);
    // group 103 containing a varint and a nested group 104
    w.uint32((103 << 3) | 3)
      .uint32((1 << 3) | 0)
      .uint32(1)
      .uint32((104 << 3) | 3)
      .uint32((104 << 3) | 4)
      .uint32((103 << 3) | 4);
    const unknown = w.finish();
    expect(Sample.decode(concat(unknown, known))).toEqual(full);
    expect(Sample.decode(concat(known, unknown))).toEqual(full);
    // unknown fields inside a nested message are skipped too
    const nested = new BinaryWriter();
    nested
      .uint32(74)
      .fork()
      .uint32((77 << 3) | 1)
      .fixed64(1n)
      .uint32(10)
      .string("y")
      .ldelim();
    expect(Sample.decode(nested.finish()).inner).toEqual({ name: "y", n: 0n });
  });

  it("names the field when a known field arrives with a foreign wire type", () => {
    const w = new BinaryWriter()
      .uint32((5 << 3) | 2)
      .string("oops")
      .finish();
    expect(() => Sample.decode(w)).toThrow(/test\.Sample\.u64 \(field 5\) has wire type 2, expected 0/);
  });

  it("rejects truncated input, lengths past the end, invalid UTF-8 and mismatched groups", () => {
    const enc = Sample.encode(full);
    expect(() => Sample.decode(enc.subarray(0, enc.length - 1))).toThrow(ProtoDecodeError);
    expect(() => Sample.decode(Uint8Array.of(0x0a, 0x05, 0x61))).toThrow(/runs past the end/);
    expect(() => Sample.decode(Uint8Array.of(0x0a, 0x01, 0xff))).toThrow(/UTF-8/);
    const badGroup = new BinaryWriter()
      .uint32((50 << 3) | 3)
      .uint32((51 << 3) | 4)
      .finish();
    expect(() => Sample.decode(badGroup)).toThrow(/group 50 closed by end-group 51/);
  });

  it("fromPartial and encode name the field and the expected type", () => {
    // @ts-expect-error deliberately wrong type
    expect(() => Sample.fromPartial({ u64: 5 })).toThrow("test.Sample.u64: expected bigint, got 5");
    expect(() => Sample.encode({ ...full, u32: -1 })).toThrow(
      "cannot encode test.Sample.u32: expected uint32, got -1",
    );
    expect(() => Sample.encode({ ...full, u64: 2n ** 64n })).toThrow(/test\.Sample\.u64: expected uint64/);
    expect(() => defineMessage("test.Dup", { a: field(1, string), b: field(1, string) })).toThrow(
      /field number 1 declared twice/,
    );
  });

  it("keeps enum values this build does not know", () => {
    const enc = new BinaryWriter().uint32(64).int32(7).finish();
    expect(Sample.decode(enc).color).toBe(7);
    expect(hex(Sample.encode(Sample.decode(enc)))).toBe(hex(concat(enc, Uint8Array.of(0x52, 0x00))));
  });
});

describe("proto3 JSON (Go jsonpb, OrigName + EmitDefaults)", () => {
  it("uses proto names, quoted 64-bit integers, enum names, base64 bytes, null for absent messages", () => {
    const m = Sample.fromPartial({
      u64: 2n ** 60n,
      i64: -3n,
      color: 1,
      b: Uint8Array.of(0xff),
      names: ["q"],
    });
    expect(Sample.toJSON(m)).toEqual({
      s: "",
      b: "/w==",
      u32: 0,
      i32: 0,
      u64: "1152921504606846976",
      i64: "-3",
      flag: false,
      color: "GREEN",
      inner: null,
      always: { name: "", n: "0" },
      nums: [],
      names: ["q"],
      inners: [],
    });
    expect(Sample.fromJSON(Sample.toJSON(m))).toEqual(m);
  });

  it("fromJSON tolerates unknown keys, missing keys, numbers for 64-bit values and enum numbers", () => {
    expect(Sample.fromJSON({ u64: 5, color: 2, extra: true, nums: ["1", 2] })).toEqual(
      Sample.fromPartial({ u64: 5n, color: 2, nums: [1n, 2n] }),
    );
    expect(() => Sample.fromJSON({ color: "PURPLE" })).toThrow(
      /test\.Sample\.color: unknown test\.Color value "PURPLE"/,
    );
    expect(() => Sample.fromJSON({ u64: "-1" })).toThrow(/uint64 out of range/);
  });

  it("Timestamp uses RFC 3339 with 0/3/6/9 fractional digits", () => {
    expect(Timestamp.toJSON({ seconds: 1_700_000_000n, nanos: 0 })).toBe("2023-11-14T22:13:20Z");
    expect(Timestamp.toJSON({ seconds: 1_700_000_000n, nanos: 5_000_000 })).toBe("2023-11-14T22:13:20.005Z");
    expect(Timestamp.toJSON({ seconds: 1_700_000_000n, nanos: 5_000 })).toBe("2023-11-14T22:13:20.000005Z");
    expect(Timestamp.toJSON({ seconds: 1_700_000_000n, nanos: 5 })).toBe("2023-11-14T22:13:20.000000005Z");
    expect(Timestamp.fromJSON("2023-11-14T22:13:20.000005Z")).toEqual({
      seconds: 1_700_000_000n,
      nanos: 5_000,
    });
  });
});

describe("cosmos types agree byte for byte with cosmjs-types", () => {
  it("PageRequest", () => {
    const p = { key: Uint8Array.of(1, 2), offset: 3n, limit: 2n ** 62n, countTotal: true, reverse: true };
    const theirs = CjPageRequest.encode(CjPageRequest.fromPartial(p)).finish();
    expect(hex(PageRequest.encode(p))).toBe(hex(theirs));
    expect(PageRequest.decode(theirs)).toEqual(p);
  });

  it("Description and CommissionRates", () => {
    const d = {
      moniker: "fp-1",
      identity: "id",
      website: "https://x.example",
      securityContact: "a@b.c",
      details: "d",
    };
    expect(hex(Description.encode(d))).toBe(hex(CjDescription.encode(CjDescription.fromPartial(d)).finish()));
    const c = {
      rate: "50000000000000000",
      maxRate: "200000000000000000",
      maxChangeRate: "10000000000000000",
    };
    expect(hex(CommissionRates.encode(c))).toBe(
      hex(CjCommissionRates.encode(CjCommissionRates.fromPartial(c)).finish()),
    );
  });

  it("Timestamp, negative seconds included (Go's zero time)", () => {
    for (const t of [
      { seconds: 1_700_000_000n, nanos: 123 },
      { seconds: -62135596800n, nanos: 0 },
    ]) {
      const theirs = CjTimestamp.encode(CjTimestamp.fromPartial(t)).finish();
      expect(hex(Timestamp.encode(t))).toBe(hex(theirs));
      expect(Timestamp.decode(theirs)).toEqual(t);
      expect(CjTimestamp.decode(new BinaryReader(Timestamp.encode(t)))).toEqual(t);
    }
  });

  it("LegacyDec wire form", () => {
    expect(legacyDecToWire("0.05")).toBe("50000000000000000");
    expect(legacyDecToWire("1")).toBe("1000000000000000000");
    expect(legacyDecFromWire("50000000000000000")).toBe("0.050000000000000000");
    expect(legacyDecFromWire(legacyDecToWire("12.345"))).toBe("12.345000000000000000");
    expect(() => legacyDecToWire("0.1234567890123456789")).toThrow(/at most 18 fractional digits/);
  });
});
