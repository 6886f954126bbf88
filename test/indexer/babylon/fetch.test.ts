// The Babylon fetch worker: a range (or a provider's delegations) read in the worker thread is exactly what is
// read in this one, an RPC fault comes back as a BabylonRpcError and leaves the worker serving, a worker
// that dies fails only what it had in hand, and the worker runs only while it has work (a block or two is
// read on the calling thread).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Worker } from "node:worker_threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BabylonBlockReader, BabylonRpcError } from "../../../src/chains/babylon/block-reader.ts";
import { BabylonQueryClient } from "../../../src/chains/babylon/query-client.ts";
import { type Devnet, startDevnet } from "../../../src/devnet/devnet.ts";
import { fetchRange } from "../../../src/indexer/babylon/fetch/fetch.ts";
import { BabylonFetcher } from "../../../src/indexer/babylon/fetch/fetcher.ts";
import { delegationStates } from "../../../src/indexer/reconciler/delegation-states.ts";

let devnet: Devnet;
let head: bigint;
let fpPk: string;

async function admin(path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${devnet.info.adminUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`devnet admin ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

beforeAll(async () => {
  devnet = await startDevnet({ l2: false, blockIntervalMs: 50, btcBlockIntervalMs: 0, accounts: 2 });
  const fp = (await admin("/providers", { moniker: "fetch-test" })) as { btcPkHex: string };
  fpPk = fp.btcPkHex;
  await admin("/delegations", { fp: fp.btcPkHex, amountSat: "100000", stakingTime: 60_000, startHeight: 1 });
  head = await new BabylonBlockReader(devnet.info.babylon.rpcUrl).latestHeight();
});
afterAll(async () => devnet.stop());

function fetcherFor(rpcUrl = devnet.info.babylon.rpcUrl, idleStopMs?: number): BabylonFetcher {
  return new BabylonFetcher(
    { rpcUrl, contractAddress: devnet.info.contractAddress, concurrency: 2 },
    idleStopMs,
  );
}

const workerOf = (fetcher: BabylonFetcher) => Reflect.get(fetcher, "worker") as Worker | undefined;

describe("fetchRange", () => {
  it("ends a range at a whole block once it holds the most records asked for, and reads on from there", async () => {
    const reader = new BabylonBlockReader(devnet.info.babylon.rpcUrl);
    // Blocks are read ten to a request: the chain needs a few requests' worth of blocks.
    let end = await reader.latestHeight();
    while (end < 35n) {
      await new Promise((r) => setTimeout(r, 100));
      end = await reader.latestHeight();
    }
    const all = await fetchRange(reader, devnet.info.contractAddress, 1n, end, 1);
    const capped = await fetchRange(reader, devnet.info.contractAddress, 1n, end, 1, 1);
    const heights = capped.blocks.map((b) => b.height);
    expect(heights.length).toBeLessThan(Number(end));
    expect(heights).toEqual(all.blocks.slice(0, heights.length).map((b) => b.height));
    expect(capped.providersCreated.length + capped.delegationsCreated.length).toBeGreaterThan(0);
    // The rest of the range, read from where the capped one ended, completes it: no block is lost or split.
    const rest = await fetchRange(reader, devnet.info.contractAddress, heights.at(-1)! + 1n, end, 1);
    expect([...capped.delegationChanges, ...rest.delegationChanges]).toEqual(all.delegationChanges);
    expect([...capped.blocks, ...rest.blocks]).toEqual(all.blocks);
  });
});

describe("BabylonFetcher", () => {
  it("returns the records, with every block read, that fetchRange gives in this thread", async () => {
    const fetcher = fetcherFor();
    try {
      const reader = new BabylonBlockReader(devnet.info.babylon.rpcUrl);
      const here = await fetchRange(reader, devnet.info.contractAddress, 1n, head, 2);
      const there = await fetcher.fetch(1n, head);
      expect(there).toEqual(here);
      expect(there.blocks.map((b) => b.height)).toEqual(
        Array.from({ length: Number(head) }, (_, i) => BigInt(i + 1)),
      );
      expect(there.blocks.every((b) => b.time instanceof Date)).toBe(true);
      expect(there.providersCreated.map((p) => p.moniker)).toContain("fetch-test");
      expect(there.delegationsCreated.length).toBeGreaterThanOrEqual(1);
    } finally {
      await fetcher.close();
    }
  });

  it("reads a provider's delegations as delegationStates does in this thread", async () => {
    const fetcher = fetcherFor();
    try {
      const queries = new BabylonQueryClient(new BabylonBlockReader(devnet.info.babylon.rpcUrl));
      const quorum = Number((await queries.btcstakingParams()).covenantQuorum);
      const here = await delegationStates(queries, fpPk, quorum);
      expect(here).toHaveLength(1);
      expect(here[0]).toMatchObject({ totalSat: 100_000n, fpBtcPks: [fpPk], unbondedEarly: false });
      expect(here[0]!.stakingTxHash).toMatch(/^[0-9a-f]{64}$/);
      expect(await fetcher.delegations(fpPk, quorum)).toEqual(here);
      // A query Babylon refuses comes back as an error, and the worker keeps serving.
      await expect(fetcher.delegations("not a key", quorum)).rejects.toThrow(/64 lowercase hex/);
      expect(await fetcher.delegations(fpPk, quorum)).toEqual(here);
    } finally {
      await fetcher.close();
    }
  });

  it("rejects a fault with the reader's error, and keeps serving", async () => {
    const fetcher = fetcherFor();
    try {
      for (const [from, to] of [
        [head + 1000n, head + 1002n], // in the worker
        [head + 1000n, head + 1000n], // on this thread
      ]) {
        const missing = fetcher.fetch(from!, to!);
        await expect(missing).rejects.toBeInstanceOf(BabylonRpcError);
        await expect(missing).rejects.toThrow(/height/);
      }
      expect((await fetcher.fetch(1n, 3n)).blocks.map((b) => b.height)).toEqual([1n, 2n, 3n]);
    } finally {
      await fetcher.close();
    }
  });

  it("fails what a dying worker had in hand, and starts a new one for the next range", async () => {
    // A node that never answers keeps the request in the worker until the worker goes.
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const hung = fetcherFor(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`);
    try {
      const pending = hung.fetch(1n, 3n);
      await new Promise((r) => setTimeout(r, 500)); // the worker has started and sent the request
      await workerOf(hung)!.terminate();
      await expect(pending).rejects.toThrow(/worker exited/);
      const closing = expect(hung.fetch(1n, 3n)).rejects.toThrow(/closed/);
      await hung.close();
      await closing;
    } finally {
      silent.closeAllConnections();
      silent.close();
      await hung.close();
    }
    const fetcher = fetcherFor();
    try {
      await fetcher.close(); // closing before any use, and using after close, both work
      expect((await fetcher.fetch(1n, 3n)).blocks.map((b) => b.height)).toEqual([1n, 2n, 3n]);
    } finally {
      await fetcher.close();
    }
  });

  it("reads a block or two on this thread, starts the worker for more, and stops it once idle", async () => {
    const fetcher = fetcherFor(undefined, 1_000);
    try {
      const reader = new BabylonBlockReader(devnet.info.babylon.rpcUrl);
      const two = await fetcher.fetch(1n, 2n);
      expect(two).toEqual(await fetchRange(reader, devnet.info.contractAddress, 1n, 2n, 2));
      expect(workerOf(fetcher)).toBeUndefined();
      const three = await fetcher.fetch(1n, 3n);
      expect(three.blocks.map((b) => b.height)).toEqual([1n, 2n, 3n]);
      const first = workerOf(fetcher);
      expect(first).toBeDefined();
      // Requests keep it up: each one starts the idle time again.
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setTimeout(r, 100));
        await fetcher.fetch(1n, 3n);
        expect(workerOf(fetcher)).toBe(first);
      }
      await new Promise((r) => setTimeout(r, 1_500));
      expect(workerOf(fetcher)).toBeUndefined();
      expect(await fetcher.fetch(1n, 3n)).toEqual(three);
      expect(workerOf(fetcher)).toBeDefined();
      expect(workerOf(fetcher)).not.toBe(first);
    } finally {
      await fetcher.close();
    }
  });
});
