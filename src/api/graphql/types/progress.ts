// syncStatus { progress { … } }: each ingester's catch-up progress (src/indexer/runtime/progress.ts).
import type { IngesterProgress } from "../../../indexer/runtime/progress.ts";
import { builder } from "../builder.ts";
import { uncacheable } from "../response-cache.ts";
import { SyncStatusRef } from "./sync-status.ts";

const IngesterProgressRef = builder.objectRef<IngesterProgress>("IngesterProgress").implement({
  description: "How far an ingester is behind its source, and how fast it is catching up",
  fields: (t) => ({
    ingester: t.exposeString("ingester", { description: "l2 or babylon" }),
    height: t.field({ type: "BigInt", description: "Height processed so far", resolve: (p) => p.height }),
    target: t.field({ type: "BigInt", description: "The source's head", resolve: (p) => p.target }),
    percent: t.exposeFloat("percent", { description: "Of the current catch-up run; 100 when caught up" }),
    blocksPerSecond: t.float({
      nullable: true,
      description: "Over the last 30 s",
      resolve: (p) => p.blocksPerSecond,
    }),
    etaSeconds: t.float({
      nullable: true,
      description: "null while the rate is unknown",
      resolve: (p) => p.etaSeconds,
    }),
    catchingUp: t.exposeBoolean("catchingUp", { description: "More than 100 blocks behind" }),
  }),
});

builder.objectField(SyncStatusRef, "progress", (t) =>
  t.field({
    type: [IngesterProgressRef],
    description: "Catch-up progress per ingester, as /ready reports it",
    resolve: (_s, _a, ctx) => {
      uncacheable(ctx); // the process's own progress, not in the database
      return ctx.health.progress.snapshot();
    },
  }),
);
