// The store is the only code that speaks SQL to the indexer's tables (src/db runs migrations and opens the
// database): a statement anywhere else is a second writer or reader whose rules nobody keeps in sync.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
const ALLOWED = ["src/store/", "src/db/"];
const SQL =
  /\$(queryRaw|executeRaw)|\b(SELECT\s+[\w*(]+[\s\S]{0,200}?\bFROM\s+[a-z0-9_]+|INSERT\s+INTO\s+[a-z0-9_]+|DELETE\s+FROM\s+[a-z0-9_]+|UPDATE\s+[a-z0-9_]+\s+(?:[a-z]\s+)?SET\b|pg_notify|LISTEN\s+[a-z_$])/;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

describe("SQL lives in the store", () => {
  it("no source outside src/store and src/db contains an SQL statement", () => {
    const offenders = ["src", "provider", "contracts", "bin"]
      .flatMap((dir) => sources(dir))
      .filter((file) => !ALLOWED.some((prefix) => file.startsWith(prefix)))
      .filter((file) => SQL.test(readFileSync(join(root, file), "utf8")));
    expect(offenders).toEqual([]);
  });

  it("the check finds a statement when there is one", () => {
    expect(SQL.test("await db.$queryRawUnsafe(`x`)")).toBe(true);
    expect(SQL.test("`SELECT height, hash FROM l2_block WHERE canonical`")).toBe(true);
    expect(SQL.test("`UPDATE l2_block b SET status = 1`")).toBe(true);
    expect(SQL.test("`INSERT INTO gadget_state (key) VALUES ($1)`")).toBe(true);
    expect(SQL.test("// select the first provider from the list")).toBe(false);
  });
});
