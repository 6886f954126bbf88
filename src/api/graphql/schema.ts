// The explorer-facing GraphQL schema, assembled: each type is implemented in types/ (one file per type),
// the root Query and Subscription in query.ts and subscription.ts. Cross-table fields go through
// DataLoaders (context.ts); lists are keyset-paginated Relay connections (pagination.ts, pages.ts).
import "./types/block.ts";
import "./types/signature.ts";
import "./types/provider.ts";
import "./types/delegation.ts";
import "./types/equivocation.ts";
import "./types/pub-rand.ts";
import "./types/health.ts";
import "./types/sync-status.ts";
import "./types/progress.ts";
import "./types/transaction.ts";
import "./query.ts";
import "./subscription.ts";
import { builder } from "./builder.ts";
import { type GraphQLSchema, lexicographicSortSchema } from "./graphql-js.ts";

let schema: GraphQLSchema | undefined;

/** The schema, built once (Pothos builders are single-use). */
export function gadgetSchema(): GraphQLSchema {
  schema ??= builder.toSchema();
  return schema;
}

/** The schema as committed in schema.graphql. */
export function sortedSchema(): GraphQLSchema {
  return lexicographicSortSchema(gadgetSchema());
}
