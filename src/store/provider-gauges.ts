// What /metrics reports per finality provider, read at scrape time: the highest height each provider has a
// signature at, and its power at the BTC height of the latest evaluated canonical block, as the engine stored
// it (providers without power there, e.g. slashed or not allow-listed, have no row). Both are index lookups per
// provider, so a scrape stays cheap however long the history grows.
import type { Tx } from "./tx.ts";

export interface ProviderGauge {
  btcPk: string;
  lastVotedHeight: bigint | undefined;
  power: bigint;
}

export async function readProviderGauges(db: Tx): Promise<ProviderGauge[]> {
  const [voted, power] = await Promise.all([
    db.$queryRawUnsafe<{ fp: string; height: bigint | null }[]>(
      `SELECT fp.btc_pk AS fp,
              (SELECT max(s.height) FROM finality_signature s WHERE s.fp_btc_pk = fp.btc_pk) AS height
       FROM finality_provider fp`,
    ),
    db.$queryRawUnsafe<{ fp: string; power: bigint }[]>(
      `SELECT vp.fp_btc_pk AS fp, vp.power FROM voting_power vp
       WHERE vp.btc_height = (SELECT b.btc_height FROM l2_block b
                              WHERE b.canonical AND b.evaluated_at IS NOT NULL AND b.btc_height IS NOT NULL
                              ORDER BY b.height DESC LIMIT 1)`,
    ),
  ]);
  const powered = new Map(power.map((r) => [r.fp, BigInt(r.power)]));
  return voted.map((r) => ({
    btcPk: r.fp,
    lastVotedHeight: r.height === null ? undefined : BigInt(r.height),
    power: powered.get(r.fp) ?? 0n,
  }));
}
