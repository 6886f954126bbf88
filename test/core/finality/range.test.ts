import { describe, expect, it } from "vitest";
import {
  FinalityQueryError,
  normalizeBlockHash,
  rangeFinalizedPrefix,
  type StoredBlockStatus,
} from "../../../src/core/finality/index.ts";
import { hashOf } from "./chain-fixtures.ts";

// Canonical store: heights 1..20, finalized up to 12.
const store = (height: bigint): StoredBlockStatus | undefined =>
  height >= 1n && height <= 20n ? { hash: `0x${hashOf(height)}`, btcFinalized: height <= 12n } : undefined;
const query = (from: number, to: number, hash = (h: bigint) => `0x${hashOf(h)}`) =>
  Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i)).map((height) => ({
    height,
    hash: hash(height),
  }));

describe("range query prefix semantics (rule 8)", () => {
  it("returns the last height of a fully finalized range", () => {
    expect(rangeFinalizedPrefix(query(3, 7), store)).toBe(7n);
    expect(rangeFinalizedPrefix(query(12, 12), store)).toBe(12n);
  });

  it("returns the finalized prefix of a partly finalized range (the reference returned none)", () => {
    expect(rangeFinalizedPrefix(query(1, 10), store)).toBe(10n);
    expect(rangeFinalizedPrefix(query(8, 18), store)).toBe(12n);
  });

  it("returns 0 when the first block is not finalized or not stored", () => {
    expect(rangeFinalizedPrefix(query(13, 15), store)).toBe(0n);
    expect(rangeFinalizedPrefix(query(21, 22), store)).toBe(0n);
  });

  it("stops before the first hash that is not the canonical one", () => {
    const forked = query(5, 10, (h) => (h === 8n ? hashOf(h, 9) : hashOf(h)));
    expect(rangeFinalizedPrefix(forked, store)).toBe(7n);
    const forkedFirst = query(5, 10, (h) => (h === 5n ? hashOf(h, 9) : hashOf(h)));
    expect(rangeFinalizedPrefix(forkedFirst, store)).toBe(0n);
  });

  it("accepts hashes with or without 0x, in any case", () => {
    expect(
      rangeFinalizedPrefix(
        query(4, 6, (h) => `0X${hashOf(h, 0xab).toUpperCase()}`),
        store,
      ),
    ).toBe(0n);
    expect(
      rangeFinalizedPrefix(
        query(4, 6, (h) => hashOf(h).toUpperCase()),
        store,
      ),
    ).toBe(6n);
  });

  it("rejects an empty range with the reference text", () => {
    expect(() => rangeFinalizedPrefix([], store)).toThrow(new FinalityQueryError("blocks array is empty"));
  });

  it("rejects gaps, repeats and descending heights with the reference text, before any lookup", () => {
    let lookups = 0;
    const counting = (h: bigint) => {
      lookups++;
      return store(h);
    };
    const gap = [...query(1, 2), ...query(4, 4)];
    const repeat = [...query(1, 2), ...query(2, 2)];
    const descending = [...query(3, 3), ...query(2, 2)];
    for (const blocks of [gap, repeat, descending]) {
      expect(() => rangeFinalizedPrefix(blocks, counting)).toThrow("blocks are not consecutive");
    }
    expect(lookups).toBe(0);
  });

  it("tells consecutive heights from the rest where doubles stop being exact (2^53) and up to uint64", () => {
    const at = (...heights: bigint[]) => heights.map((height) => ({ height, hash: `0x${hashOf(1n)}` }));
    const exact = BigInt(Number.MAX_SAFE_INTEGER);
    const none = () => undefined;
    for (const start of [exact - 2n, exact - 1n, exact, exact + 1n, 2n ** 64n - 3n]) {
      expect(rangeFinalizedPrefix(at(start, start + 1n, start + 2n), none), `${start}`).toBe(0n);
    }
    // 2^53 + 1 has no double of its own: as a double it equals 2^53, one past 2^53 - 1.
    for (const heights of [
      [exact, exact + 2n],
      [exact - 1n, exact + 2n],
      [exact + 1n, exact + 3n],
      [exact + 1n, exact + 1n],
    ]) {
      expect(() => rangeFinalizedPrefix(at(...heights), none), `${heights}`).toThrow(
        "blocks are not consecutive",
      );
    }
  });

  it("rejects a malformed hash, naming it", () => {
    expect(() => rangeFinalizedPrefix([{ height: 1n, hash: "0x1234" }], store)).toThrow(
      'invalid block hash "0x1234": expected 32 bytes of hex',
    );
    expect(() => normalizeBlockHash(`0x${"g".repeat(64)}`)).toThrow(FinalityQueryError);
    expect(normalizeBlockHash(`0x${"AB".repeat(32)}`)).toBe(`0x${"ab".repeat(32)}`);
    expect(normalizeBlockHash(`0X${"ab".repeat(32)}`)).toBe(`0x${"ab".repeat(32)}`);
    expect(normalizeBlockHash("ab".repeat(32))).toBe(`0x${"ab".repeat(32)}`);
  });
});

describe("range query hash shape", () => {
  it("rejects a hash with anything before or after its 64 hex characters", () => {
    const h = "ab".repeat(32);
    for (const bad of [`${h}00`, `0x${h}0`, `00${h}`, `x${h}`, `0x0x${h}`]) {
      expect(() => normalizeBlockHash(bad)).toThrow(`invalid block hash ${JSON.stringify(bad)}`);
    }
  });

  it("accepts exactly what /^(?:0x)?[0-9a-f]{64}$/i accepts, lowercased with the prefix", () => {
    const shape = /^(?:0x)?([0-9a-f]{64})$/i;
    const alphabet = "0123456789abcdefABCDEFxXg ";
    let seed = 7;
    // xorshift32: the same cases every run.
    const next = (n: number) => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const cases = [`0X${"Ab".repeat(32)}`, `0x${"f".repeat(64)}`, "F".repeat(64), "0x".repeat(33)];
    for (let i = 0; i < 5_000; i++) {
      const prefix = ["", "0x", "0X", "x", "00"][next(5)]!;
      let body = "";
      const length = 63 + next(3);
      for (let j = 0; j < length; j++)
        body += next(40) === 0 ? alphabet[next(alphabet.length)] : "0123456789abcdefABCDEF"[next(22)];
      cases.push(prefix + body);
    }
    for (const hash of cases) {
      const match = shape.exec(hash);
      if (match) expect(normalizeBlockHash(hash)).toBe(`0x${match[1]!.toLowerCase()}`);
      else expect(() => normalizeBlockHash(hash), hash).toThrow(FinalityQueryError);
    }
    expect(cases.filter((h) => shape.test(h)).length).toBeGreaterThan(500);
  });

  it("throws errors named FinalityQueryError", () => {
    expect(() => rangeFinalizedPrefix([], store)).toThrow(
      expect.objectContaining({ name: "FinalityQueryError" }),
    );
  });
});
