// gadget_state writes that change nothing write nothing: the stages write their heads on every poll, and any
// write moves the database snapshot the API's response cache keys on.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseSnapshot } from "../../src/store/reads/snapshot.ts";
import { readState, writeState } from "../../src/store/state.ts";
import { openTestDatabase, type TestDatabase } from "../helpers/database.ts";

describe("writeState", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await openTestDatabase();
  });
  afterAll(async () => db.close());

  // On a Postgres other tests write to at the same time the snapshot moves anyway: only PGlite, which is
  // this process's alone, can show that a write did not move it.
  it.runIf(!process.env.DATABASE_URL)(
    "leaves the snapshot where it was when every value is already stored",
    async () => {
      await writeState(db.prisma, { l2_head_height: 7n, babylon_head_height: 3n });
      const before = await databaseSnapshot(db.reads);
      await writeState(db.prisma, { l2_head_height: 7n, babylon_head_height: 3n });
      expect(await databaseSnapshot(db.reads)).toBe(before);
      await writeState(db.prisma, { l2_head_height: 8n });
      expect(await databaseSnapshot(db.reads)).not.toBe(before);
    },
  );

  it("writes new keys and changed values, and keeps the others", async () => {
    await writeState(db.prisma, { l2_safe_height: 1n, l2_finalized_height: 1n });
    await writeState(db.prisma, { l2_safe_height: 2n, l2_finalized_height: 1n, btc_tip_height: 5 });
    expect(await readState(db.prisma, "l2_safe_height")).toBe("2");
    expect(await readState(db.prisma, "l2_finalized_height")).toBe("1");
    expect(await readState(db.prisma, "btc_tip_height")).toBe("5");
  });
});
