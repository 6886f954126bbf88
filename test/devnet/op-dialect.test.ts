// The op dialect's devnet runs the real op-finality-gadget bytecode: it is deployed at genesis, finds
// providers through /babylon.btcstkconsumer.v1.Query/FinalityProvider and takes their commitments.
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FinalityContractClient, signCommit, signVote } from "../../contracts/finality/client.ts";
import { keys, merkle, randomness } from "../../src/core/crypto/index.ts";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";

let devnet: Devnet;
let signer: SigningCosmWasmClient;

beforeAll(async () => {
  devnet = await startDevnet({
    l2: false,
    blockIntervalMs: 100,
    btcBlockIntervalMs: 0,
    dialect: "op-finality-gadget",
  });
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(devnet.info.mnemonics[0]!, { prefix: "bbn" });
  signer = await SigningCosmWasmClient.connectWithSigner(devnet.info.babylon.rpcUrl, wallet, {
    gasPrice: GasPrice.fromString("0.002ubbn"),
    broadcastPollIntervalMs: 100,
  });
});

afterAll(async () => {
  signer?.disconnect();
  await devnet?.stop();
});

describe("op-finality-gadget dialect devnet", () => {
  it("deploys the op build: takes a provider's commitment and votes, refuses an unknown one, slashes nobody", async () => {
    const info = devnet.info;
    const client = new FinalityContractClient(
      signer,
      info.accounts[0]!.address,
      info.contractAddress,
      "op-finality-gadget",
    );
    expect(await client.config()).toEqual({ consumer_id: info.bsnId });

    const mnemonic = keys.generateMnemonic();
    const sk = keys.secretKeyFromMnemonic(mnemonic);
    const pkHex = keys.publicKeyHex(sk);
    const list = randomness.deriveRandomnessList(sk, info.bsnId, 1n, 16, 1n);
    const root = merkle.root(list.pubRands);
    const commit = signCommit(sk, 1n, 16n, root);
    await expect(client.commitPublicRandomness(commit)).rejects.toThrow(/not found/i);

    const res = await fetch(`${info.adminUrl}/providers`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ mnemonic, bsnId: info.bsnId }),
    });
    expect(res.status, await res.text()).toBe(200);
    const deadline = Date.now() + 20_000;
    while (!devnet.babylon.staking.staking.provider(pkHex)) {
      if (Date.now() > deadline) throw new Error("provider not registered");
      await new Promise((r) => setTimeout(r, 50));
    }
    const committed = await client.commitPublicRandomness(commit);
    expect(committed.events.map((e) => e.type)).toContain("wasm-public_randomness_commit");
    expect(await client.lastPubRandCommit(pkHex)).toMatchObject({ start_height: 1n, num_pub_rand: 16n });

    const proofs = merkle.proofs(list.pubRands);
    const vote = (fill: number) =>
      signVote(sk, {
        height: 3n,
        blockHash: new Uint8Array(32).fill(fill),
        privRand: list.privRands[2]!,
        pubRand: list.pubRands[2]!,
        proof: proofs[2]!,
      });
    // A conflicting vote: this op build (16f6154) has no equivocation handling at all (no evidence message, no
    // slashing self-call: its bytecode holds neither). The vote is accepted over the first and nobody is
    // slashed, which is what a real chain running it does; equivocation is left to whoever reads the votes.
    const first = await client.submitFinalitySignatures([vote(1)]);
    const second = await client.submitFinalitySignatures([vote(2)]);
    const submitted = (r: typeof first) =>
      r.events
        .filter((e) => e.type === "wasm-submit_finality_signature")
        .map((e) => e.attributes.find((a) => a.key === "block_hash")?.value);
    expect([submitted(first), submitted(second)]).toEqual([["01".repeat(32)], ["02".repeat(32)]]);
    const types = second.events.map((e) => e.type);
    expect(types.filter((t) => t.startsWith("babylon.") || t.includes("slash"))).toEqual([]);
    expect(devnet.babylon.staking.staking.provider(pkHex)?.slashedBabylonHeight).toBe(0n);
  });
});
