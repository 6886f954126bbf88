// The real compiled finality contract hosted by the devnet's x/wasm, driven by UNMODIFIED CosmJS
// (SigningCosmWasmClient): upload, instantiate, execute with auto gas, sub-messages, restart.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import { fromBech32, toBase64, toBech32, toHex } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice } from "@cosmjs/stargate";
import { sha256 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { finalityContractCode } from "../../contracts/finality/bytecode.ts";
import {
  bip340,
  eots,
  finalityVoteMessage,
  keys,
  merkle,
  randomness,
  randomnessCommitMessage,
  signingContext,
} from "../../src/core/crypto/index.ts";
import {
  AbciError,
  type Chain,
  classicContractAddress,
  createChain,
  type Module,
  WasmModule,
} from "../../src/devnet/chain/index.ts";
import { SandboxBabylon, type SandboxProvider } from "../../src/devnet/contract-sandbox.ts";
import { type RpcServer, startRpcServer } from "../../src/devnet/rpc/index.ts";
import { probeContract } from "../fixtures/probe-contract.ts";

const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const CHAIN_ID = "bbn-devnet-wasm";
const BSN_ID = "op-devnet-1";
const gasPrice = GasPrice.fromString("0.002ubbn");

interface Evidence {
  signer: string;
  fp_btc_pk_hex: string;
  block_height: number;
}

/** Receives the contract's equivocation evidence as x/finality would (slashing the provider). */
class EvidenceSink implements Module {
  readonly name = "finality";
  received: Evidence[] = [];
  failNext = false;
  constructor(private readonly babylon: SandboxBabylon) {}
  readonly messages = {
    "/babylon.finality.v1.MsgEquivocationEvidence": (
      value: Uint8Array,
      ctx: Parameters<NonNullable<Module["messages"]>[string]>[1],
    ) => {
      const evidence = JSON.parse(new TextDecoder().decode(value)) as Evidence;
      if (evidence.signer !== ctx.signer) throw new AbciError("finality", 1101, "signer mismatch");
      if (this.failNext) {
        this.failNext = false;
        throw new AbciError("finality", 1110, "invalid equivocation evidence: test failure");
      }
      this.received.push(evidence);
      const fp = this.babylon.providers.get(evidence.fp_btc_pk_hex)!;
      this.babylon.providers.set(evidence.fp_btc_pk_hex, {
        ...fp,
        slashedBabylonHeight: ctx.height,
        slashedBtcHeight: 100,
      });
      ctx.emit({
        type: "babylon.finality.v1.EventSlashedFinalityProvider",
        attributes: [{ key: "evidence", value: JSON.stringify(evidence) }],
      });
      return new Uint8Array();
    },
  };
  // The provider registry is this module's state too: slashing must roll back with a failed tx or a simulation.
  snapshot() {
    return { received: [...this.received], providers: new Map(this.babylon.providers) };
  }
  restore(s: unknown) {
    const snap = s as { received: Evidence[]; providers: Map<string, SandboxProvider> };
    this.received = [...snap.received];
    this.babylon.providers.clear();
    for (const [k, v] of snap.providers) this.babylon.providers.set(k, v);
  }
  exportState() {
    return this.received;
  }
  importState(s: unknown) {
    this.received = s as Evidence[];
  }
}

const fpSecret = sha256(new TextEncoder().encode("devnet test finality provider"));
const fpPkHex = toHex(keys.xonlyPublicKey(fpSecret));
const rands = randomness.deriveRandomnessList(fpSecret, BSN_ID, 1n, 10, 1n);
const commitment = merkle.root(rands.pubRands);
const proofs = merkle.proofs(rands.pubRands);

let wallet: DirectSecp256k1HdWallet;
let alice: string;
let babylon: SandboxBabylon;
let sink: EvidenceSink;
let chain: Chain;
let rpc: RpcServer;
let client: SigningCosmWasmClient;
let contract: string;
let stateDir: string;

function vote(height: bigint, blockHash: Uint8Array) {
  const i = Number(height - 1n);
  const msg = finalityVoteMessage(height, blockHash, signingContext("fp_fin_vote", CHAIN_ID, contract));
  return {
    submit_finality_signature: {
      fp_pubkey_hex: fpPkHex,
      height: Number(height),
      pub_rand: toBase64(rands.pubRands[i]!),
      proof: merkle.proofToJson(proofs[i]!),
      block_hash: toBase64(blockHash),
      signature: toBase64(eots.sign(fpSecret, rands.privRands[i]!, msg)),
    },
  };
}

const hashOf = (label: string) => sha256(new TextEncoder().encode(label));

/** x/wasm asking the chain (and so `babylon.module()`) for providers, plus the evidence sink. */
function wasmModules(): Module[] {
  const wasm = new WasmModule({
    chainQuery: (path, data, height) => chain.query(path, data, height),
    babylon: babylon.queries(),
  });
  return [wasm, sink, babylon.module()];
}

beforeAll(async () => {
  wallet = await DirectSecp256k1HdWallet.fromMnemonic(MNEMONIC, { prefix: "bbn" });
  alice = (await wallet.getAccounts())[0]!.address;
  babylon = new SandboxBabylon();
  babylon.providers.set(fpPkHex, { bsnId: BSN_ID, slashedBabylonHeight: 0n, slashedBtcHeight: 0 });
  sink = new EvidenceSink(babylon);
  stateDir = mkdtempSync(join(tmpdir(), "devnet-wasm-"));
  chain = createChain({
    chainId: CHAIN_ID,
    blockIntervalMs: 100,
    stateDir,
    modules: wasmModules(),
    genesisAccounts: [{ address: alice, coins: [{ denom: "ubbn", amount: 100_000_000_000n }] }],
  });
  chain.start();
  rpc = await startRpcServer(chain, { port: 0 });
  client = await SigningCosmWasmClient.connectWithSigner(rpc.url, wallet, {
    gasPrice,
    broadcastPollIntervalMs: 50,
  });
});

afterAll(async () => {
  client?.disconnect();
  await rpc?.close();
  chain?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("finality contract as a wasm contract through CosmJS", () => {
  it("derives wasmd's classic contract address", () => {
    // wasmd's keeper tests: the first contract (code 1, instance 1) under the "cosmos" prefix.
    const address = classicContractAddress(1n, 1n);
    expect(toBech32("cosmos", fromBech32(address, 90).data)).toBe(
      "cosmos14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s4hmalr",
    );
  });

  it("uploads, instantiates and answers smart and info queries", async () => {
    const wasm = finalityContractCode();
    const upload = await client.upload(alice, wasm, "auto");
    expect(upload.codeId).toBe(1);
    expect(upload.checksum).toBe(toHex(sha256(wasm)));
    const inst = await client.instantiate(
      alice,
      upload.codeId,
      {
        admin: alice,
        bsn_id: BSN_ID,
        min_pub_rand: 5,
        rate_limiting_interval: 10000,
        max_msgs_per_interval: 100,
        bsn_activation_height: 1,
        finality_signature_interval: 1,
        allowed_finality_providers: [fpPkHex],
      },
      "finality",
      "auto",
      { admin: alice },
    );
    contract = inst.contractAddress;
    expect(contract).toBe(classicContractAddress(1n, 1n));
    expect(inst.events.find((e) => e.type === "instantiate")?.attributes).toContainEqual({
      key: "_contract_address",
      value: contract,
    });
    expect(await client.queryContractSmart(contract, { config: {} })).toEqual({
      bsn_id: BSN_ID,
      min_pub_rand: 5,
      rate_limiting: { max_msgs_per_interval: 100, block_interval: 10000 },
      bsn_activation_height: 1,
      finality_signature_interval: 1,
    });
    const info = await client.getContract(contract);
    expect(info).toMatchObject({
      address: contract,
      codeId: 1,
      creator: alice,
      admin: alice,
      label: "finality",
    });
    await expect(client.queryContractSmart(contract, { nope: {} })).rejects.toThrow(
      /query wasm contract failed/,
    );
  });

  it("executes with auto gas, batches votes with executeMultiple and indexes the events", async () => {
    const context = signingContext("fp_rand_commit", CHAIN_ID, contract);
    const signature = bip340.sign(fpSecret, sha256(randomnessCommitMessage(1n, 10n, commitment, context)));
    const commit = await client.execute(
      alice,
      contract,
      {
        commit_public_randomness: {
          fp_pubkey_hex: fpPkHex,
          start_height: 1,
          num_pub_rand: 10,
          commitment: toBase64(commitment),
          signature: toBase64(signature),
        },
      },
      "auto",
    );
    expect(commit.events.map((e) => e.type)).toContain("wasm-public_randomness_commit");
    expect(commit.gasUsed).toBeLessThanOrEqual(commit.gasWanted);
    const last = (await client.queryContractSmart(contract, {
      last_pub_rand_commit: { btc_pk_hex: fpPkHex },
    })) as {
      start_height: number;
      num_pub_rand: number;
    };
    expect(last).toMatchObject({ start_height: 1, num_pub_rand: 10 });

    const votes = await client.executeMultiple(
      alice,
      [
        { contractAddress: contract, msg: vote(1n, hashOf("block 1")) },
        { contractAddress: contract, msg: vote(2n, hashOf("block 2")) },
        { contractAddress: contract, msg: vote(3n, hashOf("block 3")) },
      ],
      "auto",
    );
    const sigEvents = votes.events.filter((e) => e.type === "wasm-submit_finality_signature");
    expect(sigEvents.map((e) => e.attributes.find((a) => a.key === "msg_index")?.value)).toEqual([
      "0",
      "1",
      "2",
    ]);
    expect(sigEvents[1]?.attributes).toContainEqual({ key: "block_hash", value: toHex(hashOf("block 2")) });

    const voters = (await client.queryContractSmart(contract, {
      block_voters: { height: 2, hash_hex: toHex(hashOf("block 2")) },
    })) as { fp_btc_pk_hex: string }[];
    expect(voters.map((v) => v.fp_btc_pk_hex)).toEqual([fpPkHex]);

    const byExecute = await client.searchTx(`execute._contract_address='${contract}'`);
    expect(byExecute.map((t) => t.hash)).toEqual(
      expect.arrayContaining([commit.transactionHash, votes.transactionHash]),
    );
    // wasmd emits no `wasm` event for responses with only custom events (reference §4.1): only instantiate has one.
    const byWasm = (await client.searchTx(`wasm._contract_address='${contract}'`)).map((t) => t.hash);
    expect(byWasm).toHaveLength(1);
    expect(byWasm).not.toContain(commit.transactionHash);
    expect(byWasm).not.toContain(votes.transactionHash);
    const byBlock = await client.searchTx(
      `wasm-submit_finality_signature._contract_address='${contract}' AND wasm-submit_finality_signature.block_height='3'`,
    );
    expect(byBlock.map((t) => t.hash)).toEqual([votes.transactionHash]);
  });

  it("reports a contract error as codespace wasm code 5 with wasmd's log", async () => {
    const err = await client
      .execute(alice, contract, vote(1n, hashOf("block 1")), "auto")
      .catch((e: unknown) => e);
    // CosmJS fails in the simulation already; the log is the one a delivered tx would carry.
    expect(String(err)).toContain(
      `failed to execute message; message index: 0: Duplicated finality signature for finality provider ${fpPkHex} at height 1: execute wasm contract failed`,
    );
    expect(String(err)).toContain("Query failed with (5)");
  });

  it("dispatches equivocation evidence; a failing dispatch fails the tx and restores the contract", async () => {
    sink.failNext = true;
    // A fixed fee skips the simulation, so the failure happens in the delivered tx.
    const fee = { amount: [{ denom: "ubbn", amount: "2000" }], gas: "1000000" };
    const failed = await client
      .execute(alice, contract, vote(2n, hashOf("fork 2")), fee)
      .catch((e: unknown) => e);
    expect(String(failed)).toMatch(
      /Code: 1110; Raw log: failed to execute message; message index: 0: invalid equivocation evidence: test failure/,
    );
    expect(
      await client.queryContractSmart(contract, {
        block_voters: { height: 2, hash_hex: toHex(hashOf("fork 2")) },
      }),
    ).toBeNull();
    expect(sink.received).toHaveLength(0);

    const slashed = await client.execute(alice, contract, vote(2n, hashOf("fork 2")), "auto");
    const evidenceEvent = slashed.events.find(
      (e) => e.type === "babylon.finality.v1.EventSlashedFinalityProvider",
    );
    expect(evidenceEvent?.attributes.find((a) => a.key === "msg_index")?.value).toBe("0");
    expect(sink.received).toEqual([
      expect.objectContaining({ signer: contract, fp_btc_pk_hex: fpPkHex, block_height: 2 }),
    ]);
    expect(babylon.providers.get(fpPkHex)?.slashedBabylonHeight).toBe(BigInt(slashed.height));
    const forkVoters = await client.queryContractSmart(contract, {
      block_voters: { height: 2, hash_hex: toHex(hashOf("fork 2")) },
    });
    expect(forkVoters).toHaveLength(1);
  });

  it("keeps contract state across a restart", async () => {
    await rpc.close();
    chain.stop();
    // The code's bytes are saved once, by checksum, beside the state; the state only names them.
    const code = finalityContractCode();
    const checksum = toHex(sha256(code));
    expect(readFileSync(join(stateDir, "wasm-codes", `${checksum}.wasm`))).toEqual(Buffer.from(code));
    const state = readFileSync(join(stateDir, "state.json"), "utf8");
    expect(state).toContain(checksum);
    expect(state.length).toBeLessThan(code.length / 10);
    chain = createChain({
      chainId: CHAIN_ID,
      blockIntervalMs: 100,
      stateDir,
      modules: wasmModules(),
    });
    chain.start();
    rpc = await startRpcServer(chain, { port: 0 });
    client.disconnect();
    client = await SigningCosmWasmClient.connectWithSigner(rpc.url, wallet, {
      gasPrice,
      broadcastPollIntervalMs: 50,
    });
    const voters = (await client.queryContractSmart(contract, {
      block_voters: { height: 3, hash_hex: toHex(hashOf("block 3")) },
    })) as unknown[];
    expect(voters).toHaveLength(1);
    expect(await client.queryContractSmart(contract, { highest_voted_height: { btc_pk_hex: fpPkHex } })).toBe(
      3,
    );
  });

  it("hosts a contract of our own uploaded with CosmJS; a panic or an endless loop fails its tx and the chain goes on", async () => {
    const upload = await client.upload(alice, await probeContract(), "auto");
    const inst = await client.instantiate(alice, upload.codeId, {}, "probe", "auto");
    expect(await client.queryContractSmart(inst.contractAddress, {})).toBe("probe");
    const ok = await client.execute(alice, inst.contractAddress, { write: {} }, "auto");
    expect(ok.events.find((e) => e.type === "wasm")?.attributes).toContainEqual({
      key: "action",
      value: "probe",
    });

    const fee = { amount: [{ denom: "ubbn", amount: "2000" }], gas: "1000000" };
    const panicked = await client
      .execute(alice, inst.contractAddress, { panic: {} }, fee)
      .catch((e: unknown) => e);
    expect(String(panicked)).toMatch(/unreachable/);
    const started = Date.now();
    const looped = await client
      .execute(alice, inst.contractAddress, { loop: {} }, fee)
      .catch((e: unknown) => e);
    expect(String(looped)).toMatch(/out of gas/);
    expect(Date.now() - started).toBeLessThan(15_000);
    const after = await client.execute(alice, inst.contractAddress, { write: {} }, "auto");
    expect(after.height).toBeGreaterThan(0);
  });
});
