// Applies prisma/migrations/<name>/migration.sql in name order, each in its own transaction, and records them in
// `_prisma_migrations` exactly as Prisma Migrate does (id, sha256 checksum, timestamps, applied steps), so that
// `prisma migrate deploy` on a connected machine sees the same history and applies nothing twice.
import { createHash, randomUUID } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SqlExecutor } from "./sql.ts";

export const defaultMigrationsDir = fileURLToPath(new URL("../../prisma/migrations", import.meta.url));

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MigrationError";
  }
}

export function readMigrations(dir = defaultMigrationsDir): Migration[] {
  return readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isDirectory())
    .sort()
    .map((name) => {
      const sql = readFileSync(join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/**
 * Names of the migrations a database has finished applying, none when it was never migrated. Read-only, for
 * checks that must not migrate (`op-btc-finality doctor`).
 */
export async function appliedMigrationNames(client: {
  query<R extends Record<string, unknown>>(sql: string): Promise<{ rows: R[] }>;
}): Promise<string[]> {
  const table = await client.query<{ exists: boolean }>(
    "SELECT to_regclass('_prisma_migrations') IS NOT NULL AS exists",
  );
  if (!table.rows[0]?.exists) return [];
  const rows = await client.query<{ migration_name: string }>(
    "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
  );
  return rows.rows.map((r) => r.migration_name);
}

// The table as Prisma Migrate creates it.
const historyTable = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

// Serialises concurrent runners (several service instances starting at once) on Postgres.
const migrationLockKey = 72707369;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
}

export async function migrate(db: SqlExecutor, migrations = readMigrations()): Promise<MigrateResult> {
  await db.exec(historyTable);
  const result: MigrateResult = { applied: [], alreadyApplied: [] };
  await db.transaction(async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock($1)", [migrationLockKey]);
    checkHistory(await history(tx), migrations);
  });
  // Each migration commits on its own, as Prisma Migrate applies them: a failure leaves the earlier ones applied.
  for (const m of migrations) {
    const applied = await db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [migrationLockKey]);
      const row = (await history(tx)).get(m.name);
      if (row) return false; // checked above, or applied meanwhile by another instance
      const id = randomUUID();
      await tx.query(
        `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
        [id, m.checksum, m.name],
      );
      try {
        await tx.exec(m.sql);
      } catch (error) {
        throw new MigrationError(`migration ${m.name} failed: ${(error as Error).message}`);
      }
      await tx.query(
        `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
        [id],
      );
      return true;
    });
    (applied ? result.applied : result.alreadyApplied).push(m.name);
  }
  return result;
}

interface HistoryRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
}

async function history(tx: SqlExecutor): Promise<Map<string, HistoryRow>> {
  const rows = await tx.query<Record<string, unknown> & HistoryRow>(
    `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
  );
  return new Map(rows.map((r) => [r.migration_name, r]));
}

function checkHistory(recorded: Map<string, HistoryRow>, migrations: Migration[]): void {
  const onDisk = new Map(migrations.map((m) => [m.name, m]));
  for (const row of recorded.values()) {
    const m = onDisk.get(row.migration_name);
    if (!m) {
      throw new MigrationError(
        `migration ${row.migration_name} is applied in the database but missing from prisma/migrations`,
      );
    }
    if (row.finished_at === null) {
      throw new MigrationError(
        `migration ${row.migration_name} was started but never finished; resolve it before continuing`,
      );
    }
    if (row.checksum !== m.checksum) {
      throw new MigrationError(
        `migration ${m.name} was modified after it was applied (checksum ${row.checksum} in the database, ${m.checksum} on disk)`,
      );
    }
  }
}
