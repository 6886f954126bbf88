// The API's driver reads must return what Prisma's raw statements return for the same SQL, value for value and
// type for type (bigint, Date in UTC, arrays, nulls), so the store's read functions run on either.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { driverReads } from "../../src/db/driver-reads.ts";
import { openTestDatabase, type TestDatabase, usingPostgres } from "../helpers/database.ts";

describe.runIf(usingPostgres)("driver reads", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => db.close());

  const statements: [string, unknown[]][] = [
    [
      `SELECT 9007199254740993::bigint AS big, $1::bigint AS param, 7::int AS small, 'x'::text AS t, true AS b,
              NULL::bigint AS none, count(*) AS n, count(*)::int AS m
       FROM (VALUES (1), (2)) v(x)`,
      [123456789012345678n],
    ],
    [
      `SELECT '2026-12-06 16:00:00.123'::timestamp(3) AS at, '2026-01-02 03:04:05'::timestamp(3) AS whole,
              $1::timestamp(3) AS param, now() - now() = interval '0' AS zero`,
      [new Date(Date.UTC(2026, 11, 6, 1, 2, 3, 456))],
    ],
    [
      `SELECT ARRAY[1, NULL, 3]::bigint[] AS bigs, ARRAY['a', 'b']::text[] AS texts, ARRAY[1, 2]::int[] AS ints,
              ARRAY['2026-12-06 16:00:00.5'::timestamp(3), NULL] AS times, $1::bigint[] AS params`,
      [["1", "2"]],
    ],
    [`SELECT height, hash FROM l2_block WHERE height = ANY($1::bigint[])`, [["1", "2"]]],
  ];

  it("types every column as Prisma's raw statements do", async () => {
    const reads = driverReads(db.pool!);
    for (const [sql, params] of statements) {
      const viaPrisma = await db.prisma.$queryRawUnsafe(sql, ...params);
      const viaDriver = await reads.$queryRawUnsafe(sql, ...params);
      expect(viaDriver, sql).toEqual(viaPrisma);
    }
  });

  it("reads a timestamp as the UTC instant Prisma wrote, whatever the process's time zone", async () => {
    const reads = driverReads(db.pool!);
    const [row] = await reads.$queryRawUnsafe<{ at: Date }[]>(
      `SELECT '2026-12-06 16:00:00.123'::timestamp(3) AS at`,
    );
    expect(row!.at.toISOString()).toBe("2026-12-06T16:00:00.123Z");
  });

  it("prepares each statement once per connection, and the read pool plans it once (generic plan)", async () => {
    const sql = "SELECT height FROM l2_block WHERE height = ANY($1::bigint[])";
    for (let i = 0; i < 3; i++) await db.reads.$queryRawUnsafe(sql, ["1", "2"]);
    // One read at a time: the pool hands the same idle connection back, whose session holds the statement.
    const prepared = await db.reads.$queryRawUnsafe<{ name: string; generic: bigint; custom: bigint }[]>(
      `SELECT name, generic_plans::bigint AS generic, custom_plans::bigint AS custom
       FROM pg_prepared_statements WHERE statement = $1`,
      sql,
    );
    expect(prepared).toHaveLength(1);
    expect(prepared[0]!.name).toMatch(/^obf_[0-9a-f]{16}$/);
    expect(prepared[0]!.generic).toBeGreaterThanOrEqual(3n);
    expect(prepared[0]!.custom).toBe(0n);
  });
});
