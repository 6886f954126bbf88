// The gadget against the devnet with real provider daemons, under what rules 9–10 are about: 20 % of Babylon
// RPC calls failing and slow, an L2 reorg of unfinalized blocks some providers already voted for, and a
// provider that signs two different blocks at one height (signed here with its own keys, as the daemon
// never would), which Babylon slashes and the gadget must then leave out of every later total.
import { randomBytes } from "node:crypto";
import { CosmWasmClient, SigningCosmWasmClient } from "@cosmjs/cosmwasm";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FinalityContractClient, FinalityContractQueryClient } from "../../contracts/finality/client.ts";
import { signingContextFor, signVote } from "../../contracts/finality/signing.ts";
import { Keystore } from "../../provider/keystore.ts";
import { bytesToHex, hexToBytes } from "../../src/core/crypto/bytes.ts";
import * as merkle from "../../src/core/crypto/merkle.ts";
import { deriveRandomnessList } from "../../src/core/crypto/randomness.ts";
import { readCursor } from "../../src/store/state.ts";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

const PASSPHRASE = "devnet-passphrase";
const strip = (h: string) => h.toLowerCase().replace(/^0x/, "");

async function anvilHash(t: TestSystem, height: bigint): Promise<string> {
  const b = await t.system.devnet.anvil!.rpc<{ hash: string }>("eth_getBlockByNumber", [
    `0x${height.toString(16)}`,
    false,
  ]);
  return b.hash.toLowerCase();
}

/** How many of `n` plain status calls to the devnet's Babylon RPC failed: shows the faults are in force. */
async function failingCalls(t: TestSystem, n: number): Promise<number> {
  let failed = 0;
  for (let i = 0; i < n; i++) {
    const res = await fetch(t.system.devnet.info.babylon.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: i, method: "status", params: {} }),
    }).catch(() => undefined);
    const body = res ? ((await res.json()) as { error?: unknown }) : { error: "dropped" };
    if (body.error !== undefined) failed++;
  }
  return failed;
}

describe("robustness end to end", () => {
  let t: TestSystem;
  beforeAll(async () => {
    // Three providers of 30 % and one of 10 %: any two of the big ones plus anyone reach 2/3; the small one
    // alone never does.
    t = await startTestSystem([
      { stakeSat: 300_000n },
      { stakeSat: 300_000n },
      { stakeSat: 300_000n },
      { stakeSat: 100_000n },
    ]);
    await t.waitFor("finality past activation", async () =>
      (await t.finalizedHeight()) >= 14n ? true : undefined,
    );
  }, 120_000);
  afterAll(async () => t?.stop());

  it("keeps finalizing with 20 % of Babylon RPC calls failing and slow, and converges once they stop", async () => {
    const before = await t.finalizedHeight();
    await t.admin("/faults", { errorRate: 0.2, latencyMs: 50 });
    try {
      expect(await failingCalls(t, 40)).toBeGreaterThan(0);
      await t.waitFor(
        "finality to keep rising under faults",
        async () => ((await t.finalizedHeight()) >= before + 8n ? true : undefined),
        60_000,
      );
    } finally {
      await t.admin("/faults", { errorRate: 0, latencyMs: 0 });
    }

    // Converged: caught up with both chains, and what it indexed is what the contract holds.
    const head = await t.system.devnet.anvil!.blockNumber();
    await t.waitFor("finality to catch up with the L2 head", async () =>
      (await t.finalizedHeight()) >= head - 2n ? true : undefined,
    );
    const prisma = t.service.db.prisma;
    const cw = await CosmWasmClient.connect(t.system.devnet.info.babylon.rpcUrl);
    try {
      const contract = new FinalityContractQueryClient(cw, t.system.devnet.info.contractAddress);
      const to = await t.finalizedHeight();
      for (let h = before; h <= to; h++) {
        const block = await prisma.l2Block.findFirstOrThrow({ where: { height: h, canonical: true } });
        expect(block.hash).toBe(await anvilHash(t, h));
        if (!block.checked) continue;
        // A provider slowed by the faults may vote after the block finalized, in a Babylon block the gadget
        // has yet to read: converging means the two sets become equal, so both are read until they are.
        await t.waitFor(
          `the indexed voters of height ${h} to match the contract's`,
          async () => {
            const onChain = (await contract.blockVoters(h, hexToBytes(strip(block.hash)))) ?? [];
            const indexed = await prisma.finalitySignature.findMany({
              where: { height: h, blockHash: { in: [block.hash, strip(block.hash)] } },
              distinct: ["fpBtcPk"],
            });
            const mine = indexed.map((x) => x.fpBtcPk).sort();
            const theirs = onChain.map((v) => v.fp_btc_pk_hex.toLowerCase()).sort();
            return mine.join() === theirs.join() ? true : undefined;
          },
          20_000,
        );
      }
    } finally {
      cw.disconnect();
    }
  }, 150_000);

  it("never finalizes a block an L2 reorg removed, though a provider voted for it", async () => {
    const prisma = t.service.db.prisma;
    // 90 % offline: the 10 % provider keeps voting, finality stalls.
    for (const i of [0, 1, 2]) await t.system.stopVoting(i);
    const stalled = await t.finalizedHeight();
    const small = t.system.providers[3]!.btcPkHex;
    // Let the L2 move on, the gadget ingest it and the small provider vote on it.
    const top = await t.waitFor("L2 blocks above the stall, voted by the small provider", async () => {
      const head = await t.system.devnet.anvil!.blockNumber();
      if (head < stalled + 12n) return undefined;
      const cursor = await readCursor(prisma, "l2");
      const voted = await prisma.finalitySignature.count({
        where: { fpBtcPk: small, height: { gte: head - 3n } },
      });
      return cursor && cursor.height >= head && voted > 0 ? head : undefined;
    });
    const reply = (await t.admin("/l2/reorg", { depth: 3 })) as { blockNumber: string };
    const reorgTop = BigInt(reply.blockNumber);
    expect(reorgTop).toBeGreaterThanOrEqual(top);
    const replaced = await prisma.l2Block.findMany({
      where: { height: { gt: reorgTop - 3n, lte: reorgTop }, canonical: true },
    });
    // the gadget had the old blocks: the reorg must turn them into orphans
    expect(replaced.length).toBeGreaterThan(0);
    for (const b of replaced) expect(await anvilHash(t, b.height)).not.toBe(b.hash);
    const orphanedVoted = await prisma.finalitySignature.count({
      where: { fpBtcPk: small, blockHash: { in: replaced.flatMap((b) => [b.hash, strip(b.hash)]) } },
    });

    for (const i of [0, 1, 2]) await t.system.startVoting(i);
    await t.waitFor(
      "finality past the reorged heights",
      async () => ((await t.finalizedHeight()) > reorgTop + 4n ? true : undefined),
      90_000,
    );

    const orphans = await prisma.l2Block.findMany({ where: { hash: { in: replaced.map((b) => b.hash) } } });
    expect(orphans).toHaveLength(replaced.length);
    for (const o of orphans) {
      expect(o.canonical).toBe(false);
      expect(o.status).toBe("ORPHANED");
    }
    expect(orphanedVoted).toBeGreaterThan(0);
    const finalized = await prisma.l2Block.findMany({
      where: { status: "FINALIZED" },
      orderBy: { height: "asc" },
    });
    for (const b of finalized) {
      expect(b.canonical).toBe(true);
      expect(b.hash).toBe(await anvilHash(t, b.height));
    }
    // exactly one finalized block per height through the reorged range
    const heights = finalized.map((b) => b.height);
    expect(new Set(heights).size).toBe(heights.length);
    for (let h = reorgTop - 2n; h <= reorgTop; h++) expect(heights).toContain(h);
  }, 150_000);

  it("records an equivocation, sees the provider slashed, and leaves its stake out of later totals", async () => {
    const prisma = t.service.db.prisma;
    const p = t.system.providers[3]!;
    await t.system.stopVoting(3);
    const info = t.system.devnet.info;
    const keystore = new Keystore({ home: p.home, scryptLogN: 15 });
    const eots = keystore.unlock(p.config.key_name, PASSPHRASE, "eots");
    const account = keystore.unlock(p.config.account_key_name, PASSPHRASE, "account");
    const wallet = await DirectSecp256k1Wallet.fromKey(Uint8Array.from(account.secretKey), "bbn");
    const address = (await wallet.getAccounts())[0]!.address;
    const signer = await SigningCosmWasmClient.connectWithSigner(info.babylon.rpcUrl, wallet, {
      gasPrice: (await import("@cosmjs/stargate")).GasPrice.fromString("0.002ubbn"),
      broadcastPollIntervalMs: 200,
    });
    try {
      const contract = new FinalityContractClient(signer, address, info.contractAddress);
      // a height it voted at, and a different block hash it now also signs
      const voted = await prisma.finalitySignature.findFirstOrThrow({
        where: { fpBtcPk: p.btcPkHex },
        orderBy: { height: "desc" },
      });
      const height = voted.height;
      const commit = await contract.pubRandCommitForHeight(p.btcPkHex, height);
      expect(commit).not.toBeNull();
      const list = deriveRandomnessList(
        eots.secretKey,
        info.bsnId,
        commit!.start_height,
        Number(commit!.num_pub_rand),
        commit!.interval,
      );
      const index = Number((height - commit!.start_height) / commit!.interval);
      const forkHash = randomBytes(32);
      const vote = signVote(
        eots.secretKey,
        {
          height,
          blockHash: forkHash,
          privRand: list.privRands[index]!,
          pubRand: list.pubRands[index]!,
          proof: merkle.proofs(list.pubRands)[index]!,
        },
        signingContextFor(info.babylon.chainId, info.contractAddress).finalityVote,
      );
      const submittedAtL2 = await t.system.devnet.anvil!.blockNumber();
      const submittedAt = new Date();
      await contract.submitFinalitySignatures([vote], "auto");

      const row = await t.waitFor("the equivocation indexed", () =>
        prisma.equivocation.findFirst({ where: { fpBtcPk: p.btcPkHex } }).then((r) => r ?? undefined),
      );
      expect(row.height).toBe(height);
      expect(new Set([strip(row.canonicalBlockHash), strip(row.forkBlockHash)])).toEqual(
        new Set([strip(voted.blockHash), bytesToHex(forkHash)]),
      );
      const sigs = new Set([strip(row.canonicalSignature), strip(row.forkSignature)]);
      expect(sigs).toEqual(new Set([strip(voted.signature ?? ""), bytesToHex(vote.signature)]));

      const fp = await t.waitFor("the provider slashed", () =>
        prisma.finalityProvider
          .findUniqueOrThrow({ where: { btcPk: p.btcPkHex } })
          .then((r) => (r.slashedBabylonHeight !== null && r.slashedBtcHeight !== null ? r : undefined)),
      );
      const slashedBtc = fp.slashedBtcHeight!;

      // Later blocks: evaluated at BTC heights past the slashing, without its 10 %. The slashing counts from the
      // Babylon block after the one that recorded it, placed by BTC header time: a BTC height sees it once its
      // header's effective time (the latest timestamp up to it) reaches that next Babylon block's time. The
      // devnet's headers, like Bitcoin's, sometimes claim a time before their parent's, so the first such height
      // can be several past the slashing's own; it is read from the recorded headers, not assumed.
      const pastSlashing = await t.waitFor(
        "a BTC header past the Babylon block after the slashing",
        async () => {
          const [next] = await prisma.$queryRawUnsafe<{ time: Date }[]>(
            `SELECT time FROM babylon_block WHERE height = $1::bigint`,
            String(fp.slashedBabylonHeight! + 1n),
          );
          if (next === undefined) return undefined;
          const headers = await prisma.btcHeader.findMany({ orderBy: { height: "asc" } });
          let effective = 0;
          for (const h of headers) {
            effective = Math.max(effective, h.timestamp);
            // Header times are whole seconds; the engine places a header after every Babylon block at or before it.
            if (effective * 1000 >= next.time.getTime()) return h.height;
          }
          return undefined;
        },
      );
      await t.waitFor(
        "blocks evaluated past the slashing and finalized without the slashed provider",
        async () => {
          const n = await prisma.l2Block.count({
            where: {
              canonical: true,
              checked: true,
              status: "FINALIZED",
              height: { gt: submittedAtL2 },
              btcHeight: { gte: pastSlashing },
            },
          });
          return n >= 3 ? true : undefined;
        },
        90_000,
      );
      const later = await prisma.l2Block.findMany({
        where: {
          canonical: true,
          checked: true,
          evaluatedAt: { not: null },
          height: { gt: submittedAtL2 },
          btcHeight: { gte: pastSlashing },
        },
      });
      expect(later.length).toBeGreaterThanOrEqual(3);
      for (const b of later) expect(b.totalPower).toBe(900_000n);
      // Blocks finalized before the equivocation was sent were evaluated with its stake, and keep it; a block
      // still open is re-evaluated, with the stake again below the slashing height.
      const earlier = await prisma.l2Block.findMany({
        where: {
          canonical: true,
          checked: true,
          OR: [{ finalizedAt: { lt: submittedAt } }, { status: "PENDING" }],
          btcHeight: { lt: slashedBtc },
        },
      });
      expect(earlier.length).toBeGreaterThan(0);
      for (const b of earlier) expect(b.totalPower).toBe(1_000_000n);
    } finally {
      eots.secretKey.fill(0);
      account.secretKey.fill(0);
      signer.disconnect();
    }
  }, 150_000);
});
