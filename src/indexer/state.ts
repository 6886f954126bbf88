// Small keyed records the indexer keeps beside its tables: ingestion cursors and learnt values. They are
// written inside the transaction of the batch they describe, which is what makes a crash at any moment
// resume exactly where the committed data ends.
import type { FinalityGrid } from "../core/finality/index.ts";
import { finalityGrid } from "../core/finality/index.ts";
import type { PrismaClient } from "../db/database.ts";

/** A Prisma client or an interactive-transaction client: both run raw SQL. */
export type Db = Pick<PrismaClient, "$executeRawUnsafe" | "$queryRawUnsafe">;

export interface Cursor {
  height: bigint;
  hash: string | null;
}

export async function readCursor(db: Db, name: string): Promise<Cursor | undefined> {
  const rows = await db.$queryRawUnsafe<{ height: bigint; hash: string | null }[]>(
    `SELECT height, hash FROM ingest_cursor WHERE name = $1`,
    name,
  );
  const row = rows[0];
  return row ? { height: BigInt(row.height), hash: row.hash } : undefined;
}

export async function writeCursor(
  db: Db,
  name: string,
  height: bigint,
  hash: string | null = null,
): Promise<void> {
  await db.$executeRawUnsafe(
    `INSERT INTO ingest_cursor (name, height, hash, updated_at) VALUES ($1, $2::bigint, $3, now())
     ON CONFLICT (name) DO UPDATE SET height = EXCLUDED.height, hash = EXCLUDED.hash, updated_at = now()`,
    name,
    height.toString(),
    hash,
  );
}

export async function readState(db: Db, key: string): Promise<string | undefined> {
  const rows = await db.$queryRawUnsafe<{ value: string }[]>(
    `SELECT value FROM gadget_state WHERE key = $1`,
    key,
  );
  return rows[0]?.value;
}

/**
 * Sends verdicts not yet final back to the engine: all of them (stake or BTC headers changed), or those of
 * the given L2 heights (new votes).
 */
export async function reopenVerdicts(db: Db, heights?: string[]): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE l2_block SET evaluated_at = NULL
     WHERE evaluated_at IS NOT NULL AND status NOT IN ('FINALIZED', 'NOT_ACTIVATED')
       AND ($1::bigint[] IS NULL OR height = ANY($1::bigint[]))`,
    heights ?? null,
  );
}

export async function writeState(
  db: Db,
  entries: Record<string, string | bigint | number | undefined>,
): Promise<void> {
  const keys: string[] = [];
  const values: string[] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (value === undefined) continue;
    keys.push(key);
    values.push(String(value));
  }
  if (keys.length === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO gadget_state (key, value) SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    keys,
    values,
  );
}

export interface ContractSettings {
  contractAddress: string;
  bsnId: string;
  grid: FinalityGrid;
}

export async function readContractSettings(db: Db): Promise<ContractSettings | undefined> {
  const rows = await db.$queryRawUnsafe<
    {
      contract_address: string;
      bsn_id: string;
      bsn_activation_height: bigint;
      finality_signature_interval: bigint;
    }[]
  >(
    `SELECT contract_address, bsn_id, bsn_activation_height, finality_signature_interval FROM contract_config LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    contractAddress: row.contract_address,
    bsnId: row.bsn_id,
    grid: finalityGrid(BigInt(row.bsn_activation_height), BigInt(row.finality_signature_interval)),
  };
}

/** The columns of btc_delegation that voting power is computed from (rule 3). */
export interface DelegationRow {
  staking_tx_hash: string;
  total_sat: bigint;
  start_height: number;
  end_height: number;
  covenant_quorum_reached: boolean;
  unbonded_at_btc_height: number | null;
}

export const delegationColumns =
  "staking_tx_hash, total_sat, start_height, end_height, covenant_quorum_reached, unbonded_at_btc_height";
