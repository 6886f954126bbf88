// The explorer's GraphQL query mix: the queries the explorer's pages make, sent at a fixed concurrency to a
// running gadget's HTTP API. The API bench sends it to a seeded database; the growth bench to each history
// size's backfilled database, so explorer latency can be compared across sizes; the backfill bench's live
// phase sends it while blocks finalize, so finalization latency is measured under load. Every bench sends it
// from a load-generator process of its own (bench/load-client.ts), beside neither the gadget nor the devnet.
import { percentile } from "./harness.ts";

export const MIX_NAMES = ["syncStatus", "blocks+votes", "block", "finalityProvider", "finalitySignatures"];
export const MIX = [
  `{ syncStatus { l2HeadHeight btcFinalizedHeight lagBlocks lagSeconds activated } }`,
  `{ blocks(first: 20) { edges { node { height hash status votedPowerRatio votes { fpBtcPk provider { description { moniker } } } } } } }`,
  `query($h: BigInt) { block(height: $h) { hash status timeToFinalitySeconds votes { fpBtcPk votingPower } } }`,
  `query($pk: String!) { finalityProvider(btcPk: $pk) { status votingPower highestVotedHeight participation(window: 500) { rate } missedCheckedHeights(first: 10) } }`,
  `query($pk: String) { finalitySignatures(first: 50, where: { fpBtcPk: $pk }) { edges { node { height blockHash } } } }`,
];

export interface MixTarget {
  httpUrl: string;
  /** Block queries ask for heights 1 … maxHeight in turn. */
  maxHeight: bigint;
  /** Provider queries ask for these BTC public keys (hex) in turn. */
  providers: readonly string[];
}

export interface MixResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
}

/** One request of the mix after another; each call sends the next and resolves with its kind's index. */
export function mixRequests(target: MixTarget): () => Promise<number> {
  let n = 0;
  return async () => {
    const i = n++;
    const query = MIX[i % MIX.length]!;
    // Only the variables the query declares, as a GraphQL client sends them.
    const variables = Object.fromEntries(
      Object.entries({
        h: String(1n + (BigInt(i) % target.maxHeight)),
        pk: target.providers[i % target.providers.length],
      }).filter(([name]) => query.includes(`$${name}:`)),
    );
    const res = await fetch(`${target.httpUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await res.json()) as { errors?: unknown };
    if (body.errors) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
    return i % MIX.length;
  };
}

/**
 * The mix one request at a time after `warmup` requests: what each kind of query costs on its own. The
 * latencies are grouped by kind, in MIX_NAMES order.
 */
export async function timeEachKind(
  target: MixTarget,
  o: { warmup: number; requests: number },
): Promise<number[][]> {
  const request = mixRequests(target);
  for (let i = 0; i < o.warmup; i++) await request();
  const byKind: number[][] = MIX_NAMES.map(() => []);
  for (let i = 0; i < o.requests; i++) {
    const start = performance.now();
    const kind = await request();
    byKind[kind]!.push(performance.now() - start);
  }
  return byKind;
}

/** The mix at `concurrency` for `seconds`, after a short warm-up: throughput and latency percentiles. */
export async function runMix(
  target: MixTarget,
  o: { seconds: number; concurrency: number; warmup?: number },
): Promise<MixResult> {
  const request = mixRequests(target);
  for (let i = 0; i < (o.warmup ?? 50); i++) await request();
  const samples: number[] = [];
  const started = performance.now();
  const end = started + o.seconds * 1000;
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        await request();
        samples.push(performance.now() - start);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  return {
    requests: samples.length,
    rps: samples.length / elapsed,
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
  };
}
