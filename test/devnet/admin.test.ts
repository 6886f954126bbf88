import { toHex } from "@cosmjs/encoding";
import { sha256 } from "@noble/hashes/sha2.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BabylonQueryClient } from "../../src/chains/babylon/query-client.ts";
import { keys } from "../../src/core/crypto/index.ts";
import { type Devnet, startDevnet } from "../../src/devnet/devnet.ts";

let devnet: Devnet;
let q: BabylonQueryClient;

async function call(
  path: string,
  body?: unknown,
  method = body === undefined ? "GET" : "POST",
): Promise<{ status: number; json: Record<string, unknown> & unknown[] }> {
  const res = await fetch(`${devnet.info.adminUrl}${path}`, {
    method,
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

const pkOf = (label: string) => toHex(keys.xonlyPublicKey(sha256(new TextEncoder().encode(label))));

beforeAll(async () => {
  devnet = await startDevnet({
    blockIntervalMs: 40,
    btcBlockIntervalMs: 0,
    accounts: 1,
    l2: { slotsInAnEpoch: 2, blockTimeSec: 0 },
  });
  q = await BabylonQueryClient.connect(devnet.info.babylon.rpcUrl);
});

afterAll(async () => {
  q?.disconnect();
  await devnet?.stop();
});

describe("admin API: reading state", () => {
  it("GET /info and /state", async () => {
    const info = await call("/info");
    expect(info.status).toBe(200);
    expect(info.json).toEqual(JSON.parse(JSON.stringify(devnet.info)));
    const state = await call("/state");
    expect(state.json).toMatchObject({
      babylon: { paused: false },
      btc: { producing: false },
      l2: { mining: false },
      faults: { errorRate: 0, latencyMs: 0, dropRate: 0 },
    });
  });

  it("404 for unknown paths, 405 for a wrong method, 400 for a body that is not a JSON object", async () => {
    expect((await call("/nope")).status).toBe(404);
    expect((await call("/providers", undefined, "DELETE")).status).toBe(405);
    const bad = await call("/btc/advance", "{not json");
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^body:/);
    expect((await call("/btc/advance", "[1]")).json.error).toMatch(/body: must be a JSON object/);
  });
});

describe("admin API: providers", () => {
  it("registers from a new mnemonic (a real PoP) and allow-lists it in the contract", async () => {
    const r = await call("/providers", { moniker: "fresh" });
    expect(r.status).toBe(200);
    const pk = r.json.btcPkHex as string;
    expect(keys.publicKeyHex(keys.secretKeyFromMnemonic(r.json.mnemonic as string))).toBe(pk);
    const fp = await q.finalityProvider(pk);
    expect(fp.description?.moniker).toBe("fresh");
    expect(fp.pop?.btcSig).toHaveLength(64);
    expect(fp.height).toBeGreaterThan(0n);
    expect(r.json.allowlistTx).toMatch(/^[0-9A-F]{64}$/);
    const cw = await (await import("@cosmjs/cosmwasm")).CosmWasmClient.connect(devnet.info.babylon.rpcUrl);
    expect(
      await cw.queryContractSmart(devnet.info.contractAddress, { allowed_finality_providers: {} }),
    ).toContain(pk);
    cw.disconnect();
  });

  it("registers from a given mnemonic or a bare key; rejects bad input with the field named", async () => {
    const mnemonic = keys.generateMnemonic();
    const fromMnemonic = await call("/providers", { mnemonic, allowlist: false, commission: "0.1" });
    expect(fromMnemonic.json.btcPkHex).toBe(keys.publicKeyHex(keys.secretKeyFromMnemonic(mnemonic)));
    const bare = await call("/providers", { btcPkHex: pkOf("bare"), allowlist: false });
    expect(bare.status).toBe(200);
    expect(bare.json.mnemonic).toBeUndefined();

    const cases: [unknown, RegExp][] = [
      [{ btcPkHex: "xyz" }, /^btcPkHex: must be 64 hex/],
      [{ btcPkHex: pkOf("bare") }, /^btcPkHex: provider .* already registered/],
      [{ mnemonic: "one two three" }, /^mnemonic: not a valid/],
      [{ btcPkHex: pkOf("a"), mnemonic }, /^btcPkHex: give either/],
      [{ commission: "lots" }, /^commission: must be a decimal/],
      [{ commission: "0.5" }, /^commission: must not exceed maxRate/],
      [{ commission: "0.001" }, /^commission: below the minimum/],
      [{ bsnId: "other-chain" }, /^bsnId: "other-chain" is not a registered BSN/],
      [{ addr: "cosmos1xyz" }, /^addr:/],
      [{ moniker: 5 }, /^moniker: must be a string/],
    ];
    for (const [body, error] of cases) {
      const r = await call("/providers", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toMatch(error);
    }
  });

  it("jails, unjails and slashes, visible in the query and GET /providers", async () => {
    const pk = pkOf("jail me");
    await call("/providers", { btcPkHex: pk, allowlist: false });
    expect((await call("/providers/jail", { btcPkHex: pk })).json.jailed).toBe(true);
    expect((await q.finalityProvider(pk)).jailed).toBe(true);
    expect((await call("/providers/unjail", { btcPkHex: pk })).json.jailed).toBe(false);
    const slashed = await call("/providers/slash", { btcPkHex: pk });
    expect(slashed.status).toBe(200);
    const fp = await q.finalityProvider(pk);
    expect(fp.slashedBabylonHeight).toBe(BigInt(slashed.json.height as string));
    expect(fp.slashedBtcHeight).toBe(devnet.babylon.lightClient.tipHeight());
    expect((await call("/providers/slash", { btcPkHex: pk })).json.error).toMatch(/already slashed/);
    expect((await call("/providers/jail", { btcPkHex: pk })).status).toBe(400);
    expect((await call("/providers/jail", { btcPkHex: pkOf("nobody") })).json.error).toMatch(
      /^btcPkHex: no finality provider/,
    );
    expect((await call("/providers/jail", {})).json.error).toBe("btcPkHex: required");
    const listed = (await call("/providers")).json as unknown as {
      btcPkHex: string;
      slashedBabylonHeight: string;
    }[];
    expect(listed.find((p) => p.btcPkHex === pk)?.slashedBabylonHeight).toBe(slashed.json.height);
  });

  it("POST /allowlist sends the contract admin's tx; rejects bad keys", async () => {
    const r = await call("/allowlist", { btcPkHexes: [pkOf("allow 1"), pkOf("allow 2")] });
    expect(r.status).toBe(200);
    expect(r.json.allowed).toEqual([pkOf("allow 1"), pkOf("allow 2")]);
    expect((await call("/allowlist", { btcPkHexes: [] })).json.error).toMatch(/^btcPkHexes:/);
    expect((await call("/allowlist", { btcPkHex: "00" })).json.error).toMatch(/^btcPkHexes: must be 64 hex/);
  });
});

describe("admin API: delegations", () => {
  const fp = pkOf("delegated fp");
  beforeAll(async () => {
    await call("/providers", { btcPkHex: fp, allowlist: false });
  });

  it("adds, reaches quorum, includes, unbonds — each visible through the Babylon query", async () => {
    const created = await call("/delegations", {
      fp,
      amountSat: "250000",
      stakingTime: 50,
      quorum: false,
      startHeight: null,
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      status: "PENDING",
      startHeight: 0,
      covenantQuorum: false,
      amountSat: "250000",
    });
    const hash = created.json.stakingTxHash as string;
    const quorum = await call("/delegations/quorum", { stakingTxHash: hash });
    expect(quorum.json.status).toBe("VERIFIED");
    const included = await call("/delegations/inclusion", { stakingTxHash: hash });
    expect(included.json.status).toBe("ACTIVE");
    expect(included.json.endHeight).toBe((included.json.startHeight as number) + 50);
    const [d] = await q.allFinalityProviderDelegations(fp);
    expect(d).toMatchObject({ totalSat: 250000n, statusDesc: "ACTIVE", active: true, stakingTime: 50 });
    expect(d!.covenantSigs).toHaveLength(2);
    expect(d!.covenantSigs[0]!.adaptorSigs).toHaveLength(1);

    const provider = (
      (await call("/providers")).json as unknown as { btcPkHex: string; votingPowerAtTip: string }[]
    ).find((p) => p.btcPkHex === fp);
    expect(provider?.votingPowerAtTip).toBe("250000");

    const unbonded = await call("/delegations/unbond", { stakingTxHash: hash });
    expect(unbonded.json).toMatchObject({
      status: "UNBONDED",
      unbondedAt: devnet.babylon.lightClient.tipHeight(),
    });
    expect((await call("/delegations/unbond", { stakingTxHash: hash })).json.error).toMatch(
      /already unbonded/,
    );
    const listed = (await call("/delegations")).json as unknown as {
      stakingTxHash: string;
      status: string;
    }[];
    expect(listed.find((x) => x.stakingTxHash === hash)?.status).toBe("UNBONDED");
  });

  it("multi-stakes to a provider of the BSN and one of Babylon itself", async () => {
    const babylonFp = pkOf("babylon fp");
    expect(
      (await call("/providers", { btcPkHex: babylonFp, bsnId: devnet.info.babylon.chainId })).status,
    ).toBe(200);
    const r = await call("/delegations", { fps: [fp, babylonFp], amountSat: 70_000, stakingTime: 40 });
    expect(r.json.fps).toEqual([fp, babylonFp]);
    const dels = await q.allFinalityProviderDelegations(babylonFp);
    expect(dels[0]!.fpBtcPkList.map(toHex)).toEqual([fp, babylonFp]);
  });

  it("rejects bad delegations by field", async () => {
    const cases: [unknown, RegExp][] = [
      [{ amountSat: 50_000, stakingTime: 50 }, /^fps:/],
      [{ fp: "zz", amountSat: 50_000, stakingTime: 50 }, /^fps: "zz" is not a 64-hex/],
      [
        { fp: pkOf("unknown"), amountSat: 50_000, stakingTime: 50 },
        /^fps: finality provider .* is not registered/,
      ],
      [{ fps: [fp, fp], amountSat: 50_000, stakingTime: 50 }, /^fps: .* listed twice/],
      [{ fp, amountSat: -5, stakingTime: 50 }, /^amountSat: must be a positive integer/],
      [{ fp, amountSat: 5, stakingTime: 50 }, /^amountSat: must be between/],
      [{ fp, amountSat: 50_000, stakingTime: 1 }, /^stakingTime: must be an integer between/],
      [{ fp, amountSat: 50_000 }, /^stakingTime: must be an integer/],
      [
        { fp, amountSat: 50_000, stakingTime: 50, startHeight: 10_000_000 },
        /^startHeight: must be a BTC height/,
      ],
      [{ fp, amountSat: 50_000, stakingTime: 50, quorum: "yes" }, /^quorum: must be true or false/],
      [{ fp, amountSat: 50_000, stakingTime: 50, stakerAddr: "x" }, /^stakerAddr:/],
    ];
    for (const [body, error] of cases) {
      const r = await call("/delegations", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toMatch(error);
    }
    expect((await call("/delegations/unbond", { stakingTxHash: "ab".repeat(32) })).json.error).toMatch(
      /^stakingTxHash: no delegation/,
    );
    expect((await call("/delegations/quorum", { stakingTxHash: 7 })).json.error).toBe(
      "stakingTxHash: must be a string",
    );
  });
});

describe("admin API: chains and faults", () => {
  it("advances, pauses and resumes BTC", async () => {
    const tip = devnet.btc.tip().height;
    const r = await call("/btc/advance", { blocks: 3 });
    expect(r.json.tipHeight).toBe(tip + 3);
    expect((r.json.headers as unknown[]).length).toBe(3);
    expect((await call("/btc/advance", { blocks: 0 })).json.error).toMatch(/^blocks: must be between/);
    expect((await call("/btc/advance", { blocks: 1.5 })).json.error).toBe("blocks: must be an integer");
    expect((await call("/btc/resume", { intervalMs: 20 })).json).toEqual({ producing: true, intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 100));
    expect((await call("/btc/pause", {})).json.producing).toBe(false);
    const paused = devnet.btc.tip().height;
    expect(paused).toBeGreaterThan(tip + 3);
    await new Promise((r) => setTimeout(r, 60));
    expect(devnet.btc.tip().height).toBe(paused);
    expect((await call("/btc/resume", { intervalMs: 0 })).status).toBe(400);
  });

  it("pauses Babylon blocks (ops queue with 202) and resumes them (ops applied)", async () => {
    const paused = await call("/babylon/pause", {});
    expect(paused.json.paused).toBe(true);
    const h = devnet.chain.height;
    await new Promise((r) => setTimeout(r, 120));
    expect(devnet.chain.height).toBe(h);
    const queued = await call("/providers", { btcPkHex: pkOf("queued"), allowlist: false });
    expect(queued.status).toBe(202);
    expect((await call("/allowlist", { btcPkHex: pkOf("queued") })).status).toBe(409);
    await expect(q.finalityProvider(pkOf("queued"))).rejects.toThrow(/not found/);
    expect((await call("/babylon/resume", {})).json.paused).toBe(false);
    await new Promise((r) => setTimeout(r, 120));
    expect((await q.finalityProvider(pkOf("queued"))).btcPk).toHaveLength(32);
  });

  it("mines, pauses, resumes and reorgs the L2", async () => {
    const l2 = devnet.info.l2!;
    const rpc = async (method: string, params: unknown[] = []) => {
      const res = await fetch(l2.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });
      return ((await res.json()) as { result: { hash: string; number: string } }).result;
    };
    const mined = await call("/l2/mine", { blocks: 6 });
    const head = BigInt(mined.json.blockNumber as string);
    expect(head).toBeGreaterThanOrEqual(6n);
    expect(BigInt((await rpc("eth_getBlockByNumber", ["safe", false])).number)).toBe(head - 2n);
    const before = (await rpc("eth_getBlockByNumber", [`0x${head.toString(16)}`, false])).hash;
    const reorg = await call("/l2/reorg", { depth: 2 });
    expect(reorg.json).toEqual({ blockNumber: String(head), depth: 2 });
    expect((await rpc("eth_getBlockByNumber", [`0x${head.toString(16)}`, false])).hash).not.toBe(before);
    expect((await call("/l2/reorg", { depth: 10_000 })).json.error).toMatch(
      /^depth: must be between 1 and the L2 head/,
    );
    expect((await call("/l2/resume", { blockTimeSec: 1 })).json.mining).toBe(true);
    expect((await call("/l2/pause", {})).json.mining).toBe(false);
    expect((await call("/l2/resume", { blockTimeSec: -1 })).json.error).toMatch(/^blockTimeSec:/);
  });

  it("injects RPC faults into the Babylon endpoint and clears them", async () => {
    const status = () =>
      fetch(devnet.info.babylon.rpcUrl, {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "status", params: {} }),
      }).then((r) => r.json() as Promise<{ result?: unknown; error?: unknown }>);
    expect((await call("/faults", { errorRate: 1 })).json).toEqual({
      errorRate: 1,
      latencyMs: 0,
      dropRate: 0,
    });
    expect((await status()).error).toBeDefined();
    await call("/faults", { errorRate: 0, latencyMs: 150 });
    const t0 = performance.now();
    expect((await status()).result).toBeDefined();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    await call("/faults", { dropRate: 1, latencyMs: 0 });
    await expect(status()).rejects.toThrow();
    expect((await call("/faults", { dropRate: 0 })).json).toEqual({
      errorRate: 0,
      latencyMs: 0,
      dropRate: 0,
    });
    expect((await status()).result).toBeDefined();
    expect((await call("/faults", { errorRate: 2 })).json.error).toBe(
      "errorRate: must be a number between 0 and 1",
    );
    expect((await call("/faults", { latencyMs: -1 })).json.error).toMatch(/^latencyMs:/);
  });
});

describe("admin API without an L2", () => {
  it("answers 400 naming the L2 for L2 endpoints", async () => {
    const bare = await startDevnet({ l2: false, btcBlockIntervalMs: 0, accounts: 1 });
    try {
      const res = await fetch(`${bare.info.adminUrl}/l2/mine`, { method: "POST", body: "{}" });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/^l2: this devnet runs without an L2/);
    } finally {
      await bare.stop();
    }
  });
});
