// The response cache answers a query again only while the database snapshot it was computed at is still the
// current one, never keeps what a resolver marked as read from outside the database, and never keeps errors.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createYoga } from "graphql-yoga";
import { afterAll, describe, expect, it } from "vitest";
import { buildSchema } from "../../../src/api/graphql/graphql-js.ts";
import { cacheableUntil, ResponseCache, uncacheable } from "../../../src/api/graphql/response-cache.ts";

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function setup(options: { maxAgeMs?: number; maxEntries?: number; maxBytes?: number } = {}) {
  let snapshot = "100:100:";
  let executions = 0;
  const outcomes: string[] = [];
  const schema = buildSchema(
    `type Query { n(k: Int): Int  slow: Int  clock: Int  second: Int  broken: Int }`,
  );
  const fields = schema.getQueryType()!.getFields();
  fields.n!.resolve = (_r, args: { k?: number }) => {
    executions++;
    return (args.k ?? 0) + executions * 1000;
  };
  fields.slow!.resolve = async () => {
    executions++;
    await new Promise((r) => setTimeout(r, 50));
    return executions;
  };
  fields.clock!.resolve = (_r, _a, ctx: object) => {
    executions++;
    uncacheable(ctx);
    return executions;
  };
  fields.second!.resolve = (_r, _a, ctx: object) => {
    executions++;
    cacheableUntil(ctx, Date.now() + 30);
    return executions;
  };
  fields.broken!.resolve = () => {
    executions++;
    throw new Error("no");
  };
  const cache = new ResponseCache({
    snapshot: async () => snapshot,
    onOutcome: (o) => outcomes.push(o),
    ...options,
  });
  const yoga = createYoga({ schema, logging: false, plugins: [cache.plugin()] });
  const server = createServer((req, res) => {
    if (!cache.handle(req, res, yoga)) void yoga.requestListener(req, res);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const ask = async (query: string, variables?: Record<string, unknown>, init: RequestInit = {}) => {
    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query, variables }),
      ...init,
    });
    return (await res.json()) as { data?: Record<string, number>; errors?: unknown[] };
  };
  return {
    ask,
    port,
    write: (next: string) => {
      snapshot = next;
    },
    executions: () => executions,
    outcomes,
  };
}

describe("the GraphQL response cache", () => {
  it("answers the same query from the first result while the snapshot has not moved", async () => {
    const c = await setup();
    const first = await c.ask("{ n }");
    expect(await c.ask("{ n }")).toEqual(first);
    expect(c.executions()).toBe(1);
    expect(c.outcomes).toEqual(["miss", "hit"]);
  });

  it("executes again once any write moved the snapshot", async () => {
    const c = await setup();
    expect((await c.ask("{ n }")).data?.n).toBe(1000);
    c.write("100:101:");
    expect((await c.ask("{ n }")).data?.n).toBe(2000);
    expect(await c.ask("{ n }")).toEqual({ data: { n: 2000 } });
    expect(c.executions()).toBe(2);
  });

  it("keys entries by variables and operation text", async () => {
    const c = await setup();
    await c.ask("query($k: Int) { n(k: $k) }", { k: 1 });
    await c.ask("query($k: Int) { n(k: $k) }", { k: 2 });
    await c.ask("query($k: Int) { n(k: $k) }", { k: 1 });
    await c.ask("{ n(k: 1) }");
    expect(c.executions()).toBe(3);
  });

  it("never keeps a request a resolver marked as reading outside the database", async () => {
    const c = await setup();
    await c.ask("{ clock n }");
    await c.ask("{ clock n }");
    expect(c.executions()).toBe(4);
  });

  it("serves an answer that read the clock only until the moment its resolver gave", async () => {
    const c = await setup();
    await c.ask("{ second n }");
    await c.ask("{ second n }");
    expect(c.executions()).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    await c.ask("{ second n }");
    expect(c.executions()).toBe(4);
  });

  it("never keeps a result with errors", async () => {
    const c = await setup();
    expect((await c.ask("{ broken }")).errors).toHaveLength(1);
    expect((await c.ask("{ broken }")).errors).toHaveLength(1);
    expect(c.executions()).toBe(2);
  });

  it("does not serve an entry older than maxAgeMs even if nothing was written", async () => {
    const c = await setup({ maxAgeMs: 20 });
    await c.ask("{ n }");
    await new Promise((r) => setTimeout(r, 40));
    await c.ask("{ n }");
    expect(c.executions()).toBe(2);
  });

  it("sends a kept answer with the headers and bytes of the first", async () => {
    const c = await setup();
    const ask = () =>
      fetch(`http://127.0.0.1:${c.port}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
        body: JSON.stringify({ query: "{ n }" }),
      });
    const first = await ask();
    const again = await ask();
    expect(again.headers.get("content-type")).toBe(first.headers.get("content-type"));
    expect(await again.text()).toBe(await first.text());
    expect(c.outcomes).toEqual(["miss", "hit"]);
  });

  it("keeps an answer per Origin: a cross-origin visitor never gets another origin's CORS headers", async () => {
    const c = await setup();
    const ask = (origin?: string) =>
      fetch(`http://127.0.0.1:${c.port}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          ...(origin ? { origin } : {}),
        },
        body: JSON.stringify({ query: "{ n }" }),
      });
    const allowed = async (origin?: string) => (await ask(origin)).headers.get("access-control-allow-origin");
    expect(await allowed("https://a.example")).toBe("https://a.example");
    expect(await allowed("https://b.example")).toBe("https://b.example");
    expect(await allowed()).toBeNull();
    expect(await allowed("https://a.example")).toBe("https://a.example");
    expect(c.outcomes).toEqual(["miss", "miss", "miss", "hit"]);
  });

  it("leaves GET requests and event streams to yoga and never keeps them", async () => {
    const c = await setup();
    const get = () => fetch(`http://127.0.0.1:${c.port}/graphql?query=${encodeURIComponent("{ n }")}`);
    expect((await (await get()).json()).data.n).toBe(1000);
    expect((await (await get()).json()).data.n).toBe(2000);
    expect(c.outcomes).toEqual([]);
  });

  it("keeps at most maxEntries, the oldest leaving first", async () => {
    const c = await setup({ maxEntries: 2 });
    for (const k of [1, 2, 3]) await c.ask("query($k: Int) { n(k: $k) }", { k });
    await c.ask("query($k: Int) { n(k: $k) }", { k: 3 });
    await c.ask("query($k: Int) { n(k: $k) }", { k: 1 });
    expect(c.executions()).toBe(4);
  });

  it("keeps at most maxBytes of bodies, the oldest leaving first", async () => {
    const c = await setup({ maxBytes: 40 }); // one body of `{"data":{"n":1001}}` is 20 bytes
    for (const k of [1, 2, 3]) await c.ask("query($k: Int) { n(k: $k) }", { k });
    await c.ask("query($k: Int) { n(k: $k) }", { k: 3 });
    await c.ask("query($k: Int) { n(k: $k) }", { k: 1 });
    expect(c.executions()).toBe(4);
  });

  it("runs a query asked many times at once only once, and gives each the same answer", async () => {
    const c = await setup();
    const answers = await Promise.all(Array.from({ length: 5 }, () => c.ask("{ slow }")));
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(c.executions()).toBe(1);
    expect(c.outcomes.filter((o) => o === "miss")).toHaveLength(1);
  });

  it("lets each of many simultaneous requests it cannot keep execute on its own", async () => {
    const c = await setup();
    await Promise.all(Array.from({ length: 3 }, () => c.ask("{ slow clock }")));
    expect(c.executions()).toBe(6);
  });
});
