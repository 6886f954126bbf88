// The finality engine: for each checked L2 block, its BTC height (rule 2), the voting-power table at that
// height (rule 3, computed once per BTC height and reused), the tally (rule 4); then consecutive finality
// (rules 5–7) over the canonical chain. It decides only from what the ingesters committed, and evaluates a
// block only once Babylon and its BTC light client have been read past the block's time, so that the votes
// and stake that could count for it are already indexed.
import { strip0x as strip, with0x } from "../../core/crypto/bytes.ts";
import {
  type Activation,
  advanceFinality,
  type BlockRef,
  BtcTimeIndex,
  type ChainBlock,
  dependsOnBabylonHeight,
  type FinalityGrid,
  type FinalityState,
  initialFinalityState,
  powerTableAt,
  quorumStatus,
  type StakingHistory,
  tally,
  type Vote,
} from "../../core/finality/index.ts";
import { ReorgError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { allowlistIntervals } from "../../store/allowlist.ts";
import {
  babylonHeightsAtTimes,
  blocksToEvaluate,
  canonicalChain,
  markFinalized,
  markNotActivatedBelow,
  writeVerdicts,
} from "../../store/blocks.ts";
import { btcHeadersAbove } from "../../store/btc-headers.ts";
import { latestStakingParams, readContractSettings } from "../../store/contract.ts";
import { delegationStakes } from "../../store/delegations.ts";
import { jailHistories, providerStatuses } from "../../store/providers.ts";
import { heightsVotedBetween, votesAt } from "../../store/signatures.ts";
import { readCursor, readStates, type StateKey, writeCursor, writeState } from "../../store/state.ts";
import type { Generation, Store } from "../../store/store.ts";
import type { Tx } from "../../store/tx.ts";
import { replaceVotingPower } from "../../store/voting-power.ts";
import type { StepResult } from "../runtime/loop.ts";

export interface EngineOptions {
  store: Store;
  log: Logger;
  maxBlocksPerStep: number;
  onFinalized?: (blocks: { height: bigint; timestamp: bigint; finalizedAt: Date }[]) => void;
}

interface StakingSnapshot {
  /** The store's staking generation when it was read: a snapshot of an older generation is never used. */
  generation: number;
  history: StakingHistory;
  /** Voting-power tables by BTC height, computed from this snapshot as blocks need them. */
  powerTables: Map<number, Map<string, bigint>>;
}

export class FinalityEngine {
  private btcIndex = new BtcTimeIndex();
  /** The store's BTC generation the time index was built at: a BTC reorg's commit advances it. */
  private btcGeneration = 0;
  private staking: StakingSnapshot | undefined;

  constructor(private readonly o: EngineOptions) {}

  async step(): Promise<StepResult> {
    const db = this.o.store.db;
    // What the verdicts are computed from: this generation's stake and BTC headers, and every vote of the
    // Babylon batches committed up to this cursor (read before the votes, so the votes read include them).
    // The four reads are independent, so they go side by side: a step's round trips are what delays a block
    // under load. (A cursor older than the gate only sets more blocks aside at the commit, never fewer.)
    const generation = this.o.store.generation;
    const [settings, states, cursor] = await Promise.all([
      readContractSettings(db),
      readStates(db, [...FINALITY_STATE_KEYS, ...GATE_KEYS]),
      readCursor(db, "babylon"),
    ]);
    if (!settings) return "idle";
    const grid = settings.grid;
    const state = finalityStateOf(states, grid);

    const evaluated = await this.evaluate(settings.bsnId, state, {
      indexed: evaluationGate(states),
      generation,
      babylonCursor: cursor?.height ?? 0n,
    });
    const finalized = await this.finalize(grid, state);
    return evaluated + finalized > 0 ? "progress" : "idle";
  }

  /** Tallies checked blocks not yet evaluated (or invalidated by new votes or stake). */
  private async evaluate(
    bsnId: string,
    state: FinalityState,
    read: { indexed: bigint | undefined; generation: Generation; babylonCursor: bigint },
  ): Promise<number> {
    const { store } = this.o;
    const db = store.db;
    const { indexed, generation, babylonCursor } = read;
    if (indexed === undefined) return 0;
    await this.loadBtcHeaders(generation);
    const gate = settledBtcHeightGate(this.btcIndex, indexed);
    // Stryker disable next-line ArithmeticOperator: a finalized block is evaluated and never sent back (reopenVerdicts skips FINALIZED), so starting below it finds the same blocks
    const from = state.lastFinalized ? state.lastFinalized.height + 1n : state.activationSearchFrom;
    const blocks = await blocksToEvaluate(db, from, gate, this.o.maxBlocksPerStep);
    if (blocks.length === 0) return 0;
    const staking = await this.loadStaking(bsnId, generation);

    const heights = blocks.map((b) => b.height);
    const votesByHeight = new Map<bigint, Vote[]>();
    for (const v of await votesAt(db, heights)) {
      // Stryker disable next-line ArrayDeclaration: the tally counts only votes of a provider in the table; an element with no provider adds nothing
      const list = votesByHeight.get(v.height) ?? [];
      list.push({ fpBtcPk: v.fpBtcPk, blockHash: strip(v.blockHash), babylonHeight: v.babylonHeight });
      votesByHeight.set(v.height, list);
    }

    const btcHeights = blocks.map((b) => this.btcIndex.btcHeightAt(b.timestamp));
    const newTables = new Map<number, Map<string, bigint>>();
    const missing = [...new Set(btcHeights)].filter(
      (h): h is number => h !== undefined && !staking.powerTables.has(h),
    );
    const babylonHeights = await this.babylonHeightsAt(missing, staking.history);
    for (const btcHeight of missing) {
      const table = powerTableAt(staking.history, btcHeight, babylonHeights.get(btcHeight) ?? 0n);
      staking.powerTables.set(btcHeight, table);
      newTables.set(btcHeight, table);
    }
    const results = blocks.map((block, i) => {
      const btcHeight = btcHeights[i];
      // Before the first known BTC header nobody had stake yet.
      const table = btcHeight === undefined ? new Map<string, bigint>() : staking.powerTables.get(btcHeight)!;
      return {
        hash: block.hash,
        height: block.height,
        btcHeight: btcHeight ?? null,
        // Stryker disable next-line ArrayDeclaration: the tally counts only votes of a provider in the table; an element with no provider adds nothing
        tally: tally(strip(block.hash), votesByHeight.get(block.height) ?? [], table),
      };
    });

    await store.commit(async (c) => {
      // Stake or BTC headers changed since they were read: nothing computed here stands.
      if (!sameGeneration(c.generation, generation)) return;
      // Votes of batches committed since the cursor was read: those blocks wait for the next step. (A block
      // an L2 reorg orphaned meanwhile keeps its ORPHANED status: verdicts are written to canonical rows.)
      const cursorNow = (await readCursor(c.tx, "babylon"))?.height ?? 0n;
      const late =
        cursorNow === babylonCursor
          ? new Set<bigint>()
          : await heightsVotedBetween(c.tx, heights, babylonCursor, cursorNow);
      const fresh = results.filter((r) => !late.has(r.height));
      // The tables are cached for this generation from here on, so they are stored even when every verdict
      // waits: a later step would not compute them again, and the API reads them.
      for (const [btcHeight, table] of newTables) await replaceVotingPower(c.tx, btcHeight, table);
      if (fresh.length === 0) return;
      await writeVerdicts(
        c.tx,
        fresh.map((r) => ({
          hash: r.hash,
          btcHeight: r.btcHeight,
          votedPower: r.tally.votedPower,
          totalPower: r.tally.totalPower,
          voters: r.tally.voters.length,
        })),
      );
      const last = fresh[fresh.length - 1]!;
      await writeCursor(c.tx, "engine", last.height, last.hash);
      for (const r of fresh) {
        c.publish("blockStatus", {
          height: r.height,
          hash: r.hash,
          status: r.tally.totalPower === 0n ? "NO_VOTING_POWER" : "PENDING",
          votedPower: r.tally.votedPower,
          totalPower: r.tally.totalPower,
        });
      }
    });
    // A step whose verdicts were all set aside still made progress: the next one starts at once.
    return blocks.length;
  }

  /** Rules 5–7 over the evaluated canonical chain above the last finalized block. */
  private async finalize(grid: FinalityGrid, state: FinalityState): Promise<number> {
    const { store } = this.o;
    const from = state.lastFinalized ? state.lastFinalized.height + 1n : state.activationSearchFrom;
    // Up to the first checked block not yet evaluated: finality cannot pass it this step.
    const rows = await canonicalChain(store.db, from > 0n ? from - 1n : 0n, this.o.maxBlocksPerStep + 1);
    if (rows.length === 0) return 0;
    const blocks: ChainBlock[] = rows.map((r) => ({
      height: r.height,
      hash: strip(r.hash),
      parentHash: strip(r.parentHash),
      timestamp: r.timestamp,
    }));
    const tallies = rows
      .filter((r) => r.checked && r.evaluated && r.totalPower !== null)
      .map((r) => {
        const status = quorumStatus(r.votedPower ?? 0n, r.totalPower!);
        return { blockHash: strip(r.hash), status };
      });
    const advance = advanceFinality(state, blocks, tallies, grid);
    const activationChanged =
      advance.state.activation !== undefined && state.activation?.height !== advance.state.activation.height;
    if (
      advance.newlyFinalized.length === 0 &&
      !activationChanged &&
      advance.state.activationSearchFrom === state.activationSearchFrom
    ) {
      return 0;
    }
    const activation = advance.state.activation;
    const finalizedNow = advance.newlyFinalized.filter(
      (b) => activation !== undefined && b.height >= activation.height,
    );
    const finalizedAt = new Date();
    const timestamps = new Map(blocks.map((b) => [b.height, b.timestamp]));
    await store.commit(async ({ tx, publish }) => {
      if (finalizedNow.length > 0) {
        const updated = await markFinalized(
          tx,
          finalizedNow.map((b) => with0x(b.hash)),
          finalizedAt,
        );
        if (updated !== finalizedNow.length) {
          throw new ReorgError(
            `finalization raced with a reorg (${updated} of ${finalizedNow.length} blocks still canonical); retrying`,
          );
        }
      }
      if (activation !== undefined) await markNotActivatedBelow(tx, activation.height);
      await saveFinalityState(tx, advance.state);
      for (const b of finalizedNow) {
        publish("blockFinalized", {
          height: b.height,
          hash: with0x(b.hash),
          timestamp: timestamps.get(b.height) ?? 0n,
          finalizedAt,
        });
      }
    });
    if (finalizedNow.length > 0) {
      this.o.onFinalized?.(
        finalizedNow.map((b) => ({
          height: b.height,
          timestamp: timestamps.get(b.height) ?? 0n,
          finalizedAt,
        })),
      );
      const last = finalizedNow[finalizedNow.length - 1]!;
      this.o.log.debug({ height: String(last.height), count: finalizedNow.length }, "BTC-finalized");
    }
    if (
      advance.stalledAt &&
      advance.stalledAt.reason !== "awaiting_tally" &&
      advance.stalledAt.reason !== "no_quorum"
    ) {
      this.o.log.info(
        { height: String(advance.stalledAt.height), reason: advance.stalledAt.reason },
        "finality stalled",
      );
    }
    return finalizedNow.length + (activationChanged ? 1 : 0);
  }

  /**
   * The Babylon height whose allow-list and jail status hold at each BTC height: the last Babylon block at or
   * before the header's effective time, so that everything rule 3 reads is a function of the BTC height. The
   * evaluation gate has Babylon indexed past that time. Not asked when no status changes with the height.
   */
  private async babylonHeightsAt(
    btcHeights: number[],
    history: StakingHistory,
  ): Promise<Map<number, bigint>> {
    // Stryker disable next-line LogicalOperator: when no status depends on the Babylon height every height gives the same table, so asking for them anyway only costs a query
    if (btcHeights.length === 0 || !dependsOnBabylonHeight(history)) return new Map();
    const at = await babylonHeightsAtTimes(
      this.o.store.db,
      // A height the index placed a block at has an effective time.
      btcHeights.map((h) => BigInt(this.btcIndex.effectiveTime(h)!)),
    );
    return new Map(btcHeights.map((h, i) => [h, at[i]!]));
  }

  private async loadBtcHeaders(generation: Generation): Promise<void> {
    // A BTC reorg replaced a suffix of the headers: the time index is built again from the base.
    if (generation.btc !== this.btcGeneration) {
      this.btcIndex = new BtcTimeIndex();
      this.btcGeneration = generation.btc;
    }
    const tip = this.btcIndex.tipHeight;
    const headers = await btcHeadersAbove(this.o.store.db, tip);
    if (headers.length === 0) return;
    // Stored headers are contiguous from the light client's base; a gap means a reorg replaced a suffix.
    if (tip !== undefined && headers[0]!.height !== tip + 1) {
      this.btcIndex = new BtcTimeIndex();
      return this.loadBtcHeaders(generation);
    }
    this.btcIndex.append(headers);
  }

  private async loadStaking(bsnId: string, generation: Generation): Promise<StakingSnapshot> {
    if (this.staking?.generation === generation.staking) return this.staking;
    const db = this.o.store.db;
    const [providers, delegations, params, allowList, jail] = await Promise.all([
      providerStatuses(db, bsnId),
      delegationStakes(db),
      latestStakingParams(db),
      allowlistIntervals(db),
      jailHistories(db),
    ]);
    this.staking = {
      generation: generation.staking,
      powerTables: new Map(),
      history: {
        bsnId,
        k: params?.confirmationDepth ?? 0,
        w: params?.finalizationTimeout ?? 0,
        providers: providers.map((r) => ({
          btcPk: r.btcPk,
          bsnId: r.bsnId,
          slashedBabylonHeight: r.slashedBabylonHeight ?? undefined,
          slashedBtcHeight: r.slashedBtcHeight ?? undefined,
        })),
        delegations: delegations.map((d) => ({
          ...d,
          unbondedAtBtcHeight: d.unbondedAtBtcHeight ?? undefined,
          unbondedBabylonHeight: d.unbondedBabylonHeight ?? undefined,
        })),
        jail,
        allowList,
      },
    };
    return this.staking;
  }
}

/**
 * The BTC height rule live evaluation and a backfill agree on: a block is evaluated only once a BTC header whose
 * effective time is past the block's timestamp is known. Until then rule 2 would map it to the tip, and a header
 * arriving later with an earlier timestamp (its effective time is then the tip's) would give a backfill a higher
 * BTC height; once a later header is known, no header appended after it can change the answer (effective
 * times only grow). The cost is waiting for the next BTC header. With no header known the gate is unchanged
 * (every block is before the first header: no stake).
 */
function settledBtcHeightGate(index: BtcTimeIndex, gate: bigint): bigint {
  const tip = index.tipHeight;
  const tipTime = tip === undefined ? undefined : index.effectiveTime(tip);
  if (tipTime === undefined) return gate;
  const settled = BigInt(tipTime) - 1n;
  return settled < gate ? settled : gate;
}

const GATE_KEYS = ["babylon_synced_time", "btc_synced_time", "staking_params_synced"] as const;

/** The latest L2 timestamp (seconds) whose votes and stake are fully indexed, or undefined before any. */
function evaluationGate(state: Map<StateKey, string>): bigint | undefined {
  const babylon = state.get("babylon_synced_time");
  const btc = state.get("btc_synced_time");
  const params = state.get("staking_params_synced");
  if (babylon === undefined || btc === undefined || params === undefined) return undefined;
  const ms = Math.min(Number(babylon), Number(btc));
  return BigInt(Math.floor(ms / 1000));
}

const FINALITY_STATE_KEYS = [
  "activated_height",
  "activated_hash",
  "activated_timestamp",
  "finalized_height",
  "finalized_hash",
  "activation_search_from",
] as const;

function finalityStateOf(state: Map<StateKey, string>, grid: FinalityGrid): FinalityState {
  const aHeight = state.get("activated_height");
  const aHash = state.get("activated_hash");
  const aTime = state.get("activated_timestamp");
  const fHeight = state.get("finalized_height");
  const fHash = state.get("finalized_hash");
  const searchFrom = state.get("activation_search_from");
  const initial = initialFinalityState(grid);
  const activation: Activation | undefined =
    aHeight && aHash && aTime
      ? { height: BigInt(aHeight), hash: strip(aHash), timestamp: BigInt(aTime) }
      : undefined;
  const lastFinalized: BlockRef | undefined =
    fHeight && fHash ? { height: BigInt(fHeight), hash: strip(fHash) } : undefined;
  return {
    activation,
    lastFinalized,
    activationSearchFrom: searchFrom ? BigInt(searchFrom) : initial.activationSearchFrom,
  };
}

async function saveFinalityState(db: Tx, state: FinalityState): Promise<void> {
  await writeState(db, {
    activation_search_from: state.activationSearchFrom,
    activated_height: state.activation?.height,
    activated_hash: state.activation ? with0x(state.activation.hash) : undefined,
    activated_timestamp: state.activation?.timestamp,
    finalized_height: state.lastFinalized?.height,
    finalized_hash: state.lastFinalized ? with0x(state.lastFinalized.hash) : undefined,
  });
}

const sameGeneration = (a: Generation, b: Generation) => a.staking === b.staking && a.btc === b.btc;
