// `npm start` on a fresh machine: the command starts the devnet, four provider daemons, the gadget and its APIs;
// within 60 s the finalizedBlocks subscription delivers blocks and QueryLatestFinalizedBlock keeps rising;
// Ctrl-C stops it all cleanly.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FinalityGadgetClient } from "../../src/api/grpc/client.ts";

const bin = new URL("../../bin/op-btc-finality.js", import.meta.url).pathname;

describe("npm start with no chain configured", () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill("SIGKILL");
  });

  it("finalizes blocks within 60 s, serves them over GraphQL (SSE) and gRPC, and stops on SIGINT", async () => {
    const dir = mkdtempSync(join(tmpdir(), "obf-start-"));
    const started = Date.now();
    const env = { ...process.env };
    delete env.DATABASE_URL; // the one-command start runs on the embedded database
    child = spawn(
      process.execPath,
      [bin, "start", "--api.http_port=0", "--api.grpc_port=0", `--database.data_dir=${dir}`],
      {
        env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const addresses = await new Promise<{ graphql: string; grpc: string }>((resolve, reject) => {
      const timer = setInterval(() => {
        const graphql = /GraphQL\s+(http:\/\/\S+\/graphql)/.exec(out)?.[1];
        const grpc = /gRPC\s+(\S+:\d+)/.exec(out)?.[1];
        if (graphql && grpc) {
          clearInterval(timer);
          resolve({ graphql, grpc });
        } else if (child!.exitCode !== null || Date.now() - started > 60_000) {
          clearInterval(timer);
          reject(new Error(`start did not print its addresses:\n${out}`));
        }
      }, 100);
    });

    // GraphQL subscription over SSE: the first finalized blocks, in order
    const controller = new AbortController();
    const res = await fetch(addresses.graphql, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: "subscription { finalizedBlocks { height hash status } }" }),
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    const heights: bigint[] = [];
    const reader = res.body!.getReader();
    let buffer = "";
    while (heights.length < 3) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += new TextDecoder().decode(value);
      // Count complete SSE events only; the last piece may be cut mid-event.
      const events = buffer.split("\n\n");
      buffer = events.pop() ?? "";
      for (const event of events) {
        const m = /"height":"(\d+)"/.exec(event);
        if (m) heights.push(BigInt(m[1]!));
      }
    }
    controller.abort();
    expect(Date.now() - started).toBeLessThan(60_000 + 30_000); // startup + first blocks (a loaded CI machine gets slack)
    expect(heights.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < heights.length; i++) expect(heights[i]).toBe(heights[i - 1]! + 1n);

    const client = new FinalityGadgetClient(addresses.grpc);
    const first = await client.queryLatestFinalizedBlock();
    await new Promise((r) => setTimeout(r, 4_000));
    const later = await client.queryLatestFinalizedBlock();
    expect(later.height).toBeGreaterThan(first.height);
    client.close();

    child.kill("SIGINT");
    const code = await new Promise<number | null>((resolve) => child!.once("exit", (c) => resolve(c)));
    expect(code).toBe(0);
  }, 150_000);
});
