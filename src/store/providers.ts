// Finality providers: one row each with the latest state, and the history of their status events. Rows come
// from two sources, registration events (the Babylon stage) and Babylon's current state (the reconciler);
// one upsert serves both, so the conflict rule that makes the row end the same whichever ran first lives
// here only.

import type { JailHistory } from "../core/finality/index.ts";
import type { ProviderEventRecord, ProviderRecord } from "../indexer/babylon/records.ts";
import { dec, type Tx } from "./tx.ts";

/** What a provider says of itself (its registration message, or Babylon's state). */
export type ProviderDescription = Omit<ProviderRecord, "babylonHeight">;

/**
 * A provider as one of the two sources tells it. `registered`: its registration event at that Babylon height.
 * `state`: Babylon's current state read at that height (status flags included; it never moves the event
 * heights).
 */
export type ProviderUpsert = ProviderDescription &
  (
    | { from: "registered"; babylonHeight: bigint }
    | {
        from: "state";
        babylonHeight: bigint;
        jailed: boolean;
        slashedBabylonHeight: bigint | null;
        slashedBtcHeight: number | null;
      }
  );

export async function upsertProviders(db: Tx, rows: ProviderUpsert[]): Promise<void> {
  if (rows.length === 0) return;
  const state = (r: ProviderUpsert) => (r.from === "state" ? r : undefined);
  // A row from state carries no registration height: that is how the conflict rule tells the sources apart.
  await db.$executeRawUnsafe(
    `INSERT INTO finality_provider (btc_pk, bsn_id, addr, moniker, identity, website, security_contact, details, commission,
                                    jailed, slashed_babylon_height, slashed_btc_height, registered_babylon_height, updated_babylon_height)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                          $10::boolean[], $11::bigint[], $12::int[], $13::bigint[], $14::bigint[])
     ON CONFLICT (btc_pk) DO UPDATE SET bsn_id = EXCLUDED.bsn_id, addr = EXCLUDED.addr, moniker = EXCLUDED.moniker,
       identity = EXCLUDED.identity, website = EXCLUDED.website, security_contact = EXCLUDED.security_contact,
       details = EXCLUDED.details, commission = EXCLUDED.commission,
       jailed = CASE WHEN EXCLUDED.registered_babylon_height IS NULL THEN EXCLUDED.jailed ELSE finality_provider.jailed END,
       slashed_babylon_height = coalesce(finality_provider.slashed_babylon_height, EXCLUDED.slashed_babylon_height),
       slashed_btc_height = coalesce(EXCLUDED.slashed_btc_height, finality_provider.slashed_btc_height),
       registered_babylon_height = coalesce(finality_provider.registered_babylon_height, EXCLUDED.registered_babylon_height),
       updated_babylon_height = CASE WHEN EXCLUDED.registered_babylon_height IS NULL
         THEN finality_provider.updated_babylon_height ELSE EXCLUDED.updated_babylon_height END`,
    rows.map((r) => r.btcPk),
    rows.map((r) => r.bsnId),
    rows.map((r) => r.addr),
    rows.map((r) => r.moniker),
    rows.map((r) => r.identity),
    rows.map((r) => r.website),
    rows.map((r) => r.securityContact),
    rows.map((r) => r.details),
    rows.map((r) => r.commission),
    rows.map((r) => state(r)?.jailed ?? false),
    rows.map((r) => {
      const h = state(r)?.slashedBabylonHeight;
      return h === undefined || h === null ? null : dec(h);
    }),
    rows.map((r) => state(r)?.slashedBtcHeight ?? null),
    rows.map((r) => (r.from === "registered" ? dec(r.babylonHeight) : null)),
    rows.map((r) => dec(r.babylonHeight)),
  );
}

/**
 * Records status events and folds them, per provider in order, into the row's latest state (one statement
 * for the batch): slashing is forever, the last of JAILED / ACTIVE / INACTIVE sets the jailed flag.
 */
export async function recordProviderEvents(db: Tx, events: ProviderEventRecord[]): Promise<void> {
  if (events.length === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO finality_provider_event (babylon_height, event_index, fp_btc_pk, kind)
     SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`,
    events.map((x) => dec(x.babylonHeight)),
    events.map((x) => x.eventIndex),
    events.map((x) => x.fpBtcPk),
    events.map((x) => x.kind),
  );
  const fold = new Map<string, { slashed: string | null; jailed: boolean | null; updated: string }>();
  for (const ev of events) {
    const slashing = ev.kind === "SLASHED";
    if (!slashing && ev.kind !== "JAILED" && ev.kind !== "ACTIVE" && ev.kind !== "INACTIVE") continue;
    const f = fold.get(ev.fpBtcPk) ?? { slashed: null, jailed: null, updated: dec(ev.babylonHeight) };
    if (slashing) f.slashed ??= dec(ev.babylonHeight);
    else f.jailed = ev.kind === "JAILED";
    f.updated = dec(ev.babylonHeight);
    fold.set(ev.fpBtcPk, f);
  }
  if (fold.size === 0) return;
  const rows = [...fold];
  await db.$executeRawUnsafe(
    `UPDATE finality_provider p SET slashed_babylon_height = coalesce(p.slashed_babylon_height, r.slashed),
       jailed = coalesce(r.jailed, p.jailed), updated_babylon_height = r.updated
     FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::bigint[]) AS r(pk, slashed, jailed, updated)
     WHERE p.btc_pk = r.pk`,
    rows.map(([pk]) => pk),
    rows.map(([, f]) => f.slashed),
    rows.map(([, f]) => f.jailed),
    rows.map(([, f]) => f.updated),
  );
}

export interface ProviderStatusRow {
  btcPk: string;
  bsnId: string;
  jailed: boolean;
  slashedBabylonHeight: bigint | null;
  slashedBtcHeight: number | null;
}

/** Every provider's status flags (of one BSN when given). */
export async function providerStatuses(db: Tx, bsnId?: string): Promise<ProviderStatusRow[]> {
  const rows = await db.$queryRawUnsafe<
    {
      btc_pk: string;
      bsn_id: string;
      jailed: boolean;
      slashed_babylon_height: bigint | null;
      slashed_btc_height: number | null;
    }[]
  >(
    `SELECT btc_pk, bsn_id, jailed, slashed_babylon_height, slashed_btc_height FROM finality_provider
     WHERE $1::text IS NULL OR bsn_id = $1`,
    bsnId ?? null,
  );
  return rows.map((r) => ({
    btcPk: r.btc_pk,
    bsnId: r.bsn_id,
    jailed: r.jailed,
    slashedBabylonHeight: r.slashed_babylon_height === null ? null : BigInt(r.slashed_babylon_height),
    slashedBtcHeight: r.slashed_btc_height === null ? null : Number(r.slashed_btc_height),
  }));
}

/**
 * Records which providers were jailed at the first indexed Babylon height, as read from the chain's state
 * at the height before it. Stored as events at that height (negative indices: no indexed event is there).
 */
export async function recordJailedAtStart(db: Tx, babylonHeight: bigint, pks: string[]): Promise<void> {
  if (pks.length === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO finality_provider_event (babylon_height, event_index, fp_btc_pk, kind)
     SELECT $1::bigint, -i::int, pk, '${JAILED_AT_START}' FROM unnest($2::text[]) WITH ORDINALITY AS t(pk, i)
     ON CONFLICT DO NOTHING`,
    dec(babylonHeight),
    [...pks].sort(),
  );
}

const JAILED_AT_START = "JAILED_AT_START";

/** Every provider's jail history: its status at the first indexed height, then JAILED / ACTIVE / INACTIVE. */
export async function jailHistories(db: Tx): Promise<Map<string, JailHistory>> {
  const rows = await db.$queryRawUnsafe<{ fp_btc_pk: string; babylon_height: bigint; kind: string }[]>(
    `SELECT fp_btc_pk, babylon_height, kind FROM finality_provider_event
     WHERE kind IN ('${JAILED_AT_START}', 'JAILED', 'ACTIVE', 'INACTIVE') ORDER BY babylon_height, event_index`,
  );
  const out = new Map<
    string,
    { jailedAtStart: boolean; changes: { babylonHeight: bigint; jailed: boolean }[] }
  >();
  for (const e of rows) {
    const history = out.get(e.fp_btc_pk) ?? { jailedAtStart: false, changes: [] };
    if (e.kind === JAILED_AT_START) history.jailedAtStart = true;
    else history.changes.push({ babylonHeight: BigInt(e.babylon_height), jailed: e.kind === "JAILED" });
    out.set(e.fp_btc_pk, history);
  }
  return out;
}
