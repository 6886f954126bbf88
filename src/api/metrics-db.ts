// Metrics whose truth is already in the database, read when /metrics is scraped instead of being pushed by the
// indexer: they stay right across restarts and writer take-overs, and the indexer needs no hooks for them.
// Each query is an index lookup per provider, so a scrape stays cheap however long the history grows.
import type { PrismaClient } from "../db/generated/client.ts";
import type { GadgetMetrics } from "./metrics.ts";

export async function refreshDatabaseMetrics(prisma: PrismaClient, metrics: GadgetMetrics): Promise<void> {
  const [open, finalized, lastVoted, power] = await Promise.all([
    prisma.safetyIncident.count({ where: { resolvedAt: null } }),
    // The writer's finalized head: right on a standby gadget and after a restart, before anything new finalizes.
    prisma.gadgetState.findUnique({ where: { key: "finalized_height" } }),
    prisma.$queryRaw<{ fp: string; height: bigint | null }[]>`
      SELECT fp.btc_pk AS fp,
             (SELECT max(s.height) FROM finality_signature s WHERE s.fp_btc_pk = fp.btc_pk) AS height
      FROM finality_provider fp`,
    // Power at the BTC height of the latest evaluated canonical block, as the engine stored it (providers
    // without power there, e.g. slashed or not allow-listed, have no row).
    prisma.$queryRaw<{ fp: string; power: bigint }[]>`
      SELECT vp.fp_btc_pk AS fp, vp.power FROM voting_power vp
      WHERE vp.btc_height = (SELECT b.btc_height FROM l2_block b
                             WHERE b.canonical AND b.evaluated_at IS NOT NULL AND b.btc_height IS NOT NULL
                             ORDER BY b.height DESC LIMIT 1)`,
  ]);
  metrics.safetyIncidentsOpen.set(open);
  if (finalized) {
    metrics.latestFinalizedBlockHeight.set(Number(finalized.value));
    metrics.finalizedHeight.set(Number(finalized.value));
  }
  metrics.fpLatestBlockVoted.reset();
  for (const r of lastVoted)
    if (r.height !== null) metrics.fpLatestBlockVoted.set({ fp_pubkey: r.fp }, Number(r.height));
  metrics.fpLatestVotingPower.reset();
  const powered = new Map(power.map((r) => [r.fp, r.power]));
  for (const r of lastVoted)
    metrics.fpLatestVotingPower.set({ fp_pubkey: r.fp }, Number(powered.get(r.fp) ?? 0n));
}
