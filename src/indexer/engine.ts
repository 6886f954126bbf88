// The finality engine: for each checked L2 block, its BTC height (rule 2), the voting-power table at that
// height (rule 3, computed once per BTC height and reused), the tally (rule 4); then consecutive finality
// (rules 5–7) over the canonical chain. It decides only from what the ingesters committed, and evaluates a
// block only once Babylon and its BTC light client have been read past the block's time, so that the votes
// and stake that could count for it are already indexed.
import {
  type Activation,
  advanceFinality,
  type BlockRef,
  BtcTimeIndex,
  type ChainBlock,
  type Delegation,
  type FinalityGrid,
  type FinalityState,
  initialFinalityState,
  type ProviderState,
  tally,
  votingPowerTable,
} from "../core/finality/index.ts";
import type { PrismaClient } from "../db/database.ts";
import type { Logger } from "../log.ts";
import { BABYLON_CURSOR } from "./babylon-store.ts";
import type { GadgetEvents } from "./events.ts";
import type { StepResult } from "./loop.ts";
import type { Mutex } from "./mutex.ts";
import {
  type Db,
  type DelegationRow,
  delegationColumns,
  readContractSettings,
  readCursor,
  readState,
  writeCursor,
  writeState,
} from "./state.ts";

export const ENGINE_CURSOR = "engine";

export interface EngineOptions {
  prisma: PrismaClient;
  events: GadgetEvents;
  log: Logger;
  /** Serialises finalization with the L2 ingester's reorg rollback. */
  writeLock: Mutex;
  maxBlocksPerStep: number;
  onFinalized?: (blocks: { height: bigint; timestamp: bigint; finalizedAt: Date }[]) => void;
}

const strip = (hash: string) => hash.replace(/^0x/, "");
const with0x = (hash: string) => (hash.startsWith("0x") ? hash : `0x${hash}`);

interface StakingSnapshot {
  /** The engine's generation when it was read: a snapshot of an older generation is never used. */
  generation: number;
  providers: ProviderState[];
  delegations: Delegation[];
  k: number;
  w: number;
  /** Allow-list membership in Babylon heights; an entry added at 0 was learnt from state (in force always). */
  allowList: { fpBtcPk: string; added: bigint; removed: bigint | undefined }[];
  /** Jail status changes by provider, in Babylon order (providers without any keep their current flag). */
  jailHistory: Map<string, { babylonHeight: bigint; jailed: boolean }[]>;
  /** Voting-power tables by BTC height, computed from this snapshot as blocks need them. */
  powerTables: Map<number, Map<string, bigint>>;
}

export class FinalityEngine {
  private btcIndex = new BtcTimeIndex();
  private staking: StakingSnapshot | undefined;
  /**
   * Counts changes to what power tables and BTC heights are computed from (stake, providers, params,
   * allow-list, BTC headers). Writers change it under the write lock, right after committing the change;
   * a step whose inputs were read in an older generation writes nothing.
   */
  private generation = 0;

  constructor(private readonly o: EngineOptions) {}

  /** Staking data changed (delegations, providers, params, allow-list): power tables must be recomputed. */
  invalidateStaking(): void {
    this.generation++;
    this.staking = undefined;
  }

  /** BTC headers changed below the tip (a BTC reorg): rebuild the time index. */
  invalidateBtc(): void {
    this.generation++;
    this.btcIndex = new BtcTimeIndex();
  }

  async step(): Promise<StepResult> {
    const { prisma } = this.o;
    const settings = await readContractSettings(prisma);
    if (!settings) return "idle";
    const grid = settings.grid;
    const state = await loadFinalityState(prisma, grid);

    const evaluated = await this.evaluate(settings.bsnId, state);
    const finalized = await this.finalize(grid, state);
    return evaluated + finalized > 0 ? "progress" : "idle";
  }

  /** Tallies checked blocks not yet evaluated (or invalidated by new votes or stake). */
  private async evaluate(bsnId: string, state: FinalityState): Promise<number> {
    const { prisma } = this.o;
    const gate = await evaluationGate(prisma);
    if (gate === undefined) return 0;
    const from = state.lastFinalized ? state.lastFinalized.height + 1n : state.activationSearchFrom;
    const blocks = await prisma.$queryRawUnsafe<{ hash: string; height: bigint; timestamp: bigint }[]>(
      `SELECT hash, height, timestamp FROM l2_block
       WHERE canonical AND checked AND evaluated_at IS NULL AND height >= $1::bigint AND timestamp <= $2::bigint
       ORDER BY height LIMIT $3`,
      from.toString(),
      gate.toString(),
      this.o.maxBlocksPerStep,
    );
    if (blocks.length === 0) return 0;
    // What the verdicts are computed from: this generation's stake and BTC headers, and every vote of the
    // Babylon batches committed up to this cursor (read before the votes, so the votes read include them).
    const generation = this.generation;
    const babylonCursor = (await readCursor(prisma, BABYLON_CURSOR))?.height ?? 0n;
    await this.loadBtcHeaders();
    const staking = await this.loadStaking(bsnId);

    const heights = blocks.map((b) => BigInt(b.height).toString());
    const votes = await prisma.$queryRawUnsafe<{ height: bigint; fp_btc_pk: string; block_hash: string }[]>(
      `SELECT DISTINCT height, fp_btc_pk, block_hash FROM finality_signature WHERE height = ANY($1::bigint[])`,
      heights,
    );
    const votesByHeight = new Map<bigint, { fpBtcPk: string; blockHash: string }[]>();
    for (const v of votes) {
      const list = votesByHeight.get(BigInt(v.height)) ?? [];
      list.push({ fpBtcPk: v.fp_btc_pk, blockHash: strip(v.block_hash) });
      votesByHeight.set(BigInt(v.height), list);
    }

    const btcHeights = blocks.map((b) => this.btcIndex.btcHeightAt(BigInt(b.timestamp)));
    const newTables = new Map<number, Map<string, bigint>>();
    const missing = [...new Set(btcHeights)].filter(
      (h): h is number => h !== undefined && !staking.powerTables.has(h),
    );
    const babylonHeights = await this.babylonHeightsAt(missing, staking);
    for (const btcHeight of missing) {
      const at = babylonHeights.get(btcHeight);
      const table = votingPowerTable(
        btcHeight,
        at === undefined ? staking.providers : providersAt(staking, at),
        staking.delegations,
        { bsnId, k: staking.k, w: staking.w },
        at === undefined ? undefined : allowListAt(staking, at),
      );
      staking.powerTables.set(btcHeight, table);
      newTables.set(btcHeight, table);
    }
    const results = blocks.map((block, i) => {
      const btcHeight = btcHeights[i];
      // Before the first known BTC header nobody had stake yet.
      const table = btcHeight === undefined ? new Map<string, bigint>() : staking.powerTables.get(btcHeight)!;
      return {
        hash: block.hash,
        height: BigInt(block.height),
        btcHeight: btcHeight ?? null,
        tally: tally(strip(block.hash), votesByHeight.get(BigInt(block.height)) ?? [], table),
      };
    });

    const written = await this.o.writeLock.run(async () => {
      // Stake or BTC headers changed since they were read: nothing computed here stands.
      if (generation !== this.generation) return [];
      // Votes of batches committed since the cursor was read: those blocks wait for the next step. (A block
      // an L2 reorg orphaned meanwhile keeps its ORPHANED status: the update below is for canonical rows.)
      const cursorNow = (await readCursor(prisma, BABYLON_CURSOR))?.height ?? 0n;
      const late =
        cursorNow === babylonCursor
          ? []
          : await prisma.$queryRawUnsafe<{ height: bigint }[]>(
              `SELECT DISTINCT height FROM finality_signature
               WHERE height = ANY($1::bigint[]) AND babylon_height > $2::bigint AND babylon_height <= $3::bigint`,
              heights,
              babylonCursor.toString(),
              cursorNow.toString(),
            );
      const lateHeights = new Set(late.map((r) => BigInt(r.height)));
      const fresh = results.filter((r) => !lateHeights.has(r.height));
      if (fresh.length === 0) return fresh;
      await prisma.$transaction(async (tx) => {
        for (const [btcHeight, table] of newTables) {
          // A table recomputed after stake changed replaces the stored one: a provider it leaves out (slashed,
          // no longer allow-listed) must not keep its old row.
          await tx.$executeRawUnsafe(
            `DELETE FROM voting_power WHERE btc_height = $1::int AND NOT (fp_btc_pk = ANY($2::text[]))`,
            btcHeight,
            [...table.keys()],
          );
          if (table.size === 0) continue;
          await tx.$executeRawUnsafe(
            `INSERT INTO voting_power (btc_height, fp_btc_pk, power) SELECT $1::int, * FROM unnest($2::text[], $3::bigint[])
             ON CONFLICT (btc_height, fp_btc_pk) DO UPDATE SET power = EXCLUDED.power`,
            btcHeight,
            [...table.keys()],
            [...table.values()].map(String),
          );
        }
        await tx.$executeRawUnsafe(
          `UPDATE l2_block b SET btc_height = r.btc, voted_power = r.voted, total_power = r.total, voter_count = r.voters,
             evaluated_at = now(),
             status = (CASE WHEN b.status = 'FINALIZED' THEN 'FINALIZED' WHEN r.total = 0 THEN 'NO_VOTING_POWER' ELSE 'PENDING' END)::"BlockStatus"
           FROM unnest($1::text[], $2::int[], $3::bigint[], $4::bigint[], $5::int[]) AS r(hash, btc, voted, total, voters)
           WHERE b.hash = r.hash AND b.canonical`,
          fresh.map((r) => r.hash),
          fresh.map((r) => r.btcHeight),
          fresh.map((r) => r.tally.votedPower.toString()),
          fresh.map((r) => r.tally.totalPower.toString()),
          fresh.map((r) => r.tally.voters.length),
        );
        const last = fresh[fresh.length - 1]!;
        await writeCursor(tx, ENGINE_CURSOR, last.height, last.hash);
      });
      return fresh;
    });
    for (const r of written) {
      this.o.events.publish("blockStatus", {
        height: r.height,
        hash: r.hash,
        status: r.tally.totalPower === 0n ? "NO_VOTING_POWER" : "PENDING",
        votedPower: r.tally.votedPower,
        totalPower: r.tally.totalPower,
      });
    }
    // A step whose verdicts were all set aside still made progress: the next one starts at once.
    return blocks.length;
  }

  /** Rules 5–7 over the evaluated canonical chain above the last finalized block. */
  private async finalize(grid: FinalityGrid, state: FinalityState): Promise<number> {
    const { prisma } = this.o;
    const from = state.lastFinalized ? state.lastFinalized.height + 1n : state.activationSearchFrom;
    // Up to the first checked block not yet evaluated: finality cannot pass it this step.
    const rows = await prisma.$queryRawUnsafe<
      {
        hash: string;
        height: bigint;
        parent_hash: string;
        timestamp: bigint;
        checked: boolean;
        evaluated: boolean;
        voted: bigint | null;
        total: bigint | null;
      }[]
    >(
      `SELECT hash, height, parent_hash, timestamp, checked, evaluated_at IS NOT NULL AS evaluated,
              voted_power AS voted, total_power AS total
       FROM l2_block WHERE canonical AND height >= $1::bigint ORDER BY height LIMIT $2`,
      (from > 0n ? from - 1n : 0n).toString(),
      this.o.maxBlocksPerStep + 1,
    );
    if (rows.length === 0) return 0;
    const blocks: ChainBlock[] = rows.map((r) => ({
      height: BigInt(r.height),
      hash: strip(r.hash),
      parentHash: strip(r.parent_hash),
      timestamp: BigInt(r.timestamp),
    }));
    const tallies = rows
      .filter((r) => r.checked && r.evaluated && r.total !== null)
      .map((r) => {
        const voted = BigInt(r.voted ?? 0);
        const total = BigInt(r.total!);
        const status = total === 0n ? "no_voting_power" : 3n * voted >= 2n * total ? "quorum" : "no_quorum";
        return { blockHash: strip(r.hash), status } as const;
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
    await this.o.writeLock.run(() =>
      prisma.$transaction(async (tx) => {
        if (finalizedNow.length > 0) {
          const updated = await tx.$executeRawUnsafe(
            `UPDATE l2_block SET status = 'FINALIZED', finalized_at = $2
             WHERE hash = ANY($1::text[]) AND canonical AND status <> 'FINALIZED'`,
            finalizedNow.map((b) => with0x(b.hash)),
            finalizedAt,
          );
          if (updated !== finalizedNow.length) {
            throw new Error(
              `finalization raced with a reorg (${updated} of ${finalizedNow.length} blocks still canonical); retrying`,
            );
          }
        }
        if (activation !== undefined) {
          // Blocks below the activation block were never subject to BTC staking (rule 7).
          await tx.$executeRawUnsafe(
            `UPDATE l2_block SET status = 'NOT_ACTIVATED' WHERE canonical AND height < $1::bigint AND status <> 'NOT_ACTIVATED'`,
            activation.height.toString(),
          );
        }
        await saveFinalityState(tx, advance.state);
      }),
    );
    if (finalizedNow.length > 0) {
      const timestamps = new Map(blocks.map((b) => [b.height, b.timestamp]));
      const published = finalizedNow.map((b) => ({
        height: b.height,
        timestamp: timestamps.get(b.height) ?? 0n,
        finalizedAt,
      }));
      for (const b of finalizedNow) {
        this.o.events.publish("blockFinalized", {
          height: b.height,
          hash: with0x(b.hash),
          timestamp: timestamps.get(b.height) ?? 0n,
          finalizedAt,
        });
      }
      this.o.onFinalized?.(published);
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
   * evaluation gate has Babylon indexed past that time. Not asked when there is no such history to place.
   */
  private async babylonHeightsAt(
    btcHeights: number[],
    staking: StakingSnapshot,
  ): Promise<Map<number, bigint>> {
    if (btcHeights.length === 0 || (staking.allowList.length === 0 && staking.jailHistory.size === 0)) {
      return new Map();
    }
    const rows = await this.o.prisma.$queryRawUnsafe<{ h: number; x: bigint | null }[]>(
      `SELECT q.h, (SELECT max(height) FROM babylon_block WHERE time <= to_timestamp(q.t) AT TIME ZONE 'UTC') AS x
       FROM unnest($1::int[], $2::bigint[]) AS q(h, t)`,
      btcHeights,
      btcHeights.map((h) => String(this.btcIndex.effectiveTime(h))),
    );
    // A header older than every indexed Babylon block sees none of the indexed changes.
    return new Map(rows.map((r) => [Number(r.h), r.x === null ? 0n : BigInt(r.x)]));
  }

  private async loadBtcHeaders(): Promise<void> {
    const tip = this.btcIndex.tipHeight;
    const rows = await this.o.prisma.$queryRawUnsafe<{ height: number; timestamp: number }[]>(
      `SELECT height, timestamp FROM btc_header WHERE height > $1 ORDER BY height`,
      tip ?? -1,
    );
    if (rows.length === 0) return;
    const headers = rows.map((r) => ({ height: Number(r.height), timestamp: Number(r.timestamp) }));
    // Stored headers are contiguous from the light client's base; a gap means a reorg replaced a suffix.
    if (tip !== undefined && headers[0]!.height !== tip + 1) {
      this.invalidateBtc();
      return this.loadBtcHeaders();
    }
    this.btcIndex.append(headers);
  }

  private async loadStaking(bsnId: string): Promise<StakingSnapshot> {
    if (this.staking?.generation === this.generation) return this.staking;
    const generation = this.generation;
    const { prisma } = this.o;
    const [providers, delegations, links, params, allow, jailEvents] = await Promise.all([
      prisma.$queryRawUnsafe<
        {
          btc_pk: string;
          bsn_id: string;
          jailed: boolean;
          slashed_babylon_height: bigint | null;
          slashed_btc_height: number | null;
        }[]
      >(
        `SELECT btc_pk, bsn_id, jailed, slashed_babylon_height, slashed_btc_height FROM finality_provider WHERE bsn_id = $1`,
        bsnId,
      ),
      prisma.$queryRawUnsafe<DelegationRow[]>(`SELECT ${delegationColumns} FROM btc_delegation`),
      prisma.$queryRawUnsafe<{ staking_tx_hash: string; fp_btc_pk: string }[]>(
        `SELECT staking_tx_hash, fp_btc_pk FROM delegation_provider`,
      ),
      prisma.$queryRawUnsafe<{ confirmation_depth: number; finalization_timeout: number }[]>(
        `SELECT confirmation_depth, finalization_timeout FROM staking_params ORDER BY babylon_height DESC LIMIT 1`,
      ),
      prisma.$queryRawUnsafe<
        { fp_btc_pk: string; added_at_babylon: bigint; removed_at_babylon: bigint | null }[]
      >(`SELECT fp_btc_pk, added_at_babylon, removed_at_babylon FROM allowlist_entry`),
      prisma.$queryRawUnsafe<{ fp_btc_pk: string; babylon_height: bigint; kind: string }[]>(
        `SELECT fp_btc_pk, babylon_height, kind FROM finality_provider_event
         WHERE kind IN ('JAILED', 'ACTIVE', 'INACTIVE') ORDER BY babylon_height, event_index`,
      ),
    ]);
    const jailHistory = new Map<string, { babylonHeight: bigint; jailed: boolean }[]>();
    for (const e of jailEvents) {
      const list = jailHistory.get(e.fp_btc_pk) ?? [];
      list.push({ babylonHeight: BigInt(e.babylon_height), jailed: e.kind === "JAILED" });
      jailHistory.set(e.fp_btc_pk, list);
    }
    const fps = new Map<string, string[]>();
    for (const l of links) {
      const list = fps.get(l.staking_tx_hash) ?? [];
      list.push(l.fp_btc_pk);
      fps.set(l.staking_tx_hash, list);
    }
    const p = params[0];
    this.staking = {
      generation,
      powerTables: new Map(),
      providers: providers.map((r) => ({
        btcPk: r.btc_pk,
        bsnId: r.bsn_id,
        jailed: r.jailed,
        slashedBabylonHeight:
          r.slashed_babylon_height === null ? undefined : Number(r.slashed_babylon_height),
        slashedBtcHeight: r.slashed_btc_height ?? undefined,
      })),
      delegations: delegations.map((d) => ({
        stakingTxHash: d.staking_tx_hash,
        fpBtcPks: fps.get(d.staking_tx_hash) ?? [],
        totalSat: BigInt(d.total_sat),
        startHeight: Number(d.start_height),
        endHeight: Number(d.end_height),
        covenantQuorumReached: d.covenant_quorum_reached,
        unbondedAtBtcHeight: d.unbonded_at_btc_height ?? undefined,
      })),
      k: p ? Number(p.confirmation_depth) : 0,
      w: p ? Number(p.finalization_timeout) : 0,
      allowList: allow.map((a) => ({
        fpBtcPk: a.fp_btc_pk,
        added: BigInt(a.added_at_babylon),
        removed: a.removed_at_babylon === null ? undefined : BigInt(a.removed_at_babylon),
      })),
      jailHistory,
    };
    return this.staking;
  }
}

/**
 * The allow-list in force at Babylon height `at`, as the contract's `allowed_finality_providers_at_height`
 * answers: a change made in block C shows from C + 1 on. Undefined (no filter) when it is empty.
 */
function allowListAt(staking: StakingSnapshot, at: bigint): Set<string> | undefined {
  const listed = new Set<string>();
  for (const e of staking.allowList) {
    if ((e.added === 0n || e.added < at) && (e.removed === undefined || e.removed >= at))
      listed.add(e.fpBtcPk);
  }
  return listed.size > 0 ? listed : undefined;
}

/** Providers with their jail status at Babylon height `at`, for those whose jail history is indexed. */
function providersAt(staking: StakingSnapshot, at: bigint): ProviderState[] {
  return staking.providers.map((p) => {
    const history = staking.jailHistory.get(p.btcPk);
    if (history === undefined) return p;
    let jailed = false;
    for (const change of history) {
      if (change.babylonHeight >= at) break;
      jailed = change.jailed;
    }
    return { ...p, jailed };
  });
}

/** The latest L2 timestamp (seconds) whose votes and stake are fully indexed, or undefined before any. */
async function evaluationGate(db: Db): Promise<bigint | undefined> {
  const [babylon, btc, params] = await Promise.all([
    readState(db, "babylon_synced_time"),
    readState(db, "btc_synced_time"),
    readState(db, "staking_params_synced"),
  ]);
  if (babylon === undefined || btc === undefined || params === undefined) return undefined;
  const ms = Math.min(Number(babylon), Number(btc));
  return BigInt(Math.floor(ms / 1000));
}

export async function loadFinalityState(db: Db, grid: FinalityGrid): Promise<FinalityState> {
  const [aHeight, aHash, aTime, fHeight, fHash, searchFrom] = await Promise.all([
    readState(db, "activated_height"),
    readState(db, "activated_hash"),
    readState(db, "activated_timestamp"),
    readState(db, "finalized_height"),
    readState(db, "finalized_hash"),
    readState(db, "activation_search_from"),
  ]);
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

async function saveFinalityState(db: Db, state: FinalityState): Promise<void> {
  await writeState(db, {
    activation_search_from: state.activationSearchFrom,
    activated_height: state.activation?.height,
    activated_hash: state.activation ? with0x(state.activation.hash) : undefined,
    activated_timestamp: state.activation?.timestamp,
    finalized_height: state.lastFinalized?.height,
    finalized_hash: state.lastFinalized ? with0x(state.lastFinalized.hash) : undefined,
  });
}
