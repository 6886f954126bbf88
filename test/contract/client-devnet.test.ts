// The typed client against the devnet's Babylon (real CosmJS over CometBFT RPC, the real compiled contract hosted
// as the wasm contract): every query, batched votes in one tx, the duplicate-vote error, and equivocation
// slashing the provider through Babylon. The blocks those txs landed in are then read as the gadget reads
// them (BabylonBlockReader, recordsOfBlock) and must yield exactly what was sent.
import { createHash } from "node:crypto";
import { CosmWasmClient, SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FINALITY_BYTECODE, finalityContractCode } from "../../contracts/finality/bytecode.ts";
import {
  FinalityContractClient,
  FinalityContractQueryClient,
  signCommit,
  signingContextFor,
  signVote,
} from "../../contracts/finality/client.ts";
import { BabylonBlockReader } from "../../src/chains/babylon/block-reader.ts";
import { bytesToHex, keys, merkle, randomness } from "../../src/core/crypto/index.ts";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";
import { recordsOfBlock } from "../../src/indexer/babylon/records.ts";
import { blockHash } from "./fixture.ts";

let devnet: Devnet;
let signer: SigningCosmWasmClient;
let client: FinalityContractClient;

async function admin(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${devnet.info.adminUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  // Callers wait for the effect itself (the op lands in a later block), so the reply body is informative only.
  return text === "" ? null : JSON.parse(text);
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  devnet = await startDevnet({
    l2: false,
    blockIntervalMs: 100,
    btcBlockIntervalMs: 0,
    activationHeight: 1n,
    finalitySignatureInterval: 1n,
    minPubRand: 10n,
  });
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(devnet.info.contractAdmin.mnemonic, {
    prefix: "bbn",
  });
  const [account] = await wallet.getAccounts();
  signer = await SigningCosmWasmClient.connectWithSigner(devnet.info.babylon.rpcUrl, wallet, {
    gasPrice: GasPrice.fromString("0.002ubbn"),
    // Blocks come every 100 ms; CosmJS's default 3 s inclusion poll would dominate the test.
    broadcastPollIntervalMs: 100,
  });
  client = new FinalityContractClient(signer, account!.address, devnet.info.contractAddress);
});

afterAll(async () => {
  signer?.disconnect();
  await devnet?.stop();
});

describe("FinalityContractClient against the devnet", () => {
  it("runs the real rollup-BSN bytecode: getCodeDetails returns its checksum and bytes", async () => {
    const code = await signer.getCodeDetails((await signer.getContract(devnet.info.contractAddress)).codeId);
    expect(code.checksum).toBe(FINALITY_BYTECODE["rollup-bsn"].checksum);
    expect(createHash("sha256").update(code.data).digest("hex")).toBe(code.checksum);
    expect(Buffer.from(code.data).equals(Buffer.from(finalityContractCode()))).toBe(true);
  });

  it("commits, votes in one batched tx, reads everything back, and gets the provider slashed on equivocation", async () => {
    const info = devnet.info;
    const config = await client.config();
    expect(config.bsn_id).toBe(info.bsnId);
    expect(config.finality_signature_interval).toBe(1n);
    expect((await client.admin()).admin).toBe(info.contractAdmin.address);

    const mnemonic = keys.generateMnemonic();
    const sk = keys.secretKeyFromMnemonic(mnemonic);
    const pkHex = keys.publicKeyHex(sk);
    // allowlist: false — the contract admin's add_to_allowlist below is this client's to send.
    await admin("/providers", { mnemonic, bsnId: info.bsnId, allowlist: false });
    await waitFor(
      "provider registration",
      () => devnet.babylon.staking.staking.provider(pkHex) !== undefined,
    );

    await client.addToAllowlist([pkHex]);
    expect(await client.allowedFinalityProviders()).toEqual([pkHex]);

    const contexts = signingContextFor(info.babylon.chainId, info.contractAddress);
    const list = randomness.deriveRandomnessList(sk, info.bsnId, 1n, 16, 1n);
    const root = merkle.root(list.pubRands);
    const proofs = merkle.proofs(list.pubRands);
    const committed = await client.commitPublicRandomness(signCommit(sk, 1n, 16n, root, contexts.randCommit));
    expect(committed.events.map((e) => e.type)).toContain("wasm-public_randomness_commit");
    const last = await client.lastPubRandCommit(pkHex);
    expect(last).toMatchObject({ start_height: 1n, num_pub_rand: 16n, interval: 1n, commitment: root });
    expect(await client.pubRandCommitForHeight(pkHex, 5n)).toEqual(last);
    expect(await client.listPubRandCommit(pkHex, { limit: 5 })).toEqual([last]);
    expect(await client.firstPubRandCommit(pkHex)).toEqual(last);

    // Votes need the commitment's epoch to be BTC-finalized: let BTC move on until it is.
    await waitFor("the commit's epoch to be finalized", async () => {
      if (devnet.babylon.epochs.lastFinalizedEpoch() >= last!.babylon_epoch) return true;
      await admin("/btc/advance", { blocks: 2 });
      return false;
    });

    const vote = (h: number, label: string) =>
      signVote(
        sk,
        {
          height: BigInt(h),
          blockHash: blockHash(label),
          privRand: list.privRands[h - 1]!,
          pubRand: list.pubRands[h - 1]!,
          proof: proofs[h - 1]!,
        },
        contexts.finalityVote,
      );
    const votes = [vote(1, "a1"), vote(2, "a2"), vote(3, "a3")];
    const batch = await client.submitFinalitySignatures(votes);
    expect(batch.events.filter((e) => e.type === "wasm-submit_finality_signature")).toHaveLength(3);
    expect(await client.highestVotedHeight(pkHex)).toBe(3n);

    const readOnly = await CosmWasmClient.connect(info.babylon.rpcUrl);
    const reader = new FinalityContractQueryClient(readOnly, info.contractAddress);
    const voters = await reader.blockVoters(2n, blockHash("a2"));
    expect(voters).toHaveLength(1);
    expect(voters![0]!.fp_btc_pk_hex).toBe(pkHex);
    expect(voters![0]!.pub_rand).toEqual(list.pubRands[1]);
    expect(bytesToHex(voters![0]!.finality_signature.block_hash)).toBe(bytesToHex(blockHash("a2")));
    expect(await reader.blockVoters(2n, blockHash("nope"))).toBeNull();
    readOnly.disconnect();

    await expect(client.submitFinalitySignatures([vote(2, "a2")])).rejects.toThrow(
      `Duplicated finality signature for finality provider ${pkHex} at height 2`,
    );

    // A different hash at height 3: the contract sends the evidence, Babylon extracts the key and slashes.
    const equivocating = await client.submitFinalitySignatures([vote(3, "b3")]);
    expect(devnet.babylon.staking.staking.provider(pkHex)!.slashedBabylonHeight).toBeGreaterThan(0n);
    await expect(client.submitFinalitySignatures([vote(4, "a4")])).rejects.toThrow(
      /has been slashed at Babylon height/,
    );

    // The gadget's reading of those blocks.
    const blockReader = new BabylonBlockReader(info.babylon.rpcUrl);
    const recordsAt = async (height: number) =>
      recordsOfBlock((await blockReader.blocks([BigInt(height)]))[0]!, info.contractAddress);
    const commitRecords = await recordsAt(committed.height);
    expect(commitRecords.commits).toEqual([
      {
        babylonHeight: BigInt(committed.height),
        txHash: committed.transactionHash,
        msgIndex: 0,
        fpBtcPk: pkHex,
        startHeight: 1n,
        numPubRand: 16n,
        commitment: bytesToHex(root),
      },
    ]);
    const voteRecords = await recordsAt(batch.height);
    expect(voteRecords.malformed).toEqual([]);
    expect(voteRecords.signatures.map(({ babylonTime: _, ...r }) => r)).toEqual(
      votes.map((v, i) => ({
        babylonHeight: BigInt(batch.height),
        txHash: batch.transactionHash,
        msgIndex: i,
        fpBtcPk: pkHex,
        height: v.height,
        blockHash: `0x${bytesToHex(v.blockHash)}`,
        pubRand: bytesToHex(v.pubRand),
        signature: bytesToHex(v.signature),
      })),
    );
    const slashing = await recordsAt(equivocating.height);
    expect(slashing.equivocations).toHaveLength(1);
    expect(slashing.equivocations[0]).toMatchObject({
      fpBtcPk: pkHex,
      height: 3n,
      canonicalBlockHash: `0x${bytesToHex(blockHash("a3"))}`,
      forkBlockHash: `0x${bytesToHex(blockHash("b3"))}`,
    });
    expect(slashing.providerEvents.map((e) => [e.fpBtcPk, e.kind])).toContainEqual([pkHex, "SLASHED"]);
  });
});
