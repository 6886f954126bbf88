// Relay connections over keyset ("seek") pagination: a cursor is the sort key of the last row seen, so a
// page costs one indexed range scan however deep the client pages, and rows inserted meanwhile do not shift
// pages. Only forward paging (first/after) is offered; a bad argument is an error that names it.
import { GraphQLError } from "./graphql-js.ts";

export type KeyType = "bigint" | "int" | "string";

export interface SortKey {
  field: string;
  type: KeyType;
  direction: "asc" | "desc";
}

export type KeyValue = bigint | number | string;

export interface PageRequest {
  limit: number;
  after: KeyValue[] | undefined;
}

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
}

export interface Connection<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

export const DEFAULT_PAGE_SIZE = 100;

export function badArgument(argument: string, message: string): GraphQLError {
  return new GraphQLError(`argument ${argument}: ${message}`, {
    extensions: { code: "BAD_USER_INPUT", argument },
  });
}

export function pageRequest(
  args: ConnectionArgs,
  keys: readonly SortKey[],
  maxPageSize: number,
): PageRequest {
  if (args.last != null || args.before != null) {
    throw badArgument(
      args.last != null ? "last" : "before",
      "only forward paging is supported; use first and after",
    );
  }
  const first = args.first ?? Math.min(DEFAULT_PAGE_SIZE, maxPageSize);
  if (!Number.isInteger(first) || first < 0 || first > maxPageSize) {
    throw badArgument("first", `must be an integer from 0 to ${maxPageSize} (got ${args.first})`);
  }
  return { limit: first, after: args.after == null ? undefined : decodeCursor(args.after, keys) };
}

export function encodeCursor(values: readonly KeyValue[]): string {
  return Buffer.from(JSON.stringify(values.map((v) => (typeof v === "bigint" ? v.toString() : v)))).toString(
    "base64url",
  );
}

function decodeCursor(cursor: string, keys: readonly SortKey[]): KeyValue[] {
  const invalid = () => badArgument("after", "not a cursor returned by this connection");
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(raw) || raw.length !== keys.length) throw invalid();
  return keys.map((key, i) => {
    const v: unknown = raw[i];
    if (key.type === "string" && typeof v === "string") return v;
    if (key.type === "int" && typeof v === "number" && Number.isSafeInteger(v)) return v;
    if (key.type === "bigint" && typeof v === "string" && /^-?\d{1,30}$/.test(v)) return BigInt(v);
    throw invalid();
  });
}

/** Prisma `where` for "strictly after `values` in the order of `keys`": (k1 > v1) OR (k1 = v1 AND k2 > v2) … */
export function afterWhere(keys: readonly SortKey[], values: readonly KeyValue[]): Record<string, unknown> {
  return {
    OR: keys.map((key, i) => {
      const condition: Record<string, unknown> = {};
      for (let j = 0; j < i; j++) condition[keys[j]!.field] = values[j];
      condition[key.field] = { [key.direction === "asc" ? "gt" : "lt"]: values[i] };
      return condition;
    }),
  };
}

export function orderByOf(keys: readonly SortKey[]): Array<Record<string, "asc" | "desc">> {
  return keys.map((k) => ({ [k.field]: k.direction }));
}

/** Builds the connection from up to limit + 1 rows (the extra one only says whether there is a next page). */
export function toConnection<T>(
  rows: readonly T[],
  page: PageRequest,
  keys: readonly SortKey[],
  keyOf: (row: T, field: string) => KeyValue,
): Connection<T> {
  const nodes = rows.slice(0, page.limit);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(keys.map((k) => keyOf(node, k.field))), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > page.limit,
      hasPreviousPage: page.after !== undefined,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}

/** The usual Prisma page: `where` AND after-cursor, ordered by the keys, one row more than asked. */
export async function keysetPage<T>(
  page: PageRequest,
  keys: readonly SortKey[],
  where: Record<string, unknown>,
  find: (query: {
    where: Record<string, unknown>;
    orderBy: Array<Record<string, "asc" | "desc">>;
    take: number;
  }) => Promise<T[]>,
): Promise<Connection<T>> {
  if (page.limit === 0) return toConnection([], page, keys, () => "");
  const combined = page.after === undefined ? where : { AND: [where, afterWhere(keys, page.after)] };
  const rows = await find({ where: combined, orderBy: orderByOf(keys), take: page.limit + 1 });
  return toConnection(rows, page, keys, (row, field) => (row as Record<string, KeyValue>)[field]!);
}
