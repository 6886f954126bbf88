// The API's reads of finality providers, their voting power and their randomness commitments.
import type { FinalityProvider, Prisma, PrismaClient, PubRandCommit } from "../../db/generated/client.ts";
import type { PageQuery } from "./page.ts";

export type ProviderReader = Pick<PrismaClient, "finalityProvider" | "votingPower" | "pubRandCommit">;

export function providersByPk(db: ProviderReader, pks: readonly string[]): Promise<FinalityProvider[]> {
  return db.finalityProvider.findMany({ where: { btcPk: { in: [...pks] } } });
}

/** Every provider (of one BSN when given), by public key. */
export function providersOf(db: ProviderReader, bsnId: string | undefined): Promise<FinalityProvider[]> {
  return db.finalityProvider.findMany({
    where: bsnId === undefined ? {} : { bsnId },
    orderBy: { btcPk: "asc" },
  });
}

/** Power at the newest BTC height the engine computed a table for ("now"); providers absent from it have none. */
export async function currentPowers(
  db: ProviderReader,
  pks: readonly string[],
): Promise<Map<string, bigint>> {
  const latest = await db.votingPower.aggregate({ _max: { btcHeight: true } });
  const btcHeight = latest._max.btcHeight;
  if (btcHeight === null) return new Map();
  const rows = await db.votingPower.findMany({ where: { btcHeight, fpBtcPk: { in: [...pks] } } });
  return new Map(rows.map((r) => [r.fpBtcPk, r.power]));
}

export interface PowerTables {
  /** Power keyed `${btcHeight}:${fpBtcPk}`. */
  power: Map<string, bigint>;
  /** The BTC heights the engine has a table for (a provider absent from one has no power there). */
  heights: Set<number>;
}

/** The power tables at these BTC heights, restricted to these providers. */
export async function powerTables(
  db: ProviderReader,
  btcHeights: readonly number[],
  pks: readonly string[],
): Promise<PowerTables> {
  const [rows, tables] = await Promise.all([
    db.votingPower.findMany({ where: { btcHeight: { in: [...btcHeights] }, fpBtcPk: { in: [...pks] } } }),
    db.votingPower.groupBy({ by: ["btcHeight"], where: { btcHeight: { in: [...btcHeights] } } }),
  ]);
  return {
    power: new Map(rows.map((r) => [`${r.btcHeight}:${r.fpBtcPk}`, r.power])),
    heights: new Set(tables.map((t) => t.btcHeight)),
  };
}

export function pubRandCommitPage(
  db: ProviderReader,
  q: PageQuery<Prisma.PubRandCommitWhereInput>,
): Promise<PubRandCommit[]> {
  return db.pubRandCommit.findMany(q);
}
