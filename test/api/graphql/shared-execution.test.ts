// Fan-out executes a subscription's selection once per event and per distinct document + selection variables,
// and hands every subscriber the same result object; root-field arguments choose the stream only.
import { describe, expect, it } from "vitest";
import { Channel } from "../../../src/api/graphql/channel.ts";
import { type PushSink, type PushTarget, pushable } from "../../../src/api/graphql/finalized-feed.ts";
import { buildSchema, type ExecutionResult, parse } from "../../../src/api/graphql/graphql-js.ts";
import { subscribeShared } from "../../../src/api/graphql/shared-execution.ts";
import type { L2Block } from "../../../src/db/generated/client.ts";
import { SlowConsumerError } from "../../../src/errors.ts";
import { silentLogger } from "../../../src/log.ts";

const schema = buildSchema(`
  type Block { height: Int! label(prefix: String): String! }
  type Query { ok: Boolean }
  type Subscription { blocks(from: Int): Block! }
`);

function setup() {
  const feeds: Array<Channel<{ height: number }>> = [];
  let labels = 0;
  const blocks = schema.getSubscriptionType()!.getFields().blocks!;
  blocks.subscribe = () => {
    const feed = new Channel<{ height: number }>();
    feeds.push(feed);
    return feed;
  };
  blocks.resolve = (b) => b;
  const block = schema.getType("Block") as import("graphql").GraphQLObjectType;
  block.getFields().label!.resolve = (b: { height: number }, args: { prefix?: string }) => {
    labels++;
    if (args.prefix === "boom") throw new Error("connection refused to 10.0.0.7");
    return `${args.prefix ?? ""}${b.height}`;
  };
  const subscribe = async (query: string, variableValues: Record<string, unknown>) =>
    (await subscribeShared(
      {
        schema,
        document: parse(query),
        variableValues,
      },
      silentLogger,
    )) as AsyncIterableIterator<ExecutionResult>;
  const publish = (event: { height: number }) => {
    for (const feed of feeds) feed.offer(event);
  };
  return { subscribe, publish, feeds, labels: () => labels };
}

const DOC = `subscription($from: Int, $p: String) { blocks(from: $from) { height label(prefix: $p) } }`;

describe("shared subscription execution", () => {
  it("runs the selection once per event for subscribers that differ only in root arguments", async () => {
    const { subscribe, publish, labels } = setup();
    const a = await subscribe(DOC, { from: 1, p: "#" });
    const b = await subscribe(DOC, { from: 7, p: "#" });
    const event = { height: 9 };
    publish(event);
    const [ra, rb] = await Promise.all([a.next(), b.next()]);
    expect(ra.value).toEqual({ data: { blocks: { height: 9, label: "#9" } } });
    expect(rb.value).toBe(ra.value);
    expect(labels()).toBe(1);
    await a.return?.();
    await b.return?.();
  });

  it("executes apart when a variable the selection reads differs", async () => {
    const { subscribe, publish, labels } = setup();
    const a = await subscribe(DOC, { p: "#" });
    const b = await subscribe(DOC, { p: "height " });
    publish({ height: 3 });
    const [ra, rb] = await Promise.all([a.next(), b.next()]);
    expect(ra.value).toEqual({ data: { blocks: { height: 3, label: "#3" } } });
    expect(rb.value).toEqual({ data: { blocks: { height: 3, label: "height 3" } } });
    expect(labels()).toBe(2);
  });

  it("masks a failed field once for every subscriber, and a stream's failure as the subscriber's error", async () => {
    const { subscribe, publish, feeds } = setup();
    const a = await subscribe(DOC, { p: "boom" });
    const b = await subscribe(DOC, { p: "boom" });
    publish({ height: 4 });
    const [ra, rb] = await Promise.all([a.next(), b.next()]);
    expect(rb.value).toBe(ra.value);
    expect(
      ra.value?.errors?.map((e: { message: string; extensions: { code?: unknown } }) => [
        e.message,
        e.extensions.code,
      ]),
    ).toEqual([["Unexpected error.", "INTERNAL_SERVER_ERROR"]]);
    feeds[0]!.fail(new SlowConsumerError("subscription dropped: the client fell 3 events behind"));
    const dropped = await a.next().then(
      () => undefined,
      (error: unknown) => error as { message: string; extensions: { code: string } },
    );
    expect(dropped?.message).toBe("subscription dropped: the client fell 3 events behind");
    expect(dropped?.extensions.code).toBe("SUBSCRIBER_TOO_SLOW");
  });

  it("ends the source stream when the subscriber leaves", async () => {
    const { subscribe } = setup();
    const a = await subscribe(DOC, {});
    await a.return?.();
    expect(await a.next()).toEqual({ value: undefined, done: true });
  });

  it("pushes a pushable stream's results to the transport's target, executed once per key", async () => {
    const { labels } = setup();
    const blocks = schema.getSubscriptionType()!.getFields().blocks!;
    const sinks: Array<PushSink<unknown>> = [];
    let stopped = 0;
    blocks.subscribe = () =>
      pushable(
        () => new Channel<{ height: number }>(),
        (sink, signal) =>
          new Promise<void>((resolve) => {
            sinks.push(sink);
            signal.addEventListener("abort", () => {
              stopped++;
              resolve();
            });
          }),
      );
    const sent: Array<[string, ExecutionResult]> = [];
    const target = (name: string): PushTarget<ExecutionResult> => ({
      send: (result) => sent.push([name, result]),
      backedUp: () => false,
      drained: async () => {},
    });
    const open = async (name: string, vars: Record<string, unknown>) =>
      (await subscribeShared(
        { schema, document: parse(DOC), variableValues: vars, contextValue: { push: target(name) } },
        silentLogger,
      )) as AsyncIterableIterator<ExecutionResult>;
    const a = await open("a", { from: 1, p: "#" });
    const b = await open("b", { from: 5, p: "#" });
    expect(sinks).toHaveLength(2);
    expect(sinks[0]!.key).toBe(sinks[1]!.key);
    const row = { height: 12 } as unknown as L2Block;
    for (const sink of sinks) sink.send(await sink.prepare(row));
    expect(sent.map(([name]) => name)).toEqual(["a", "b"]);
    expect(sent[0]![1]).toEqual({ data: { blocks: { height: 12, label: "#12" } } });
    expect(sent[1]![1]).toBe(sent[0]![1]);
    expect(labels()).toBe(1);
    // Nothing comes through the iterator: it ends when graphql-ws ends the subscription.
    const waiting = a.next();
    await a.return?.();
    expect(await waiting).toEqual({ value: undefined, done: true });
    await b.return?.();
    expect(stopped).toBe(2);
  });
});
