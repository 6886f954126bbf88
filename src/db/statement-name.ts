// Names for prepared statements. node-postgres prepares a named statement once per connection and then only
// binds and executes it; an unnamed one is parsed and planned again on every call. The name is made from the
// statement's text, so one text is one statement on every connection. Only constant texts belong here (the
// API's driver reads, driver-reads.ts: values travel as parameters), so the names stay few. Prisma's model
// queries do not: their text changes with the values (`IN ($1,$2,…)` grows with the list), and each variant
// would stay prepared.
import { createHash } from "node:crypto";

const names = new Map<string, string>();

export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `obf_${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}
