// Prometheus metrics for one provider process, on a Registry of its own so that embedding the provider in
// another process (tests, the devnet) never collides with that process's metrics. Labels carry only
// fixed vocabularies (reason, kind) — never keys, hashes or anything derived from a secret.
import { Counter, Gauge, Registry } from "prom-client";

export type MissedReason =
  | "no-voting-power"
  | "no-randomness"
  | "reorg-conflict"
  | "below-journal-floor"
  | "rejected";

export type ErrorKind =
  | "l2"
  | "babylon"
  | "contract-query"
  | "commit"
  | "submit"
  | "rate-limit"
  | "not-timestamped"
  | "slashed"
  | "guard"
  | "internal";

export interface ProviderMetrics {
  registry: Registry;
  votesSent: Counter;
  votesConfirmed: Counter;
  missedHeights: Counter<"reason">;
  doubleSignRefusals: Counter;
  randomnessCommitted: Counter;
  randomnessLeft: Gauge;
  lastVotedHeight: Gauge;
  errors: Counter<"kind">;
}

export function createProviderMetrics(prefix = "obf_provider_"): ProviderMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    votesSent: new Counter({
      name: `${prefix}votes_sent_total`,
      help: "Finality votes broadcast (re-sends after a failure count again)",
      registers,
    }),
    votesConfirmed: new Counter({
      name: `${prefix}votes_confirmed_total`,
      help: "Finality votes the contract accepted, including ones it already had (Duplicated finality signature)",
      registers,
    }),
    missedHeights: new Counter({
      name: `${prefix}missed_heights_total`,
      help: "Checked L2 heights the provider did not vote on, by reason",
      labelNames: ["reason"],
      registers,
    }),
    doubleSignRefusals: new Counter({
      name: `${prefix}double_sign_refusals_total`,
      help: "Requests to sign a different block at an already signed height (after an L2 reorg) that were refused",
      registers,
    }),
    randomnessCommitted: new Counter({
      name: `${prefix}randomness_committed_total`,
      help: "Public randomness values committed to the contract",
      registers,
    }),
    randomnessLeft: new Gauge({
      name: `${prefix}randomness_left`,
      help: "Checked heights above the last voted height that have committed public randomness",
      registers,
    }),
    lastVotedHeight: new Gauge({
      name: `${prefix}last_voted_height`,
      help: "Highest L2 height whose vote the contract confirmed",
      registers,
    }),
    errors: new Counter({
      name: `${prefix}errors_total`,
      help: "Failures by kind; the loop retries them with backoff",
      labelNames: ["kind"],
      registers,
    }),
  };
}
