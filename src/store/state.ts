// Small keyed records the indexer keeps beside its tables: ingestion cursors and learnt values. They are
// written inside the transaction of the batch they describe, which is what makes a crash at any moment
// resume exactly where the committed data ends. Keys are a closed set, so a typo is a type error.
import { dec, type Tx } from "./tx.ts";

/** Every key of gadget_state, with what writes it. */
export const STATE_KEYS = [
  // the Babylon stage: the chain head it saw, and the time of the last block it committed
  "babylon_head_height",
  "babylon_synced_time",
  // the Babylon stage's fail-safe (babylon-unreadable.ts): the unreadable power-changing event it stopped at,
  // an operator's decision to read past one, and how many power-neutral malformed events it skipped
  "babylon_unreadable_height",
  "babylon_unreadable_event",
  "babylon_unreadable_error",
  "babylon_skip_event",
  "babylon_malformed_skipped",
  // the reconciler: the Babylon time its BTC headers are current at, the BTC tip, a first full pass done
  "btc_synced_time",
  "btc_tip_height",
  "staking_params_synced",
  // the reconciler: the Babylon height whose state the staking history starts from (recorded once), and that
  // the delegations active then are recorded too
  "staking_baseline_height",
  "staking_baseline_active",
  // the L2 stage: the chain's head, safe and finalized heights
  "l2_head_height",
  "l2_safe_height",
  "l2_finalized_height",
  // the engine: consecutive finality (rules 5–7)
  "activation_search_from",
  "activated_height",
  "activated_hash",
  "activated_timestamp",
  "finalized_height",
  "finalized_hash",
] as const;

export type StateKey = (typeof STATE_KEYS)[number];

/** The ingestion cursors: each stage's last committed height. */
export type CursorName = "babylon" | "l2" | "engine";

export interface Cursor {
  height: bigint;
  hash: string | null;
}

export async function readCursor(db: Tx, name: CursorName): Promise<Cursor | undefined> {
  const rows = await db.$queryRawUnsafe<{ height: bigint; hash: string | null }[]>(
    `SELECT height, hash FROM ingest_cursor WHERE name = $1`,
    name,
  );
  const row = rows[0];
  return row ? { height: BigInt(row.height), hash: row.hash } : undefined;
}

export async function readCursors(db: Tx): Promise<Map<CursorName, bigint>> {
  const rows = await db.$queryRawUnsafe<{ name: CursorName; height: bigint }[]>(
    `SELECT name, height FROM ingest_cursor`,
  );
  return new Map(rows.map((r) => [r.name, BigInt(r.height)]));
}

export async function writeCursor(
  db: Tx,
  name: CursorName,
  height: bigint,
  hash: string | null = null,
): Promise<void> {
  await db.$executeRawUnsafe(
    `INSERT INTO ingest_cursor (name, height, hash, updated_at) VALUES ($1, $2::bigint, $3, now())
     ON CONFLICT (name) DO UPDATE SET height = EXCLUDED.height, hash = EXCLUDED.hash, updated_at = now()`,
    name,
    dec(height),
    hash,
  );
}

export async function deleteCursor(db: Tx, name: CursorName): Promise<void> {
  await db.$executeRawUnsafe(`DELETE FROM ingest_cursor WHERE name = $1`, name);
}

export async function readState(db: Tx, key: StateKey): Promise<string | undefined> {
  return (await readStates(db, [key])).get(key);
}

export async function readStates<K extends StateKey>(db: Tx, keys: readonly K[]): Promise<Map<K, string>> {
  const rows = await db.$queryRawUnsafe<{ key: K; value: string }[]>(
    `SELECT key, value FROM gadget_state WHERE key = ANY($1::text[])`,
    [...keys],
  );
  return new Map(rows.map((r) => [r.key, r.value]));
}

export async function writeState(
  db: Tx,
  entries: Partial<Record<StateKey, string | bigint | number | undefined>>,
): Promise<void> {
  const keys: string[] = [];
  const values: string[] = [];
  for (const [key, value] of Object.entries(entries)) {
    if (value === undefined) continue;
    keys.push(key);
    values.push(String(value));
  }
  if (keys.length === 0) return;
  // Values that are already stored are not written again: the stages write their heads on every poll, and a
  // write, even of the same value, is a new database snapshot, which makes every kept API response stale
  // (src/api/graphql/response-cache.ts). A statement that inserts no row writes nothing.
  await db.$executeRawUnsafe(
    `INSERT INTO gadget_state (key, value)
     SELECT t.key, t.value FROM unnest($1::text[], $2::text[]) AS t(key, value)
     WHERE NOT EXISTS (SELECT 1 FROM gadget_state g WHERE g.key = t.key AND g.value = t.value)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    keys,
    values,
  );
}

export async function deleteStates(db: Tx, keys: readonly StateKey[]): Promise<void> {
  await db.$executeRawUnsafe(`DELETE FROM gadget_state WHERE key = ANY($1::text[])`, [...keys]);
}
