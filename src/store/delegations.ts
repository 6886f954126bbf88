// BTC delegations: one row each with the state voting power is computed from, the providers each delegates
// to, and the history of status changes. Rows come from creation events (the Babylon stage) and from
// Babylon's current state (the reconciler); one upsert serves both, with the conflict rule that makes the
// row the same whichever ran first.
import type { DelegationChangeRecord, DelegationCreatedRecord } from "../indexer/babylon/records.ts";
import { btcHeightsOfHashes } from "./btc-headers.ts";
import { dec, type Tx } from "./tx.ts";

/**
 * A delegation as one of the two sources tells it. `created`: its creation event (heights and quorum are
 * not known yet: 0 and false). `state`: Babylon's current state at `babylonHeight`.
 */
export interface DelegationUpsert extends DelegationCreatedRecord {
  from: "created" | "state";
  startHeight: number;
  endHeight: number;
  covenantQuorumReached: boolean;
  unbondedAtBtcHeight: number | null;
}

/** The status an early unbonding's event records, with the BTC height of the spend. */
const UNBONDED = "UNBONDED";

export async function upsertDelegations(db: Tx, rows: DelegationUpsert[]): Promise<void> {
  if (rows.length === 0) return;
  // Fill what the events have not told yet; never undo what they did, and never move the row's event
  // height: the result must not depend on whether the reconciler ran before or after the Babylon stage. A
  // row from state carries no creation height: that is how the rule tells the sources apart. The BTC height
  // of an early unbonding comes from its recorded event, also when the event was recorded before the row
  // existed (a delegation created before the first indexed height): Babylon's state does not carry it.
  // Where several are known (the baseline's bound, then the event), the lowest is the spend's.
  await db.$executeRawUnsafe(
    `INSERT INTO btc_delegation (staking_tx_hash, staker_addr, staker_btc_pk, total_sat, staking_time, start_height, end_height,
                                 covenant_quorum_reached, unbonded_at_btc_height, status, params_version,
                                 created_babylon_height, updated_babylon_height)
     SELECT r.hash, r.addr, r.staker, r.total, r.staking_time, r.start, r.end_, r.quorum,
            least(r.unbonded, (SELECT min(c.btc_height) FROM delegation_status_change c
                                  WHERE c.staking_tx_hash = r.hash AND c.status = '${UNBONDED}' AND c.btc_height IS NOT NULL)),
            r.status, r.params_version, r.created, r.updated
     FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::int[], $6::int[], $7::int[], $8::boolean[],
                 $9::int[], $10::text[], $11::int[], $12::bigint[], $13::bigint[])
       AS r(hash, addr, staker, total, staking_time, start, end_, quorum, unbonded, status, params_version, created, updated)
     ON CONFLICT (staking_tx_hash) DO UPDATE SET
       start_height = CASE WHEN btc_delegation.start_height = 0 THEN EXCLUDED.start_height ELSE btc_delegation.start_height END,
       end_height = CASE WHEN btc_delegation.end_height = 0 THEN EXCLUDED.end_height ELSE btc_delegation.end_height END,
       covenant_quorum_reached = btc_delegation.covenant_quorum_reached OR EXCLUDED.covenant_quorum_reached,
       unbonded_at_btc_height = least(btc_delegation.unbonded_at_btc_height, EXCLUDED.unbonded_at_btc_height),
       status = CASE WHEN btc_delegation.created_babylon_height IS NULL AND EXCLUDED.created_babylon_height IS NULL
         THEN EXCLUDED.status ELSE btc_delegation.status END,
       created_babylon_height = coalesce(btc_delegation.created_babylon_height, EXCLUDED.created_babylon_height)`,
    rows.map((r) => r.stakingTxHash),
    rows.map((r) => r.stakerAddr),
    rows.map((r) => r.stakerBtcPk),
    rows.map((r) => dec(r.totalSat)),
    rows.map((r) => r.stakingTime),
    rows.map((r) => r.startHeight),
    rows.map((r) => r.endHeight),
    rows.map((r) => r.covenantQuorumReached),
    rows.map((r) => r.unbondedAtBtcHeight),
    rows.map((r) => r.status),
    rows.map((r) => r.paramsVersion),
    rows.map((r) => (r.from === "created" ? dec(r.babylonHeight) : null)),
    rows.map((r) => dec(r.babylonHeight)),
  );
  const pairs = rows.flatMap((r) => r.fpBtcPks.map((fp) => [r.stakingTxHash, fp] as const));
  await db.$executeRawUnsafe(
    `INSERT INTO delegation_provider (staking_tx_hash, fp_btc_pk) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
    pairs.map((p) => p[0]),
    pairs.map((p) => p[1]),
  );
}

/**
 * Records status changes and applies them in event order — folded per delegation into what applying them one
 * by one would leave, then written in one statement (a backfill meets thousands per batch). A change for a
 * delegation not (yet) indexed is kept in the history and its row is filled by the reconciler.
 */
export async function recordDelegationChanges(db: Tx, recorded: DelegationChangeRecord[]): Promise<void> {
  if (recorded.length === 0) return;
  // An unexpected unbonding names the spend's BTC block by hash: placed at that block's height.
  const heights = await btcHeightsOfHashes(db, [
    ...new Set(recorded.flatMap((x) => (x.unbondedInBtcBlock ? [x.unbondedInBtcBlock] : []))),
  ]);
  const changes = recorded.map((x) =>
    x.unbondedInBtcBlock ? { ...x, unbondedAtBtcHeight: heights.get(x.unbondedInBtcBlock)! } : x,
  );
  await db.$executeRawUnsafe(
    `INSERT INTO delegation_status_change (babylon_height, event_index, staking_tx_hash, status, btc_height)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::int[]) ON CONFLICT DO NOTHING`,
    changes.map((x) => dec(x.babylonHeight)),
    changes.map((x) => x.eventIndex),
    changes.map((x) => x.stakingTxHash),
    changes.map((x) => x.status),
    changes.map((x) => x.unbondedAtBtcHeight ?? x.startHeight ?? null),
  );
  const fold = new Map<
    string,
    {
      status: string;
      quorum: boolean;
      start: number | null;
      end: number | null;
      unbonded: number | null;
      at: string;
    }
  >();
  for (const x of changes) {
    const f = fold.get(x.stakingTxHash) ?? {
      status: x.status,
      quorum: false,
      start: null,
      end: null,
      unbonded: null,
      at: dec(x.babylonHeight),
    };
    f.status = x.status;
    f.quorum ||= x.covenantQuorumReached ?? false;
    f.start = x.startHeight ?? f.start;
    f.end = x.endHeight ?? f.end;
    const u = x.unbondedAtBtcHeight ?? null;
    if (u !== null && (f.unbonded === null || u < f.unbonded)) f.unbonded = u;
    f.at = dec(x.babylonHeight);
    fold.set(x.stakingTxHash, f);
  }
  const rows = [...fold];
  await db.$executeRawUnsafe(
    `UPDATE btc_delegation d SET status = r.status,
       covenant_quorum_reached = d.covenant_quorum_reached OR r.quorum,
       start_height = coalesce(r.start, d.start_height), end_height = coalesce(r.end_, d.end_height),
       unbonded_at_btc_height = least(d.unbonded_at_btc_height, r.unbonded),
       updated_babylon_height = r.at
     FROM unnest($1::text[], $2::text[], $3::boolean[], $4::int[], $5::int[], $6::int[], $7::bigint[])
       AS r(hash, status, quorum, start, end_, unbonded, at)
     WHERE d.staking_tx_hash = r.hash`,
    rows.map(([hash]) => hash),
    rows.map(([, f]) => f.status),
    rows.map(([, f]) => f.quorum),
    rows.map(([, f]) => f.start),
    rows.map(([, f]) => f.end),
    rows.map(([, f]) => f.unbonded),
    rows.map(([, f]) => f.at),
  );
}

/**
 * Records the delegations Babylon's state showed active before the first indexed height: as ACTIVE changes at
 * Babylon height 0, before every indexed event, so that they count from the start (the status column, which
 * says what Babylon shows now, is left alone).
 */
export async function recordActiveBefore(db: Tx, stakingTxHashes: string[]): Promise<void> {
  if (stakingTxHashes.length === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO delegation_status_change (babylon_height, event_index, staking_tx_hash, status)
     SELECT 0, -i::int, h, '${ACTIVE}' FROM unnest($1::text[]) WITH ORDINALITY AS r(h, i) ON CONFLICT DO NOTHING`,
    stakingTxHashes,
  );
}

/** The columns of a delegation that voting power is computed from (rule 3). */
export interface DelegationStake {
  stakingTxHash: string;
  fpBtcPks: string[];
  totalSat: bigint;
  startHeight: number;
  endHeight: number;
  covenantQuorumReached: boolean;
  unbondedAtBtcHeight: number | null;
  /** The Babylon height whose block first reported it ACTIVE (0: before the first indexed height); null: never. */
  activeBabylonHeight: bigint | null;
  /** The Babylon height whose block reported its early unbonding (0: before the first indexed height). */
  unbondedBabylonHeight: bigint | null;
}

/** The status Babylon reports a delegation in once it has voting power (quorum and inclusion proof). */
export const ACTIVE = "ACTIVE";

/** Every delegation (or those of the given staking txs) with the providers it delegates to. */
export async function delegationStakes(db: Tx, hashes?: string[]): Promise<DelegationStake[]> {
  const rows = await db.$queryRawUnsafe<
    {
      staking_tx_hash: string;
      total_sat: bigint;
      start_height: number;
      end_height: number;
      covenant_quorum_reached: boolean;
      unbonded_at_btc_height: number | null;
      fps: string[] | null;
      active_at: bigint | null;
      unbonded_at: bigint | null;
    }[]
  >(
    // When Babylon learned what: from the status history alone (the same for a live run and a backfill),
    // also for a row written after its changes (a delegation created before the first indexed height).
    `SELECT d.staking_tx_hash, d.total_sat, d.start_height, d.end_height, d.covenant_quorum_reached, d.unbonded_at_btc_height,
            (SELECT array_agg(p.fp_btc_pk ORDER BY p.fp_btc_pk) FROM delegation_provider p WHERE p.staking_tx_hash = d.staking_tx_hash) AS fps,
            c.active_at, c.unbonded_at
     FROM btc_delegation d
     LEFT JOIN LATERAL (
       SELECT min(babylon_height) FILTER (WHERE status = '${ACTIVE}') AS active_at,
              min(babylon_height) FILTER (WHERE status = '${UNBONDED}' AND btc_height IS NOT NULL) AS unbonded_at
       FROM delegation_status_change WHERE staking_tx_hash = d.staking_tx_hash) c ON true
     WHERE $1::text[] IS NULL OR d.staking_tx_hash = ANY($1::text[])`,
    hashes ?? null,
  );
  return rows.map((d) => ({
    stakingTxHash: d.staking_tx_hash,
    fpBtcPks: d.fps ?? [],
    totalSat: BigInt(d.total_sat),
    startHeight: Number(d.start_height),
    endHeight: Number(d.end_height),
    covenantQuorumReached: d.covenant_quorum_reached,
    unbondedAtBtcHeight: d.unbonded_at_btc_height === null ? null : Number(d.unbonded_at_btc_height),
    activeBabylonHeight: d.active_at === null ? null : BigInt(d.active_at),
    unbondedBabylonHeight: d.unbonded_at === null ? null : BigInt(d.unbonded_at),
  }));
}
