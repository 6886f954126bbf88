// The L2 ingester against a real anvil: backfill in batches, follow the head, roll back a reorg of
// unfinalized blocks, and refuse (with a safety incident) a reorg below a BTC-finalized block.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { L2Client } from "../../../src/chains/l2.ts";
import { type Anvil, startAnvil } from "../../../src/devnet/anvil.ts";
import { L2Ingester } from "../../../src/indexer/l2/ingester.ts";
import { silentLogger } from "../../../src/log.ts";
import { readCursor } from "../../../src/store/state.ts";
import { Store } from "../../../src/store/store.ts";
import { openTestDatabase, type TestDatabase } from "../../helpers/database.ts";

let anvil: Anvil;
let db: TestDatabase;

beforeAll(async () => {
  anvil = await startAnvil();
});
afterAll(async () => anvil?.stop());
beforeEach(async () => {
  db = await openTestDatabase();
  await db.prisma.$executeRawUnsafe(
    `INSERT INTO contract_config (contract_address, dialect, bsn_id, min_pub_rand, bsn_activation_height, finality_signature_interval, updated_babylon_height)
     VALUES ('bbn1c', 'rollup-bsn', 'bsn', 1, 1, 3, 1)`,
  );
});
afterEach(async () => db.close());

function ingester(extra: Partial<ConstructorParameters<typeof L2Ingester>[0]> = {}) {
  return new L2Ingester({
    store: new Store(db.prisma),
    l2: new L2Client(anvil.url, { batchSize: 50, concurrency: 3 }),
    log: silentLogger,
    startHeight: 0n,
    follow: "latest",
    maxBlocksPerStep: 150,
    ...extra,
  });
}

async function drain(i: L2Ingester) {
  for (let n = 0; n < 100; n++) if ((await i.step()) === "idle") return;
  throw new Error("ingester never went idle");
}

async function canonical() {
  return db.prisma.l2Block.findMany({ where: { canonical: true }, orderBy: { height: "asc" } });
}

describe("L2 ingester", () => {
  it("backfills every block with its parent link and the checked-height grid, in batches", async () => {
    await anvil.mine(400);
    const head = await anvil.blockNumber();
    await drain(ingester());
    const blocks = await canonical();
    expect(blocks.length).toBe(Number(head)); // heights 1..head (activation height 1)
    for (let i = 1; i < blocks.length; i++) {
      expect(blocks[i]!.height).toBe(blocks[i - 1]!.height + 1n);
      expect(blocks[i]!.parentHash).toBe(blocks[i - 1]!.hash);
    }
    const remote = await anvil.rpc<{ hash: string }>("eth_getBlockByNumber", ["0x64", false]);
    expect(blocks.find((b) => b.height === 100n)!.hash).toBe(remote.hash);
    expect(blocks.filter((b) => b.checked).map((b) => b.height % 3n)).toEqual(
      blocks.filter((b) => b.checked).map(() => 1n),
    );
    expect((await readCursor(db.prisma, "l2"))!.height).toBe(head);
  });

  it("rolls back an unfinalized suffix after a reorg and ingests the new branch", async () => {
    await anvil.mine(20);
    const i = ingester();
    await drain(i);
    const before = await canonical();
    await anvil.reorg(5);
    await anvil.mine(2);
    const depths: number[] = [];
    await drain(ingester({ onReorg: (d) => depths.push(d) }));
    const after = await canonical();
    const head = await anvil.blockNumber();
    expect(after[after.length - 1]!.height).toBe(head);
    expect(depths.length).toBeGreaterThan(0);
    for (let k = 1; k < after.length; k++) expect(after[k]!.parentHash).toBe(after[k - 1]!.hash);
    const orphaned = await db.prisma.l2Block.findMany({ where: { canonical: false } });
    expect(orphaned.length).toBe(5);
    expect(orphaned.every((b) => b.status === "ORPHANED")).toBe(true);
    expect(new Set(orphaned.map((b) => b.hash))).toEqual(new Set(before.slice(-5).map((b) => b.hash)));
    // one canonical block per height
    const heights = after.map((b) => b.height);
    expect(new Set(heights).size).toBe(heights.length);
  });

  it("keeps a BTC-finalized block through a reorg and records a safety incident instead", async () => {
    await anvil.mine(10);
    await drain(ingester());
    const tip = (await canonical()).at(-1)!;
    await db.prisma.l2Block.updateMany({
      where: { height: { gte: tip.height - 2n } },
      data: { status: "FINALIZED" },
    });
    await anvil.reorg(2);
    const incidents: string[] = [];
    await drain(ingester({ onSafetyIncident: (kind) => incidents.push(kind) }));
    expect(incidents).toContain("finalized_block_reorged");
    const stillThere = await db.prisma.l2Block.findUniqueOrThrow({ where: { hash: tip.hash } });
    expect(stillThere.canonical).toBe(true);
    expect(stillThere.status).toBe("FINALIZED");
    const open = await db.prisma.safetyIncident.findMany({ where: { resolvedAt: null } });
    expect(open.length).toBe(1);
  });
});
