// The fault kinds a campaign draws from. Each kind says how often it comes, how long it lasts and which
// parameters it takes; the schedule draws them from the seed and the injectors carry them out. A kind that
// cannot be injected yet stays in the table, marked unavailable with the reason, so that the report names it
// and the schedule starts drawing it as soon as its injector exists.
import { MALFORMED_EVENT_KINDS } from "../devnet/babylon/malformed.ts";
import type { Rng } from "./rng.ts";

export const FAULT_KEYS = [
  "gadget_kill",
  "standby_kill",
  "provider_kill",
  "postgres_restart",
  "babylon_rpc_faults",
  "babylon_pause",
  "l2_reorg",
  "btc_pause",
  "jail",
  "slash",
  "unbond",
  "allowlist_change",
  "malformed_event",
] as const;
export type FaultKey = (typeof FAULT_KEYS)[number];

/** Parameters of one fault; numbers only, so that a schedule prints and compares as plain JSON. */
export type FaultParams = Record<string, number>;

export interface FaultKind {
  key: FaultKey;
  /** Relative weight among the extra faults drawn after every kind's first one. */
  weight: number;
  /** At most this many per campaign (slashing removes a provider for good). */
  maxCount?: number;
  /** Why it cannot be injected yet; absent when it can. */
  unavailable?: string;
  /** Draws the fault's parameters; `durationMs` is how long it stays in force. */
  params(rng: Rng, ctx: { providers: number }): FaultParams & { durationMs: number };
}

export const FAULT_KINDS: readonly FaultKind[] = [
  {
    key: "gadget_kill",
    weight: 2,
    params: (rng) => ({ durationMs: rng.int(1_000, 8_000) }),
  },
  {
    key: "standby_kill",
    weight: 1,
    params: (rng) => ({ durationMs: rng.int(1_000, 8_000) }),
  },
  {
    key: "provider_kill",
    weight: 3,
    // aroundBroadcast = 1 kills right after the daemon logs a vote being sent, else at a random moment.
    params: (rng, { providers }) => ({
      provider: rng.int(0, providers - 1),
      aroundBroadcast: rng.chance(0.5) ? 1 : 0,
      durationMs: rng.int(1_000, 6_000),
    }),
  },
  {
    key: "postgres_restart",
    weight: 1,
    params: (rng) => ({ durationMs: rng.int(500, 3_000) }),
  },
  {
    key: "babylon_rpc_faults",
    weight: 2,
    params: (rng) => ({
      errorRate: rng.int(5, 40) / 100,
      latencyMs: rng.pick([0, 50, 200, 800]),
      dropRate: rng.int(0, 15) / 100,
      durationMs: rng.int(3_000, 12_000),
    }),
  },
  {
    key: "babylon_pause",
    weight: 1,
    params: (rng) => ({ durationMs: rng.int(2_000, 10_000) }),
  },
  {
    key: "l2_reorg",
    weight: 2,
    // depth is capped at run time to the unfinalized suffix the checker sees.
    params: (rng) => ({ depth: rng.int(1, 6), durationMs: 1_000 }),
  },
  {
    key: "btc_pause",
    weight: 1,
    params: (rng) => ({ burst: rng.int(2, 6), durationMs: rng.int(4_000, 15_000) }),
  },
  {
    key: "jail",
    weight: 1,
    params: (rng, { providers }) => ({
      provider: rng.int(0, providers - 1),
      durationMs: rng.int(3_000, 12_000),
    }),
  },
  {
    key: "slash",
    weight: 1,
    maxCount: 1,
    params: () => ({ durationMs: 1_000 }),
  },
  {
    key: "unbond",
    weight: 1,
    params: (rng, { providers }) => ({
      provider: rng.int(0, providers - 1),
      pick: rng.next(),
      durationMs: 1_000,
    }),
  },
  {
    key: "allowlist_change",
    weight: 1,
    params: (rng, { providers }) => ({
      provider: rng.int(0, providers - 1),
      durationMs: rng.int(3_000, 12_000),
    }),
  },
  {
    key: "malformed_event",
    weight: 1,
    // How long the gadget stays stopped at the event before the operator's decision to read past it.
    // `variant`: which attribute is unreadable (the devnet's MALFORMED_EVENT_KINDS, by index).
    params: (rng) => ({
      durationMs: rng.int(3_000, 10_000),
      variant: rng.int(0, MALFORMED_EVENT_KINDS.length - 1),
    }),
  },
];

export function faultKind(key: FaultKey): FaultKind {
  const kind = FAULT_KINDS.find((k) => k.key === key);
  if (kind === undefined) throw new Error(`unknown fault kind ${key}`);
  return kind;
}
