// The CometBFT 0.38 event query language used by tx_search and WebSocket subscriptions:
// conditions joined by AND; operators =, <, <=, >, >=, CONTAINS, EXISTS; 'quoted strings' or numbers.
import type { AbciEvent } from "./module.ts";

export type Operator = "=" | "<" | "<=" | ">" | ">=" | "CONTAINS" | "EXISTS";

export interface Condition {
  key: string;
  op: Operator;
  value?: { kind: "string"; text: string } | { kind: "number"; num: number };
}

export class QueryParseError extends Error {}

const TOKEN =
  /\s*(?:(AND)\b|(CONTAINS)\b|(EXISTS)\b|(<=|>=|=|<|>)|'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?)\b|([A-Za-z_][\w.\-/]*))/y;

export function parseQuery(query: string): Condition[] {
  const tokens: { kind: "and" | "op" | "string" | "number" | "key"; text: string }[] = [];
  TOKEN.lastIndex = 0;
  let pos = 0;
  const source = query.trim();
  while (pos < source.length) {
    TOKEN.lastIndex = pos;
    const m = TOKEN.exec(source);
    if (!m)
      throw new QueryParseError(
        `failed to parse query ${JSON.stringify(query)}: unexpected input at offset ${pos}`,
      );
    pos = TOKEN.lastIndex;
    if (m[1]) tokens.push({ kind: "and", text: "AND" });
    else if (m[2]) tokens.push({ kind: "op", text: "CONTAINS" });
    else if (m[3]) tokens.push({ kind: "op", text: "EXISTS" });
    else if (m[4]) tokens.push({ kind: "op", text: m[4] });
    else if (m[5] !== undefined) tokens.push({ kind: "string", text: m[5].replace(/\\(.)/g, "$1") });
    else if (m[6]) tokens.push({ kind: "number", text: m[6] });
    else if (m[7]) tokens.push({ kind: "key", text: m[7] });
    while (pos < source.length && source[pos] === " ") pos++;
  }
  const conditions: Condition[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new QueryParseError(`failed to parse query ${JSON.stringify(query)}: ${why}`);
  };
  while (i < tokens.length) {
    const key = tokens[i++];
    if (key?.kind !== "key") fail("expected a key");
    const op = tokens[i++];
    if (op?.kind !== "op") fail(`expected an operator after ${key?.text}`);
    const operator = op!.text as Operator;
    if (operator === "EXISTS") {
      conditions.push({ key: key!.text, op: operator });
    } else {
      const value = tokens[i++];
      if (value?.kind === "string")
        conditions.push({ key: key!.text, op: operator, value: { kind: "string", text: value.text } });
      else if (value?.kind === "number") {
        if (operator === "CONTAINS") fail("CONTAINS needs a quoted string");
        conditions.push({ key: key!.text, op: operator, value: { kind: "number", num: Number(value.text) } });
      } else fail(`expected a value after ${key!.text} ${operator}`);
    }
    if (i < tokens.length) {
      if (tokens[i]?.kind !== "and") fail("conditions must be joined by AND");
      i++;
      if (i === tokens.length) fail("dangling AND");
    }
  }
  if (conditions.length === 0) fail("empty query");
  return conditions;
}

function compareValue(actual: string, c: Condition): boolean {
  if (c.op === "EXISTS") return true;
  const v = c.value!;
  if (c.op === "CONTAINS") return v.kind === "string" && actual.includes(v.text);
  if (v.kind === "string") {
    if (c.op === "=") return actual === v.text;
    return compareOrdered(actual < v.text ? -1 : actual > v.text ? 1 : 0, c.op);
  }
  if (actual.trim() === "") return false;
  const n = Number(actual);
  if (Number.isNaN(n)) return false;
  return compareOrdered(n < v.num ? -1 : n > v.num ? 1 : 0, c.op);
}

function compareOrdered(cmp: number, op: Operator): boolean {
  switch (op) {
    case "=":
      return cmp === 0;
    case "<":
      return cmp < 0;
    case "<=":
      return cmp <= 0;
    case ">":
      return cmp > 0;
    case ">=":
      return cmp >= 0;
    default:
      return false;
  }
}

/** What a query is matched against: reserved keys (tm.event, tx.hash, tx.height) and the events. */
export interface Matchable {
  reserved: Record<string, string>;
  events: readonly AbciEvent[];
}

/**
 * CometBFT 0.38 semantics: attribute conditions that name the same event type must all hold within one
 * event of that type. An event type may itself contain dots, so a key is resolved to the longest event
 * type present that prefixes it.
 */
export function matches(conditions: readonly Condition[], target: Matchable): boolean {
  const groups = new Map<string, Condition[]>();
  for (const c of conditions) {
    const reserved = target.reserved[c.key];
    if (reserved !== undefined) {
      const ok =
        c.key === "tx.hash" && c.value?.kind === "string"
          ? c.op === "=" && reserved.toUpperCase() === c.value.text.toUpperCase()
          : compareValue(reserved, c);
      if (!ok) return false;
      continue;
    }
    let type: string | undefined;
    for (const e of target.events) {
      if (c.key.startsWith(`${e.type}.`) && (type === undefined || e.type.length > type.length))
        type = e.type;
    }
    if (type === undefined) return false;
    const group = groups.get(type) ?? [];
    group.push(c);
    groups.set(type, group);
  }
  for (const [type, group] of groups) {
    const ok = target.events.some(
      (e) =>
        e.type === type &&
        group.every((c) => {
          const attrKey = c.key.slice(type.length + 1);
          return e.attributes.some((a) => a.key === attrKey && compareValue(a.value, c));
        }),
    );
    if (!ok) return false;
  }
  return true;
}
