// Prometheus metrics on a registry of our own (never prom-client's global one, so two gadgets in one process —
// tests, benchmarks — do not collide). The reference gadget's names are kept so existing dashboards work;
// the indexer updates these objects, the API serves them on /metrics; what the database already holds (votes,
// voting power, open incidents) is read at scrape time (metrics-db.ts). Dashboards and alert rules in ops/
// use these names, and a test holds every name they reference to what a running gadget serves.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export class GadgetMetrics {
  readonly registry = new Registry();

  // The reference's metrics (FG-rollup metrics/metrics.go).
  readonly finalizedBlocksTotal = new Counter({
    name: "finality_gadget_finalized_blocks_total",
    help: "L2 blocks that became BTC-finalized",
    registers: [this.registry],
  });
  readonly latestFinalizedBlockHeight = new Gauge({
    name: "finality_gadget_latest_finalized_block_height",
    help: "Height of the latest BTC-finalized canonical L2 block",
    registers: [this.registry],
  });
  readonly fpLatestBlockVoted = new Gauge({
    name: "finality_gadget_fp_latest_block_voted",
    help: "Highest L2 height a finality provider voted for (a vote the contract accepted)",
    labelNames: ["fp_pubkey"] as const,
    registers: [this.registry],
  });
  readonly fpLatestVotingPower = new Gauge({
    name: "finality_gadget_fp_latest_voting_power",
    help: "Voting power (satoshis) of a finality provider at the BTC height of the latest evaluated block",
    labelNames: ["fp_pubkey"] as const,
    registers: [this.registry],
  });

  // What operating this gadget needs beyond the reference.
  readonly ingestionLagBlocks = new Gauge({
    name: "finality_gadget_ingestion_lag_blocks",
    help: "Blocks between a source's head and what the gadget has processed from it",
    labelNames: ["source"] as const,
    registers: [this.registry],
  });
  readonly headHeight = new Gauge({
    name: "finality_gadget_head_height",
    help: "A source chain's latest height as last seen (l2, babylon)",
    labelNames: ["source"] as const,
    registers: [this.registry],
  });
  readonly ingestedHeight = new Gauge({
    name: "finality_gadget_ingested_height",
    help: "Highest height of a source chain the gadget has ingested (its rate is the ingest rate)",
    labelNames: ["source"] as const,
    registers: [this.registry],
  });
  readonly rpcErrorsTotal = new Counter({
    name: "finality_gadget_rpc_errors_total",
    help: "Failed RPC calls to the chains, by endpoint and kind (timeout, http, malformed, rpc)",
    labelNames: ["endpoint", "kind"] as const,
    registers: [this.registry],
  });
  readonly finalityLatencySeconds = new Histogram({
    name: "finality_gadget_finality_latency_seconds",
    help: "Time from an L2 block's timestamp to the gadget marking it BTC-finalized",
    buckets: [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  readonly finalizedHeight = new Gauge({
    name: "finality_gadget_btc_finalized_height",
    help: "Height of the latest BTC-finalized canonical L2 block (same value as the reference's gauge)",
    registers: [this.registry],
  });
  readonly safetyIncidentsOpen = new Gauge({
    name: "finality_gadget_safety_incidents_open",
    help: "Safety incidents (reorgs below a BTC-finalized block, state disagreements) not yet resolved",
    registers: [this.registry],
  });
  readonly babylonUnreadableEvent = new Gauge({
    name: "finality_gadget_babylon_unreadable_event_height",
    help: "Babylon height of an unreadable event that can change voting power, by event type: ingestion and evaluation stop there (absent when none)",
    labelNames: ["event"] as const,
    registers: [this.registry],
  });
  readonly babylonMalformedSkipped = new Gauge({
    name: "finality_gadget_babylon_malformed_events_skipped",
    help: "Malformed Babylon events skipped: ones that cannot change voting power, and ones an operator decided to skip",
    registers: [this.registry],
  });
  readonly stateDisagreementsTotal = new Counter({
    name: "finality_gadget_state_disagreements_total",
    help: "Times the reconciler found indexed state differing from Babylon's (the chain's value was taken)",
    registers: [this.registry],
  });
  readonly safetyIncidentsTotal = new Counter({
    name: "finality_gadget_safety_incidents_total",
    help: "Safety incidents detected, by kind",
    labelNames: ["kind"] as const,
    registers: [this.registry],
  });
  readonly apiRequestDuration = new Histogram({
    name: "finality_gadget_api_request_duration_seconds",
    help: "Time to answer an API request",
    labelNames: ["api", "operation", "outcome"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly graphqlResponseCache = new Counter({
    name: "finality_gadget_graphql_response_cache_total",
    help: "GraphQL queries answered from the response cache (hit) or executed (miss)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly subscriptionsActive = new Gauge({
    name: "finality_gadget_graphql_subscriptions_active",
    help: "Open GraphQL subscriptions",
    labelNames: ["subscription"] as const,
    registers: [this.registry],
  });

  /** Exposes a Postgres pool's connections (in use, idle, callers waiting) as gauges read at scrape time. */
  watchPool(pool: { totalCount: number; idleCount: number; waitingCount: number }): void {
    new Gauge({
      name: "finality_gadget_db_pool_connections",
      help: "Database pool connections by state (busy, idle, waiting: callers queued for a connection)",
      labelNames: ["state"] as const,
      registers: [this.registry],
      collect() {
        this.set({ state: "busy" }, pool.totalCount - pool.idleCount);
        this.set({ state: "idle" }, pool.idleCount);
        this.set({ state: "waiting" }, pool.waitingCount);
      },
    });
  }

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** One call for the finality engine when a block becomes BTC-finalized. */
  recordFinalized(block: { height: bigint; timestamp: bigint }, finalizedAt: Date): void {
    this.finalizedBlocksTotal.inc();
    const height = Number(block.height);
    this.latestFinalizedBlockHeight.set(height);
    this.finalizedHeight.set(height);
    const latency = finalizedAt.getTime() / 1000 - Number(block.timestamp);
    if (latency >= 0) this.finalityLatencySeconds.observe(latency);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
