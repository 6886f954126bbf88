// The parent side of bench/load-client.ts: forks the load generator and sends it commands, so a bench's clients
// (the explorer mix, gRPC calls, subscribers) run beside the process they measure, not inside it or beside the
// devnet, whose chain and RPC would otherwise slow down with them.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { MixTarget } from "./explorer-mix.ts";
import type { LoadCommand, LoadCommands, LoadReply, LoadRequest } from "./load-client.ts";

/** A load-generator process (bench/load-client.ts) and its commands. */
export interface LoadClient {
  call<K extends LoadCommand>(command: K, args: LoadCommands[K]["args"]): Promise<LoadCommands[K]["result"]>;
  close(): Promise<void>;
}

class LoadClientError extends Error {
  override name = "LoadClientError";
}

export async function forkLoadClient(): Promise<LoadClient> {
  const child = fork(fileURLToPath(new URL("./load-client.ts", import.meta.url)), {
    execArgv: [
      "--import",
      "tsx",
      ...(process.env.BENCH_CLIENT_PROF
        ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CLIENT_PROF}`]
        : []),
    ],
    serialization: "advanced",
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let ready!: () => void;
  let failed!: (e: Error) => void;
  const started = new Promise<void>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      const error = new LoadClientError(`the load client exited (${signal ?? `code ${code}`})`);
      failed(error);
      for (const call of pending.values()) call.reject(error);
      pending.clear();
      resolve();
    });
  });
  child.on("message", (reply: LoadReply) => {
    if ("ready" in reply) return ready();
    const call = pending.get(reply.id);
    pending.delete(reply.id);
    if ("error" in reply) call?.reject(new LoadClientError(reply.error));
    else call?.resolve(reply.result);
  });
  await started;
  let nextId = 0;
  return {
    call: (command, args) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, command, args } as LoadRequest);
      }),
    close: async () => {
      // Disconnecting lets the client exit on its own (and write its --cpu-prof profile); one that hangs is killed.
      if (child.exitCode === null && child.signalCode === null) {
        if (child.connected) child.disconnect();
        else child.kill();
      }
      const timer = setTimeout(() => child.kill(), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The explorer mix at `concurrency` for `seconds` from a load generator of its own, closed afterwards; with
 * `alone`, each kind of query one at a time first (its latencies by kind, in MIX_NAMES order).
 */
export async function runMixApart(
  target: MixTarget,
  o: { seconds: number; concurrency: number; alone?: boolean },
): Promise<LoadCommands["mix"]["result"]> {
  const load = await forkLoadClient();
  try {
    return await load.call("mix", { target, ...o, alone: o.alone ?? false });
  } finally {
    await load.close();
  }
}
