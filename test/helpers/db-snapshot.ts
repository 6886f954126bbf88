// Every row of every table the gadget writes, as sorted text lines, without the columns that record when
// something happened on this machine's clock — what "the same database" means for the kill -9 tests.
import type { Database } from "../../src/db/database.ts";

const WALL_CLOCK_COLUMNS = new Set([
  "ingested_at",
  "evaluated_at",
  "finalized_at",
  "updated_at",
  "detected_at",
  "resolved_at",
]);
/** gadget_state keys holding this machine's time of a poll. */
const WALL_CLOCK_STATE = /_at$/;

export async function snapshot(db: Database): Promise<Map<string, string[]>> {
  const prisma = db.prisma;
  const columns = await prisma.$queryRawUnsafe<{ table_name: string; column_name: string }[]>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name NOT LIKE '\\_prisma%' ORDER BY table_name, ordinal_position`,
  );
  const tables = new Map<string, string[]>();
  for (const c of columns) {
    if (WALL_CLOCK_COLUMNS.has(c.column_name)) continue;
    const list = tables.get(c.table_name) ?? [];
    list.push(c.column_name);
    tables.set(c.table_name, list);
  }
  const out = new Map<string, string[]>();
  for (const [table, cols] of tables) {
    const rows = await prisma.$queryRawUnsafe<Record<string, unknown>[]>(
      `SELECT ${cols.map((c) => `"${c}"::text AS "${c}"`).join(", ")} FROM "${table}"`,
    );
    const lines = rows
      .filter((r) => table !== "gadget_state" || !WALL_CLOCK_STATE.test(String(r.key)))
      .map((r) => cols.map((c) => `${c}=${r[c] ?? "∅"}`).join(" "))
      .sort();
    out.set(table, lines);
  }
  return out;
}

/** Human-readable differences between two snapshots (at most `limit` lines per table). */
export function differences(a: Map<string, string[]>, b: Map<string, string[]>, limit = 5): string[] {
  const out: string[] = [];
  for (const table of new Set([...a.keys(), ...b.keys()])) {
    const left = new Set(a.get(table) ?? []);
    const right = new Set(b.get(table) ?? []);
    const onlyA = [...left].filter((l) => !right.has(l));
    const onlyB = [...right].filter((l) => !left.has(l));
    if (onlyA.length + onlyB.length === 0) continue;
    out.push(`${table}: ${onlyA.length} rows only in the first, ${onlyB.length} only in the second`);
    for (const l of onlyA.slice(0, limit)) out.push(`  - ${l}`);
    for (const l of onlyB.slice(0, limit)) out.push(`  + ${l}`);
  }
  return out;
}
