// The Pothos builder and the scalars. BigInt travels as a decimal string (uint64 heights and satoshi sums do
// not fit a GraphQL Int or a JS number); DateTime as ISO-8601.
import SchemaBuilder from "@pothos/core";
import RelayPlugin from "@pothos/plugin-relay";
import type { GraphQLContext } from "./context.ts";
import { GraphQLError, Kind } from "./graphql-js.ts";

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    BigInt: { Input: bigint; Output: bigint | number | string };
    DateTime: { Input: Date; Output: Date };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

const INTEGER = /^-?\d{1,78}$/;

function parseBigInt(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && INTEGER.test(value)) return BigInt(value);
  throw new GraphQLError(`BigInt expects an integer as a decimal string, got ${JSON.stringify(value)}`, {
    extensions: { code: "BAD_USER_INPUT" },
  });
}

builder.scalarType("BigInt", {
  description: "An integer of any size (uint64 heights, satoshi amounts), as a decimal string",
  serialize: (value) => BigInt(value).toString(),
  parseValue: parseBigInt,
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT) return parseBigInt(ast.value);
    throw new GraphQLError("BigInt expects a decimal string or an integer literal", {
      extensions: { code: "BAD_USER_INPUT" },
    });
  },
});

builder.scalarType("DateTime", {
  description: "A point in time, ISO-8601 in UTC",
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === "string" ? new Date(value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) {
      throw new GraphQLError(`DateTime expects an ISO-8601 string, got ${JSON.stringify(value)}`, {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
    return date;
  },
});
