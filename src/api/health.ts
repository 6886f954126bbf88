// Liveness and readiness. /health answers "the process is up"; /ready answers "trust my answers now": every
// component reported ok, the engine is caught up with the L2 head within a bound, and no safety incident is
// open. Components push their state here; the lag and incidents are read from the database at probe time.

import type { PrismaClient } from "../db/generated/client.ts";
import { CatchUpProgress } from "../indexer/runtime/progress.ts";
import { readUnreadableEvent } from "../store/babylon-unreadable.ts";
import { openIncidentCount } from "../store/blocks.ts";
import { readCursor, readState } from "../store/state.ts";

export type ComponentState = "ok" | "degraded" | "down";

export interface ComponentReport {
  state: ComponentState;
  detail?: string;
  /** When the component last made progress (a block ingested, a block evaluated). */
  lastProgressAt?: Date;
}

export interface ComponentHealth extends ComponentReport {
  name: string;
  reportedAt: Date;
}

export interface ServiceHealthOptions {
  /** Components that must have reported before the service is ready (default: none required by name). */
  expected?: readonly string[];
  /** Largest accepted gap between the L2 head and the highest evaluated height (default 64 blocks). */
  maxLagBlocks?: bigint;
  /** Largest accepted age of a component's last progress, in seconds (default 120; 0 disables). */
  maxStallSeconds?: number;
}

export interface Readiness {
  ready: boolean;
  reasons: string[];
  components: ComponentHealth[];
  lagBlocks: bigint | null;
  openSafetyIncidents: number;
}

export class ServiceHealth {
  private readonly components = new Map<string, ComponentHealth>();
  /** Each ingester's catch-up progress, shown in /ready and syncStatus { progress }. */
  readonly progress = new CatchUpProgress();
  readonly expected: readonly string[];
  readonly maxLagBlocks: bigint;
  readonly maxStallSeconds: number;

  constructor(options: ServiceHealthOptions = {}) {
    this.expected = options.expected ?? [];
    this.maxLagBlocks = options.maxLagBlocks ?? 64n;
    this.maxStallSeconds = options.maxStallSeconds ?? 120;
  }

  report(name: string, report: ComponentReport): void {
    this.components.set(name, { ...report, name, reportedAt: new Date() });
  }

  snapshot(): ComponentHealth[] {
    return [...this.components.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async readiness(prisma: PrismaClient, now: Date = new Date()): Promise<Readiness> {
    const reasons: string[] = [];
    const components = this.snapshot();
    if (components.length === 0) reasons.push("no component has reported yet");
    for (const name of this.expected) {
      if (!this.components.has(name)) reasons.push(`component ${name} has not reported yet`);
    }
    for (const c of components) {
      if (c.state !== "ok")
        reasons.push(`component ${c.name} is ${c.state}${c.detail ? `: ${c.detail}` : ""}`);
      if (this.maxStallSeconds > 0 && c.lastProgressAt !== undefined) {
        const age = (now.getTime() - c.lastProgressAt.getTime()) / 1000;
        if (age > this.maxStallSeconds) {
          reasons.push(`component ${c.name} made no progress for ${Math.round(age)} s`);
        }
      }
    }

    const [head, engine, incidents, unreadable] = await Promise.all([
      readState(prisma, "l2_head_height"),
      readCursor(prisma, "engine"),
      openIncidentCount(prisma),
      readUnreadableEvent(prisma),
    ]);
    if (unreadable !== undefined) {
      reasons.push(
        `unreadable Babylon event ${unreadable.eventType} at height ${unreadable.babylonHeight} can change voting power; evaluation stops there (${unreadable.error})`,
      );
    }
    let lagBlocks: bigint | null = null;
    if (head !== undefined) {
      lagBlocks = BigInt(head) - (engine?.height ?? 0n);
      if (lagBlocks > this.maxLagBlocks) {
        reasons.push(`engine is ${lagBlocks} blocks behind the L2 head (allowed ${this.maxLagBlocks})`);
      }
    } else {
      reasons.push("the L2 head is not known yet");
    }
    if (incidents > 0) reasons.push(`${incidents} open safety incident${incidents === 1 ? "" : "s"}`);
    return { ready: reasons.length === 0, reasons, components, lagBlocks, openSafetyIncidents: incidents };
  }
}
