import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultMigrationsDir, MigrationError, migrate, readMigrations } from "../../src/db/migrate.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/database.ts";

let db: TestDatabase | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

function copyMigrations(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "obf-mig-")), "migrations");
  cpSync(defaultMigrationsDir, dir, { recursive: true });
  return dir;
}

describe("migration runner", () => {
  it("applies every migration once and records it as Prisma Migrate does", async () => {
    db = await openTestDatabase({ migrate: false });
    const first = await migrate(db.sql);
    expect(first.applied).toEqual(readMigrations().map((m) => m.name));
    const second = await migrate(db.sql);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toEqual(first.applied);

    const rows = await db.sql.query<{
      migration_name: string;
      checksum: string;
      applied_steps_count: number;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      id: string;
    }>(`SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(first.applied);
    for (const [i, m] of readMigrations().entries()) {
      expect(rows[i]!.checksum).toBe(m.checksum);
      expect(rows[i]!.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[i]!.applied_steps_count).toBe(1);
      expect(rows[i]!.finished_at).not.toBeNull();
      expect(rows[i]!.rolled_back_at).toBeNull();
      expect(rows[i]!.id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("refuses a migration changed after it was applied, naming it", async () => {
    db = await openTestDatabase({ migrate: false });
    const dir = copyMigrations();
    await migrate(db.sql, readMigrations(dir));
    const [name] = readMigrations(dir).map((m) => m.name);
    const file = join(dir, name!, "migration.sql");
    writeFileSync(file, `${readFileSync(file, "utf8")}\n-- edited\n`);
    await expect(migrate(db.sql, readMigrations(dir))).rejects.toThrow(MigrationError);
    await expect(migrate(db.sql, readMigrations(dir))).rejects.toThrow(
      new RegExp(`migration ${name} was modified`),
    );
  });

  it("applies a new migration on top and leaves the failed one unrecorded", async () => {
    db = await openTestDatabase({ migrate: false });
    const dir = copyMigrations();
    await migrate(db.sql, readMigrations(dir));
    const good = join(dir, "29991231000000_add_note");
    cpSync(join(dir, readMigrations(dir)[0]!.name), good, { recursive: true });
    writeFileSync(join(good, "migration.sql"), `ALTER TABLE "gadget_state" ADD COLUMN "note" TEXT;`);
    const bad = join(dir, "29991231000001_broken");
    cpSync(good, bad, { recursive: true });
    writeFileSync(
      join(bad, "migration.sql"),
      `ALTER TABLE "gadget_state" ADD COLUMN "x" TEXT; SELECT * FROM no_such_table;`,
    );
    await expect(migrate(db.sql, readMigrations(dir))).rejects.toThrow(
      /migration 29991231000001_broken failed/,
    );
    const names = (
      await db.sql.query<{ migration_name: string }>(`SELECT migration_name FROM "_prisma_migrations"`)
    ).map((r) => r.migration_name);
    expect(names).toContain("29991231000000_add_note");
    expect(names).not.toContain("29991231000001_broken");
    const cols = await db.sql.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'gadget_state'`,
    );
    expect(cols.map((c) => c.column_name).sort()).toEqual(["key", "note", "value"]);
  });

  it("refuses a database that has a migration this checkout does not know", async () => {
    db = await openTestDatabase();
    await db.sql.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, finished_at, applied_steps_count) VALUES ($1, $2, $3, now(), 1)`,
      ["00000000-0000-0000-0000-000000000000", "0".repeat(64), "30000101000000_from_the_future"],
    );
    await expect(migrate(db.sql)).rejects.toThrow(
      /30000101000000_from_the_future is applied in the database but missing/,
    );
  });
});
