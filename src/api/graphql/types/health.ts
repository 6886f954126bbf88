// ComponentHealth and SafetyIncident.
import type { ComponentHealth } from "../../health.ts";
import { builder } from "../builder.ts";
import type { L2Block } from "../context.ts";
import { ComponentStateEnum } from "./enums.ts";

export const ComponentRef = builder.objectRef<ComponentHealth>("ComponentHealth").implement({
  fields: (t) => ({
    name: t.exposeString("name"),
    state: t.field({
      type: ComponentStateEnum,
      resolve: (c) => c.state.toUpperCase() as "OK" | "DEGRADED" | "DOWN",
    }),
    detail: t.string({ nullable: true, resolve: (c) => c.detail ?? null }),
    lastProgressAt: t.field({ type: "DateTime", nullable: true, resolve: (c) => c.lastProgressAt ?? null }),
    reportedAt: t.field({ type: "DateTime", resolve: (c) => c.reportedAt }),
  }),
});

export interface IncidentRow {
  id: number;
  kind: string;
  height: bigint | null;
  details: string;
  detectedAt: Date;
  resolvedAt: Date | null;
}

export const IncidentRef = builder.objectRef<IncidentRow>("SafetyIncident").implement({
  description: "A reorg below a BTC-finalized block, or indexed state disagreeing with the chain",
  fields: (t) => ({
    id: t.exposeInt("id"),
    kind: t.exposeString("kind"),
    height: t.field({ type: "BigInt", nullable: true, resolve: (i) => i.height }),
    details: t.exposeString("details"),
    detectedAt: t.field({ type: "DateTime", resolve: (i) => i.detectedAt }),
    resolvedAt: t.field({ type: "DateTime", nullable: true, resolve: (i) => i.resolvedAt }),
  }),
});

export interface SyncStatus {
  state: Map<string, string>;
  cursors: Map<string, bigint>;
  finalized: L2Block | null;
  headBlock: L2Block | null;
  head: bigint | null;
}
