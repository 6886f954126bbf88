// The README's GraphQL examples are real queries: each one validates against schema.graphql.
import { readFileSync } from "node:fs";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";

const root = new URL("..", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");
const schema = buildSchema(readFileSync(new URL("schema.graphql", root), "utf8"));

describe("README", () => {
  const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it("has GraphQL examples", () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it("shows only operations the schema accepts", () => {
    for (const block of blocks) {
      const errors = validate(schema, parse(block)).map((e) => e.message);
      expect(errors).toEqual([]);
    }
  });

  it("names the two set-up commands", () => {
    expect(readme).toContain("npm install && npm start");
    expect(readme).toContain("npm test");
  });
});
