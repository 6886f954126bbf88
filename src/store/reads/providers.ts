// The API's reads of finality providers, their voting power and their randomness commitments.
import type { FinalityProvider, Prisma, PrismaClient, PubRandCommit } from "../../db/generated/client.ts";
import type { Tx } from "../tx.ts";
import type { PageQuery } from "./page.ts";

export type ProviderReader = Pick<PrismaClient, "finalityProvider" | "pubRandCommit"> & Tx;

/** Raw SQL with model-named columns: every page of votes asks it (see L2_BLOCK_COLUMNS in blocks.ts). */
export function providersByPk(db: Tx, pks: readonly string[]): Promise<FinalityProvider[]> {
  return Promise.resolve(
    db.$queryRawUnsafe<FinalityProvider[]>(
      `SELECT btc_pk AS "btcPk", bsn_id AS "bsnId", addr, moniker, identity, website,
              security_contact AS "securityContact", details, commission, jailed,
              slashed_babylon_height AS "slashedBabylonHeight", slashed_btc_height AS "slashedBtcHeight",
              registered_babylon_height AS "registeredBabylonHeight",
              updated_babylon_height AS "updatedBabylonHeight"
       FROM finality_provider WHERE btc_pk = ANY($1::text[])`,
      [...pks],
    ),
  );
}

/** Every provider (of one BSN when given), by public key. */
export function providersOf(db: ProviderReader, bsnId: string | undefined): Promise<FinalityProvider[]> {
  return db.finalityProvider.findMany({
    where: bsnId === undefined ? {} : { bsnId },
    orderBy: { btcPk: "asc" },
  });
}

/** Power at the newest BTC height the engine computed a table for ("now"); providers absent from it have none. */
export async function currentPowers(db: Tx, pks: readonly string[]): Promise<Map<string, bigint>> {
  const rows = await db.$queryRawUnsafe<{ pk: string; power: bigint }[]>(
    `SELECT fp_btc_pk AS pk, power FROM voting_power
     WHERE btc_height = (SELECT max(btc_height) FROM voting_power) AND fp_btc_pk = ANY($1::text[])`,
    [...pks],
  );
  return new Map(rows.map((r) => [r.pk, BigInt(r.power)]));
}

export interface PowerTables {
  /** Power keyed `${btcHeight}:${fpBtcPk}`. */
  power: Map<string, bigint>;
  /** The BTC heights the engine has a table for (a provider absent from one has no power there). */
  heights: Set<number>;
}

/** The power tables at these BTC heights, restricted to these providers. */
export async function powerTables(
  db: Tx,
  btcHeights: readonly number[],
  pks: readonly string[],
): Promise<PowerTables> {
  // Per asked height: whether a table exists, and the asked providers' rows in it (none → no power there).
  const rows = await db.$queryRawUnsafe<{ h: number; pk: string | null; power: bigint | null }[]>(
    `SELECT t.h, vp.fp_btc_pk AS pk, vp.power
     FROM unnest($1::int[]) AS t(h)
     JOIN LATERAL (SELECT 1 FROM voting_power WHERE btc_height = t.h LIMIT 1) known ON true
     LEFT JOIN voting_power vp ON vp.btc_height = t.h AND vp.fp_btc_pk = ANY($2::text[])`,
    [...btcHeights],
    [...pks],
  );
  const tables: PowerTables = { power: new Map(), heights: new Set() };
  for (const r of rows) {
    tables.heights.add(Number(r.h));
    if (r.pk !== null && r.power !== null) tables.power.set(`${r.h}:${r.pk}`, BigInt(r.power));
  }
  return tables;
}

export function pubRandCommitPage(
  db: ProviderReader,
  q: PageQuery<Prisma.PubRandCommitWhereInput>,
): Promise<PubRandCommit[]> {
  return db.pubRandCommit.findMany(q);
}
