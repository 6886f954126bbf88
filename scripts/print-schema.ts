// Writes schema.graphql, the printed GraphQL schema: `npx tsx scripts/print-schema.ts`. A test fails when the
// committed file differs from what the code builds.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { printSchema } from "../src/api/graphql/graphql-js.ts";
import { sortedSchema } from "../src/api/graphql/schema.ts";

export const SCHEMA_FILE = fileURLToPath(new URL("../schema.graphql", import.meta.url));

export function printedSchema(): string {
  return `${printSchema(sortedSchema())}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(SCHEMA_FILE, printedSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
