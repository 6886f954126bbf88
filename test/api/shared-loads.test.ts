// SharedLoads.joined: subscribers arriving together share catch-up reads, but never one that began before
// their listener was attached (it could miss a block committed and announced in between).
import { describe, expect, it } from "vitest";
import { SharedLoads } from "../../src/api/graphql/context.ts";

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe("SharedLoads.joined", () => {
  it("shares a read begun after the caller's point; for one begun before, waits for the next read", async () => {
    const shared = new SharedLoads();
    const reads: Array<ReturnType<typeof deferred<string>>> = [];
    const load = () => {
      const d = deferred<string>();
      reads.push(d);
      return d.promise;
    };
    const early = shared.now();
    const first = shared.joined("k", early, load);
    const late = shared.now(); // attached after `first` began: must not share it
    const second = shared.joined("k", late, load);
    const third = shared.joined("k", late, load);
    // Callers that need a newer read wait for one: it starts when the running read ends, shared by them.
    expect(reads).toHaveLength(1);
    reads[0]!.resolve("old");
    await first;
    await new Promise((r) => setImmediate(r));
    expect(reads).toHaveLength(2);
    reads[1]!.resolve("new");
    expect(await Promise.all([first, second, third])).toEqual(["old", "new", "new"]);
    // A caller attached before the running read began shares it.
    const before = shared.now();
    const fourth = shared.joined("k", before, load);
    const fifth = shared.joined("k", before, load);
    expect(reads).toHaveLength(3);
    reads[2]!.resolve("latest");
    expect(await Promise.all([fourth, fifth])).toEqual(["latest", "latest"]);
  });
});
