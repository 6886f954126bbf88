// The Babylon v3 events the devnet emits as the real chain does, read by the indexer: the jail event placed in
// jail history at its own block, an unexpected unbonding placed at the BTC height of the spend's block, and
// covenant signatures decoded without changing anything.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { BabylonBlock } from "../../../src/chains/babylon/block-reader.ts";
import { typedEmitter } from "../../../src/devnet/babylon/emit.ts";
import { createBabylon } from "../../../src/devnet/babylon/index.ts";
import { BtcHeaderChain } from "../../../src/devnet/btc.ts";
import type { AbciEvent } from "../../../src/devnet/chain/module.ts";
import { ProtocolError } from "../../../src/errors.ts";
import { recordsOfBlock } from "../../../src/indexer/babylon/records.ts";
import { GadgetEvents } from "../../../src/indexer/runtime/events.ts";
import { commitBabylonBatch } from "../../../src/store/babylon-batch.ts";
import { replaceBtcHeadersFrom } from "../../../src/store/btc-headers.ts";
import { jailHistories } from "../../../src/store/providers.ts";
import { readCursor } from "../../../src/store/state.ts";
import { Store } from "../../../src/store/store.ts";
import { openTestDatabase, type TestDatabase } from "../../helpers/database.ts";

const BSN = "op-test-1";
const FP = "ab".repeat(32);

/** A devnet Babylon with one provider and one active delegation to it; each step's events in a block of its own. */
function devnet() {
  const btc = new BtcHeaderChain({ initialHeaders: 30 });
  const babylon = createBabylon({ chainId: "bbn-test-1", bsnId: BSN, btc });
  const staking = babylon.staking.staking;
  let height = 0n;
  const block = (run: (emit: ReturnType<typeof typedEmitter>) => void): BabylonBlock => {
    const events: AbciEvent[] = [];
    run(typedEmitter({ emit: (e) => events.push(e) }));
    height += 1n;
    return {
      height,
      time: new Date(Number(height) * 1000),
      txs: [],
      txResults: [{ code: 0, events }],
      blockEvents: [],
    };
  };
  const tip = () => btc.tip().height;
  const created = block((emit) => {
    staking.addProvider(
      {
        btcPkHex: FP,
        addr: "bbn1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqkrsgss",
        description: { moniker: "fp", identity: "", website: "", securityContact: "", details: "" },
        commission: 5n * 10n ** 16n,
        maxRate: 2n * 10n ** 17n,
        maxChangeRate: 10n ** 16n,
        commissionUpdateTime: new Date(0),
        popSigType: 0,
        popSigHex: "",
        bsnId: BSN,
        jailed: false,
        slashedBabylonHeight: 0n,
        slashedBtcHeight: 0,
        registeredHeight: 1n,
      },
      emit,
    );
  });
  let stakingTxHash = "";
  const delegated = block((emit) => {
    const req = { fpBtcPkList: [FP], totalSat: 50_000n, stakingTime: 10_000, covenantQuorum: false };
    stakingTxHash = staking.addDelegation(req, tip(), height + 1n, emit).stakingTxHashHex;
    staking.reachQuorum(stakingTxHash, tip(), emit);
  });
  return { btc, staking, block, tip, blocks: [created, delegated], stakingTxHash: () => stakingTxHash };
}

describe("Babylon v3 events from the devnet, as records", () => {
  it("decodes covenant signatures, an unexpected unbonding and the jail event, with nothing malformed", () => {
    const d = devnet();
    const spendHeight = d.tip() - 1;
    const header = d.btc.header(spendHeight)!;
    const unbonded = d.block((emit) =>
      d.staking.unbond(d.stakingTxHash(), spendHeight, d.tip(), emit, { headerHashHex: header.hashHex }),
    );
    const jailed = d.block((emit) => d.staking.jail(FP, true, emit));

    const delegatedEvents = d.blocks[1]!.txResults[0]!.events.map((e) => e.type);
    expect(delegatedEvents).toContain("babylon.btcstaking.v1.EventCovenantSignatureReceived");
    const delegated = recordsOfBlock(d.blocks[1]!, "bbn1contract");
    expect(delegated.malformed).toEqual([]);
    // Covenant signatures change nothing; the quorum event does.
    expect(delegated.delegationChanges.filter((c) => c.covenantQuorumReached)).toHaveLength(1);

    // Babylon reports a spend that is not the registered unbonding tx with its own event, not UnbondedEarly.
    expect(unbonded.txResults[0]!.events.map((e) => e.type)).toEqual([
      "babylon.btcstaking.v1.EventUnexpectedUnbondingTx",
    ]);
    const u = recordsOfBlock(unbonded, "bbn1contract");
    expect(u.malformed).toEqual([]);
    expect(u.delegationChanges).toEqual([
      {
        babylonHeight: 3n,
        eventIndex: 0,
        stakingTxHash: d.stakingTxHash(),
        status: "UNBONDED",
        unbondedInBtcBlock: header.hashHex,
      },
    ]);

    const j = recordsOfBlock(jailed, "bbn1contract");
    expect(j.malformed).toEqual([]);
    // The jail event and the status change both say JAILED at the block that jailed the provider.
    expect(j.providerEvents).toEqual([
      { babylonHeight: 4n, eventIndex: 0, fpBtcPk: FP, kind: "JAILED" },
      { babylonHeight: 4n, eventIndex: 1, fpBtcPk: FP, kind: "JAILED" },
    ]);
  });

  it("reports a jail event without a public key as malformed instead of recording it", () => {
    const block: BabylonBlock = {
      height: 9n,
      time: new Date(0),
      txs: [],
      txResults: [],
      blockEvents: [{ type: "babylon.finality.v1.EventJailedFinalityProvider", attributes: [] }],
    };
    const r = recordsOfBlock(block, "bbn1contract");
    expect(r.providerEvents).toEqual([]);
    expect(r.malformed.map((m) => m.error)).toEqual(["missing public_key"]);
  });
});

describe("Babylon v3 events from the devnet, written", () => {
  let db: TestDatabase;
  let store: Store;
  beforeEach(async () => {
    db = await openTestDatabase();
    store = new Store(db.prisma, new GadgetEvents());
  });
  afterEach(async () => db.close());

  const syncHeaders = (d: ReturnType<typeof devnet>) =>
    replaceBtcHeadersFrom(
      db.prisma,
      d.btc.range(d.btc.base().height, d.tip()).map((h) => ({
        height: h.height,
        hash: h.hashHex,
        prevHash: d.btc.header(h.height - 1)?.hashHex ?? "00".repeat(32),
        timestamp: h.time,
      })),
    );

  async function commit(blocks: BabylonBlock[]) {
    for (const b of blocks) await commitBabylonBatch(store, recordsOfBlock(b, "bbn1contract"), b);
  }

  it("places an unexpected unbonding at the height of the spend's BTC block, and a jailing at its Babylon block", async () => {
    const d = devnet();
    const spendHeight = d.tip() - 1;
    const unbonded = d.block((emit) =>
      d.staking.unbond(d.stakingTxHash(), spendHeight, d.tip(), emit, {
        headerHashHex: d.btc.header(spendHeight)!.hashHex,
      }),
    );
    const jailed = d.block((emit) => d.staking.jail(FP, true, emit));
    await syncHeaders(d);
    await commit([...d.blocks, unbonded, jailed]);
    const row = await db.prisma.btcDelegation.findUniqueOrThrow({
      where: { stakingTxHash: d.stakingTxHash() },
    });
    expect([row.status, row.unbondedAtBtcHeight]).toEqual(["UNBONDED", spendHeight]);
    expect((await jailHistories(db.prisma)).get(FP)).toEqual({
      jailedAtStart: false,
      changes: [
        { babylonHeight: 4n, jailed: true },
        { babylonHeight: 4n, jailed: true },
      ],
    });
  });

  it("refuses a batch naming a BTC block the header sync has not brought in yet, and takes it once it has", async () => {
    const d = devnet();
    await syncHeaders(d);
    await commit(d.blocks);
    d.btc.advance(2);
    const spendHeight = d.tip();
    const unbonded = d.block((emit) =>
      d.staking.unbond(d.stakingTxHash(), spendHeight, d.tip(), emit, {
        headerHashHex: d.btc.header(spendHeight)!.hashHex,
      }),
    );
    await expect(commit([unbonded])).rejects.toBeInstanceOf(ProtocolError);
    expect((await readCursor(db.prisma, "babylon"))?.height).toBe(2n);
    await syncHeaders(d);
    await commit([unbonded]);
    const row = await db.prisma.btcDelegation.findUniqueOrThrow({
      where: { stakingTxHash: d.stakingTxHash() },
    });
    expect(row.unbondedAtBtcHeight).toBe(spendHeight);
  });
});
