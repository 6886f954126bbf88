import { SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { describe, expect, it } from "vitest";
import {
  contractMessages,
  DialectError,
  FinalityContractClient,
  signCommit,
  signingContextFor,
  signVote,
  toCosmJsJson,
  type Vote,
} from "../../contracts/finality/client.ts";
import { parseJson } from "../../contracts/finality/json.ts";
import { parseExecuteMsg, parseLegacyExecuteMsg } from "../../contracts/finality/messages.ts";
import { bytesToHex, merkle, randomness } from "../../src/core/crypto/index.ts";
import { BSN_ID, blockHash, CHAIN_ID, CONTRACT, env, Provider, setup } from "./fixture.ts";

const PK = "a85d8331aa6cc07395ae7528348cd8ce3dad6f3699cfc1bd7c5eb34246d83d7c";
const b64 = (n: number, v: number) => Buffer.alloc(n, v).toString("base64");

function sampleVote(overrides: Partial<Vote> = {}): Vote {
  return {
    fpPubkeyHex: PK,
    height: 100n,
    pubRand: new Uint8Array(32).fill(3),
    proof: { total: 1n, index: 0n, leafHash: new Uint8Array(32).fill(4), aunts: [] },
    blockHash: new Uint8Array(32).fill(1),
    signature: new Uint8Array(32).fill(3),
    ...overrides,
  };
}

describe("what each client method sends (rollup-BSN)", () => {
  const m = contractMessages();
  const sent = (o: unknown) => JSON.stringify(o);

  it("queries", () => {
    expect(sent(m.config())).toBe(`{"config":{}}`);
    expect(sent(m.admin())).toBe(`{"admin":{}}`);
    expect(sent(m.blockVoters(101n, new Uint8Array(32).fill(7)))).toBe(
      `{"block_voters":{"height":101,"hash_hex":"${"07".repeat(32)}"}}`,
    );
    expect(sent(m.firstPubRandCommit(PK))).toBe(`{"first_pub_rand_commit":{"btc_pk_hex":"${PK}"}}`);
    expect(sent(m.lastPubRandCommit(PK))).toBe(`{"last_pub_rand_commit":{"btc_pk_hex":"${PK}"}}`);
    expect(sent(m.pubRandCommitForHeight(PK, 105n))).toBe(
      `{"pub_rand_commit_for_height":{"btc_pk_hex":"${PK}","height":105}}`,
    );
    expect(sent(m.listPubRandCommit(PK))).toBe(`{"list_pub_rand_commit":{"btc_pk_hex":"${PK}"}}`);
    expect(sent(m.listPubRandCommit(PK, { startAfter: 100n, limit: 5, reverse: true }))).toBe(
      `{"list_pub_rand_commit":{"btc_pk_hex":"${PK}","start_after":100,"limit":5,"reverse":true}}`,
    );
    expect(sent(m.highestVotedHeight(PK))).toBe(`{"highest_voted_height":{"btc_pk_hex":"${PK}"}}`);
    expect(sent(m.allowedFinalityProviders())).toBe(`{"allowed_finality_providers":{}}`);
    expect(sent(m.allowedFinalityProvidersAtHeight(77n))).toBe(
      `{"allowed_finality_providers_at_height":{"babylon_height":77}}`,
    );
    expect(() => m.isEnabled()).toThrow(DialectError);
  });

  it("executes", () => {
    expect(
      sent(
        m.commitPublicRandomness({
          fpPubkeyHex: PK,
          startHeight: 100n,
          numPubRand: 1000n,
          commitment: new Uint8Array(32).fill(1),
          signature: new Uint8Array(64).fill(2),
        }),
      ),
    ).toBe(
      `{"commit_public_randomness":{"fp_pubkey_hex":"${PK}","start_height":100,"num_pub_rand":1000,"commitment":"${b64(32, 1)}","signature":"${b64(64, 2)}"}}`,
    );
    // index 0 and aunts [] are always present (the Go FP's reason for its own Proof type).
    expect(sent(m.submitFinalitySignature(sampleVote()))).toBe(
      `{"submit_finality_signature":{"fp_pubkey_hex":"${PK}","height":100,"pub_rand":"${b64(32, 3)}","proof":{"total":1,"index":0,"leaf_hash":"${b64(32, 4)}","aunts":[]},"block_hash":"${b64(32, 1)}","signature":"${b64(32, 3)}"}}`,
    );
    expect(
      sent(m.submitFinalitySignature(sampleVote({ l1BlockNumber: 19n, l1BlockHashHex: "ab" }))),
    ).toContain(`"fp_pubkey_hex":"${PK}","l1_block_number":19,"l1_block_hash_hex":"ab","height":100`);
    expect(sent(m.updateAdmin("bbn1qqnew"))).toBe(`{"update_admin":{"admin":"bbn1qqnew"}}`);
    expect(sent(m.updateConfig({ maxMsgsPerInterval: 20 }))).toBe(
      `{"update_config":{"max_msgs_per_interval":20}}`,
    );
    expect(sent(m.updateConfig({ minPubRand: 5n, rateLimitingInterval: 100n }))).toBe(
      `{"update_config":{"min_pub_rand":5,"rate_limiting_interval":100}}`,
    );
    expect(sent(m.addToAllowlist([PK]))).toBe(`{"add_to_allowlist":{"fp_pubkey_hex_list":["${PK}"]}}`);
    expect(sent(m.removeFromAllowlist([PK]))).toBe(
      `{"remove_from_allowlist":{"fp_pubkey_hex_list":["${PK}"]}}`,
    );
    expect(sent(m.pruneData({ rollupHeight: 900n, maxSignaturesToPrune: 10 }))).toBe(
      `{"prune_data":{"rollup_height":900,"max_signatures_to_prune":10}}`,
    );
  });

  it("refuses heights CosmJS would round", () => {
    expect(() => m.highestVotedHeight(PK)).not.toThrow();
    expect(() => m.pubRandCommitForHeight(PK, 2n ** 53n)).toThrow(
      "message.pub_rand_commit_for_height.height: 9007199254740992 is above 2^53 and cannot be sent exactly through CosmJS",
    );
    expect(toCosmJsJson(9007199254740991n)).toBe(9007199254740991);
  });
});

describe("what each client method sends (op-finality-gadget)", () => {
  const m = contractMessages("op-finality-gadget");

  it("uses the old shapes and refuses what the old contract lacks", () => {
    expect(JSON.stringify(m.blockVoters(7n, new Uint8Array([0xab, 0xcd])))).toBe(
      `{"block_voters":{"height":7,"hash":"abcd"}}`,
    );
    expect(JSON.stringify(m.isEnabled())).toBe(`{"is_enabled":{}}`);
    const vote = JSON.stringify(m.submitFinalitySignature(sampleVote()));
    expect(parseLegacyExecuteMsg(parseJson(vote))).toBeDefined();
    expect(() => m.submitFinalitySignature(sampleVote({ l1BlockNumber: 1n }))).toThrow(DialectError);
    expect(() => m.highestVotedHeight(PK)).toThrow(
      "highestVotedHeight is not supported by the op-finality-gadget contract",
    );
    expect(() => m.pruneData({ rollupHeight: 1n })).toThrow(DialectError);
  });
});

describe("client-built messages are accepted by the contract", () => {
  it("signCommit/signVote → JSON on the wire → contract parser → model", () => {
    const fp = Provider.fromSeed(21);
    const s = setup([fp]);
    const contexts = signingContextFor(CHAIN_ID, CONTRACT);
    const list = randomness.deriveRandomnessList(fp.sk, BSN_ID, 100n, 16, 5n);
    const root = merkle.root(list.pubRands);
    const proofs = merkle.proofs(list.pubRands);
    const m = contractMessages();
    const wire = (o: unknown) => parseExecuteMsg(parseJson(JSON.stringify(o)));

    const commit = signCommit(fp.sk, 100n, 16n, root, contexts.randCommit);
    expect(commit.fpPubkeyHex).toBe(fp.pkHex);
    s.contract.execute(wire(m.commitPublicRandomness(commit)), env(20n));
    s.host.finalizedEpoch = 3n;

    const hash = blockHash("l2 block 110");
    const vote = signVote(
      fp.sk,
      {
        height: 110n,
        blockHash: hash,
        privRand: list.privRands[2]!,
        pubRand: list.pubRands[2]!,
        proof: proofs[2]!,
      },
      contexts.finalityVote,
    );
    const result = s.contract.execute(wire(m.submitFinalitySignature(vote)), env(21n));
    expect(result.events[0]!.attributes).toContainEqual({ key: "block_hash", value: bytesToHex(hash) });

    // Without the context (old-contract signing) the rollup-BSN contract refuses the vote.
    const noContext = signVote(fp.sk, {
      height: 115n,
      blockHash: hash,
      privRand: list.privRands[3]!,
      pubRand: list.pubRands[3]!,
      proof: proofs[3]!,
    });
    expect(() => s.contract.execute(wire(m.submitFinalitySignature(noContext)), env(22n))).toThrow(
      "Failed to verify signature: EOTS",
    );
  });

  it("batches several votes as one instruction each, in order, for one executeMultiple tx", async () => {
    const wallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "bbn" });
    const [account] = await wallet.getAccounts();
    const signer = await SigningCosmWasmClient.offline(wallet);
    const client = new FinalityContractClient(signer, account!.address, CONTRACT);
    const votes = [sampleVote({ height: 100n }), sampleVote({ height: 105n }), sampleVote({ height: 110n })];
    const instructions = client.submitInstructions(votes);
    expect(instructions.map((i) => i.contractAddress)).toEqual([CONTRACT, CONTRACT, CONTRACT]);
    expect(instructions.map((i) => parseJson(JSON.stringify(i.msg)))).toEqual(
      votes.map((v) => parseJson(JSON.stringify(contractMessages().submitFinalitySignature(v)))),
    );
    expect(() => client.submitFinalitySignatures([])).toThrow(
      "submitFinalitySignatures needs at least one vote",
    );
    expect(client.dialect).toBe("rollup-bsn");
  });
});
