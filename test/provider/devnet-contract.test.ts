// The voting loop against the finality contract hosted on the devnet chain, through the real CosmJS
// client and B's typed contract client: real transactions, real multi-message batches, wasmd's error
// texts. The L2 and the Babylon-side voting-power/epoch answers are in-memory stand-ins here; the full
// devnet (D2's Babylon modules, anvil L2) is the end-to-end test's job.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FinalityContractClient } from "../../contracts/finality/client.ts";
import { contractPort } from "../../provider/chain-ports.ts";
import { createProviderMetrics } from "../../provider/metrics.ts";
import { RandomnessStore } from "../../provider/randomness-store.ts";
import { SignGuard } from "../../provider/sign-guard.ts";
import { type BabylonPort, type ContractPort, gridOf, Voter } from "../../provider/voter.ts";
import { DEVNET_CHAIN_ID, type DevnetContract, startDevnetContract } from "./devnet-rig.ts";
import { BSN, FakeL2, PK, SK } from "./harness.ts";

let devnet: DevnetContract;
let client: SigningCosmWasmClient;
let sender: string;
let contractAddress: string;
const homes: string[] = [];

beforeAll(async () => {
  devnet = await startDevnetContract({ activation: 100, interval: 5 });
  ({ client, sender, contractAddress } = devnet);
}, 60_000);

afterAll(async () => {
  await devnet?.close();
  for (const h of homes) rmSync(h, { recursive: true, force: true });
});

/** Drops the response of the next submit after the transaction was included (a lost confirmation). */
class LossyContract implements ContractPort {
  loseNext = false;
  constructor(private readonly inner: ContractPort) {}
  config = () => this.inner.config();
  highestVotedHeight = (pk: string) => this.inner.highestVotedHeight(pk);
  lastPubRandCommit = (pk: string) => this.inner.lastPubRandCommit(pk);
  pubRandCommitForHeight = (pk: string, h: bigint) => this.inner.pubRandCommitForHeight(pk, h);
  commitPublicRandomness = (req: Parameters<ContractPort["commitPublicRandomness"]>[0]) =>
    this.inner.commitPublicRandomness(req);
  async submitFinalitySignatures(votes: Parameters<ContractPort["submitFinalitySignatures"]>[0]) {
    const r = await this.inner.submitFinalitySignatures(votes);
    if (this.loseNext) {
      this.loseNext = false;
      throw new Error("timed out waiting for the tx to be included");
    }
    return r;
  }
}

async function makeVoter(home: string, l2: FakeL2, contract: ContractPort) {
  const cfg = await contract.config();
  const guard = SignGuard.open({ dir: join(home, "guard"), namespace: `${PK}/${BSN}` });
  const store = RandomnessStore.open({
    dir: join(home, "rand"),
    secretKey: SK,
    chainId: BSN,
    grid: gridOf(cfg),
  });
  const babylon: BabylonPort = {
    hasVotingPower: async () => true,
    lastFinalizedEpoch: async () => devnet.host.finalized,
  };
  const voter = new Voter(
    {
      fpPubkeyHex: PK,
      secretKey: SK,
      bsnId: BSN,
      babylonChainId: DEVNET_CHAIN_ID,
      contractAddress,
      randomnessBatch: 40n,
      randomnessLookAhead: 50n,
      maxVotesPerTx: 3,
    },
    {
      l2,
      contract,
      babylon,
      guard,
      store,
      metrics: createProviderMetrics(),
      logger: pino({ level: "silent" }),
    },
  );
  await voter.init();
  return { voter, guard };
}

async function votedBy(height: bigint, hash: Uint8Array): Promise<boolean> {
  const query = new FinalityContractClient(client, sender, contractAddress);
  const voters = await query.blockVoters(height, hash);
  return voters?.some((v) => v.fp_btc_pk_hex === PK) ?? false;
}

describe("voter over CosmJS against the devnet-hosted finality contract", () => {
  it("commits, votes in multi-message transactions, survives a lost confirmation and a restart", async () => {
    const home = mkdtempSync(join(tmpdir(), "provider-home-"));
    homes.push(home);
    const l2 = new FakeL2();
    l2.tip = 95n;
    const contract = new LossyContract(
      contractPort(new FinalityContractClient(client, sender, contractAddress)),
    );
    let { voter, guard } = await makeVoter(home, l2, contract);
    await voter.tick(); // commits randomness from 100
    const last = await contract.lastPubRandCommit(PK);
    expect(last).toMatchObject({ start_height: 100n, num_pub_rand: 40n, interval: 5n });

    l2.tip = 130n;
    await voter.tick();
    for (let h = 100n; h <= 130n; h += 5n) expect(await votedBy(h, l2.hashAt(h)), `height ${h}`).toBe(true);

    // The tx lands but its confirmation is lost; the retry meets wasmd's "Duplicated finality signature".
    l2.tip = 145n;
    contract.loseNext = true;
    await expect(voter.tick()).rejects.toThrow(/timed out/);
    await voter.tick();
    expect(voter.status().toResend).toEqual([]);

    // Restart on the same home: nothing is re-signed differently, and voting continues.
    guard.close();
    l2.tip = 160n;
    ({ voter, guard } = await makeVoter(home, l2, contract));
    await voter.tick();
    for (let h = 100n; h <= 160n; h += 5n) expect(await votedBy(h, l2.hashAt(h)), `height ${h}`).toBe(true);
    expect(await contract.highestVotedHeight(PK)).toBe(160n);
    guard.close();
  }, 120_000);
});
