// Events the gadget cannot read, for the fault campaign's `malformed_event` and the fail-safe's tests: each
// kind breaks one attribute of an event that changes voting power, the way a faulty or newer chain could.
import type { AbciEvent } from "../chain/module.ts";

export const MALFORMED_EVENT_KINDS = [
  /** An early unbonding whose spend height is not a number. */
  "non-numeric",
  /** An early unbonding whose staking tx hash attribute has a truncated key (so the hash is missing). */
  "truncated-key",
  /** A delegation status update naming a status the protocol does not have. */
  "unknown-enum",
  /** An allow-list change of the finality contract whose provider-keys attribute has a truncated key. */
  "contract-truncated-key",
] as const;

export type MalformedEventKind = (typeof MALFORMED_EVENT_KINDS)[number];

const json = (v: string) => JSON.stringify(v);

export function malformedEvent(
  kind: MalformedEventKind,
  at: { stakingTxHash: string; contractAddress: string },
): AbciEvent {
  // An early unbonding with one attribute broken: its hash under `hashKey`, its spend height as given.
  const unbondedEarly = (hashKey: string, startHeight: string): AbciEvent => ({
    type: "babylon.btcstaking.v1.EventBTCDelgationUnbondedEarly",
    attributes: [
      { key: "new_state", value: json("UNBONDED") },
      { key: hashKey, value: json(at.stakingTxHash) },
      { key: "start_height", value: startHeight },
    ],
  });
  switch (kind) {
    case "non-numeric":
      return unbondedEarly("staking_tx_hash", "12x");
    case "truncated-key":
      return unbondedEarly("staking_tx_ha", json("12"));
    case "unknown-enum":
      return {
        type: "babylon.btcstaking.v1.EventBTCDelegationStateUpdate",
        attributes: [
          { key: "staking_tx_hash", value: json(at.stakingTxHash) },
          { key: "new_state", value: json("FROZEN") },
        ],
      };
    case "contract-truncated-key":
      return {
        type: "wasm-remove_from_allowlist",
        attributes: [
          { key: "_contract_address", value: at.contractAddress },
          { key: "fp_pubk", value: "ab".repeat(32) },
        ],
      };
  }
}
