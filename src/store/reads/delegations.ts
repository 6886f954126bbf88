// The API's reads of BTC delegations.
import type { BtcDelegation, Prisma, PrismaClient } from "../../db/generated/client.ts";
import type { PageQuery } from "./page.ts";

export type DelegationReader = Pick<PrismaClient, "btcDelegation" | "delegationProvider">;

export function delegationPage(
  db: DelegationReader,
  q: PageQuery<Prisma.BtcDelegationWhereInput>,
): Promise<BtcDelegation[]> {
  return db.btcDelegation.findMany(q);
}

/** The providers of each delegation, by public key; keyed by staking tx hash. */
export async function providersOfDelegations(
  db: DelegationReader,
  hashes: readonly string[],
): Promise<Map<string, string[]>> {
  const rows = await db.delegationProvider.findMany({
    where: { stakingTxHash: { in: [...hashes] } },
    orderBy: { fpBtcPk: "asc" },
  });
  const groups = new Map<string, string[]>();
  for (const r of rows) {
    const group = groups.get(r.stakingTxHash);
    if (group) group.push(r.fpBtcPk);
    else groups.set(r.stakingTxHash, [r.fpBtcPk]);
  }
  return groups;
}
