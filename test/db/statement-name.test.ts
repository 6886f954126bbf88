// Statements through Prisma (the store's writes and reads) are prepared once per connection under the same
// names as the API's driver reads.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { statementName } from "../../src/db/statement-name.ts";
import { openTestDatabase, type TestDatabase, usingPostgres } from "../helpers/database.ts";

describe("statement names", () => {
  it("are made from the text: one text, one name", () => {
    const a = "SELECT 1";
    expect(statementName(a)).toMatch(/^obf_[0-9a-f]{16}$/);
    expect(statementName(`${a}`)).toBe(statementName(a));
    expect(statementName("SELECT 2")).not.toBe(statementName(a));
  });
});

describe.runIf(usingPostgres)("the store's statements through Prisma", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => db.close());

  it("are prepared on the connection under their name", async () => {
    const sql = "SELECT count(*)::int AS n FROM l2_block WHERE height = ANY($1::bigint[])";
    const prepared = await db.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("UPDATE gadget_state SET value = value WHERE key = ANY($1::text[])", ["x"]);
      await tx.$queryRawUnsafe(sql, ["1"]);
      await tx.$queryRawUnsafe(sql, ["2"]);
      return tx.$queryRawUnsafe<{ name: string }[]>(
        "SELECT name FROM pg_prepared_statements WHERE statement = $1",
        sql,
      );
    });
    expect(prepared).toEqual([{ name: statementName(sql) }]);
  });
});
