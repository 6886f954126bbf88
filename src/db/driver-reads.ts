// The API's reads on node-postgres directly, with rows typed as Prisma's raw statements type them (int8 as
// bigint, timestamp(3) as a Date in UTC), so the store's read functions run on either unchanged. Every explorer
// request makes a few of these reads, and Prisma's raw statement costs about three times the CPU of the
// driver's for the same rows (0.37 against 0.12 ms for 20 blocks, measured here), most of it in its query
// compiler; CPU, not Postgres, bounds the API's throughput. Writes stay on Prisma, in its transactions.
import pg from "pg";
import type { Tx } from "../store/tx.ts";
import { statementName } from "./statement-name.ts";

/** "2026-12-06 16:00:00.123", as Postgres prints a timestamp without time zone: Prisma stores UTC. */
const utcTimestamp = (text: string) => new Date(`${text.replace(" ", "T")}Z`);
// text[] is not among pg-types' builtins, but its parser is registered under its OID.
const textArray = pg.types.getTypeParser(1009 as Parameters<typeof pg.types.getTypeParser>[0]);
const arrayOf =
  <T>(parse: (text: string) => T) =>
  (text: string) =>
    (textArray(text) as (string | null)[]).map((v) => (v === null ? null : parse(v)));

const PARSERS = new Map<number, (text: string) => unknown>([
  [20, BigInt], // int8
  [1016, arrayOf(BigInt)], // int8[]
  [1114, utcTimestamp], // timestamp
  [1115, arrayOf(utcTimestamp)], // timestamp[]
]);

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    PARSERS.get(oid) ?? pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** Parameters as Prisma passes them: bigints as decimal text, Dates as UTC instants. */
function param(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(param);
  return value;
}

/**
 * Read statements on the pool, typed as Prisma's raw statements are, each prepared once per connection under a
 * name made from its text: an unnamed statement is parsed and planned again on every call (a block's votes
 * cost Postgres 0.83 ms that way, 0.19 prepared with a generic plan: see the read pool in database.ts). The
 * store's statements are constant text, so the names stay few.
 */
export function driverReads(pool: pg.Pool): Tx {
  const run = (text: string, values: unknown[]) =>
    pool.query({ name: statementName(text), text, values: values.map(param), types });
  return {
    $queryRawUnsafe: async <T>(sql: string, ...values: unknown[]) => (await run(sql, values)).rows as T,
    $executeRawUnsafe: async (sql: string, ...values: unknown[]) => (await run(sql, values)).rowCount ?? 0,
  };
}
