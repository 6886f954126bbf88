// The indexer's Babylon block reader against the devnet's CometBFT RPC, checked field by field against what
// CosmJS's Comet client decodes from the same blocks; and its errors on replies it cannot use.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BabylonBlockReader, BabylonRpcError } from "../../src/chains/babylon/block-reader.ts";
import { BabylonQueryClient, BabylonQueryPath } from "../../src/chains/babylon/query-client.ts";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";

let devnet: Devnet;

beforeAll(async () => {
  devnet = await startDevnet({ l2: false, blockIntervalMs: 50, btcBlockIntervalMs: 0, accounts: 2 });
});
afterAll(async () => devnet.stop());

async function serve(reply: (body: string) => { status: number; body: string }): Promise<Server> {
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      const r = reply(body);
      res.writeHead(r.status, { "content-type": "application/json" }).end(r.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}
const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

describe("BabylonBlockReader", () => {
  it("reads blocks with txs and events exactly as CosmJS decodes them", async () => {
    const { info } = devnet;
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(info.mnemonics[0]!, { prefix: "bbn" });
    const signer = await SigningStargateClient.connectWithSigner(info.babylon.rpcUrl, wallet, {
      gasPrice: GasPrice.fromString("0.002ubbn"),
    });
    const sent = await signer.sendTokens(
      info.accounts[0]!.address,
      info.accounts[1]!.address,
      [{ denom: "ubbn", amount: "5" }],
      "auto",
    );
    signer.disconnect();

    const reader = new BabylonBlockReader(info.babylon.rpcUrl);
    const comet = await Comet38Client.connect(info.babylon.rpcUrl);
    try {
      const head = await reader.latestHeight();
      expect(head).toBeGreaterThanOrEqual(BigInt(sent.height));
      const heights = Array.from({ length: sent.height }, (_, i) => BigInt(i + 1));
      const blocks = await reader.blocks(heights);
      expect(blocks.map((b) => b.height)).toEqual(heights);
      let txs = 0;
      for (const block of blocks) {
        const [theirs, results] = await Promise.all([
          comet.block(Number(block.height)),
          comet.blockResults(Number(block.height)),
        ]);
        expect(block.time.getTime()).toBe(theirs.block.header.time.getTime());
        expect(block.txs.map((t) => Buffer.from(t).toString("hex"))).toEqual(
          theirs.block.txs.map((t) => Buffer.from(t).toString("hex")),
        );
        const plain = (
          events: readonly { type: string; attributes: readonly { key: string; value: string }[] }[],
        ) =>
          events.map((e) => ({
            type: e.type,
            attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })),
          }));
        expect(block.txResults.map((r) => ({ code: r.code, events: plain(r.events) }))).toEqual(
          results.results.map((r) => ({ code: r.code, events: plain(r.events) })),
        );
        expect(plain(block.blockEvents)).toEqual(plain(results.finalizeBlockEvents));
        txs += block.txs.length;
      }
      expect(txs).toBeGreaterThanOrEqual(1);
      const withTx = blocks.find((b) => b.height === BigInt(sent.height))!;
      expect(withTx.txResults.some((r) => r.events.some((e) => e.type === "transfer"))).toBe(true);
    } finally {
      comet.disconnect();
    }
  });

  it("reads the latest block's height and time from status, as the block itself has them", async () => {
    const reader = new BabylonBlockReader(devnet.info.babylon.rpcUrl);
    const latest = await reader.latest();
    const [block] = await reader.blocks([latest.height]);
    expect(latest.time.getTime()).toBe(block!.time.getTime());
    expect(await reader.latestHeight()).toBeGreaterThanOrEqual(latest.height);
  });

  it("names the height the node does not have", async () => {
    const reader = new BabylonBlockReader(devnet.info.babylon.rpcUrl, 1);
    const head = await reader.latestHeight();
    const error = await reader.blocks([head + 1000n]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BabylonRpcError);
    expect((error as Error).message).toMatch(/^Babylon RPC block: /);
  });

  it("rejects malformed replies with a clear error, and retries failed requests", async () => {
    let calls = 0;
    const server = await serve((body) => {
      calls++;
      const req = JSON.parse(body) as { id: number; method: string }[];
      if (calls === 1) return { status: 502, body: "bad gateway" };
      return {
        status: 200,
        body: JSON.stringify(
          req.map((r) => ({
            jsonrpc: "2.0",
            id: r.id,
            result: r.method === "block" ? { block: { header: { height: "7" } } } : { txs_results: null },
          })),
        ),
      };
    });
    try {
      const reader = new BabylonBlockReader(urlOf(server), 2);
      const error = await reader.blocks([7n]).catch((e: unknown) => e);
      expect(calls).toBe(2);
      expect(error).toBeInstanceOf(BabylonRpcError);
      expect((error as Error).message).toBe("block 7: reply without block.header.time");
      const wrongHeight = await reader.blocks([8n]).catch((e: unknown) => e);
      expect((wrongHeight as Error).message).toBe("block 8: the node answered for height 7");
    } finally {
      server.close();
    }
  });

  it("asks again only for the calls of a batch that failed, keeping the answers it got", async () => {
    const asked: string[] = [];
    const server = await serve((body) => {
      const req = JSON.parse(body) as { id: number; method: string; params: { height: string } }[];
      const replies = req.map((r) => {
        asked.push(`${r.method}@${r.params.height}`);
        // The first time, the node fails block_results of height 2 only.
        if (r.method === "block_results" && r.params.height === "2" && asked.length <= 4)
          return {
            jsonrpc: "2.0",
            id: r.id,
            error: { code: -32603, message: "Internal error", data: "injected" },
          };
        return {
          jsonrpc: "2.0",
          id: r.id,
          result:
            r.method === "block"
              ? {
                  block: {
                    header: { height: r.params.height, time: "2026-11-26T10:00:00.5Z" },
                    data: { txs: [] },
                  },
                }
              : { txs_results: [], finalize_block_events: [] },
        };
      });
      return { status: 200, body: JSON.stringify(replies) };
    });
    try {
      const blocks = await new BabylonBlockReader(urlOf(server), 2).blocks([1n, 2n]);
      expect(blocks.map((b) => [b.height, b.time.toISOString()])).toEqual([
        [1n, "2026-11-26T10:00:00.500Z"],
        [2n, "2026-11-26T10:00:00.500Z"],
      ]);
      expect(asked).toEqual(["block@1", "block_results@1", "block@2", "block_results@2", "block_results@2"]);
    } finally {
      server.close();
    }
  });

  it("answers ABCI queries as CosmJS does: value, height, and a failure's code, codespace and log", async () => {
    const reader = new BabylonBlockReader(devnet.info.babylon.rpcUrl);
    const comet = await Comet38Client.connect(devnet.info.babylon.rpcUrl);
    try {
      const plain = (r: {
        code?: number;
        codespace?: string;
        log?: string;
        value: Uint8Array;
        height?: number;
      }) => ({
        code: r.code ?? 0,
        codespace: r.codespace ?? "",
        log: r.log ?? "",
        value: Buffer.from(r.value).toString("hex"),
        height: r.height,
      });
      const height = Number(await reader.latestHeight()) - 1;
      for (const q of [
        { path: BabylonQueryPath.BtcStakingParams, data: new Uint8Array(), height },
        { path: BabylonQueryPath.BtcTip, data: new Uint8Array(), height },
        { path: "/no.such.Query/Method", data: new Uint8Array([1, 2, 3]), height },
      ]) {
        const [ours, theirs] = await Promise.all([reader.abciQuery(q), comet.abciQuery(q)]);
        expect(plain(ours)).toEqual(plain(theirs));
      }
      const failed = await reader.abciQuery({ path: "/no.such.Query/Method", data: new Uint8Array() });
      expect(failed.code).not.toBe(0);
      // BabylonQueryClient reads the same through either.
      const [viaReader, viaCosmJs] = await Promise.all([
        new BabylonQueryClient(reader).atHeight(height).btcstakingParams(),
        new BabylonQueryClient(comet).atHeight(height).btcstakingParams(),
      ]);
      expect(viaReader).toEqual(viaCosmJs);
    } finally {
      comet.disconnect();
    }
  });

  it("rejects an ABCI reply without a response", async () => {
    const server = await serve((body) => {
      const req = JSON.parse(body) as { id: number }[];
      return {
        status: 200,
        body: JSON.stringify(req.map((r) => ({ jsonrpc: "2.0", id: r.id, result: {} }))),
      };
    });
    try {
      const error = await new BabylonBlockReader(urlOf(server), 1)
        .abciQuery({ path: "/x", data: new Uint8Array() })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BabylonRpcError);
      expect((error as Error).message).toBe("abci_query /x: reply without response");
    } finally {
      server.close();
    }
  });
});
