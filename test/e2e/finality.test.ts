// The gadget against the devnet with the real provider daemon: blocks finalize as votes land, finality stalls
// exactly where less than 2/3 of the power is online and resumes when it returns, and every finalized block
// is the L2's canonical block at its height.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSystem, type TestSystem } from "../helpers/system.ts";

async function canonicalHashes(t: TestSystem, from: bigint, to: bigint): Promise<Map<bigint, string>> {
  const anvil = t.system.devnet.anvil!;
  const out = new Map<bigint, string>();
  for (let h = from; h <= to; h++) {
    const block = await anvil.rpc<{ hash: string }>("eth_getBlockByNumber", [`0x${h.toString(16)}`, false]);
    out.set(h, block.hash.toLowerCase());
  }
  return out;
}

describe("BTC finality end to end", () => {
  let t: TestSystem;
  beforeAll(async () => {
    // 40 % + 35 % + 25 %: any two of the first three reach 2/3 only if they hold ≥ 66.7 %.
    t = await startTestSystem([{ stakeSat: 400_000n }, { stakeSat: 350_000n }, { stakeSat: 250_000n }]);
  }, 120_000);
  afterAll(async () => t?.stop());

  it("finalizes blocks as the providers' votes land, consecutively from activation", async () => {
    const height = await t.waitFor("finality past activation", async () => {
      const h = await t.finalizedHeight();
      return h >= 20n ? h : undefined;
    });
    const prisma = t.service.db.prisma;
    const finalized = await prisma.l2Block.findMany({
      where: { canonical: true, status: "FINALIZED" },
      orderBy: { height: "asc" },
    });
    // every height from the activation block up to the finalized head, none skipped
    expect(finalized[0]!.height).toBe(12n);
    expect(finalized.at(-1)!.height).toBeGreaterThanOrEqual(height);
    for (const [i, b] of finalized.entries()) expect(b.height).toBe(12n + BigInt(i));
    // and each one is the L2's block at that height
    const chain = await canonicalHashes(t, 12n, height);
    for (const b of finalized.filter((x) => x.height <= height)) expect(b.hash).toBe(chain.get(b.height));
    const checked = finalized.filter((b) => b.checked);
    for (const b of checked) expect(3n * b.votedPower! >= 2n * b.totalPower!).toBe(true);
    expect(checked[0]!.totalPower).toBe(1_000_000n);
  });

  it("stalls where less than 2/3 of the power votes, and resumes when the missing provider returns", async () => {
    await t.system.stopVoting(1); // 40 % + 25 % = 65 % < 2/3
    const stalledAt = await t.finalizedHeight();
    // wait long enough for several checked blocks to be evaluated without quorum
    await t.waitFor("pending blocks above the stall", async () => {
      const pending = await t.service.db.prisma.l2Block.count({
        where: {
          canonical: true,
          checked: true,
          status: "PENDING",
          evaluatedAt: { not: null },
          height: { gt: stalledAt + 6n },
        },
      });
      return pending >= 3 ? true : undefined;
    });
    const during = await t.finalizedHeight();
    // at most the blocks already voted before the provider stopped could still finalize
    expect(during).toBeLessThanOrEqual(stalledAt + 4n);
    const stuck = await t.service.db.prisma.l2Block.findFirstOrThrow({
      where: { canonical: true, checked: true, height: { gt: during } },
      orderBy: { height: "asc" },
    });
    expect(stuck.status).toBe("PENDING");
    expect(3n * stuck.votedPower! < 2n * stuck.totalPower!).toBe(true);

    await t.system.startVoting(1);
    await t.waitFor(
      "finality to resume past the stall",
      async () => ((await t.finalizedHeight()) > stuck.height + 2n ? true : undefined),
      90_000,
    );
  });
});
