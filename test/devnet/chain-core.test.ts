// The chain core without RPC: query language, mempool sequences, all-or-nothing txs, block events, paging
// and crash-tolerant persistence. Txs are real signed Cosmos txs made by CosmJS offline signing.
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { DirectSecp256k1HdWallet, type EncodeObject } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "../../src/core/crypto/sha256.ts";
import {
  AbciError,
  type BlockContext,
  type Chain,
  createChain,
  type Module,
  type MsgContext,
  matches,
  parseQuery,
} from "../../src/devnet/chain/index.ts";

const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const CHAIN_ID = "bbn-core-1";
let wallet: DirectSecp256k1HdWallet;
let signer: SigningStargateClient;
let alice: string;
let bob: string;
const dirs: string[] = [];
const chains: Chain[] = [];

beforeAll(async () => {
  wallet = await DirectSecp256k1HdWallet.fromMnemonic(MNEMONIC, {
    prefix: "bbn",
    hdPaths: [makeCosmoshubPath(0), makeCosmoshubPath(1)],
  });
  [alice, bob] = (await wallet.getAccounts()).map((a) => a.address) as [string, string];
  signer = await SigningStargateClient.offline(wallet);
});

afterEach(() => {
  for (const c of chains.splice(0)) c.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "devnet-core-"));
  dirs.push(d);
  return d;
}

function newChain(opts: { stateDir?: string; modules?: Module[]; persistEveryBlocks?: number } = {}): Chain {
  const chain = createChain({
    chainId: CHAIN_ID,
    blockIntervalMs: 0,
    genesisAccounts: [{ address: alice, coins: [{ denom: "ubbn", amount: 1_000_000_000n }] }],
    ...opts,
  });
  chain.start();
  chains.push(chain);
  return chain;
}

const send = (amount: string): EncodeObject => ({
  typeUrl: "/cosmos.bank.v1beta1.MsgSend",
  value: { fromAddress: alice, toAddress: bob, amount: [{ denom: "ubbn", amount }] },
});

async function signTx(
  chain: Chain,
  msgs: EncodeObject[],
  sequence: number,
  gas = "500000",
): Promise<Uint8Array> {
  const account = chain.auth.get(alice)!;
  const raw = await signer.sign(alice, msgs, { amount: [{ denom: "ubbn", amount: "5000" }], gas }, "", {
    accountNumber: Number(account.accountNumber),
    sequence,
    chainId: CHAIN_ID,
  });
  return TxRaw.encode(raw).finish();
}

describe("query language", () => {
  const target = {
    reserved: { "tx.hash": "ABCDEF", "tx.height": "12" },
    events: [
      {
        type: "wasm-public_randomness_commit",
        attributes: [
          { key: "_contract_address", value: "bbn1c" },
          { key: "pr_commit.start_height", value: "100" },
        ],
      },
      {
        type: "transfer",
        attributes: [
          { key: "recipient", value: "bbn1a" },
          { key: "amount", value: "5ubbn" },
        ],
      },
      {
        type: "transfer",
        attributes: [
          { key: "recipient", value: "bbn1b" },
          { key: "amount", value: "7ubbn" },
        ],
      },
    ],
  };
  const q = (text: string) => matches(parseQuery(text), target);

  it("matches reserved keys, numbers, strings, CONTAINS and EXISTS", () => {
    expect(q("tx.hash='abcdef'")).toBe(true);
    expect(q("tx.height=12 AND tx.height>=12 AND tx.height<13")).toBe(true);
    expect(q("tx.height>12")).toBe(false);
    expect(q("wasm-public_randomness_commit.pr_commit.start_height>=100")).toBe(true);
    expect(q("wasm-public_randomness_commit.pr_commit.start_height>100")).toBe(false);
    expect(q("wasm-public_randomness_commit._contract_address='bbn1c'")).toBe(true);
    expect(q("transfer.amount CONTAINS 'ubbn'")).toBe(true);
    expect(q("transfer.recipient EXISTS")).toBe(true);
    expect(q("message.sender EXISTS")).toBe(false);
  });

  it("requires conditions on one event type to hold within a single event", () => {
    expect(q("transfer.recipient='bbn1a' AND transfer.amount='5ubbn'")).toBe(true);
    expect(q("transfer.recipient='bbn1a' AND transfer.amount='7ubbn'")).toBe(false);
  });

  it("rejects malformed queries with a message naming the query", () => {
    expect(() => parseQuery("tx.height=")).toThrow(/failed to parse query "tx.height=": expected a value/);
    expect(() => parseQuery("a.b='x' OR c.d='y'")).toThrow(/failed to parse query/);
    expect(() => parseQuery("a.b='x' AND")).toThrow(/dangling AND/);
    expect(() => parseQuery("")).toThrow(/empty query/);
  });
});

describe("chain core", () => {
  it("queues several txs of one signer by sequence and delivers them in one block", async () => {
    const chain = newChain();
    for (let seq = 0; seq < 3; seq++) {
      expect(chain.checkTx(await signTx(chain, [send("10")], seq)).code).toBe(0);
    }
    const gap = chain.checkTx(await signTx(chain, [send("10")], 5));
    expect(gap).toMatchObject({ code: 32, codespace: "sdk" });
    expect(gap.log).toBe("account sequence mismatch, expected 3, got 5: incorrect account sequence");
    const block = chain.produceBlock();
    expect(block.results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(chain.bank.balance(bob, "ubbn")).toBe(30n);
    expect(chain.auth.get(alice)?.sequence).toBe(3n);
    const again = chain.checkTx(await signTx(chain, [send("11")], 0));
    expect(again.code).toBe(32);
    // The very same bytes again are refused by the mempool cache.
    const replay = chain.checkTx(await signTx(chain, [send("10")], 0));
    expect(replay).toMatchObject({ code: 19, codespace: "sdk" });
  });

  it("reverts every message of a failing tx but keeps the fee and the sequence bump", async () => {
    const chain = newChain();
    const tx = await signTx(chain, [send("10"), send("999999999999")], 0);
    expect(chain.checkTx(tx).code).toBe(0);
    const block = chain.produceBlock();
    const result = block.results[0]!;
    expect(result).toMatchObject({ code: 5, codespace: "sdk" });
    expect(result.log).toBe(
      "failed to execute message; message index: 1: spendable balance 999994990ubbn is smaller than 999999999999ubbn: insufficient funds",
    );
    expect(result.events.every((e) => e.attributes.every((a) => a.key !== "msg_index"))).toBe(true);
    expect(chain.bank.balance(bob, "ubbn")).toBe(0n);
    expect(chain.bank.balance(alice, "ubbn")).toBe(1_000_000_000n - 5000n);
    expect(chain.auth.get(alice)?.sequence).toBe(1n);
  });

  it("records begin/end block events with their mode and lets modules dispatch to each other", async () => {
    const log: string[] = [];
    const echo: Module = {
      name: "echo",
      messages: {
        "/cosmos.bank.v1beta1.MsgMultiSend": (_value: Uint8Array, ctx: MsgContext) => {
          log.push(`dispatch as ${ctx.signer}`);
          ctx.emit({ type: "echo", attributes: [{ key: "height", value: ctx.height.toString() }] });
          return ctx.dispatch("/cosmos.bank.v1beta1.MsgSend", new Uint8Array(), "bbn1notasigner");
        },
      },
      beginBlock: (ctx: BlockContext) =>
        ctx.emit({ type: "tick", attributes: [{ key: "h", value: String(ctx.height) }] }),
      endBlock: (ctx: BlockContext) =>
        ctx.emit({ type: "tock", attributes: [{ key: "h", value: String(ctx.height) }] }),
      snapshot: () => [...log],
      restore: (s) => {
        log.splice(0, log.length, ...(s as string[]));
      },
      exportState: () => null,
      importState: () => {},
    };
    const chain = newChain({ modules: [echo] });
    const block = chain.produceBlock();
    expect(block.finalizeEvents).toEqual([
      {
        type: "tick",
        attributes: [
          { key: "h", value: "2", index: true },
          { key: "mode", value: "BeginBlock", index: true },
        ],
      },
      {
        type: "tock",
        attributes: [
          { key: "h", value: "2", index: true },
          { key: "mode", value: "EndBlock", index: true },
        ],
      },
    ]);
    // The nested MsgSend runs as the dispatching account; bank rejects it (empty message), failing the tx.
    const tx = await signTx(
      chain,
      [{ typeUrl: "/cosmos.bank.v1beta1.MsgMultiSend", value: { inputs: [], outputs: [] } }],
      0,
    );
    expect(chain.checkTx(tx).code).toBe(0);
    const result = chain.produceBlock().results[0]!;
    expect(result.code).not.toBe(0);
    expect(result.log).toMatch(/^failed to execute message; message index: 0: /);
    expect(log).toEqual([]);
  });

  it("pages tx_search results and orders them", async () => {
    const chain = newChain();
    for (let seq = 0; seq < 5; seq++) {
      chain.checkTx(await signTx(chain, [send(String(seq + 1))], seq));
      chain.produceBlock();
    }
    const all = parseQuery(`message.sender='${alice}'`);
    const page1 = chain.searchTxs(all, 1, 2, "asc");
    expect(page1.totalCount).toBe(5);
    expect(page1.txs.map((t) => t.height)).toEqual([2n, 3n]);
    expect(chain.searchTxs(all, 3, 2, "asc").txs.map((t) => t.height)).toEqual([6n]);
    expect(chain.searchTxs(all, 1, 2, "desc").txs.map((t) => t.height)).toEqual([6n, 5n]);
    expect(() => chain.searchTxs(all, 4, 2, "asc")).toThrow("page should be within [1, 3] range, given 4");
    expect(chain.searchTxs(parseQuery("tx.height>=3 AND tx.height<=4"), 1, 30, "asc").totalCount).toBe(2);
    expect(chain.searchTxs(parseQuery("tx.height=1000"), 1, 30, "asc")).toEqual({ txs: [], totalCount: 0 });
  });

  it("persists every N blocks, flushes on stop and survives a torn last line", async () => {
    const dir = tempDir();
    const first = newChain({ stateDir: dir, persistEveryBlocks: 3 });
    chains.pop();
    first.checkTx(await signTx(first, [send("3")], 0));
    for (let i = 0; i < 4; i++) first.produceBlock(); // heights 2..5; state written at height 3
    // A crash: no stop(). The chain reopens at the last written state and redoes later heights.
    const crashed = newChain({ stateDir: dir, persistEveryBlocks: 3 });
    expect(crashed.height).toBe(3n);
    expect(crashed.bank.balance(bob, "ubbn")).toBe(3n);
    crashed.produceBlock();
    crashed.stop();
    appendFileSync(join(dir, "blocks.jsonl"), '{"id":{"hash":"tor');
    const reopened = newChain({ stateDir: dir });
    expect(reopened.height).toBe(4n);
    expect(reopened.block(4n).header.lastBlockId?.hash).toEqual(reopened.block(3n).id.hash);
    expect(() => createChain({ chainId: "other", blockIntervalMs: 0, stateDir: dir })).toThrow(
      /holds chain "bbn-core-1", not "other"/,
    );
  });

  it("serves blocks far behind the head as they were produced, with and without a state dir", async () => {
    for (const stateDir of [undefined, tempDir()]) {
      const chain = newChain(stateDir ? { stateDir } : {});
      const tx = await signTx(chain, [send("9")], 0);
      chain.checkTx(tx);
      const produced = chain.produceBlock(); // height 2
      for (let i = 0; i < 150; i++) chain.produceBlock();
      expect(chain.block(2n)).toEqual(produced);
      expect(chain.block(152n).header.height).toBe(152n);
      const hash = Buffer.from(sha256(tx)).toString("hex").toUpperCase();
      expect(chain.getTx(hash)).toMatchObject({ height: 2n, index: 0, tx, result: produced.results[0] });
      const found = chain.searchTxs(parseQuery(`message.sender='${alice}'`), 1, 30, "asc");
      expect(found.txs.map((t) => t.height)).toEqual([2n]);
      // Reading many old blocks in turn, then the first again, gives the same block.
      for (let h = 3n; h < 140n; h++) chain.block(h);
      expect(chain.block(2n)).toEqual(produced);
      if (!stateDir) continue;
      chain.stop();
      expect(newChain({ stateDir }).block(2n)).toEqual(produced);
    }
  });

  it("rejects undecodable bytes and unknown messages as tx parse errors", async () => {
    const chain = newChain();
    expect(chain.checkTx(new Uint8Array([1, 2, 3]))).toMatchObject({ code: 2, codespace: "sdk" });
    const tx = await signTx(chain, [{ typeUrl: "/cosmos.staking.v1beta1.MsgDelegate", value: {} }], 0);
    const r = chain.checkTx(tx);
    expect(r).toMatchObject({
      code: 2,
      log: "unable to resolve type URL /cosmos.staking.v1beta1.MsgDelegate: tx parse error",
    });
    expect(() => chain.query("/nope", new Uint8Array())).not.toThrow();
    expect(chain.query("/nope", new Uint8Array())).toMatchObject({ code: 6, codespace: "sdk" });
    expect(new AbciError("x", 1, "y").log).toBe("y");
  });
});
