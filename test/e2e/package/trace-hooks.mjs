// Module hooks that record every module URL an ESM import resolves to, for the closure check.
import { appendFileSync } from "node:fs";

let file;
export function initialize(data) {
  file = data.file;
}
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(file, `${resolved.url}\n`);
  return resolved;
}
