// A devnet with a long, fully voted L2 history, built in seconds instead of hours: L2 blocks are mined in one
// `anvil_mine` with timestamps in the past (anvil's genesis is set back in time), BTC headers reach as far back,
// delegations are included at an early BTC height so they are active for the whole history, and the votes are
// signed here with the crypto core (each provider's EOTS key and its committed randomness, on worker threads
// beside the devnet's) and sent through the finality contract client in large multi-message transactions from
// several accounts at once — the same messages the provider daemon sends, without waiting for it to catch up
// block by block. Then every chain is paused, so whatever reads the devnet afterwards sees the same data.
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { makeCosmoshubPath } from "@cosmjs/amino";
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import { Bip39, EnglishMnemonic, Slip10, Slip10Curve } from "@cosmjs/crypto";
import { toUtf8 } from "@cosmjs/encoding";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { calculateFee, GasPrice } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { MsgExecuteContract } from "cosmjs-types/cosmwasm/wasm/v1/tx";
import { FinalityContractClient } from "../../contracts/finality/client.ts";
import {
  type CommitArgs,
  signCommit,
  signingContextFor,
  type Vote,
} from "../../contracts/finality/signing.ts";
import { generateMnemonic, secretKeyFromMnemonic } from "../../src/core/crypto/keys.ts";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";
import { VoteSigner } from "./vote-signer.ts";

export interface VotedHistoryOptions {
  /** Stake of each provider; each gets `delegationsPerProvider` delegations splitting it. */
  providers: bigint[];
  delegationsPerProvider?: number;
  /** L2 blocks to mine (heights 1…l2Blocks). */
  l2Blocks: number;
  activationHeight?: bigint;
  interval?: bigint;
  /** Votes per transaction. */
  votesPerTx?: number;
  /** Randomness committed past the history, for votes on blocks mined later. */
  extraRandomness?: number;
  /** Accounts sending votes at once, so a transaction is always waiting for the next block. Default 4. */
  senders?: number;
  /** Keeps the devnet's chains here, with what `openVotedHistory` needs to reopen the history later. */
  stateDir?: string;
  log?: (line: string) => void;
}

export interface HistoryProvider {
  btcPkHex: string;
  secretKey: Uint8Array;
  stakeSat: bigint;
}

export interface VotedHistory {
  devnet: Devnet;
  providers: HistoryProvider[];
  l2Head: bigint;
  babylonHead: bigint;
  votes: number;
  timings: Record<string, number>;
  admin(path: string, body?: unknown): Promise<unknown>;
  /** Signs and sends votes of the given providers for the given (height, hash) pairs. */
  vote(providers: HistoryProvider[], blocks: { height: bigint; hash: string }[]): Promise<number>;
  stop(): Promise<void>;
}

/** What a state directory holds beside the chains, so the history can be reopened and voted on further. */
interface HistoryManifest {
  providers: { mnemonic: string; btcPkHex: string; stakeSat: string }[];
  activation: string;
  interval: string;
  randomness: number;
  votesPerTx: number;
  senders: number;
  votes: number;
}

const GAS_PRICE = GasPrice.fromString("0.002ubbn");
const MANIFEST = "voted-history.json";
const BLOCK_INTERVAL_MS = 100;
// With a state dir the chain's module state is written once, at stop: after every block it would cost more
// than the history itself.
const PERSIST_AT_STOP = Number.MAX_SAFE_INTEGER;

export async function buildVotedHistory(o: VotedHistoryOptions): Promise<VotedHistory> {
  const log = o.log ?? (() => {});
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - t);
    t = now;
  };
  const activation = o.activationHeight ?? 1n;
  const interval = o.interval ?? 1n;
  const senders = o.senders ?? 4;
  // L2 blocks 1 s apart, ending a minute before now; BTC headers 10 min apart covering all of it and more.
  const l2Start = Math.floor(Date.now() / 1000) - o.l2Blocks - 120;
  const btcHeaders = Math.ceil((o.l2Blocks + 3600) / 600) + 12;
  // Babylon's blocks up to the delegations are dated an hour before the first L2 block, as on a chain that
  // lived through the history: what it reported then (providers, allow-list, active delegations) is in force
  // at the BTC heights of every L2 block (delegation reports count from the Babylon block after them).
  const babylonClockBehindMs = (Math.floor(Date.now() / 1000) - (l2Start - 3600)) * 1000;
  const devnet = await startDevnet({
    babylonClockBehindMs,
    accounts: senders,
    blockIntervalMs: BLOCK_INTERVAL_MS,
    btcBlockIntervalMs: 0,
    btc: { initialHeaders: btcHeaders, spacingSec: 600 },
    activationHeight: activation,
    finalitySignatureInterval: interval,
    l2: { extraArgs: ["--timestamp", String(l2Start)] },
    ...(o.stateDir ? { stateDir: o.stateDir, persistEveryBlocks: PERSIST_AT_STOP } : {}),
  });
  const admin = adminClient(devnet.info.adminUrl);
  let voter: Voter | undefined;
  try {
    await admin("/l2/pause"); // the history is mined below, all at once
    // Providers, registered together (in a block or two), then allow-listed in one contract call.
    const mnemonics = o.providers.map(() => generateMnemonic());
    const providers: HistoryProvider[] = await Promise.all(
      o.providers.map(async (stakeSat, i) => {
        const mnemonic = mnemonics[i]!;
        const reply = (await admin("/providers", {
          mnemonic,
          moniker: `bench-fp-${i}`,
          allowlist: false,
        })) as {
          btcPkHex: string;
        };
        return { btcPkHex: reply.btcPkHex, secretKey: secretKeyFromMnemonic(mnemonic), stakeSat };
      }),
    );
    await admin("/allowlist", { btcPkHexes: providers.map((p) => p.btcPkHex) });
    lap("providers");

    // One randomness commitment per provider over every checked height of the history.
    const checked: bigint[] = [];
    for (let h = activation; h <= BigInt(o.l2Blocks); h += interval) checked.push(h);
    const manifest: HistoryManifest = {
      providers: providers.map((p, i) => ({
        mnemonic: mnemonics[i]!,
        btcPkHex: p.btcPkHex,
        stakeSat: p.stakeSat.toString(),
      })),
      activation: activation.toString(),
      interval: interval.toString(),
      randomness: Math.max(checked.length + (o.extraRandomness ?? 0), 10),
      votesPerTx: o.votesPerTx ?? 200,
      senders,
      votes: 0,
    };
    // Three things go on at once from here, each on its own core's worth: the devnet takes the delegations on
    // this thread, anvil mines the L2 history in its own process, and the signer's threads derive every
    // provider's randomness.
    const mined = devnet.anvil!.rpc("anvil_mine", [`0x${o.l2Blocks.toString(16)}`, "0x1"]);
    mined.catch(() => {}); // awaited below; a failure before then must not go unhandled
    const connected = await connectVoter(devnet, providers, manifest);
    voter = connected;
    const rooted = connected.roots();
    rooted.catch(() => {});

    // Delegations, included at BTC height 1 so they are active from height 1 + k on; many per Babylon block.
    const per = o.delegationsPerProvider ?? 1;
    const jobs: { fp: string; amountSat: string }[] = [];
    for (const p of providers) {
      for (let d = 0; d < per; d++) {
        const share = p.stakeSat / BigInt(per) + (d === 0 ? p.stakeSat % BigInt(per) : 0n);
        jobs.push({ fp: p.btcPkHex, amountSat: share.toString() });
      }
    }
    await pool(jobs, 200, (j) => admin("/delegations", { ...j, stakingTime: 60_000, startHeight: 1 }));
    // One more backdated block, so that the last reports are in force before any BTC header of the history
    // (a report counts from the next Babylon block); from then on Babylon keeps the wall clock: votes are now.
    const reported = BigInt(((await admin("/state")) as { babylon: { height: string } }).babylon.height);
    while (BigInt(((await admin("/state")) as { babylon: { height: string } }).babylon.height) <= reported)
      await new Promise((r) => setTimeout(r, BLOCK_INTERVAL_MS / 2));
    await admin("/babylon/clock", { behindMs: 0 });
    lap("delegations");
    log("delegated");

    // The L2 history, mined in one call.
    await mined;
    const l2Head = await devnet.anvil!.blockNumber();
    if (l2Head !== BigInt(o.l2Blocks)) throw new Error(`anvil mined to ${l2Head}, not ${o.l2Blocks}`);
    lap("l2");

    const contexts = signingContextFor(devnet.info.babylon.chainId, devnet.info.contractAddress);
    const roots = await rooted;
    // Each sender account commits for every senders-th provider, so the commits share blocks.
    await Promise.all(
      connected.clients.map(async (client, c) => {
        for (let i = c; i < providers.length; i += connected.clients.length) {
          const args: CommitArgs = signCommit(
            providers[i]!.secretKey,
            activation,
            BigInt(manifest.randomness),
            roots[i]!,
            contexts.randCommit,
          );
          await afterReset(() => client.commitPublicRandomness(args, "auto"));
        }
      }),
    );
    lap("randomness");
    log("randomness committed");
    await waitForTimestamping(admin);
    lap("timestamping");
    log("timestamped");

    const blocks = await l2Hashes(devnet.anvil!.url, checked);
    manifest.votes = await connected.vote(providers, blocks);
    lap("votes");
    log(
      `history: ${providers.length} providers, ${jobs.length} delegations, ${l2Head} L2 blocks, ${manifest.votes} votes`,
    );
    if (o.stateDir) writeFileSync(join(o.stateDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return votedHistory(devnet, providers, l2Head, manifest.votes, timings, connected);
  } catch (error) {
    await voter?.disconnect();
    await devnet.stop();
    throw error;
  }
}

/**
 * Reopens a history built with `stateDir` (after its devnet was stopped): the chains continue from where they
 * stopped, the L2 does not mine until resumed, and `vote` signs with the same providers' keys and randomness.
 */
export async function openVotedHistory(stateDir: string): Promise<VotedHistory> {
  const manifest = JSON.parse(readFileSync(join(stateDir, MANIFEST), "utf8")) as HistoryManifest;
  const opened = performance.now();
  const devnet = await startDevnet({
    stateDir,
    persistEveryBlocks: PERSIST_AT_STOP,
    blockIntervalMs: BLOCK_INTERVAL_MS,
    btcBlockIntervalMs: 0,
    activationHeight: BigInt(manifest.activation),
    finalitySignatureInterval: BigInt(manifest.interval),
    l2: { blockTimeSec: 0 },
  });
  try {
    const providers = manifest.providers.map((p) => ({
      btcPkHex: p.btcPkHex,
      secretKey: secretKeyFromMnemonic(p.mnemonic),
      stakeSat: BigInt(p.stakeSat),
    }));
    const l2Head = await devnet.anvil!.blockNumber();
    const voter = await connectVoter(devnet, providers, manifest);
    const timings = { open: Math.round(performance.now() - opened) };
    return votedHistory(devnet, providers, l2Head, manifest.votes, timings, voter);
  } catch (error) {
    await devnet.stop();
    throw error;
  }
}

function votedHistory(
  devnet: Devnet,
  providers: HistoryProvider[],
  l2Head: bigint,
  votes: number,
  timings: Record<string, number>,
  voter: Voter,
): VotedHistory {
  return {
    devnet,
    providers,
    l2Head,
    babylonHead: 0n,
    votes,
    timings,
    admin: adminClient(devnet.info.adminUrl),
    vote: voter.vote,
    async stop() {
      await voter.disconnect();
      await devnet.stop();
    },
  };
}

interface Voter {
  clients: FinalityContractClient[];
  /** The Merkle root of each provider's committed randomness. */
  roots(): Promise<Uint8Array[]>;
  vote(providers: HistoryProvider[], blocks: { height: bigint; hash: string }[]): Promise<number>;
  disconnect(): Promise<void>;
}

/** Batches signed ahead of the one being sent. */
const SIGNED_AHEAD = 8;

/** Contract clients for the devnet's funded accounts, and the vote signer over them. */
async function connectVoter(
  devnet: Devnet,
  providers: HistoryProvider[],
  m: Omit<HistoryManifest, "providers" | "votes">,
): Promise<Voter> {
  const info = devnet.info;
  const wallets = await Promise.all(info.mnemonics.slice(0, m.senders).map(walletOf));
  const signers: SigningCosmWasmClient[] = [];
  const addresses: string[] = [];
  const clients = await Promise.all(
    wallets.map(async (w, i) => {
      const [account] = await w.getAccounts();
      const signer = await SigningCosmWasmClient.connectWithSigner(info.babylon.rpcUrl, w, {
        gasPrice: GAS_PRICE,
        broadcastPollIntervalMs: 100,
      });
      signers[i] = signer;
      addresses[i] = account!.address;
      return new FinalityContractClient(signer, account!.address, info.contractAddress);
    }),
  );
  const signer = new VoteSigner({
    secretKeys: providers.map((p) => p.secretKey),
    bsnId: info.bsnId,
    activation: BigInt(m.activation),
    interval: BigInt(m.interval),
    count: m.randomness,
    voteContext: signingContextFor(info.babylon.chainId, info.contractAddress).finalityVote,
  });

  let gasPerVote = 0;
  // Each sender's account number and next sequence, read at the start of a call and counted here: a sender's
  // txs go one after another, each broadcast waiting for its block, so the account need not be queried for
  // every tx (and a query right after a block may not see it yet).
  let accounts: { accountNumber: number; sequence: number }[] = [];
  const send = async (c: number, batch: Vote[]) => {
    const account = accounts[c]!;
    const messages = clients[c]!.submitInstructions(batch).map((i) => ({
      typeUrl: "/cosmwasm.wasm.v1.MsgExecuteContract",
      value: MsgExecuteContract.fromPartial({
        sender: addresses[c]!,
        contract: i.contractAddress,
        msg: toUtf8(JSON.stringify(i.msg)),
        funds: [...(i.funds ?? [])],
      }),
    }));
    const fee = calculateFee(gasPerVote * batch.length + 200_000, GAS_PRICE);
    const raw = await signers[c]!.sign(addresses[c]!, messages, fee, "", {
      ...account,
      chainId: info.babylon.chainId,
    });
    await broadcastCommit(info.babylon.rpcUrl, TxRaw.encode(raw).finish());
    account.sequence++;
  };
  const vote = async (
    who: HistoryProvider[],
    blocks: { height: bigint; hash: string }[],
  ): Promise<number> => {
    const indexes = who.map((p) => providers.indexOf(p));
    const perTx = m.votesPerTx;
    const blocksPerBatch = Math.max(1, Math.floor(perTx / Math.max(1, indexes.length)));
    const chunks: { height: bigint; hash: string }[][] = [];
    for (let i = 0; i < blocks.length; i += blocksPerBatch) chunks.push(blocks.slice(i, i + blocksPerBatch));
    // Signing runs ahead of sending by a bounded number of batches, so signed votes do not pile up here.
    const signed: (Promise<Vote[]> | undefined)[] = [];
    let next = 0;
    let sent = 0;
    const take = async (): Promise<Vote[] | undefined> => {
      if (next >= chunks.length) return undefined;
      const i = next++;
      for (let j = i; j <= i + SIGNED_AHEAD && j < chunks.length; j++) {
        if (signed[j]) continue;
        const p = signer.sign(indexes, chunks[j]!);
        p.catch(() => {}); // awaited when taken; a failure before then must not go unhandled
        signed[j] = p;
      }
      const votes = await signed[i]!;
      signed[i] = undefined;
      sent += votes.length; // each taken batch is sent, or the whole call fails
      return votes;
    };
    accounts = await Promise.all(addresses.map((a, i) => signers[i]!.getSequence(a)));
    if (gasPerVote === 0 && chunks.length > 0) {
      // Learn the gas of a vote once (simulated); later batches carry a fixed fee and skip simulation.
      const [head, ...rest] = batchesOf((await take())!, perTx);
      const first = await afterReset(() => clients[0]!.submitFinalitySignatures(head!, "auto"));
      gasPerVote = Math.ceil((Number(first.gasUsed) / head!.length) * 1.5);
      accounts[0]!.sequence++;
      for (const batch of rest) await send(0, batch);
    }
    await Promise.all(
      clients.map(async (_, c) => {
        for (let votes = await take(); votes; votes = await take()) {
          for (const batch of batchesOf(votes, perTx)) await send(c, batch);
        }
      }),
    );
    return sent;
  };
  return {
    clients,
    roots: () => signer.roots(providers.map((_, i) => i)),
    vote,
    async disconnect() {
      for (const s of signers) s.disconnect();
      await signer.close();
    },
  };
}

/**
 * The account of a mnemonic's first Cosmos key, as DirectSecp256k1HdWallet would sign for it, from the key
 * derived once: the HD wallet derives it again for every signature (1.5 s of the full history's build).
 */
async function walletOf(mnemonic: string): Promise<DirectSecp256k1Wallet> {
  const seed = await Bip39.mnemonicToSeed(new EnglishMnemonic(mnemonic));
  const { privkey } = Slip10.derivePath(Slip10Curve.Secp256k1, seed, makeCosmoshubPath(0));
  return DirectSecp256k1Wallet.fromKey(privkey, "bbn");
}

/**
 * Sends a signed tx and waits for its block (the devnet's broadcast_tx_commit), on a connection of its own:
 * the devnet's thread can be busy for seconds with a block of votes, and an idle keep-alive socket may then be
 * reset, which a broadcast could not safely be retried after. Throws unless the tx was included and succeeded.
 * (CosmJS's broadcast would encode the tx in JavaScript base64 and poll for it, decoding it back each time.)
 */
function broadcastCommit(rpcUrl: string, tx: Uint8Array): Promise<void> {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "broadcast_tx_commit",
    params: { tx: Buffer.from(tx.buffer, tx.byteOffset, tx.byteLength).toString("base64") },
  });
  return new Promise((resolve, reject) => {
    const req = request(
      rpcUrl,
      { method: "POST", agent: false, headers: { "content-type": "application/json" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          try {
            const reply = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
              error?: { message: string; data?: string };
              result?: {
                check_tx: { code: number; log: string };
                tx_result: { code: number; log: string } | null;
              };
            };
            const r = reply.result;
            if (!r)
              throw new Error(`broadcast_tx_commit: ${reply.error?.message} ${reply.error?.data ?? ""}`);
            if (r.check_tx.code !== 0) throw new Error(`vote tx refused: ${r.check_tx.log}`);
            if (r.tx_result && r.tx_result.code !== 0) throw new Error(`vote tx failed: ${r.tx_result.log}`);
            resolve();
          } catch (error) {
            reject(error);
          }
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

function batchesOf(votes: Vote[], size: number): Vote[][] {
  const out: Vote[][] = [];
  for (let i = 0; i < votes.length; i += size) out.push(votes.slice(i, i + size));
  return out;
}

function adminClient(adminUrl: string) {
  return async (path: string, body: unknown = {}): Promise<unknown> => {
    const res = await fetch(`${adminUrl}${path}`, {
      method: path === "/state" ? "GET" : "POST",
      headers: { "content-type": "application/json" },
      body: path === "/state" ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`devnet admin ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
}

/** Stops Babylon, BTC and L2 production so the devnet's data no longer changes; returns the heads. */
export async function freeze(h: VotedHistory): Promise<{ babylonHead: bigint; l2Head: bigint }> {
  await h.admin("/btc/pause");
  await h.admin("/l2/pause");
  await h.admin("/babylon/pause");
  const state = (await h.admin("/state")) as { babylon: { height: string } };
  h.babylonHead = BigInt(state.babylon.height);
  return { babylonHead: h.babylonHead, l2Head: await h.devnet.anvil!.blockNumber() };
}

/** Moves BTC on until the epoch of the randomness just committed is BTC-finalized, so votes are accepted. */
async function waitForTimestamping(admin: (path: string, body?: unknown) => Promise<unknown>): Promise<void> {
  const first = (await admin("/state")) as { babylon: { currentEpoch: string } };
  const wanted = BigInt(first.babylon.currentEpoch);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = (await admin("/state")) as { babylon: { lastFinalizedEpoch: string } };
    if (BigInt(s.babylon.lastFinalizedEpoch) >= wanted) return;
    if (Date.now() > deadline) throw new Error(`epoch ${wanted} was not BTC-finalized within 60 s`);
    await admin("/btc/advance", { blocks: 2 });
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** (height, hash) of L2 blocks, read in JSON-RPC batches. */
export async function l2Hashes(url: string, heights: bigint[]): Promise<{ height: bigint; hash: string }[]> {
  const out: { height: bigint; hash: string }[] = [];
  for (let i = 0; i < heights.length; i += 200) {
    const part = heights.slice(i, i + 200);
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(
        part.map((h, id) => ({
          jsonrpc: "2.0",
          id,
          method: "eth_getBlockByNumber",
          params: [`0x${h.toString(16)}`, false],
        })),
      ),
    });
    const replies = (await res.json()) as { id: number; result: { hash: string } | null }[];
    for (const r of replies.sort((a, b) => a.id - b.id)) {
      if (!r.result) throw new Error(`L2 block ${part[r.id]} not found`);
      out.push({ height: part[r.id]!, hash: r.result.hash.toLowerCase() });
    }
  }
  return out;
}

/**
 * Runs `fn` again when its connection was reset before any reply: the devnet runs on this thread, and a block
 * of thousands of contract calls blocks the event loop for seconds, longer than the server keeps an idle
 * keep-alive socket, so the next request on that socket can meet a reset. The first request of each call is a
 * query (account, simulate), so nothing was sent.
 */
async function afterReset<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      if (attempt >= 3 || cause?.code !== "ECONNRESET") throw error;
    }
  }
}

async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
