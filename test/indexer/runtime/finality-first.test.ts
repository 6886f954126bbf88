// The finality path goes before HTTP requests: a request that arrives while a step runs waits for the path to be
// idle, never longer than the hold, and requests then get as long before the next hold; a step that starts the
// next one keeps the hold; a failing step releases it too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FinalityFirst } from "../../../src/indexer/runtime/finality-first.ts";
import { startTestApi, type TestApi } from "../../api/harness.ts";

/** A step that runs until `finish` is called: one that reads Babylon, or with `within` the engine's. */
function heldStep(first: FinalityFirst, how: "run" | "within" = "run") {
  let finish!: (fail?: Error) => void;
  const done = first[how](
    () => new Promise<void>((resolve, reject) => (finish = (fail) => (fail ? reject(fail) : resolve()))),
  );
  return { done, finish };
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return settled;
}

describe("FinalityFirst", () => {
  it("lets requests through while no step runs, and again once the path is idle", async () => {
    const first = new FinalityFirst(10_000);
    expect(first.turn()).toBeUndefined();
    const step = heldStep(first);
    const waiting = first.turn();
    expect(waiting).toBeInstanceOf(Promise);
    expect(await settlesWithin(waiting!, 30)).toBe(false);
    step.finish();
    await step.done;
    await waiting;
    expect(first.turn()).toBeUndefined();
  });

  it("holds requests through the engine's step that a Babylon step starts in the same turn", async () => {
    const first = new FinalityFirst(10_000);
    const a = heldStep(first);
    const waiting = first.turn()!;
    let b: ReturnType<typeof heldStep> | undefined;
    void a.done.then(() => {
      b = heldStep(first, "within"); // as the Babylon step wakes the engine
    });
    a.finish();
    await a.done;
    expect(await settlesWithin(waiting, 30)).toBe(false);
    b!.finish();
    await waiting;
  });

  it("never holds a request longer than the hold, then gives requests as long before the next", async () => {
    const first = new FinalityFirst(50);
    const step = heldStep(first);
    const started = performance.now();
    await first.turn();
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(first.turn()).toBeUndefined(); // the step still runs: its hold is over
    step.finish();
    await step.done;
    const soon = heldStep(first); // the requests' turn is not over yet: no hold
    expect(first.turn()).toBeUndefined();
    soon.finish();
    await soon.done;
    await new Promise((r) => setTimeout(r, 60));
    const later = heldStep(first); // it is now
    expect(first.turn()).toBeInstanceOf(Promise);
    later.finish();
    await later.done;
  });

  it("holds nothing for the engine's own polls", async () => {
    const first = new FinalityFirst(10_000);
    const poll = heldStep(first, "within");
    expect(first.turn()).toBeUndefined();
    poll.finish();
    await poll.done;
  });

  it("releases requests when a step fails", async () => {
    const first = new FinalityFirst(10_000);
    const step = heldStep(first);
    const waiting = first.turn()!;
    step.finish(new Error("rpc down"));
    await expect(step.done).rejects.toThrow("rpc down");
    await waiting;
    expect(first.turn()).toBeUndefined();
  });
});

describe("the API under FinalityFirst", () => {
  const first = new FinalityFirst(10_000);
  let t: TestApi;
  beforeAll(async () => {
    t = await startTestApi({ seed: false, finalityFirst: first });
  });
  afterAll(async () => t?.close());

  it("answers a request that came during a step once the step is done", async () => {
    const step = heldStep(first);
    const answer = fetch(`${t.api.httpUrl}/health`);
    expect(await settlesWithin(answer, 100)).toBe(false);
    step.finish();
    await step.done;
    expect((await answer).status).toBe(200);
    expect((await fetch(`${t.api.httpUrl}/health`)).status).toBe(200);
  });
});
