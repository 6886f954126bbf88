// The codec combinators and the JSON reader/writer every contract message goes through, each rule on its own
// (test/contract/messages.test.ts checks whole messages built from them).
import { describe, expect, it } from "vitest";
import {
  binary,
  bool,
  byteArray,
  ContractMsgError,
  empty,
  field,
  list,
  nullable,
  optional,
  str,
  struct,
  u32,
  u64,
  variants,
} from "../../contracts/finality/codec.ts";
import { JsonSyntaxError, parseJson, stringifyJson } from "../../contracts/finality/json.ts";

const U64_MAX = 2n ** 64n - 1n;
const U32_MAX = 0xffff_ffff;

/** The ContractMsgError `parse` throws, as "path: reason". */
function rejection(parse: () => unknown): string {
  try {
    parse();
  } catch (e) {
    expect(e).toBeInstanceOf(ContractMsgError);
    expect((e as ContractMsgError).name).toBe("ContractMsgError");
    const { path, reason, message } = e as ContractMsgError;
    expect(message).toBe(`${path}: ${reason}`);
    return message;
  }
  throw new Error("expected a ContractMsgError");
}

describe("scalar codecs", () => {
  it("u64 takes 0..2^64-1 as bigint or safe number, and names what it got otherwise", () => {
    expect(u64.parse(0n, "h")).toBe(0n);
    expect(u64.parse(U64_MAX, "h")).toBe(U64_MAX);
    expect(u64.parse(0, "h")).toBe(0n);
    expect(u64.parse(Number.MAX_SAFE_INTEGER, "h")).toBe(BigInt(Number.MAX_SAFE_INTEGER));
    expect(rejection(() => u64.parse(U64_MAX + 1n, "h"))).toBe("h: expected u64 number, got a number");
    expect(rejection(() => u64.parse(-1n, "h"))).toBe("h: expected u64 number, got a number");
    expect(rejection(() => u64.parse(-1, "h"))).toBe("h: expected u64 number, got a number");
    expect(rejection(() => u64.parse(1.5, "h"))).toBe("h: expected u64 number, got a number");
    expect(rejection(() => u64.parse(2 ** 53, "h"))).toBe(
      "h: u64 above 2^53 lost precision; parse the text with parseJson",
    );
    expect(rejection(() => u64.parse("1", "h"))).toBe("h: expected u64 number, got a string");
    expect(rejection(() => u64.parse(null, "h"))).toBe("h: expected u64 number, got null");
    expect(rejection(() => u64.parse([1], "h"))).toBe("h: expected u64 number, got an array");
    expect(u64.toJson(7n)).toBe(7n);
    expect(u64.schema()).toEqual({ type: "integer", format: "uint64", minimum: 0 });
  });

  it("u32 takes 0..2^32-1 as number or bigint", () => {
    expect(u32.parse(0, "n")).toBe(0);
    expect(u32.parse(U32_MAX, "n")).toBe(U32_MAX);
    expect(u32.parse(BigInt(U32_MAX), "n")).toBe(U32_MAX);
    for (const bad of [-1, 1.5, U32_MAX + 1, BigInt(U32_MAX) + 1n, -1n, "1", true]) {
      expect(rejection(() => u32.parse(bad, "n"))).toMatch(/^n: expected u32 number, got /);
    }
    expect(rejection(() => u32.parse(BigInt(U32_MAX) + 1n, "n"))).toBe(
      "n: expected u32 number, got a number",
    );
    expect(u32.toJson(5)).toBe(5);
    expect(u32.schema()).toEqual({ type: "integer", format: "uint32", minimum: 0 });
  });

  it("str and bool take only their own type", () => {
    expect(str.parse("", "s")).toBe("");
    expect(rejection(() => str.parse(1, "s"))).toBe("s: expected string, got a number");
    expect(rejection(() => str.parse({}, "s"))).toBe("s: expected string, got a object");
    expect(str.toJson("x")).toBe("x");
    expect(str.schema()).toEqual({ type: "string" });
    expect(bool.parse(false, "b")).toBe(false);
    expect(rejection(() => bool.parse("true", "b"))).toBe("b: expected boolean, got a string");
    expect(bool.toJson(true)).toBe(true);
    expect(bool.schema()).toEqual({ type: "boolean" });
  });

  it("binary is base64 (padding optional to read, written padded)", () => {
    expect(binary.parse("AQID", "b")).toEqual(new Uint8Array([1, 2, 3]));
    expect(binary.parse("AQ", "b")).toEqual(new Uint8Array([1]));
    expect(binary.toJson(new Uint8Array([1]))).toBe("AQ==");
    expect(rejection(() => binary.parse("A*", "b"))).toBe("b: expected base64");
    expect(rejection(() => binary.parse(5, "b"))).toBe("b: expected base64, got a number");
    expect(binary.schema()).toEqual({ type: "string", contentEncoding: "base64" });
  });

  it("byteArray is an array of 0..255, naming the first bad element", () => {
    expect(byteArray.parse([0, 255, 7], "r")).toEqual(new Uint8Array([0, 255, 7]));
    expect(byteArray.toJson(new Uint8Array([0, 255]))).toEqual([0, 255]);
    for (const bad of [256, -1, 1.5, "1"]) {
      expect(rejection(() => byteArray.parse([1, bad], "r"))).toBe("r[1]: expected byte (0-255)");
    }
    expect(rejection(() => byteArray.parse("AQ==", "r"))).toBe("r: expected array of bytes, got a string");
    expect(byteArray.schema()).toEqual({
      type: "array",
      items: { type: "integer", format: "uint8", minimum: 0, maximum: 255 },
    });
  });
});

describe("list and nullable", () => {
  it("list parses each item at its index and writes each back", () => {
    const codec = list(u64);
    expect(codec.parse([1, 2n], "l")).toEqual([1n, 2n]);
    expect(rejection(() => codec.parse([1, "x"], "l"))).toBe("l[1]: expected u64 number, got a string");
    expect(rejection(() => codec.parse({}, "l"))).toBe("l: expected array, got a object");
    expect(list(binary).toJson([new Uint8Array([1])])).toEqual(["AQ=="]);
    expect(codec.schema()).toEqual({ type: "array", items: u64.schema() });
  });

  it("nullable passes null through and everything else to the inner codec", () => {
    const codec = nullable(binary);
    expect(codec.parse(null, "n")).toBeNull();
    expect(codec.parse("AQ==", "n")).toEqual(new Uint8Array([1]));
    expect(rejection(() => codec.parse(1, "n"))).toBe("n: expected base64, got a number");
    expect(codec.toJson(null)).toBeNull();
    expect(codec.toJson(new Uint8Array([1]))).toBe("AQ==");
    expect(codec.schema()).toEqual({ anyOf: [binary.schema(), { type: "null" }] });
  });
});

describe("struct", () => {
  interface Msg {
    height: bigint;
    hash: Uint8Array;
    note?: string | null;
  }
  const codec = struct<Msg>([field("height", u64), field("hash", binary), optional("note", str)]);

  it("parses fields by name in document order, keeping an optional null apart from an absent one", () => {
    expect(codec.parse({ hash: "AQ==", height: 5 }, "m")).toEqual({ hash: new Uint8Array([1]), height: 5n });
    const withNull = codec.parse({ height: 5, hash: "AQ==", note: null }, "m");
    expect(withNull).toEqual({ height: 5n, hash: new Uint8Array([1]), note: null });
    expect("note" in codec.parse({ height: 5, hash: "AQ==" }, "m")).toBe(false);
    expect(codec.parse({ height: 5, hash: "AQ==", note: "hi" }, "m").note).toBe("hi");
  });

  it("rejects missing fields and a required null, at the first offending path", () => {
    expect(rejection(() => codec.parse({ height: 5 }, "m"))).toBe("m.hash: missing field");
    expect(rejection(() => codec.parse({ height: null, hash: "AQ==" }, "m"))).toBe(
      "m.height: expected u64 number, got null",
    );
    expect(rejection(() => codec.parse({ height: "5", hash: 1 }, "m"))).toBe(
      "m.height: expected u64 number, got a string",
    );
    for (const bad of [null, [], new Uint8Array(1), "x"]) {
      expect(rejection(() => codec.parse(bad, "m"))).toMatch(/^m: expected object, got /);
    }
    expect(rejection(() => codec.parse([], "m"))).toBe("m: expected object, got an array");
  });

  it("skips unknown fields, as the compiled contracts do, but still wants the known ones", () => {
    expect(codec.parse({ height: 5, extra: 1, hash: "AQ==" }, "m")).toEqual({
      height: 5n,
      hash: new Uint8Array([1]),
    });
    expect(rejection(() => codec.parse({ extra: 1, hash: "AQ==" }, "m"))).toBe("m.height: missing field");
  });

  it("writes fields in declaration order, omits an absent optional, keeps a null one, and needs the required", () => {
    const msg = { note: "n", hash: new Uint8Array([1]), height: 5n };
    expect(stringifyJson(codec.toJson(msg))).toBe('{"height":5,"hash":"AQ==","note":"n"}');
    expect(stringifyJson(codec.toJson({ height: 5n, hash: new Uint8Array(0) }))).toBe(
      '{"height":5,"hash":""}',
    );
    expect(stringifyJson(codec.toJson({ height: 5n, hash: new Uint8Array(0), note: null }))).toBe(
      '{"height":5,"hash":"","note":null}',
    );
    expect(() => codec.toJson({ height: 5n } as Msg)).toThrow(new TypeError("field hash is required"));
  });

  it("writes a null optional as null without asking its codec", () => {
    const withBytes = struct<{ data?: Uint8Array | null }>([optional("data", binary)]);
    expect(stringifyJson(withBytes.toJson({ data: null }))).toBe('{"data":null}');
  });

  it("describes itself as a JSON Schema object", () => {
    expect(codec.schema()).toEqual({
      type: "object",
      required: ["height", "hash"],
      properties: {
        height: u64.schema(),
        hash: binary.schema(),
        note: { anyOf: [str.schema(), { type: "null" }] },
      },
      additionalProperties: false,
    });
    expect(empty.parse({}, "e")).toEqual({});
    expect(empty.parse({ a: 1 }, "e")).toEqual({});
  });
});

describe("variants", () => {
  type Msg = { ping: Record<string, never> } | { set: { value: bigint } };
  const codec = variants<Msg>({ ping: empty, set: struct([field("value", u64)]) });

  it("parses exactly one known key into the same shape, with the variant name as the path", () => {
    expect(codec.parse({ set: { value: 3 } }, "msg")).toEqual({ set: { value: 3n } });
    expect(codec.parse({ ping: {} }, "msg")).toEqual({ ping: {} });
    expect(rejection(() => codec.parse({ set: { value: -1 } }, "msg"))).toBe(
      "set.value: expected u64 number, got a number",
    );
  });

  it("rejects no key, two keys, an unknown or inherited name, and a non-object", () => {
    expect(rejection(() => codec.parse({}, "msg"))).toBe(
      "msg: expected exactly one of ping, set; got 0 keys",
    );
    expect(rejection(() => codec.parse({ ping: {}, set: { value: 1 } }, "msg"))).toBe(
      "msg: expected exactly one of ping, set; got 2 keys",
    );
    expect(rejection(() => codec.parse({ pong: {} }, "msg"))).toBe(
      "pong: unknown variant, expected one of ping, set",
    );
    expect(rejection(() => codec.parse({ toString: {} }, "msg"))).toBe(
      "toString: unknown variant, expected one of ping, set",
    );
    expect(rejection(() => codec.parse("ping", "msg"))).toBe("msg: expected object, got a string");
  });

  it("writes the one variant and refuses anything else", () => {
    expect(stringifyJson(codec.toJson({ set: { value: 3n } }))).toBe('{"set":{"value":3}}');
    for (const bad of [{}, { ping: {}, set: { value: 1n } }, { pong: {} }]) {
      expect(() => codec.toJson(bad as unknown as Msg)).toThrow(
        new TypeError("not a variant of this message"),
      );
    }
  });

  it("describes itself as oneOf the variants", () => {
    expect(codec.schema()).toEqual({
      oneOf: [
        {
          type: "object",
          required: ["ping"],
          properties: { ping: empty.schema() },
          additionalProperties: false,
        },
        {
          type: "object",
          required: ["set"],
          properties: { set: struct([field("value", u64)]).schema() },
          additionalProperties: false,
        },
      ],
    });
  });
});

describe("parseJson", () => {
  it("reads what JSON.parse reads, whitespace and escapes included", () => {
    const docs = [
      "0",
      "-0",
      " \t\n\r[ ] ",
      "{}",
      '{ "a" : [ 1 , -2.5e3 , true , false , null ] , "b" : { } }',
      '"a\\"b\\\\c\\u00e9\\n"',
      "1E+2",
      "[[],[[]]]",
      '{"__proto__":1}',
    ];
    for (const doc of docs) expect(parseJson(doc)).toEqual(JSON.parse(doc));
    expect(Object.getPrototypeOf(parseJson('{"__proto__":{"x":1}}'))).toBeNull();
  });

  it("keeps integers beyond 2^53 exact as bigint and safe ones as numbers", () => {
    expect(parseJson("9007199254740991")).toBe(9007199254740991);
    expect(parseJson("9007199254740992")).toBe(9007199254740992n);
    expect(parseJson(`[${U64_MAX}]`)).toEqual([U64_MAX]);
    expect(parseJson("-9007199254740993")).toBe(-9007199254740993n);
    expect(parseJson("1.0e30")).toBe(1e30);
    expect(parseJson("1.25")).toBe(1.25);
    expect(parseJson("1e400")).toBe(Number.POSITIVE_INFINITY);
  });

  it("rejects malformed text with the position of the fault", () => {
    const fault = (text: string) => {
      try {
        parseJson(text);
      } catch (e) {
        expect(e).toBeInstanceOf(JsonSyntaxError);
        expect((e as JsonSyntaxError).name).toBe("JsonSyntaxError");
        return [(e as JsonSyntaxError).position, (e as Error).message];
      }
      throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
    };
    expect(fault("")).toEqual([0, "invalid JSON at position 0: unexpected end of input"]);
    expect(fault("1 2")).toEqual([2, "invalid JSON at position 2: unexpected trailing characters"]);
    expect(fault("x")).toEqual([0, "invalid JSON at position 0: unexpected 'x'"]);
    expect(fault("tru")).toEqual([0, "invalid JSON at position 0: expected true"]);
    expect(fault("[nul]")).toEqual([1, "invalid JSON at position 1: expected null"]);
    expect(fault("[fals]")).toEqual([1, "invalid JSON at position 1: expected false"]);
    expect(fault("{1:2}")).toEqual([1, "invalid JSON at position 1: expected a string key"]);
    expect(fault('{"a" 1}')).toEqual([5, "invalid JSON at position 5: expected ':'"]);
    expect(fault('{"a":1 "b":2}')).toEqual([7, "invalid JSON at position 7: expected ',' or '}'"]);
    expect(fault("[1 2]")).toEqual([3, "invalid JSON at position 3: expected ',' or ']'"]);
    expect(fault('"abc')).toEqual([0, "invalid JSON at position 0: unterminated string"]);
    expect(fault('["a\\"]')).toEqual([1, "invalid JSON at position 1: unterminated string"]);
    expect(fault('"\\x"')).toEqual([0, "invalid JSON at position 0: invalid string"]);
    expect(fault("-")).toEqual([0, "invalid JSON at position 0: invalid number"]);
    expect(fault("-a1")).toEqual([0, "invalid JSON at position 0: invalid number"]);
    expect(fault("+1")).toEqual([0, "invalid JSON at position 0: unexpected '+'"]);
    expect(fault("01")).toEqual([1, "invalid JSON at position 1: unexpected trailing characters"]);
    expect(fault("1.")).toEqual([1, "invalid JSON at position 1: unexpected trailing characters"]);
    expect(fault("[1,]")).toEqual([3, "invalid JSON at position 3: unexpected ']'"]);
    expect(fault("[")).toEqual([1, "invalid JSON at position 1: unexpected end of input"]);
    expect(fault("{")).toEqual([1, "invalid JSON at position 1: expected a string key"]);
  });
});

describe("stringifyJson", () => {
  it("writes compact serde_json text, bigint as a bare integer, undefined members left out", () => {
    expect(stringifyJson({ a: 1n, b: [1, undefined, "x"], c: undefined, d: null, e: { f: true } })).toBe(
      '{"a":1,"b":[1,null,"x"],"d":null,"e":{"f":true}}',
    );
    expect(stringifyJson(U64_MAX)).toBe(U64_MAX.toString());
    expect(stringifyJson(-0.5)).toBe("-0.5");
    expect(stringifyJson('q"')).toBe('"q\\""');
    expect(stringifyJson(false)).toBe("false");
  });

  it("refuses what JSON cannot carry", () => {
    expect(() => stringifyJson(Number.NaN)).toThrow(new TypeError("cannot encode NaN as JSON"));
    expect(() => stringifyJson(Number.POSITIVE_INFINITY)).toThrow(
      new TypeError("cannot encode Infinity as JSON"),
    );
    expect(() => stringifyJson(new Uint8Array(1))).toThrow(
      new TypeError("cannot encode raw bytes as JSON; convert them first"),
    );
    expect(() => stringifyJson(() => 1)).toThrow(new TypeError("cannot encode a function as JSON"));
    expect(() => stringifyJson(undefined)).toThrow(new TypeError("cannot encode a undefined as JSON"));
  });
});
