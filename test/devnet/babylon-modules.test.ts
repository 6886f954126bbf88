// The devnet's Babylon modules through UNMODIFIED CosmJS: queries decoded with the project's Babylon codecs
// (BabylonQueryClient over QueryClient.queryAbci), real signed txs, block_results events.
import { SigningCosmWasmClient, wasmTypes } from "@cosmjs/cosmwasm";
import { toBase64, toHex } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes, GasPrice } from "@cosmjs/stargate";
import { Comet38Client } from "@cosmjs/tendermint-rpc";
import { sha256 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseHeaderTimestamp } from "../../src/chains/babylon/btclightclient.ts";
import { MsgCreateFinalityProvider } from "../../src/chains/babylon/btcstaking.ts";
import { legacyDecToWire } from "../../src/chains/babylon/cosmos.ts";
import { decodeTypedEvent } from "../../src/chains/babylon/events.ts";
import type { MessageCodec } from "../../src/chains/babylon/proto.ts";
import { BabylonQueryClient, BabylonQueryError } from "../../src/chains/babylon/query-client.ts";
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
import { signPop } from "../../src/devnet/babylon/pop.ts";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";

const BSN = "op-devnet-test";
const gasPrice = GasPrice.fromString("0.002ubbn");
const CREATE_FP = "/babylon.btcstaking.v1.MsgCreateFinalityProvider";
const EVIDENCE = "/babylon.finality.v1.MsgEquivocationEvidence";

/** CosmJS registers ts-proto style types; our codecs return bytes from encode, so wrap them. */
function generated<T>(codec: MessageCodec<T>) {
  return {
    encode: (m: T) => ({ finish: () => codec.encode(m) }),
    decode: (b: Uint8Array) => codec.decode(b),
    fromPartial: (p: unknown) => codec.fromPartial(p as never),
  };
}
/** The contract's evidence is JSON on the wire between wasm and x/finality; a tx can carry it the same way. */
const jsonEvidence = {
  encode: (m: object) => ({ finish: () => new TextEncoder().encode(JSON.stringify(m)) }),
  decode: (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b)),
  fromPartial: (p: object) => p,
};

let devnet: Devnet;
let q: BabylonQueryClient;
let comet: Comet38Client;
let client: SigningCosmWasmClient;
let alice: string;
let bob: string;

async function admin(
  path: string,
  body?: object,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${devnet.info.adminUrl}${path}`, {
    method: body === undefined ? "GET" : "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function nextBlocks(n = 1): Promise<void> {
  const target = devnet.chain.height + BigInt(n);
  while (devnet.chain.height < target) await new Promise((r) => setTimeout(r, 10));
}

/** Events of one block as CometBFT serves them (finalize_block_events and every tx's events). */
async function blockEvents(height: bigint) {
  const r = await comet.blockResults(Number(height));
  return [...r.finalizeBlockEvents, ...r.results.flatMap((t) => t.events)].map((e) => ({
    type: e.type,
    attributes: e.attributes.map((a) => ({ key: a.key, value: a.value })),
  }));
}

beforeAll(async () => {
  devnet = await startDevnet({
    l2: false,
    bsnId: BSN,
    blockIntervalMs: 50,
    btcBlockIntervalMs: 0,
    accounts: 2,
    epochInterval: 3n,
  });
  q = await BabylonQueryClient.connect(devnet.info.babylon.rpcUrl);
  comet = await Comet38Client.connect(devnet.info.babylon.rpcUrl);
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(devnet.info.mnemonics[0]!, { prefix: "bbn" });
  alice = (await wallet.getAccounts())[0]!.address;
  const bobWallet = await DirectSecp256k1HdWallet.fromMnemonic(devnet.info.mnemonics[1]!, { prefix: "bbn" });
  bob = (await bobWallet.getAccounts())[0]!.address;
  expect(alice).toBe(devnet.info.accounts[0]!.address);
  const registry = new Registry([
    ...defaultRegistryTypes,
    ...wasmTypes,
    [CREATE_FP, generated(MsgCreateFinalityProvider)],
    [EVIDENCE, jsonEvidence],
  ]);
  client = await SigningCosmWasmClient.connectWithSigner(devnet.info.babylon.rpcUrl, wallet, {
    gasPrice,
    registry,
    broadcastPollIntervalMs: 50,
  });
});

afterAll(async () => {
  client?.disconnect();
  q?.disconnect();
  comet?.disconnect();
  await devnet?.stop();
});

describe("btcstaking, btccheckpoint, btclightclient and epoching queries", () => {
  it("answers Params with the devnet's values", async () => {
    const p = await q.btcstakingParams();
    expect(p.covenantQuorum).toBe(2);
    expect(p.covenantPks).toHaveLength(3);
    expect(p.unbondingTimeBlocks).toBe(5);
    expect(p.minCommissionRate).toBe(legacyDecToWire("0.01"));
    expect(await q.btccheckpointParams()).toMatchObject({
      btcConfirmationDepth: 2,
      checkpointFinalizationTimeout: 4,
    });
  });

  it("feeds the BTC chain into the light client at the next block; MainChain pages down or up by hash key", async () => {
    const before = devnet.btc.tip().height;
    const { status, json } = await admin("/btc/advance", { blocks: 6 });
    expect(status).toBe(200);
    expect(json.tipHeight).toBe(before + 6);
    await nextBlocks(2);
    const tip = await q.btcTip();
    expect(tip.height).toBe(before + 6);
    expect(tip.hashHex).toBe(devnet.btc.tip().hashHex);
    expect(parseHeaderTimestamp(tip.headerHex)).toBe(devnet.btc.tip().time);
    expect(BigInt(tip.work)).toBe(devnet.btc.tip().work);

    const page1 = await q.btcMainChain({ limit: 4 });
    expect(page1.headers.map((h) => h.height)).toEqual([
      tip.height,
      tip.height - 1,
      tip.height - 2,
      tip.height - 3,
    ]);
    const next = page1.pagination!.nextKey;
    expect(toHex(Uint8Array.from(next).reverse())).toBe(devnet.btc.header(tip.height - 4)!.hashHex);
    const page2 = await q.btcMainChain({ key: next, limit: 4 });
    expect(page2.headers[0]!.height).toBe(tip.height - 4);
    const up = await q.btcMainChain({ limit: 3, reverse: true });
    expect(up.headers.map((h) => h.height)).toEqual([0, 1, 2]);
    await expect(q.btcMainChain({ key: new Uint8Array(32).fill(9), limit: 2 })).rejects.toThrow(
      /does not exist/,
    );
  });

  it("counts epochs and finalizes one once BTC is w blocks past its end", async () => {
    await nextBlocks(4);
    const { currentEpoch } = await q.currentEpoch();
    expect(currentEpoch).toBe(devnet.babylon.epochs.epochOf(devnet.chain.height));
    // Before any epoch is finalized the query fails as Babylon's does (no raw checkpoint at epoch 0).
    const finalized = await q.lastFinalizedEpoch().catch((e: Error) => {
      expect(e.message).toMatch(/no raw checkpoint is found at epoch 0/);
      return 0n;
    });
    expect(finalized).toBeLessThan(currentEpoch);
    await admin("/btc/advance", { blocks: 4 });
    await nextBlocks(1);
    expect(await q.lastFinalizedEpoch()).toBeGreaterThanOrEqual(currentEpoch - 1n);
  });
});

// A provider that registers itself with a real MsgCreateFinalityProvider tx, votes and equivocates.
const fpSecret = sha256(new TextEncoder().encode("babylon-modules test provider"));
const fpPkHex = toHex(keys.xonlyPublicKey(fpSecret));

function createFpMsg(addr: string, pop: Uint8Array, bsnId = BSN) {
  return {
    typeUrl: CREATE_FP,
    value: MsgCreateFinalityProvider.fromPartial({
      addr,
      description: { moniker: "test-fp", website: "https://example.org" },
      btcPk: keys.xonlyPublicKey(fpSecret),
      pop: { btcSigType: 0, btcSig: pop },
      commission: {
        rate: legacyDecToWire("0.05"),
        maxRate: legacyDecToWire("0.2"),
        maxChangeRate: legacyDecToWire("0.01"),
      },
      bsnId,
    }),
  };
}

describe("MsgCreateFinalityProvider", () => {
  it("rejects a proof of possession made for another account", async () => {
    const wrongPop = signPop(fpSecret, devnet.info.babylon.chainId, bob);
    const res = await client
      .signAndBroadcast(alice, [createFpMsg(alice, wrongPop)], "auto")
      .catch((e: unknown) => e);
    expect(String(res)).toMatch(/proof of possession is not valid/);
    await expect(q.finalityProvider(fpPkHex)).rejects.toBeInstanceOf(BabylonQueryError);
  });

  it("registers a provider whose PoP verifies, emits EventFinalityProviderCreated, and refuses a second time", async () => {
    const pop = signPop(fpSecret, devnet.info.babylon.chainId, alice);
    const res = await client.signAndBroadcast(alice, [createFpMsg(alice, pop)], "auto");
    expect(res.code).toBe(0);
    const created = res.events.find((e) => e.type === "babylon.btcstaking.v1.EventFinalityProviderCreated");
    expect(created).toBeDefined();
    const decoded = decodeTypedEvent(created!);
    expect(decoded.value).toMatchObject({
      btcPkHex: fpPkHex,
      addr: alice,
      bsnId: BSN,
      commission: "0.050000000000000000",
    });
    expect(decoded.msgIndex).toBe(0);

    const fp = await q.finalityProvider(fpPkHex);
    expect(fp).toMatchObject({
      addr: alice,
      bsnId: BSN,
      commission: legacyDecToWire("0.05"),
      slashedBabylonHeight: 0n,
      slashedBtcHeight: 0,
      jailed: false,
    });
    expect(fp.description?.moniker).toBe("test-fp");
    expect(toHex(fp.pop!.btcSig)).toBe(toHex(pop));
    expect(fp.commissionInfo?.maxRate).toBe(legacyDecToWire("0.2"));

    const again = await client
      .signAndBroadcast(alice, [createFpMsg(alice, pop)], "auto")
      .catch((e: unknown) => e);
    expect(String(again)).toMatch(/already been registered/);
  });

  it("is all-or-nothing within a tx: a failing second message undoes the first registration", async () => {
    const secret = sha256(new TextEncoder().encode("rolled back provider"));
    const msg = {
      typeUrl: CREATE_FP,
      value: MsgCreateFinalityProvider.fromPartial({
        addr: alice,
        description: { moniker: "rolled-back" },
        btcPk: keys.xonlyPublicKey(secret),
        pop: { btcSigType: 0, btcSig: signPop(secret, devnet.info.babylon.chainId, alice) },
        commission: { rate: legacyDecToWire("0.05"), maxRate: legacyDecToWire("0.2"), maxChangeRate: "0" },
        bsnId: BSN,
      }),
    };
    const fee = { amount: [{ denom: "ubbn", amount: "2000" }], gas: "1000000" };
    const res = await client.signAndBroadcast(alice, [msg, msg], fee);
    expect(res.code).toBe(1103);
    expect(res.rawLog).toMatch(/message index: 1: .*already been registered/);
    await expect(q.finalityProvider(toHex(keys.xonlyPublicKey(secret)))).rejects.toThrow(/not found/);
  });

  it("refuses a message whose addr is not the signer", async () => {
    const pop = signPop(fpSecret, devnet.info.babylon.chainId, bob);
    const res = await client
      .signAndBroadcast(alice, [createFpMsg(bob, pop)], "auto")
      .catch((e: unknown) => e);
    expect(String(res)).toMatch(/invalid signer/);
  });
});

describe("pagination", () => {
  it("pages FinalityProviders of a BSN with next_key in key order", async () => {
    for (let i = 0; i < 6; i++) {
      const pk = toHex(keys.xonlyPublicKey(sha256(new TextEncoder().encode(`paged fp ${i}`))));
      expect((await admin("/providers", { btcPkHex: pk, moniker: `paged-${i}` })).status).toBe(200);
    }
    const all = await q.allFinalityProviders(BSN);
    expect(all).toHaveLength(7);
    const hexes = all.map((f) => toHex(f.btcPk));
    expect(hexes).toEqual([...hexes].sort());
    const p1 = await q.finalityProviders(BSN, { limit: 4 });
    expect(p1.finalityProviders.map((f) => toHex(f.btcPk))).toEqual(hexes.slice(0, 4));
    expect(toHex(p1.pagination!.nextKey)).toBe(hexes[4]);
    const p2 = await q.finalityProviders(BSN, { key: p1.pagination!.nextKey, limit: 4 });
    expect(p2.finalityProviders.map((f) => toHex(f.btcPk))).toEqual(hexes.slice(4));
    expect(p2.pagination!.nextKey).toHaveLength(0);
    // Another BSN and the Babylon chain's own ("" = its chain id) are separate lists.
    expect((await q.finalityProviders("")).finalityProviders).toHaveLength(0);
  });

  it("pages FinalityProviderDelegations over delegators, grouping a staker's delegations", async () => {
    const fp = toHex(keys.xonlyPublicKey(sha256(new TextEncoder().encode("paged fp 0"))));
    const stakers = ["a", "b", "c"].map((s) => toHex(sha256(new TextEncoder().encode(`staker ${s}`))));
    for (const staker of [...stakers, stakers[1]!]) {
      const r = await admin("/delegations", {
        fp,
        amountSat: 50_000,
        stakingTime: 100,
        stakerBtcPkHex: staker,
      });
      expect(r.status).toBe(200);
    }
    const sorted = [...stakers].sort();
    const p1 = await q.finalityProviderDelegations(fp, { limit: 2 });
    expect(p1.btcDelegatorDelegations.map((g) => toHex(g.dels[0]!.btcPk))).toEqual(sorted.slice(0, 2));
    const p2 = await q.finalityProviderDelegations(fp, { key: p1.pagination!.nextKey, limit: 2 });
    expect(p2.btcDelegatorDelegations.map((g) => toHex(g.dels[0]!.btcPk))).toEqual(sorted.slice(2));
    const groupOfB = [...p1.btcDelegatorDelegations, ...p2.btcDelegatorDelegations].find(
      (g) => toHex(g.dels[0]!.btcPk) === stakers[1],
    );
    expect(groupOfB!.dels).toHaveLength(2);
    expect(await q.allFinalityProviderDelegations(fp)).toHaveLength(4);
    await expect(q.finalityProviderDelegations("ab".repeat(32))).rejects.toThrow(
      /finality provider is not found/,
    );
  });
});

describe("delegation statuses at the light-client tip", () => {
  it("PENDING, VERIFIED, ACTIVE, then EXPIRED exactly at end − unbonding_time, and UNBONDED on a spend", async () => {
    const fp = toHex(keys.xonlyPublicKey(sha256(new TextEncoder().encode("paged fp 1"))));
    const add = async (body: object) => {
      const r = await admin("/delegations", { fp, amountSat: 100_000, stakingTime: 12, ...body });
      expect(r.status).toBe(200);
      return r.json;
    };
    const pending = await add({ quorum: false });
    const verified = await add({ startHeight: null });
    const active = await add({});
    const early = await add({});
    const other = await add({});
    expect([pending.status, verified.status, active.status]).toEqual(["PENDING", "VERIFIED", "ACTIVE"]);
    const start = active.startHeight as number;
    expect(active.endHeight).toBe(start + 12);

    const statusOf = async (hash: unknown) => {
      const dels = await q.allFinalityProviderDelegations(fp);
      const d = dels.find(
        (x) => toHex(sha256(sha256(Buffer.from(x.stakingTxHex, "hex")))) === reverseHex(String(hash)),
      );
      return d!;
    };
    // unbonding_time is 5: ACTIVE while tip + 5 < end, EXPIRED from tip = end − 5.
    const expiry = start + 12 - 5;
    await admin("/btc/advance", { blocks: expiry - 1 - devnet.btc.tip().height });
    await nextBlocks(2);
    expect((await statusOf(active.stakingTxHash)).statusDesc).toBe("ACTIVE");
    expect((await statusOf(active.stakingTxHash)).active).toBe(true);

    const unbond = await admin("/delegations/unbond", { stakingTxHash: early.stakingTxHash });
    expect(unbond.json.status).toBe("UNBONDED");
    const spent = await statusOf(early.stakingTxHash);
    expect(spent.statusDesc).toBe("UNBONDED");
    // The registered unbonding tx: Babylon keeps no copy of it (an empty spend_stake_tx).
    expect(spent.undelegationResponse?.delegatorUnbondingInfoResponse?.spendStakeTxHex).toBe("");
    const unbondEvents = (await blockEvents(BigInt(String(unbond.json.height)))).filter(
      (e) => e.type === "babylon.btcstaking.v1.EventBTCDelgationUnbondedEarly",
    );
    expect(unbondEvents.map((e) => decodeTypedEvent(e).value)).toEqual([
      expect.objectContaining({ startHeight: String(expiry - 1), newState: "UNBONDED" }),
    ]);

    // Any other spend of the staking output: unbonded all the same, reported as an unexpected unbonding tx
    // naming the BTC block of the spend, and kept.
    const spendHeight = devnet.btc.tip().height - 1;
    const odd = await admin("/delegations/unbond", {
      stakingTxHash: other.stakingTxHash,
      spendHeight,
      unexpected: true,
    });
    expect(odd.json.status).toBe("UNBONDED");
    const oddSpent = await statusOf(other.stakingTxHash);
    expect(oddSpent.statusDesc).toBe("UNBONDED");
    const spendTx = oddSpent.undelegationResponse?.delegatorUnbondingInfoResponse?.spendStakeTxHex ?? "";
    expect(spendTx).toMatch(/^02000000/);
    const oddEvents = (await blockEvents(BigInt(String(odd.json.height)))).filter((e) =>
      e.type.startsWith("babylon.btcstaking.v1.Event"),
    );
    expect(oddEvents.map((e) => decodeTypedEvent(e).value)).toEqual([
      {
        stakingTxHash: other.stakingTxHash,
        spendStakeTxHash: reverseHex(toHex(sha256(sha256(Buffer.from(spendTx, "hex"))))),
        spendStakeTxHeaderHash: devnet.btc.header(spendHeight)!.hashHex,
        spendStakeTxBlockIndex: 1,
      },
    ]);

    await admin("/btc/advance", { blocks: 1 });
    await nextBlocks(2);
    const expired = await statusOf(active.stakingTxHash);
    expect(expired.statusDesc).toBe("EXPIRED");
    expect(expired.active).toBe(false);
    expect((await statusOf(pending.stakingTxHash)).statusDesc).toBe("PENDING");
    expect((await statusOf(verified.stakingTxHash)).statusDesc).toBe("VERIFIED");

    // The expiry event is in the block whose BeginBlock absorbed the header that crossed the boundary.
    let found = false;
    for (let h = devnet.chain.height; h > devnet.chain.height - 4n && !found; h--) {
      found = (await blockEvents(h)).some((e) => {
        if (e.type !== "babylon.btcstaking.v1.EventBTCDelegationExpired") return false;
        const ev = decodeTypedEvent(e);
        return (
          ev.type === "babylon.btcstaking.v1.EventBTCDelegationExpired" &&
          ev.value.stakingTxHash === active.stakingTxHash
        );
      });
    }
    expect(found).toBe(true);
  });
});

function reverseHex(h: string): string {
  return Buffer.from(h, "hex").reverse().toString("hex");
}

describe("equivocation evidence from the finality contract", () => {
  const rands = randomness.deriveRandomnessList(fpSecret, BSN, 1n, 10, 1n);
  const commitment = merkle.root(rands.pubRands);
  const proofs = merkle.proofs(rands.pubRands);
  const vote = (height: bigint, blockHash: Uint8Array) => {
    const i = Number(height - 1n);
    const ctx = signingContext("fp_fin_vote", devnet.info.babylon.chainId, devnet.info.contractAddress);
    return {
      submit_finality_signature: {
        fp_pubkey_hex: fpPkHex,
        height: Number(height),
        pub_rand: toBase64(rands.pubRands[i]!),
        proof: merkle.proofToJson(proofs[i]!),
        block_hash: toBase64(blockHash),
        signature: toBase64(
          eots.sign(fpSecret, rands.privRands[i]!, finalityVoteMessage(height, blockHash, ctx)),
        ),
      },
    };
  };
  const hashOf = (s: string) => sha256(new TextEncoder().encode(s));

  it("rejects invalid evidence: the whole tx fails and nobody is slashed", async () => {
    // Two votes that do not share the committed randomness reveal no key.
    const ctx = signingContext("fp_fin_vote", devnet.info.babylon.chainId, devnet.info.contractAddress);
    const other = rands.privRands[1]!;
    const bogus = {
      signer: alice,
      fp_btc_pk_hex: fpPkHex,
      block_height: 1,
      pub_rand_hex: toHex(rands.pubRands[0]!),
      canonical_app_hash_hex: toHex(hashOf("x")),
      fork_app_hash_hex: toHex(hashOf("y")),
      canonical_finality_sig_hex: toHex(
        eots.sign(fpSecret, rands.privRands[0]!, finalityVoteMessage(1n, hashOf("x"), ctx)),
      ),
      fork_finality_sig_hex: toHex(eots.sign(fpSecret, other, finalityVoteMessage(1n, hashOf("y"), ctx))),
      signing_context: ctx,
    };
    const fee = { amount: [{ denom: "ubbn", amount: "2000" }], gas: "1000000" };
    const res = await client.signAndBroadcast(alice, [{ typeUrl: EVIDENCE, value: bogus }], fee);
    expect(res.code).toBe(1113);
    expect(res.rawLog).toMatch(/invalid equivocation evidence/);
    expect((await q.finalityProvider(fpPkHex)).slashedBabylonHeight).toBe(0n);
  });

  it("slashes the provider at the tx's Babylon height and the BTC tip, with EventSlashedFinalityProvider", async () => {
    const contract = devnet.info.contractAddress;
    // The contract only takes commits and votes from allow-listed providers; the devnet's admin adds it.
    const allowed = await admin("/allowlist", { btcPkHex: fpPkHex });
    expect(allowed.status).toBe(200);
    expect(await client.queryContractSmart(contract, { allowed_finality_providers: {} })).toContain(fpPkHex);
    const rcCtx = signingContext("fp_rand_commit", devnet.info.babylon.chainId, contract);
    await client.execute(
      alice,
      contract,
      {
        commit_public_randomness: {
          fp_pubkey_hex: fpPkHex,
          start_height: 1,
          num_pub_rand: 10,
          commitment: toBase64(commitment),
          signature: toBase64(
            bip340.sign(fpSecret, sha256(randomnessCommitMessage(1n, 10n, commitment, rcCtx))),
          ),
        },
      },
      "auto",
    );
    // Votes need the commit's epoch to be BTC-finalized: let the epoch end, then bury it under w BTC blocks.
    const commitEpoch = devnet.babylon.epochs.currentEpoch();
    while ((await q.lastFinalizedEpoch().catch(() => 0n)) < commitEpoch) {
      await admin("/btc/advance", { blocks: 1 });
      await nextBlocks(1);
    }
    await client.execute(alice, contract, vote(1n, hashOf("canonical 1")), "auto");
    const fork = await client.execute(alice, contract, vote(1n, hashOf("fork 1")), "auto");

    const fp = await q.finalityProvider(fpPkHex);
    expect(fp.slashedBabylonHeight).toBe(BigInt(fork.height));
    expect(fp.slashedBtcHeight).toBe(devnet.babylon.lightClient.tipHeight());
    const events = await blockEvents(BigInt(fork.height));
    const slashed = events.find((e) => e.type === "babylon.finality.v1.EventSlashedFinalityProvider");
    expect(slashed).toBeDefined();
    const ev = decodeTypedEvent(slashed!);
    expect(ev.type).toBe("babylon.finality.v1.EventSlashedFinalityProvider");
    const evidence = (
      ev.value as { evidence?: { fpBtcPk: Uint8Array; blockHeight: bigint; forkAppHash: Uint8Array } }
    ).evidence!;
    expect(toHex(evidence.fpBtcPk)).toBe(fpPkHex);
    expect(evidence.blockHeight).toBe(1n);
    expect(toHex(evidence.forkAppHash)).toBe(toHex(hashOf("fork 1")));
    // A BSN provider gets no EventFinalityProviderStatusChange(SLASHED): Babylon v3 emits none for it.
    expect(
      events.filter((e) => e.type === "babylon.btcstaking.v1.EventFinalityProviderStatusChange"),
    ).toEqual([]);

    // The contract now refuses the slashed provider's votes (via the host backed by these modules).
    const after = await client
      .execute(alice, contract, vote(2n, hashOf("canonical 2")), "auto")
      .catch((e: unknown) => e);
    expect(String(after)).toMatch(/slashed/i);
  });
});
