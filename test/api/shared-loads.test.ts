// SharedLoads.joined: subscribers arriving together share one catch-up read, but never one that began
// before their listener was attached (it could miss a block committed and announced in between).
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
  it("shares a read begun after the caller's point, not one begun before it", async () => {
    const shared = new SharedLoads();
    const reads: Array<ReturnType<typeof deferred<string>>> = [];
    const load = () => {
      const d = deferred<string>();
      reads.push(d);
      return d.promise;
    };
    const early = shared.now();
    const first = shared.joined("k", early, load);
    const late = shared.now(); // attached after `first` began
    const second = shared.joined("k", late, load);
    const third = shared.joined("k", late, load); // the read `second` began is after `late`: shared
    expect(reads).toHaveLength(2);
    reads[0]!.resolve("old");
    reads[1]!.resolve("new");
    expect(await Promise.all([first, second, third])).toEqual(["old", "new", "new"]);
    // Once settled, the next caller reads anew.
    shared.joined("k", shared.now(), load);
    expect(reads).toHaveLength(3);
  });
});
