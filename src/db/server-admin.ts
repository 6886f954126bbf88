// Administration of the Postgres server itself, over a connection to its admin database: what a fault
// campaign or a benchmark does around the gadget (databases made and dropped, connections cut), never what
// the gadget does to its own tables.
import pg from "pg";

/** Runs `fn` on a connection of its own to `url`, closed after it whatever happens. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function onServer(adminUrl: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  return withClient(adminUrl, (client) => client.query(sql, params));
}

function checkName(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`invalid database name ${JSON.stringify(name)}`);
  return name;
}

/** Creates database `name`, empty or as a copy of database `template` (which must have no sessions). */
export async function createDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const copy = template === undefined ? "" : ` TEMPLATE ${checkName(template)}`;
  await onServer(adminUrl, `CREATE DATABASE ${checkName(name)}${copy}`);
}

export async function databaseExists(adminUrl: string, name: string): Promise<boolean> {
  const { rowCount } = await onServer(adminUrl, "SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  return rowCount === 1;
}

/** Renames a database; fails when `to` exists, so of two renames to one name exactly one succeeds. */
export async function renameDatabase(adminUrl: string, from: string, to: string): Promise<void> {
  await onServer(adminUrl, `ALTER DATABASE ${checkName(from)} RENAME TO ${checkName(to)}`);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await onServer(adminUrl, `DROP DATABASE IF EXISTS ${checkName(name)} WITH (FORCE)`);
}

/** Ends every other session on database `name`, as an operator's pg_terminate_backend does. */
export async function terminateConnections(adminUrl: string, name: string): Promise<void> {
  await onServer(
    adminUrl,
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [name],
  );
}

/** The server's major version, e.g. "15". */
export async function serverMajorVersion(adminUrl: string): Promise<string> {
  const { rows } = await onServer(adminUrl, "SHOW server_version_num");
  return String(rows[0]?.server_version_num ?? "").slice(0, 2);
}
