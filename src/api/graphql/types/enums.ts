// The schema's enums.
import { builder } from "../builder.ts";

export const BLOCK_STATUSES = [
  "NOT_CHECKED",
  "NOT_ACTIVATED",
  "PENDING",
  "NO_VOTING_POWER",
  "FINALIZED",
  "ORPHANED",
] as const;

export const BlockStatusEnum = builder.enumType("BlockStatus", {
  description: "The finality engine's verdict on an L2 block",
  values: {
    NOT_CHECKED: { description: "Between checked heights: finalized only through the next checked block" },
    NOT_ACTIVATED: { description: "Checked, before BTC staking was activated for the BSN" },
    PENDING: { description: "Checked, waiting for quorum or for the previous checked block" },
    NO_VOTING_POWER: { description: "Checked, no finality provider had voting power" },
    FINALIZED: { description: "BTC-finalized; never reverts" },
    ORPHANED: { description: "Left the canonical chain in a reorg before it was finalized" },
  } as const,
});

export const ProviderStatusEnum = builder.enumType("FinalityProviderStatus", {
  values: {
    ACTIVE: { description: "Has voting power now" },
    JAILED: { description: "Jailed on Babylon" },
    SLASHED: { description: "Slashed; never counts again" },
    INACTIVE: { description: "Registered, no voting power now" },
  } as const,
});
export type ProviderStatus = "ACTIVE" | "JAILED" | "SLASHED" | "INACTIVE";

export const BlockOrderEnum = builder.enumType("BlockOrder", {
  values: ["HEIGHT_ASC", "HEIGHT_DESC"] as const,
});
export const HeightOrderEnum = builder.enumType("HeightOrder", {
  values: ["HEIGHT_ASC", "HEIGHT_DESC"] as const,
});
export const ProviderOrderEnum = builder.enumType("FinalityProviderOrder", {
  values: ["VOTING_POWER_DESC", "BTC_PK_ASC"] as const,
});
export const ComponentStateEnum = builder.enumType("ComponentState", {
  values: ["OK", "DEGRADED", "DOWN"] as const,
});
export const TransactionFinalityEnum = builder.enumType("TransactionFinality", {
  description:
    "The reference gadget's transaction statuses, in precedence order FINALIZED > BTC_FINALIZED > SAFE > PENDING",
  values: {
    FINALIZED: { value: "finalized", description: "The L2 itself reports the block finalized" },
    BTC_FINALIZED: { value: "btc finalized", description: "BTC-finalized by this gadget" },
    SAFE: { value: "safe", description: "Derived from L1, not finalized" },
    PENDING: { value: "pending", description: "None of the above yet" },
  } as const,
});
