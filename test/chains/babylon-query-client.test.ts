// BabylonQueryClient over real CosmJS and the devnet's CometBFT RPC server and Babylon modules.
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CometClient, connectComet } from "@cosmjs/tendermint-rpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { btcHeaderHash, parseHeaderTimestamp } from "../../src/chains/babylon/btclightclient.ts";
import { BabylonQueryClient, BabylonQueryError } from "../../src/chains/babylon/query-client.ts";
import { type Babylon, createBabylon } from "../../src/devnet/babylon/index.ts";
import { BtcHeaderChain } from "../../src/devnet/btc.ts";
import { type Chain, createChain } from "../../src/devnet/chain/index.ts";
import { type RpcServer, startRpcServer } from "../../src/devnet/rpc/index.ts";

const CHAIN_ID = "bbn-devnet-qc";
const BSN = "op-l2-qc";
const ADDR = "bbn1qg5ega6dykkxc307y25pecuufrjkxkaggkkxh7";
const pkOf = (i: number) => (i + 1).toString(16).padStart(2, "0").repeat(32);
const stakerOf = (i: number) => (0x40 + i).toString(16).padStart(2, "0").repeat(32);

let stateDir: string;
let btc: BtcHeaderChain;
let babylon: Babylon;
let chain: Chain;
let rpc: RpcServer;
let client: BabylonQueryClient;
let comet: CometClient;
/** `height` of every abci_query sent, in order (undefined = latest). */
const sentHeights: (number | undefined)[] = [];

const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** The real client, with abci_query's requested height noted on the way out. */
function recordingHeights(inner: CometClient): CometClient {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "abciQuery") {
        return (params: Parameters<CometClient["abciQuery"]>[0]) => {
          sentHeights.push(params.height);
          return target.abciQuery(params);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), "babylon-qc-"));
  btc = new BtcHeaderChain({ baseHeight: 100, initialHeaders: 30 });
  // amounts above 2^53 sats must survive the wire as uint64
  babylon = createBabylon({ chainId: CHAIN_ID, bsnId: BSN, btc, staking: { maxStakingValueSat: 2n ** 62n } });
  chain = createChain({ chainId: CHAIN_ID, blockIntervalMs: 20, stateDir, modules: babylon.modules });
  chain.start();
  rpc = await startRpcServer(chain, { host: "127.0.0.1", port: 0 });
  const { staking } = babylon;
  for (let i = 0; i < 5; i++) {
    await staking.enqueue((ctx, emit) =>
      staking.staking.addProvider(
        {
          btcPkHex: pkOf(i),
          addr: ADDR,
          description: {
            moniker: `fp-${i}`,
            identity: "",
            website: "https://fp.example",
            securityContact: "",
            details: "",
          },
          commission: 50_000_000_000_000_000n,
          maxRate: 200_000_000_000_000_000n,
          maxChangeRate: 10_000_000_000_000_000n,
          commissionUpdateTime: new Date(1_735_689_600_000),
          popSigType: 0,
          popSigHex: "00".repeat(64),
          // three providers for the rollup's BSN, two for Babylon itself
          bsnId: i < 3 ? BSN : CHAIN_ID,
          jailed: false,
          slashedBabylonHeight: 0n,
          slashedBtcHeight: 0,
          registeredHeight: ctx.height,
        },
        emit,
      ),
    );
  }
  // seven stakers delegate to provider 0; the first of them twice (grouped into one entry per staker)
  for (let i = 0; i < 8; i++) {
    await staking.enqueue((ctx, emit) =>
      staking.staking.addDelegation(
        {
          fpBtcPkList: [pkOf(0)],
          totalSat: 2n ** 53n + BigInt(i),
          stakingTime: 1_000,
          covenantQuorum: true,
          stakerBtcPkHex: stakerOf(i === 7 ? 0 : i),
        },
        babylon.lightClient.tipHeight(),
        ctx.height,
        emit,
      ),
    );
  }
  // 120 stakers of provider 3, all in one block: more than one page of FOLLOW_LIMIT (100)
  await Promise.all(
    Array.from({ length: 120 }, (_, i) =>
      staking.enqueue((ctx, emit) =>
        staking.staking.addDelegation(
          {
            fpBtcPkList: [pkOf(3)],
            totalSat: 10_000n + BigInt(i),
            stakingTime: 1_000,
            covenantQuorum: true,
            stakerBtcPkHex: sha256Hex(`staker ${i}`),
          },
          babylon.lightClient.tipHeight(),
          ctx.height,
          emit,
        ),
      ),
    ),
  );
  comet = await connectComet(rpc.url);
  client = new BabylonQueryClient(recordingHeights(comet));
});

afterAll(async () => {
  client?.disconnect();
  await rpc?.close();
  chain?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe("BabylonQueryClient against the devnet", () => {
  it("reads one finality provider, with bsn_id and the LegacyDec wire commission", async () => {
    const fp = await client.finalityProvider(pkOf(1));
    expect(Buffer.from(fp.btcPk).toString("hex")).toBe(pkOf(1));
    expect(fp).toMatchObject({
      addr: ADDR,
      bsnId: BSN,
      commission: "50000000000000000",
      slashedBtcHeight: 0,
    });
    expect(fp.description?.moniker).toBe("fp-1");
  });

  it("turns an ABCI error into a BabylonQueryError naming path, code and log", async () => {
    const err = await client.finalityProvider("ee".repeat(32)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BabylonQueryError);
    const q = err as BabylonQueryError;
    expect(q.path).toBe("/babylon.btcstaking.v1.Query/FinalityProvider");
    expect(q.codespace).toBe("btcstaking");
    expect(q.code).toBeGreaterThan(0);
    expect(q.message).toContain("the finality provider is not found");
    await expect(client.finalityProvider("XYZ")).rejects.toThrow(/64 lowercase hex characters/);
  });

  it("pages providers of a BSN and follows next_key for all of them", async () => {
    const page = await client.finalityProviders(BSN, { limit: 2 });
    expect(page.finalityProviders).toHaveLength(2);
    expect(page.pagination?.nextKey.length).toBeGreaterThan(0);
    const rest = await client.finalityProviders(BSN, { key: page.pagination!.nextKey, limit: 2 });
    expect(rest.finalityProviders.map((f) => f.description?.moniker)).toEqual(["fp-2"]);
    const all = await client.allFinalityProviders(BSN);
    expect(all.map((f) => Buffer.from(f.btcPk).toString("hex"))).toEqual([pkOf(0), pkOf(1), pkOf(2)]);
    expect((await client.allFinalityProviders(CHAIN_ID)).map((f) => f.bsnId)).toEqual([CHAIN_ID, CHAIN_ID]);
  });

  it("pages delegations per staker and flattens them all", async () => {
    const page = await client.finalityProviderDelegations(pkOf(0), { limit: 3 });
    expect(page.btcDelegatorDelegations).toHaveLength(3);
    expect(page.pagination?.nextKey.length).toBeGreaterThan(0);
    const all = await client.allFinalityProviderDelegations(pkOf(0));
    expect(all).toHaveLength(8);
    expect(all.map((d) => d.totalSat).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => 2n ** 53n + BigInt(i)),
    );
    for (const d of all) expect(d.fpBtcPkList.map((k) => Buffer.from(k).toString("hex"))).toEqual([pkOf(0)]);
    expect(await client.allFinalityProviderDelegations(pkOf(4))).toEqual([]);
  });

  it("reads every page after the first at the first page's height: one snapshot while blocks go on", async () => {
    sentHeights.length = 0;
    const all = await client.allFinalityProviderDelegations(pkOf(3));
    expect(all).toHaveLength(120);
    expect(new Set(all.map((d) => d.totalSat)).size).toBe(120);
    expect(sentHeights).toHaveLength(2);
    expect(sentHeights[0]).toBeUndefined();
    expect(sentHeights[1]).toBeGreaterThan(0);
    const pinned = client.atHeight(sentHeights[1]!);
    sentHeights.length = 0;
    await pinned.btcTip();
    expect(sentHeights).toEqual([pinned.height]);
    expect(() => client.atHeight(0)).toThrow(/positive integer/);
  });

  it("reads btcstaking and btccheckpoint params", async () => {
    const p = await client.btcstakingParams();
    expect(p.covenantQuorum).toBe(2);
    expect(p.covenantPks).toHaveLength(3);
    expect(await client.btccheckpointParams()).toMatchObject({
      btcConfirmationDepth: 2,
      checkpointFinalizationTimeout: 4,
    });
  });

  it("reads the BTC tip and walks the light client's main chain page by page", async () => {
    const tip = await client.btcTip();
    expect(tip.height).toBe(babylon.lightClient.tipHeight());
    expect(btcHeaderHash(tip.headerHex)).toBe(tip.hashHex);
    expect(parseHeaderTimestamp(tip.headerHex)).toBe(btc.header(tip.height)!.time);
    const heights: number[] = [];
    let key: Uint8Array | undefined;
    do {
      const page = await client.btcMainChain({ key, limit: 7, reverse: true });
      heights.push(...page.headers.map((h) => h.height));
      key = page.pagination?.nextKey.length ? page.pagination.nextKey : undefined;
    } while (key);
    expect(heights).toEqual(Array.from({ length: tip.height - 100 + 1 }, (_, i) => 100 + i));
    const down = await client.btcMainChain({ limit: 3 });
    expect(down.headers.map((h) => h.height)).toEqual([tip.height, tip.height - 1, tip.height - 2]);
  });

  it("reads the current epoch and the last BTC-finalized one", async () => {
    const { currentEpoch, epochBoundary } = await client.currentEpoch();
    expect(currentEpoch).toBeGreaterThan(0n);
    expect(epochBoundary).toBeGreaterThan(0n);
    // Before any epoch is finalized Babylon (and the devnet) fail the query: nothing is finalized, i.e. 0.
    const finalized = await client.lastFinalizedEpoch().catch(() => 0n);
    expect(finalized).toBeLessThan(currentEpoch);
  });
});
