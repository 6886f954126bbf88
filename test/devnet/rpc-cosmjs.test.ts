// The emulated chain against UNMODIFIED CosmJS clients: what the gadget and the provider use on real networks.
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { BroadcastTxError, GasPrice, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import { Comet38Client, connectComet, HttpBatchClient, WebsocketClient } from "@cosmjs/tendermint-rpc";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Chain, createChain } from "../../src/devnet/chain/index.ts";
import { type RpcServer, startRpcServer } from "../../src/devnet/rpc/index.ts";

const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const CHAIN_ID = "bbn-devnet-1";
const gasPrice = GasPrice.fromString("0.002ubbn");

let wallet: DirectSecp256k1HdWallet;
let alice: string;
let bob: string;
let chain: Chain;
let rpc: RpcServer;
let stateDir: string;

beforeAll(async () => {
  wallet = await DirectSecp256k1HdWallet.fromMnemonic(MNEMONIC, {
    prefix: "bbn",
    hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1), makeCosmoshubPath(2)],
  });
  const accounts = await wallet.getAccounts();
  alice = accounts[0]!.address;
  bob = accounts[1]!.address;
  stateDir = mkdtempSync(join(tmpdir(), "devnet-chain-"));
  chain = createChain({
    chainId: CHAIN_ID,
    blockIntervalMs: 100,
    stateDir,
    genesisAccounts: [{ address: alice, coins: [{ denom: "ubbn", amount: 10_000_000_000n }] }],
  });
  chain.start();
  rpc = await startRpcServer(chain, { host: "127.0.0.1", port: 0 });
});

afterAll(async () => {
  await rpc?.close();
  chain?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

async function signingClient(): Promise<SigningStargateClient> {
  return SigningStargateClient.connectWithSigner(rpc.url, wallet, { gasPrice, broadcastPollIntervalMs: 50 });
}

describe("devnet chain through CosmJS", () => {
  it("refuses a WebSocket upgrade to a target no URL parser reads, and keeps serving", async () => {
    const { port } = new URL(rpc.url);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () =>
        socket.write(
          "GET //[ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        ),
      );
      socket.on("close", () => resolve());
      socket.setTimeout(5_000, () => reject(new Error("the server neither answered nor closed")));
      socket.on("error", reject);
    });
    expect(await (await StargateClient.connect(rpc.url)).getChainId()).toBe(CHAIN_ID);
  });

  it("reports chain id, height, accounts and balances", async () => {
    const client = await StargateClient.connect(rpc.url);
    expect(await client.getChainId()).toBe(CHAIN_ID);
    expect(await client.getHeight()).toBeGreaterThanOrEqual(1);
    const account = await client.getAccount(alice);
    expect(account).toMatchObject({ address: alice, accountNumber: 0, sequence: 0 });
    expect(await client.getAccount(bob)).toBeNull();
    expect(await client.getBalance(alice, "ubbn")).toEqual({ denom: "ubbn", amount: "10000000000" });
    expect(await client.getBalance(bob, "ubbn")).toEqual({ denom: "ubbn", amount: "0" });
    const comet = await connectComet(rpc.url);
    expect(comet).toBeInstanceOf(Comet38Client);
    comet.disconnect();
    client.disconnect();
  });

  it("sends tokens with auto gas and indexes the tx for getTx, searchTx, getBlock and block_results", async () => {
    const client = await signingClient();
    const result = await client.sendTokens(alice, bob, [{ denom: "ubbn", amount: "12345" }], "auto", "hi");
    expect(result.code).toBe(0);
    expect(result.gasUsed).toBeLessThanOrEqual(result.gasWanted);
    expect(await client.getBalance(bob, "ubbn")).toEqual({ denom: "ubbn", amount: "12345" });
    const fee = 10_000_000_000n - 12345n - BigInt((await client.getBalance(alice, "ubbn")).amount);
    expect(fee).toBe(BigInt(Math.ceil(Number(result.gasWanted) * 0.002)));
    expect((await client.getAccount(alice))?.sequence).toBe(1);

    const tx = await client.getTx(result.transactionHash);
    expect(tx).toMatchObject({ height: result.height, code: 0, hash: result.transactionHash, txIndex: 0 });
    expect(tx!.msgResponses[0]?.typeUrl).toBe("/cosmos.bank.v1beta1.MsgSendResponse");
    const byHeight = await client.searchTx(`tx.height=${result.height}`);
    expect(byHeight.map((t) => t.hash)).toContain(result.transactionHash);
    const bySender = await client.searchTx([{ key: "message.sender", value: alice }]);
    expect(bySender.map((t) => t.hash)).toEqual([result.transactionHash]);
    const byEvent = await client.searchTx(`transfer.recipient='${bob}' AND transfer.amount='12345ubbn'`);
    expect(byEvent).toHaveLength(1);
    // Conditions on one event type must hold within a single event (CometBFT 0.38).
    expect(await client.searchTx(`transfer.recipient='${bob}' AND transfer.amount='999ubbn'`)).toHaveLength(
      0,
    );
    expect(await client.searchTx(`tx.height>${result.height}`)).toHaveLength(0);

    const send = tx!.events.filter(
      (e) => e.type === "transfer" && e.attributes.some((a) => a.key === "msg_index"),
    );
    expect(send[0]?.attributes).toEqual([
      { key: "recipient", value: bob },
      { key: "sender", value: alice },
      { key: "amount", value: "12345ubbn" },
      { key: "msg_index", value: "0" },
    ]);
    expect(
      tx!.events.find((e) => e.type === "tx" && e.attributes[0]?.key === "acc_seq")?.attributes[0]?.value,
    ).toBe(`${alice}/0`);

    const block = await client.getBlock(result.height);
    expect(block.header.height).toBe(result.height);
    expect(block.header.chainId).toBe(CHAIN_ID);
    expect(block.txs).toHaveLength(1);

    const comet = await Comet38Client.connect(rpc.url);
    const results = await comet.blockResults(result.height);
    expect(results.results[0]?.code).toBe(0);
    expect(results.results[0]?.events.map((e) => e.type)).toContain("coin_received");
    const fetched = await comet.block(result.height);
    expect(fetched.block.lastCommit?.height).toBe(result.height - 1);
    expect(fetched.block.header.lastBlockId?.hash).toEqual(
      (await comet.block(result.height - 1)).blockId.hash,
    );
    comet.disconnect();
    client.disconnect();
  });

  it("rejects a bad signature with code 4 and the SDK log", async () => {
    const client = await signingClient();
    const signed = await client.sign(
      alice,
      [
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: { fromAddress: alice, toAddress: bob, amount: [{ denom: "ubbn", amount: "1" }] },
        },
      ],
      { amount: [{ denom: "ubbn", amount: "1000" }], gas: "200000" },
      "",
    );
    const sig = Uint8Array.from(signed.signatures[0]!);
    sig[10] = (sig[10] ?? 0) ^ 0xff;
    const bytes = TxRaw.encode({ ...signed, signatures: [sig] }).finish();
    const account = await client.getAccount(alice);
    const err = await client.broadcastTx(bytes).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BroadcastTxError);
    expect((err as BroadcastTxError).code).toBe(4);
    expect((err as BroadcastTxError).codespace).toBe("sdk");
    expect((err as BroadcastTxError).log).toBe(
      `signature verification failed; please verify account number (0), sequence (${account!.sequence}) and chain-id (${CHAIN_ID}): unauthorized`,
    );
    client.disconnect();
  });

  it("rejects a wrong sequence with code 32 and a fee below the minimum with code 13", async () => {
    const client = await signingClient();
    const account = (await client.getAccount(alice))!;
    const msg = {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: alice, toAddress: bob, amount: [{ denom: "ubbn", amount: "1" }] },
    };
    const wrong = await client.sign(
      alice,
      [msg],
      { amount: [{ denom: "ubbn", amount: "1000" }], gas: "200000" },
      "",
      {
        accountNumber: account.accountNumber,
        sequence: account.sequence + 5,
        chainId: CHAIN_ID,
      },
    );
    const err = await client.broadcastTx(TxRaw.encode(wrong).finish()).catch((e: unknown) => e);
    expect((err as BroadcastTxError).code).toBe(32);
    expect((err as BroadcastTxError).log).toBe(
      `account sequence mismatch, expected ${account.sequence}, got ${account.sequence + 5}: incorrect account sequence`,
    );
    const cheap = await client.sign(
      alice,
      [msg],
      { amount: [{ denom: "ubbn", amount: "1" }], gas: "200000" },
      "",
    );
    const err2 = await client.broadcastTx(TxRaw.encode(cheap).finish()).catch((e: unknown) => e);
    expect((err2 as BroadcastTxError).code).toBe(13);
    expect((err2 as BroadcastTxError).log).toBe(
      "insufficient fees; got: 1ubbn required: 400ubbn: insufficient fee",
    );
    client.disconnect();
  });

  it("delivers an out-of-gas tx with code 11, charging the fee but not applying the message", async () => {
    const client = await signingClient();
    const before = BigInt((await client.getBalance(bob, "ubbn")).amount);
    const aliceBefore = BigInt((await client.getBalance(alice, "ubbn")).amount);
    const result = await client.sendTokens(alice, bob, [{ denom: "ubbn", amount: "5" }], {
      amount: [{ denom: "ubbn", amount: "100" }],
      gas: "30000",
    });
    expect(result.code).toBe(11);
    expect(result.rawLog).toMatch(
      /^out of gas in location: txMsgs; gasWanted: 30000, gasUsed: \d+: out of gas$/,
    );
    expect(result.events.flatMap((e) => e.attributes).some((a) => a.key === "msg_index")).toBe(false);
    expect(BigInt((await client.getBalance(alice, "ubbn")).amount)).toBe(aliceBefore - 100n);
    expect(BigInt((await client.getBalance(bob, "ubbn")).amount)).toBe(before);
    client.disconnect();
  });

  it("streams every new block over the WebSocket and answers batch JSON-RPC", async () => {
    const ws = new WebsocketClient(rpc.url.replace("http", "ws"));
    const comet = Comet38Client.create(ws);
    const heights: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const sub = comet.subscribeNewBlock().subscribe({
        next: (b) => {
          heights.push(b.header.height);
          if (heights.length === 4) {
            sub.unsubscribe();
            resolve();
          }
        },
        error: reject,
      });
    });
    for (let i = 1; i < heights.length; i++) expect(heights[i]).toBe(heights[i - 1]! + 1);
    comet.disconnect();

    const res = await fetch(rpc.url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify([
        { jsonrpc: "2.0", id: 1, method: "status", params: {} },
        { jsonrpc: "2.0", id: 2, method: "block", params: { height: "1" } },
        { jsonrpc: "2.0", id: 3, method: "nope", params: {} },
      ]),
    });
    const replies = (await res.json()) as {
      id: number;
      result?: { block?: { header: { height: string } } };
      error?: { code: number };
    }[];
    expect(replies.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(replies[1]?.result?.block?.header.height).toBe("1");
    expect(replies[2]?.error?.code).toBe(-32601);

    const batch = Comet38Client.create(
      new HttpBatchClient(rpc.url, { dispatchInterval: 5, batchSizeLimit: 20 }),
    );
    const [r1, r2] = await Promise.all([batch.blockResults(1), batch.block(2)]);
    expect(r1.height).toBe(1);
    expect(r2.block.header.height).toBe(2);
    batch.disconnect();

    const search = await Comet38Client.connect(rpc.url);
    const found = await search.blockSearchAll({ query: "block.height>=2 AND block.height<=4" });
    expect(found.blocks.map((b) => b.block.header.height)).toEqual([2, 3, 4]);
    expect(found.totalCount).toBe(3);
    search.disconnect();

    const get = (await (await fetch(`${rpc.url}/block?height=2`)).json()) as {
      result: { block: { header: { height: string } } };
    };
    expect(get.result.block.header.height).toBe("2");
  });

  it("streams matching txs to a WebSocket subscription with the subscribe id and events", async () => {
    const comet = Comet38Client.create(new WebsocketClient(rpc.url.replace("http", "ws")));
    const received = new Promise<{ hash: Uint8Array; height: number; code: number; sender?: string }>(
      (resolve, reject) => {
        const sub = comet
          .subscribeTx(`transfer.recipient='${bob}' AND transfer.amount='4242ubbn'`)
          .subscribe({
            next: (event) => {
              sub.unsubscribe();
              const sender = event.result.events
                .find((e) => e.type === "transfer" && e.attributes.some((a) => a.value === "4242ubbn"))
                ?.attributes.find((a) => a.key === "sender")?.value;
              resolve({ hash: event.hash, height: event.height, code: event.result.code, sender });
            },
            error: reject,
          });
      },
    );
    await new Promise((r) => setTimeout(r, 50)); // let the subscription reach the server
    const client = await signingClient();
    await client.sendTokens(alice, bob, [{ denom: "ubbn", amount: "1" }], "auto");
    const sent = await client.sendTokens(alice, bob, [{ denom: "ubbn", amount: "4242" }], "auto");
    const event = await received;
    expect(Buffer.from(event.hash).toString("hex").toUpperCase()).toBe(sent.transactionHash);
    expect(event).toMatchObject({ height: sent.height, code: 0, sender: alice });
    comet.disconnect();
    client.disconnect();
  });

  it("commits with broadcast_tx_commit, pauses and resumes block production", async () => {
    const client = await signingClient();
    const signed = await client.sign(
      alice,
      [
        {
          typeUrl: "/cosmos.bank.v1beta1.MsgSend",
          value: { fromAddress: alice, toAddress: bob, amount: [{ denom: "ubbn", amount: "3" }] },
        },
      ],
      { amount: [{ denom: "ubbn", amount: "1000" }], gas: "200000" },
      "",
    );
    const comet = await Comet38Client.connect(rpc.url);
    const committed = await comet.broadcastTxCommit({ tx: TxRaw.encode(signed).finish() });
    expect(committed.checkTx.code).toBe(0);
    expect(committed.txResult?.code).toBe(0);
    expect(committed.height).toBeGreaterThan(0);
    expect((await client.getTx(Buffer.from(committed.hash).toString("hex").toUpperCase()))?.height).toBe(
      committed.height,
    );

    chain.pause();
    const paused = await client.getHeight();
    await new Promise((r) => setTimeout(r, 350));
    expect(await client.getHeight()).toBe(paused);
    chain.resume();
    await new Promise((r) => setTimeout(r, 350));
    expect(await client.getHeight()).toBeGreaterThan(paused);

    const long = await client
      .sendTokens(alice, bob, [{ denom: "ubbn", amount: "1" }], "auto", "x".repeat(257))
      .catch((e: unknown) => e);
    expect(String(long)).toContain(
      "maximum number of characters is 256 but received 257 characters: memo too large",
    );
    comet.disconnect();
    client.disconnect();
  });

  it("answers the other CometBFT methods in shapes CosmJS decodes", async () => {
    const comet = await Comet38Client.connect(rpc.url);
    const status = await comet.status();
    expect(status.nodeInfo.version).toMatch(/^0\.38\./);
    expect(status.syncInfo.earliestBlockHeight).toBe(1);
    const info = await comet.abciInfo();
    expect(info.lastBlockHeight).toBeGreaterThanOrEqual(1);
    const validators = await comet.validators({});
    expect(validators.total).toBe(1);
    const commit = await comet.commit(2);
    expect(commit.commit.height).toBe(2);
    expect(commit.commit.blockId.hash).toEqual((await comet.block(2)).blockId.hash);
    const genesis = await comet.genesis();
    expect(genesis.chainId).toBe(CHAIN_ID);
    const chainInfo = await comet.blockchain(1, 3);
    expect(chainInfo.blockMetas.map((m) => m.header.height)).toEqual([3, 2, 1]);
    await expect(comet.tx({ hash: new Uint8Array(32) })).rejects.toThrow(/tx \(0{64}\) not found/);
    await expect(comet.txSearch({ query: "tx.height=" })).rejects.toThrow(/failed to parse query/);
    comet.disconnect();
  });

  it("serves JSON-RPC errors with HTTP 200 and injects faults", async () => {
    const beyond = await fetch(rpc.url, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 7, method: "block", params: { height: "999999" } }),
    });
    expect(beyond.status).toBe(200);
    const body = (await beyond.json()) as { error: { data: string } };
    expect(body.error.data).toMatch(
      /^height 999999 must be less than or equal to the current blockchain height \d+$/,
    );

    rpc.setFaults({ errorRate: 1 });
    const client = await StargateClient.connect(rpc.url).catch((e: unknown) => e);
    expect(String(client)).toContain("injected fault");
    rpc.setFaults({ errorRate: 0, dropRate: 1 });
    await expect(
      fetch(rpc.url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "health" }) }),
    ).rejects.toThrow();
    rpc.setFaults({ dropRate: 0, latencyMs: 150 });
    const t0 = Date.now();
    await fetch(rpc.url, {
      method: "POST",
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "health" }),
    });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    rpc.setFaults({ latencyMs: 0 });
    expect(() => rpc.setFaults({ errorRate: 2 })).toThrow(/errorRate must be between 0 and 1/);
  });

  it("restarts from its state directory and continues the height", async () => {
    const client = await signingClient();
    const sent = await client.sendTokens(alice, bob, [{ denom: "ubbn", amount: "7" }], "auto");
    client.disconnect();
    await rpc.close();
    chain.stop();
    const stoppedAt = chain.height;
    const bobBalance = chain.bank.balance(bob, "ubbn");

    chain = createChain({ chainId: CHAIN_ID, blockIntervalMs: 100, stateDir });
    expect(chain.height).toBe(stoppedAt);
    chain.start();
    rpc = await startRpcServer(chain, { port: 0 });
    expect(chain.height).toBe(stoppedAt);
    const again = await signingClient();
    expect(await again.getHeight()).toBeGreaterThanOrEqual(Number(stoppedAt));
    expect(await again.getBalance(bob, "ubbn")).toEqual({ denom: "ubbn", amount: bobBalance.toString() });
    expect((await again.getTx(sent.transactionHash))?.height).toBe(sent.height);
    const next = await again.sendTokens(alice, bob, [{ denom: "ubbn", amount: "1" }], "auto");
    expect(next.height).toBeGreaterThan(Number(stoppedAt));
    again.disconnect();
  });
});
