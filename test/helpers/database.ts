// Database tests run against Postgres when DATABASE_URL is set (CI does) and against in-memory PGlite otherwise.
// On Postgres each caller gets a database of its own, created fresh and dropped afterwards, so test files
// running in parallel never see each other's rows.
import { createHash, randomBytes } from "node:crypto";
import { type Database, openDatabase } from "../../src/db/database.ts";
import { readMigrations } from "../../src/db/migrate.ts";
import { createDatabase, databaseExists, dropDatabase, renameDatabase } from "../../src/db/server-admin.ts";

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
  template?: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `obf_test_${randomBytes(6).toString("hex")}`;
  await createDatabase(adminUrl, name, template);
  return { url: databaseUrl(adminUrl, name), drop: () => dropDatabase(adminUrl, name) };
}

function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const templates = new Map<string, Promise<string>>();

/**
 * A database with every migration applied, made once per server and set of migrations (its name carries their
 * checksums) and kept: copying it is several times faster than migrating a fresh database for each test. It
 * is built under a name of its own and renamed into place, so processes racing to build it agree on one.
 */
function migratedTemplate(adminUrl: string): Promise<string> {
  let template = templates.get(adminUrl);
  if (template === undefined) {
    template = buildTemplate(adminUrl);
    templates.set(adminUrl, template);
  }
  return template;
}

async function buildTemplate(adminUrl: string): Promise<string> {
  const checksums = readMigrations().map((m) => m.checksum);
  const name = `obf_template_${createHash("sha256").update(checksums.join()).digest("hex").slice(0, 16)}`;
  if (await databaseExists(adminUrl, name)) return name;
  const building = `${name}_${randomBytes(4).toString("hex")}`;
  await createDatabase(adminUrl, building);
  await (await openDatabase({ url: databaseUrl(adminUrl, building), migrate: true, poolSize: 1 })).close();
  try {
    await renameDatabase(adminUrl, building, name);
  } catch (error) {
    await dropDatabase(adminUrl, building);
    if (!(await databaseExists(adminUrl, name))) throw error;
  }
  return name;
}

export async function openTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const migrate = options.migrate ?? true;
  if (!usingPostgres) return openDatabase({ memory: true, migrate });
  const adminUrl = process.env.DATABASE_URL!;
  const template = migrate ? await migratedTemplate(adminUrl) : undefined;
  const { url, drop } = await createTestDatabaseUrl(adminUrl, template);
  const db = await openDatabase({ url, migrate, poolSize: 4 });
  return {
    ...db,
    url,
    async close() {
      await db.close();
      await drop();
    },
  };
}
