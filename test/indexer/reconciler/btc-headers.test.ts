// The reconciler follows Babylon's BTC light client: it walks down from the tip to a header it already holds,
// asking small pages first (one new header is the common case), and replaces a suffix after a BTC reorg.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BabylonBlockReader } from "../../../src/chains/babylon/block-reader.ts";
import type { BabylonQueryClient } from "../../../src/chains/babylon/query-client.ts";
import { Reconciler } from "../../../src/indexer/reconciler/reconciler.ts";
import { GadgetEvents } from "../../../src/indexer/runtime/events.ts";
import { silentLogger } from "../../../src/log.ts";
import { btcHashesAt, btcTip } from "../../../src/store/btc-headers.ts";
import { Store } from "../../../src/store/store.ts";
import { openTestDatabase, type TestDatabase } from "../../helpers/database.ts";

interface Header {
  height: number;
  hashHex: string;
  headerHex: string;
}

/** Headers 1..length of a chain named `name`, sharing headers below `forkAt` with the chain named "a". */
function chain(length: number, name = "a", forkAt = Number.POSITIVE_INFINITY): Header[] {
  const headers: Header[] = [];
  for (let height = 1; height <= length; height++) {
    const label = height < forkAt ? "a" : name;
    const hash = `${label}${String(height).padStart(63, "0")}`.replace(/[^0-9a-f]/g, "f");
    const prev = headers.at(-1)?.hashHex ?? "0".repeat(64);
    const time = Buffer.alloc(4);
    time.writeUInt32LE(1_700_000_000 + height * 600);
    const bytes = Buffer.concat([
      Buffer.alloc(4),
      Buffer.from(prev, "hex").reverse(),
      Buffer.alloc(32),
      time,
      Buffer.alloc(8),
    ]);
    headers.push({ height, hashHex: hash, headerHex: bytes.toString("hex") });
  }
  return headers;
}

/** A light client serving `headers` from the tip down, recording each page's limit. */
function lightClient(headers: Header[]) {
  const limits: number[] = [];
  const client = {
    btcTip: async () => headers.at(-1)!,
    btcMainChain: async ({ key, limit }: { key?: Uint8Array; limit: number }) => {
      limits.push(Number(limit));
      const start = key ? Number(Buffer.from(key).toString()) : headers.length - 1;
      const page: Header[] = [];
      for (let i = start; i >= 0 && page.length < limit; i--) page.push(headers[i]!);
      const next = start - page.length;
      return { headers: page, pagination: next >= 0 ? { nextKey: Buffer.from(String(next)) } : undefined };
    },
  };
  return { limits, client: client as unknown as BabylonQueryClient };
}

let db: TestDatabase;
let store: Store;
let reconciler: Reconciler;
beforeEach(async () => {
  db = await openTestDatabase();
  store = new Store(db.prisma, new GadgetEvents());
  reconciler = new Reconciler({
    store,
    // The client is handed to syncBtcHeaders by each test.
    babylon: {} as BabylonQueryClient,
    cosmwasm: async () => {
      throw new Error("not used");
    },
    reader: {} as BabylonBlockReader,
    contractAddress: "bbn1contract",
    dialect: "rollup-bsn",
    babylonStartHeight: 1n,
    log: silentLogger,
  });
});
afterEach(async () => db.close());

async function stored(heights: number[]): Promise<(string | undefined)[]> {
  const hashes = await btcHashesAt(store.db, heights);
  return heights.map((h) => hashes.get(h));
}

describe("Reconciler.syncBtcHeaders", () => {
  it("reads a fresh light client whole, then one new header with one small page", async () => {
    const a = chain(1500);
    const first = lightClient(a.slice(0, 1499));
    expect(await reconciler.syncBtcHeaders(first.client)).toBe(1499);
    expect(first.limits).toEqual([1000, 1000]);
    const next = lightClient(a);
    expect(await reconciler.syncBtcHeaders(next.client)).toBe(1);
    expect(next.limits).toEqual([9]);
    expect(await btcTip(store.db)).toEqual({ height: 1500, hash: a[1499]!.hashHex });
    // Nothing new: no page at all.
    const same = lightClient(a);
    expect(await reconciler.syncBtcHeaders(same.client)).toBe(0);
    expect(same.limits).toEqual([]);
  });

  it("replaces the suffix a BTC reorg deeper than the first page changed, as a change of BTC inputs", async () => {
    const a = chain(100);
    await reconciler.syncBtcHeaders(lightClient(a).client);
    const btcGeneration = store.generation.btc;
    // The light client now follows chain b from height 60 up, four headers longer than a.
    const b = chain(104, "b", 60);
    const reorg = lightClient(b);
    expect(await reconciler.syncBtcHeaders(reorg.client)).toBe(45);
    expect(reorg.limits).toEqual([12, 48]);
    expect(await stored([59, 60, 100, 104])).toEqual([
      a[58]!.hashHex,
      b[59]!.hashHex,
      b[99]!.hashHex,
      b[103]!.hashHex,
    ]);
    expect(store.generation.btc).toBe(btcGeneration + 1);
  });
});
