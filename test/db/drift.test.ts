// The migrated database must hold exactly what schema.prisma describes: every table, column, type, nullability,
// primary key, unique constraint and index. A model change without a migration (or the reverse) fails here.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type IndexSpec, parsePrismaSchema, type TableSpec } from "../../src/db/prisma-schema.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/database.ts";

const schemaPath = new URL("../../prisma/schema.prisma", import.meta.url);

async function actualTables(db: TestDatabase): Promise<TableSpec[]> {
  const columns = await db.sql.query<{
    table_name: string;
    column_name: string;
    data_type: string;
    udt_name: string;
    is_nullable: string;
  }>(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations' ORDER BY table_name, ordinal_position`,
  );
  const indexes = await db.sql.query<{
    table_name: string;
    columns: string[] | string;
    unique: boolean;
    primary: boolean;
  }>(
    `SELECT t.relname AS table_name, ix.indisunique AS unique, ix.indisprimary AS primary,
            array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord)
                  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord)::text[] AS columns
     FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = current_schema() AND t.relname <> '_prisma_migrations'`,
  );
  const tables = new Map<string, TableSpec>();
  for (const c of columns) {
    const t = tables.get(c.table_name) ?? { name: c.table_name, columns: [], indexes: [] };
    t.columns.push({
      name: c.column_name,
      dataType: c.data_type,
      udtName: c.udt_name,
      nullable: c.is_nullable === "YES",
    });
    tables.set(c.table_name, t);
  }
  for (const ix of indexes) {
    const cols = Array.isArray(ix.columns) ? ix.columns : ix.columns.replace(/[{}]/g, "").split(",");
    tables.get(ix.table_name)?.indexes.push({ columns: cols, unique: ix.unique, primary: ix.primary });
  }
  return [...tables.values()];
}

function normalise(tables: TableSpec[]) {
  const key = (i: IndexSpec) => `${i.primary ? "pk" : i.unique ? "unique" : "index"}(${i.columns.join(",")})`;
  return Object.fromEntries(
    tables
      .map((t) => [
        t.name,
        {
          columns: Object.fromEntries(
            [...t.columns]
              .sort((a, b) => a.name.localeCompare(b.name))
              .map((c) => [c.name, `${c.udtName}${c.nullable ? "?" : ""}`]),
          ),
          indexes: t.indexes.map(key).sort(),
        },
      ])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
}

describe("schema.prisma and the migrations agree", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => db.close());

  it("has every model, column, type, nullability, key and index — and nothing else", async () => {
    const expected = normalise(parsePrismaSchema(readFileSync(schemaPath, "utf8")));
    const actual = normalise(await actualTables(db));
    expect(actual).toEqual(expected);
  });

  it("notices a column added to schema.prisma without a migration", async () => {
    const source = readFileSync(schemaPath, "utf8").replace(
      /model GadgetState \{/,
      "model GadgetState {\n  addedWithoutMigration String?",
    );
    const expected = normalise(parsePrismaSchema(source));
    const actual = normalise(await actualTables(db));
    expect(actual).not.toEqual(expected);
    expect(expected.gadget_state?.columns).toHaveProperty("addedWithoutMigration");
  });
});
