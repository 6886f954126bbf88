import { createHash } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import { bytesToHex, CryptoInputError, merkle, toBase64 } from "../../../src/core/crypto/index.ts";

const hex = (b: Uint8Array) => bytesToHex(b);
const fill = (b: number) => new Uint8Array(32).fill(b);

// Independent model on node:crypto: CometBFT's recursive hashFromByteSlices and a per-item proof walk.
const sha = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const modelLeaf = (item: Uint8Array) => sha(new Uint8Array([0]), item);
const modelSplit = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function modelRoot(items: Uint8Array[]): Uint8Array {
  if (items.length === 0) return sha();
  if (items.length === 1) return modelLeaf(items[0]!);
  const k = modelSplit(items.length);
  return sha(new Uint8Array([1]), modelRoot(items.slice(0, k)), modelRoot(items.slice(k)));
}
function modelAunts(items: Uint8Array[], index: number): Uint8Array[] {
  if (items.length <= 1) return [];
  const k = modelSplit(items.length);
  if (index < k) return [...modelAunts(items.slice(0, k), index), modelRoot(items.slice(k))];
  return [...modelAunts(items.slice(k), index - k), modelRoot(items.slice(0, k))];
}

// Deterministic pseudo-random 32-byte items.
function itemsOf(n: number, seed: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => sha(new TextEncoder().encode(`${seed}/${i}`)));
}

describe("Merkle reference vectors (§1.9 (c))", () => {
  const items = [fill(1), fill(2), fill(3)];

  it("root over 01..01, 02..02, 03..03", () => {
    expect(hex(merkle.root(items))).toBe("df896896c799531f1fd1e556cea26a6989ab06853bcbfdd3e4f5097a611f658f");
  });

  it("proof aunts, bottom-up", () => {
    const [p0, , p2] = merkle.proofs(items);
    expect(p0!.aunts.map(hex)).toEqual([hex(merkle.leafHash(fill(2))), hex(merkle.leafHash(fill(3)))]);
    expect(p2!.aunts).toHaveLength(1);
    const inner = hex(p2!.aunts[0]!);
    expect(inner.startsWith("3a066e0f")).toBe(true);
    expect(inner.endsWith("8565")).toBe(true);
    expect(inner).toBe(hex(sha(new Uint8Array([1]), merkle.leafHash(fill(1)), merkle.leafHash(fill(2)))));
  });

  it("leaf hash, empty tree and single item", () => {
    expect(hex(merkle.leafHash(fill(1)))).toBe(hex(sha(new Uint8Array([0]), fill(1))));
    expect(hex(merkle.root([]))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(hex(merkle.root([fill(9)]))).toBe(hex(merkle.leafHash(fill(9))));
    const [only] = merkle.proofs([fill(9)]);
    expect(only!.aunts).toEqual([]);
    expect(merkle.verifyProof(merkle.root([fill(9)]), fill(9), only!)).toBe(true);
    expect(merkle.proofs([])).toEqual([]);
  });
});

function expectAllProofs(n: number, seed: number): void {
  const items = itemsOf(n, seed);
  const r = merkle.root(items);
  expect(hex(r)).toBe(hex(modelRoot(items)));
  const ps = merkle.proofs(items);
  expect(ps).toHaveLength(n);
  ps.forEach((p, i) => {
    expect(p.total).toBe(BigInt(n));
    expect(p.index).toBe(BigInt(i));
    expect(merkle.verifyProof(r, items[i]!, p)).toBe(true);
  });
  // Aunt order checked against the independent model for a few positions.
  for (const i of new Set([0, n - 1, Math.floor(n / 2), (seed * 7) % n])) {
    expect(ps[i]!.aunts.map(hex)).toEqual(modelAunts(items, i).map(hex));
  }
}

function expectAlteredProofsFail(n: number, seed: number): void {
  const items = itemsOf(n, seed);
  const r = merkle.root(items);
  const ps = merkle.proofs(items);
  const i = (seed * 13) % n;
  const p = ps[i]!;
  const other = itemsOf(1, seed + 1000)[0]!;
  expect(merkle.verifyProof(r, other, p)).toBe(false);
  expect(merkle.verifyProof(r, items[i]!, { ...p, index: p.index + 1n })).toBe(false);
  // (total is not altered here: as in CometBFT and the contract, total+1 can share the leaf's path and verify.)
  expect(merkle.verifyProof(r, items[i]!, { ...p, aunts: [...p.aunts, r] })).toBe(false);
  if (p.aunts.length > 0) {
    expect(merkle.verifyProof(r, items[i]!, { ...p, aunts: p.aunts.slice(1) })).toBe(false);
    expect(merkle.verifyProof(r, items[i]!, { ...p, aunts: p.aunts.slice(0, -1) })).toBe(false);
    for (let a = 0; a < p.aunts.length; a++) {
      const aunts = p.aunts.map((x) => x.slice());
      aunts[a]![a % 32]! ^= 0x80;
      expect(merkle.verifyProof(r, items[i]!, { ...p, aunts })).toBe(false);
    }
  }
  const badRoot = r.slice();
  badRoot[0]! ^= 1;
  expect(merkle.verifyProof(badRoot, items[i]!, p)).toBe(false);
  if (n > 1) expect(merkle.verifyProof(r, items[(i + 1) % n]!, p)).toBe(false);
}

describe("Merkle random trees", () => {
  it("every proof verifies and matches the model, sizes 1..64", () => {
    for (let n = 1; n <= 64; n++) expectAllProofs(n, n);
  });
  it("every proof verifies, sampled sizes up to 1000", () => {
    for (const n of [100, 127, 128, 129, 255, 256, 257, 511, 600, 777, 999, 1000]) expectAllProofs(n, n);
  });
  it("altered proofs fail, sizes 1..64 and samples up to 1000", () => {
    for (let n = 1; n <= 64; n++) expectAlteredProofsFail(n, n);
    for (const n of [129, 256, 257, 1000]) expectAlteredProofsFail(n, n);
  });
});

// Fixtures are built per test (beforeEach), not while collecting: see test/core/crypto/eots.test.ts.
describe("Merkle malformed proofs return false", () => {
  const items = itemsOf(5, 42);
  let r: Uint8Array;
  let p: merkle.Proof;
  beforeEach(() => {
    r = merkle.root(items);
    p = merkle.proofs(items)[4]!;
  });

  it("index ≥ total, negative index, zero total", () => {
    expect(merkle.verifyProof(r, items[4]!, p)).toBe(true);
    expect(merkle.verifyProof(r, items[4]!, { ...p, index: 5n })).toBe(false);
    expect(merkle.verifyProof(r, items[4]!, { ...p, index: -1n })).toBe(false);
    expect(merkle.verifyProof(r, items[4]!, { ...p, total: 0n, index: 0n })).toBe(false);
  });
  it("more than 100 aunts, even with a huge total", () => {
    const aunts = Array.from({ length: 101 }, () => new Uint8Array(32));
    expect(
      merkle.verifyProof(r, items[0]!, { total: 2n ** 62n, index: 0n, leafHash: p.leafHash, aunts }),
    ).toBe(false);
  });
  it("wrong hash lengths and a leaf hash not matching the item", () => {
    expect(merkle.verifyProof(r, items[4]!, { ...p, leafHash: p.leafHash.subarray(1) })).toBe(false);
    expect(merkle.verifyProof(r, items[4]!, { ...p, aunts: [p.aunts[0]!.subarray(0, 31)] })).toBe(false);
    expect(merkle.verifyProof(r, items[4]!, { ...p, leafHash: merkle.leafHash(items[3]!) })).toBe(false);
    expect(merkle.verifyProof(new Uint8Array(0), items[4]!, p)).toBe(false);
    expect(merkle.verifyProof(r, items[4]!, null as unknown as merkle.Proof)).toBe(false);
  });
});

describe("Merkle proof JSON", () => {
  const items = itemsOf(3, 7);
  let ps: merkle.Proof[];
  beforeEach(() => {
    ps = merkle.proofs(items);
  });

  it("emits the contract's shape, keeping index 0 and empty aunts", () => {
    const j = merkle.proofToJson(ps[0]!);
    expect(Object.keys(j)).toEqual(["total", "index", "leaf_hash", "aunts"]);
    expect(j.index).toBe(0);
    expect(j.total).toBe(3);
    expect(j.leaf_hash).toBe(toBase64(ps[0]!.leafHash));
    expect(j.aunts).toHaveLength(2);
    const single = merkle.proofToJson(merkle.proofs([fill(1)])[0]!);
    expect(JSON.stringify(single)).toBe(
      `{"total":1,"index":0,"leaf_hash":"${toBase64(merkle.leafHash(fill(1)))}","aunts":[]}`,
    );
  });

  it("round-trips and accepts unpadded base64", () => {
    for (const p of ps)
      expect(merkle.proofFromJson(JSON.parse(JSON.stringify(merkle.proofToJson(p))))).toEqual(p);
    const j = merkle.proofToJson(ps[1]!);
    const unpadded = {
      ...j,
      leaf_hash: j.leaf_hash.replace(/=+$/, ""),
      aunts: j.aunts.map((a) => a.replace(/=+$/, "")),
    };
    expect(merkle.proofFromJson(unpadded)).toEqual(ps[1]);
  });

  it("names the bad field", () => {
    const j = merkle.proofToJson(ps[2]!);
    const field = (value: unknown) => {
      try {
        merkle.proofFromJson(value);
      } catch (e) {
        expect(e).toBeInstanceOf(CryptoInputError);
        return (e as CryptoInputError).input;
      }
      throw new Error("expected a throw");
    };
    expect(field(null)).toBe("proof");
    expect(field([])).toBe("proof");
    expect(field({ ...j, total: "3" })).toBe("proof.total");
    expect(field({ ...j, total: -1 })).toBe("proof.total");
    expect(field({ ...j, index: 1.5 })).toBe("proof.index");
    const { index: _index, ...noIndex } = j;
    expect(field(noIndex)).toBe("proof.index");
    expect(field({ ...j, leaf_hash: "not base64!" })).toBe("proof.leaf_hash");
    expect(field({ ...j, leaf_hash: toBase64(new Uint8Array(31)) })).toBe("proof.leaf_hash");
    expect(field({ ...j, aunts: null })).toBe("proof.aunts");
    expect(field({ ...j, aunts: [j.aunts[0], 5] })).toBe("proof.aunts[1]");
    expect(field({ ...j, aunts: Array(101).fill(j.aunts[0]) })).toBe("proof.aunts");
    expect(field({ ...j, extra: 1 })).toBe("proof.extra");
  });
});

describe("Merkle proofs that would verify but for one rule", () => {
  const items = itemsOf(5, 42);
  let r: Uint8Array;
  let p0: merkle.Proof;
  beforeEach(() => {
    r = merkle.root(items);
    p0 = merkle.proofs(items)[0]!;
  });

  it("index −1 on leaf 0's proof, whose path it would share", () => {
    expect(merkle.verifyProof(r, items[0]!, p0)).toBe(true);
    expect(merkle.verifyProof(r, items[0]!, { ...p0, index: -1n })).toBe(false);
  });

  it("an index or total that is not a bigint, and a root that is not bytes: false, not a throw", () => {
    expect(merkle.verifyProof(r, items[0]!, { ...p0, index: 0 as unknown as bigint })).toBe(false);
    expect(merkle.verifyProof(r, items[0]!, { ...p0, total: 5 as unknown as bigint })).toBe(false);
    expect(merkle.verifyProof(null as unknown as Uint8Array, items[0]!, p0)).toBe(false);
    expect(merkle.verifyProof(r, "item" as unknown as Uint8Array, p0)).toBe(false);
  });

  it("a wrong total that moves the leaf's path", () => {
    expect(merkle.verifyProof(r, items[0]!, { ...p0, total: 3n })).toBe(false);
    expect(merkle.verifyProof(r, items[0]!, { ...p0, total: 1n })).toBe(false);
  });

  it("exactly 100 aunts verify; a 101st is refused even when the hashes work out", () => {
    // Leaf 0 of a tree of 2^depth leaves: every aunt is a right sibling, bottom-up.
    const rootOver = (aunts: Uint8Array[]) =>
      aunts.reduce((h, aunt) => sha(new Uint8Array([1]), h, aunt), merkle.leafHash(items[0]!));
    const proofOf = (depth: number) => {
      const aunts = Array.from({ length: depth }, (_, i) => sha(new TextEncoder().encode(`aunt ${i}`)));
      const proof = { total: 2n ** BigInt(depth), index: 0n, leafHash: merkle.leafHash(items[0]!), aunts };
      return { proof, root: rootOver(aunts) };
    };
    const at100 = proofOf(100);
    expect(merkle.verifyProof(at100.root, items[0]!, at100.proof)).toBe(true);
    const at101 = proofOf(101);
    expect(merkle.verifyProof(at101.root, items[0]!, at101.proof)).toBe(false);
  });
});
