// Errors the query surfaces answer with. The kind decides the transport code (gRPC status, HTTP status,
// GraphQL extension code); the message is the reference gadget's text where the reference had one, because
// op-node substring-matches it.
import { FinalityQueryError } from "../core/finality/range.ts";

export const NOT_ACTIVATED_MESSAGE = "BTC staking is not activated for the consumer chain";
export const BLOCK_NOT_FOUND_MESSAGE = "block not found";

export type QueryErrorKind = "invalid_argument" | "not_found" | "not_activated" | "unavailable";

export class QueryError extends Error {
  override readonly name = "QueryError";
  constructor(
    readonly kind: QueryErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** A user-caused error from any layer as a QueryError; anything else is not the user's fault and is rethrown. */
export function asQueryError(error: unknown): QueryError | undefined {
  if (error instanceof QueryError) return error;
  if (error instanceof FinalityQueryError) return new QueryError("invalid_argument", error.message);
  return undefined;
}
