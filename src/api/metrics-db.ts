// Metrics whose truth is already in the database, read when /metrics is scraped instead of being pushed by the
// indexer: they stay right across restarts and writer take-overs, and the indexer needs no hooks for them.
import type { PrismaClient } from "../db/generated/client.ts";
import { readUnreadableEvent } from "../store/babylon-unreadable.ts";
import { openIncidentCount } from "../store/blocks.ts";
import { readProviderGauges } from "../store/provider-gauges.ts";
import { readState } from "../store/state.ts";
import type { GadgetMetrics } from "./metrics.ts";

export async function refreshDatabaseMetrics(prisma: PrismaClient, metrics: GadgetMetrics): Promise<void> {
  const [open, finalized, providers, unreadable, skipped] = await Promise.all([
    openIncidentCount(prisma),
    // The writer's finalized head: right on a standby gadget and after a restart, before anything new finalizes.
    readState(prisma, "finalized_height"),
    readProviderGauges(prisma),
    readUnreadableEvent(prisma),
    readState(prisma, "babylon_malformed_skipped"),
  ]);
  metrics.babylonUnreadableEvent.reset();
  if (unreadable !== undefined) {
    metrics.babylonUnreadableEvent.set({ event: unreadable.eventType }, Number(unreadable.babylonHeight));
  }
  metrics.babylonMalformedSkipped.set(Number(skipped ?? 0));
  metrics.safetyIncidentsOpen.set(open);
  if (finalized !== undefined) {
    metrics.latestFinalizedBlockHeight.set(Number(finalized));
    metrics.finalizedHeight.set(Number(finalized));
  }
  metrics.fpLatestBlockVoted.reset();
  metrics.fpLatestVotingPower.reset();
  for (const p of providers) {
    if (p.lastVotedHeight !== undefined)
      metrics.fpLatestBlockVoted.set({ fp_pubkey: p.btcPk }, Number(p.lastVotedHeight));
    metrics.fpLatestVotingPower.set({ fp_pubkey: p.btcPk }, Number(p.power));
  }
}
