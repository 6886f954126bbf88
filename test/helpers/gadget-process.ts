// The gadget service in a process of its own, so a test can SIGKILL it at any moment. argv[2] is a JSON object
// of config flags (as `loadConfig` takes them). Every 100 ms it prints one JSON line with its progress, read
// from its own database; on SIGTERM it stops cleanly and exits 0.
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/log.ts";
import { startService } from "../../src/service.ts";
import { readCursor, readState } from "../../src/store/state.ts";

export interface GadgetProgress {
  babylon: string | null;
  babylonHead: string | null;
  l2: string | null;
  finalized: string | null;
  unevaluated: number;
}

const flags = JSON.parse(process.argv[2] ?? "{}") as Record<string, string>;
const log = createLogger(process.env.GADGET_LOG_LEVEL ?? "silent");
const service = await startService(loadConfig({ env: {}, flags }), log);
const prisma = service.db.prisma;

const timer = setInterval(async () => {
  try {
    const [babylon, l2, babylonHead, finalized, open] = await Promise.all([
      readCursor(prisma, "babylon"),
      readCursor(prisma, "l2"),
      readState(prisma, "babylon_head_height"),
      readState(prisma, "finalized_height"),
      prisma.$queryRawUnsafe<{ n: bigint }[]>(
        `SELECT count(*) AS n FROM l2_block WHERE canonical AND checked AND evaluated_at IS NULL`,
      ),
    ]);
    const progress: GadgetProgress = {
      babylon: babylon ? String(babylon.height) : null,
      babylonHead: babylonHead ?? null,
      l2: l2 ? String(l2.height) : null,
      finalized: finalized ?? null,
      unevaluated: Number(open[0]?.n ?? 0),
    };
    process.stdout.write(`${JSON.stringify(progress)}\n`);
  } catch {
    // the database is closing; the next tick or the exit settles it
  }
}, 100);

process.on("SIGTERM", () => {
  clearInterval(timer);
  void service.stop().then(() => process.exit(0));
});
