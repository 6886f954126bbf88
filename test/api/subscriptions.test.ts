// Subscriptions over graphql-ws (WebSocket on /graphql) and SSE, fed by the real event bus while the
// "engine" below writes finalized blocks to the database and publishes, as the indexer does: committed
// first, then announced. finalizedBlocks must deliver every height once, in order, across resumes.
import { type Client, createClient } from "graphql-ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { blockHash, FP, hex, timestampOf } from "./fixtures.ts";
import { startTestApi, type TestApi } from "./harness.ts";

interface Sub<T> {
  values: T[];
  errors: unknown[];
  done: Promise<void>;
  waitFor(predicate: (values: T[]) => boolean, ms?: number): Promise<void>;
  dispose(): void;
}

function subscribe<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Sub<T> {
  const values: T[] = [];
  const errors: unknown[] = [];
  let wake = () => {};
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (r) => {
        if (r.errors) errors.push(...r.errors);
        if (r.data) values.push(r.data as T);
        wake();
      },
      error: (e) => {
        errors.push(e);
        wake();
        finish();
      },
      complete: () => finish(),
    },
  );
  return {
    values,
    errors,
    done,
    dispose,
    async waitFor(predicate, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (!predicate(values)) {
        if (errors.length > 0) throw new Error(`subscription failed: ${JSON.stringify(errors)}`);
        if (Date.now() > deadline) throw new Error(`timed out; got ${JSON.stringify(values.slice(-3))}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

/** What the finality engine does: mark blocks finalized (creating new ones past the seed), then publish. */
async function finalize(
  t: TestApi,
  from: bigint,
  to: bigint,
  options: { announceEvery?: bigint; pauseMs?: number } = {},
) {
  const every = options.announceEvery ?? 1n;
  for (let h = from; h <= to; h++) {
    const finalizedAt = new Date();
    await t.db.prisma.l2Block.upsert({
      where: { hash: blockHash(h) },
      update: { status: "FINALIZED", finalizedAt },
      create: {
        hash: blockHash(h),
        height: h,
        parentHash: blockHash(h - 1n),
        timestamp: timestampOf(h),
        checked: h % 5n === 0n,
        status: "FINALIZED",
        finalizedAt,
      },
    });
    // The engine finalizes the heights between checked blocks together with the next checked block; it may
    // announce only the checked one. Subscribers must not miss the others.
    if (h % every === 0n || h === to) {
      t.events.publish("blockFinalized", {
        height: h,
        hash: blockHash(h),
        timestamp: timestampOf(h),
        finalizedAt,
      });
    }
    if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
  }
}

const FINALIZED_BLOCKS = `subscription($from: BigInt) { finalizedBlocks(fromHeight: $from) { height hash status } }`;
type FB = { finalizedBlocks: { height: string; hash: string; status: string } };
const heights = (values: FB[]) => values.map((v) => Number(v.finalizedBlocks.height));
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

describe("GraphQL subscriptions", () => {
  let t: TestApi;
  let client: Client;
  beforeAll(async () => {
    t = await startTestApi();
    client = createClient({
      url: `${t.api.httpUrl.replace("http", "ws")}/graphql`,
      webSocketImpl: WebSocket,
      lazy: true,
    });
  });
  afterAll(async () => {
    await client.dispose();
    await t.close();
  });

  it("finalizedBlocks replays from fromHeight, then goes live without gap or repeat", async () => {
    const sub = subscribe<FB>(client, FINALIZED_BLOCKS, { from: "35" });
    await sub.waitFor((v) => v.length >= 5);
    expect(heights(sub.values)).toEqual(range(36, 40));
    // live: 41..60, announced only at checked heights (every 5th) — the subscriber still gets each height
    await finalize(t, 41n, 60n, { announceEvery: 5n });
    await sub.waitFor((v) => heights(v).includes(60));
    expect(heights(sub.values)).toEqual(range(36, 60));
    expect(sub.values.every((v) => v.finalizedBlocks.status === "FINALIZED")).toBe(true);
    expect(sub.values[0]!.finalizedBlocks.hash).toBe(blockHash(36n));
    sub.dispose();
  });

  it("a client that resumes with the last height it saw misses nothing while blocks keep coming", async () => {
    const publisher = finalize(t, 61n, 140n, { pauseMs: 15 });
    const first = subscribe<FB>(client, FINALIZED_BLOCKS, {});
    await first.waitFor((v) => v.length >= 5);
    first.dispose();
    const seen = heights(first.values);
    const last = seen[seen.length - 1]!;
    expect(seen).toEqual(range(seen[0]!, last));
    // blocks finalized while disconnected come from the database, the rest live
    await new Promise((r) => setTimeout(r, 200));
    const resumed = subscribe<FB>(client, FINALIZED_BLOCKS, { from: String(last) });
    await publisher;
    await resumed.waitFor((v) => heights(v).includes(140));
    expect(heights(resumed.values)).toEqual(range(last + 1, 140));
    resumed.dispose();
  });

  it("many concurrent resumers during publishing each get the exact sequence", async () => {
    const publisher = finalize(t, 141n, 200n, { pauseMs: 5, announceEvery: 3n });
    const subs = [100, 130, 150, 170].map((from) => ({
      from,
      sub: subscribe<FB>(client, FINALIZED_BLOCKS, { from: String(from) }),
    }));
    await publisher;
    for (const { from, sub } of subs) {
      await sub.waitFor((v) => heights(v).includes(200));
      expect(heights(sub.values)).toEqual(range(from + 1, 200));
      sub.dispose();
    }
  });

  it("blockStatus(height) sends the current status, then changes", async () => {
    // 201 is not stored yet: nothing until the engine reports it
    const sub = subscribe<{ blockStatus: { height: string; status: string; votedPower: string | null } }>(
      client,
      `subscription { blockStatus(height: "201") { height status votedPower totalPower block { height } } }`,
    );
    const current = subscribe<{ blockStatus: { status: string } }>(
      client,
      `subscription { blockStatus(height: "45") { status } }`,
    );
    await current.waitFor((v) => v.length === 1);
    expect(current.values[0]!.blockStatus.status).toBe("FINALIZED"); // finalized by the earlier test
    current.dispose();
    await new Promise((r) => setTimeout(r, 100));
    t.events.publish("blockStatus", { height: 202n, hash: blockHash(202n), status: "PENDING" });
    t.events.publish("blockStatus", {
      height: 201n,
      hash: blockHash(201n),
      status: "PENDING",
      votedPower: 500n,
      totalPower: 1000n,
    });
    t.events.publish("blockStatus", {
      height: 201n,
      hash: blockHash(201n),
      status: "FINALIZED",
      votedPower: 800n,
      totalPower: 1000n,
    });
    await sub.waitFor((v) => v.length === 2);
    expect(sub.values.map((v) => [v.blockStatus.status, v.blockStatus.votedPower])).toEqual([
      ["PENDING", "500"],
      ["FINALIZED", "800"],
    ]);
    sub.dispose();
  });

  it("finalitySignatures(fpBtcPk) and equivocations deliver stored rows of the announced events", async () => {
    const sigs = subscribe<{
      finalitySignatures: { fpBtcPk: string; height: string; provider: { description: { moniker: string } } };
    }>(
      client,
      `subscription($pk: String) { finalitySignatures(fpBtcPk: $pk) { fpBtcPk height provider { description { moniker } } } }`,
      { pk: FP.C },
    );
    const eqs = subscribe<{ equivocations: { fpBtcPk: string; height: string } }>(
      client,
      `subscription { equivocations { fpBtcPk height forkBlockHash } }`,
    );
    await new Promise((r) => setTimeout(r, 200));
    for (const [i, pk] of [FP.A, FP.C].entries()) {
      const row = {
        babylonHeight: 2000n,
        txHash: hex(`live-sig-${pk}`),
        msgIndex: i,
        fpBtcPk: pk,
        height: 55n,
        blockHash: blockHash(55n),
        babylonTime: new Date(),
      };
      await t.db.prisma.finalitySignature.create({ data: row });
      t.events.publish("finalitySignature", row);
    }
    await t.db.prisma.equivocation.create({
      data: {
        babylonHeight: 2001n,
        eventIndex: 0,
        fpBtcPk: FP.B,
        height: 55n,
        canonicalBlockHash: blockHash(55n),
        forkBlockHash: blockHash(55n, "fork-"),
        canonicalSignature: hex("x1"),
        forkSignature: hex("x2"),
        pubRand: hex("x3"),
      },
    });
    t.events.publish("equivocation", {
      fpBtcPk: FP.B,
      height: 55n,
      babylonHeight: 2001n,
      canonicalBlockHash: blockHash(55n),
      forkBlockHash: blockHash(55n, "fork-"),
    });
    await sigs.waitFor((v) => v.length === 1);
    await eqs.waitFor((v) => v.length === 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(sigs.values).toEqual([
      {
        finalitySignatures: {
          fpBtcPk: FP.C,
          height: "55",
          provider: { description: { moniker: "Charlie" } },
        },
      },
    ]);
    expect(eqs.values[0]!.equivocations).toMatchObject({ fpBtcPk: FP.B, height: "55" });
    sigs.dispose();
    eqs.dispose();
  });

  it("rejects bad subscription arguments by name and releases every listener on unsubscribe", async () => {
    const bad = subscribe(client, `subscription { finalizedBlocks(fromHeight: "-1") { height } }`);
    await bad.done;
    expect(JSON.stringify(bad.errors)).toContain("argument fromHeight: must not be negative");
    const badPk = subscribe(client, `subscription { finalitySignatures(fpBtcPk: "nope") { height } }`);
    await badPk.done;
    expect(JSON.stringify(badPk.errors)).toContain("argument fpBtcPk");
    await new Promise((r) => setTimeout(r, 200));
    const open = await t.api.metrics.subscriptionsActive.get();
    expect(open.values.reduce((s, v) => s + v.value, 0)).toBe(0);
  });

  it("finalizedBlocks over SSE", async () => {
    const controller = new AbortController();
    const res = await fetch(`${t.api.httpUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: FINALIZED_BLOCKS, variables: { from: "195" } }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    const got: number[] = [];
    const publisher = (async () => {
      await new Promise((r) => setTimeout(r, 300));
      await finalize(t, 201n, 203n);
    })();
    while (!got.includes(203)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let idx = buffer.indexOf("\n\n");
      while (idx >= 0) {
        const event = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        const data = event.split("\n").find((l) => l.startsWith("data:"));
        if (data) {
          const parsed = JSON.parse(data.slice(5)) as { data?: FB };
          if (parsed.data) got.push(Number(parsed.data.finalizedBlocks.height));
        }
        idx = buffer.indexOf("\n\n");
      }
    }
    controller.abort();
    await publisher;
    expect(got).toEqual(range(196, 203));
  });
});
