// Database tests run against Postgres when DATABASE_URL is set (CI does) and against in-memory PGlite otherwise.
// On Postgres each caller gets a database of its own, created fresh and dropped afterwards, so test files
// running in parallel never see each other's rows.
import { randomBytes } from "node:crypto";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { createDatabase, dropDatabase } from "../../src/db/server-admin.ts";

export const usingPostgres = Boolean(process.env.DATABASE_URL);

export interface TestDatabase extends Database {
  /** The URL of the database created for this test (Postgres only). */
  url?: string;
}

/**
 * A fresh, empty database URL on the Postgres server of `adminUrl` (DATABASE_URL by default) — for tests that
 * open and close databases themselves.
 */
export async function createTestDatabaseUrl(
  adminUrl = process.env.DATABASE_URL!,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `obf_test_${randomBytes(6).toString("hex")}`;
  await createDatabase(adminUrl, name);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => dropDatabase(adminUrl, name),
  };
}

export async function openTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  if (!usingPostgres) return openDatabase({ memory: true, migrate: options.migrate ?? true });
  const { url, drop } = await createTestDatabaseUrl();
  const db = await openDatabase({ url, migrate: options.migrate ?? true, poolSize: 4 });
  return {
    ...db,
    url,
    async close() {
      await db.close();
      await drop();
    },
  };
}
