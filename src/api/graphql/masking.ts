// What a GraphQL client learns of an error. Errors users cause keep their message and get a code; a subscriber
// dropped for falling behind is told so; anything else is logged and reaches the client as "Unexpected error.".
//
// The gadget masks errors itself rather than through yoga's `maskedErrors`: yoga's plugin wraps every
// subscription's stream in two more async iterators, a cost that each of 10,000 subscribers paid on every
// event. Here a subscription's shared result is masked once for all its subscribers (shared-execution.ts), and
// only queries, the results a subscription starts with, and whatever reaches an HTTP response pass this plugin.
import { isAsyncIterable, type Plugin } from "graphql-yoga";
import { SlowConsumerError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { QueryError } from "../errors.ts";
import { type ExecutionResult, GraphQLError } from "./graphql-js.ts";

export const UNEXPECTED_ERROR_MESSAGE = "Unexpected error.";

const QUERY_ERROR_CODES = {
  invalid_argument: "BAD_USER_INPUT",
  not_found: "NOT_FOUND",
  not_activated: "NOT_ACTIVATED",
  unavailable: "UNAVAILABLE",
} as const;

/** The error as a client may see it. Masking a masked error changes nothing, so layers may each apply it. */
export function maskError(error: unknown, log: Logger): GraphQLError {
  const graphql = error instanceof GraphQLError ? error : undefined;
  const original = graphql ? graphql.originalError : error;
  if (original instanceof QueryError) {
    return new GraphQLError(original.message, {
      nodes: graphql?.nodes,
      path: graphql?.path,
      extensions: { code: QUERY_ERROR_CODES[original.kind] },
    });
  }
  if (original instanceof SlowConsumerError) {
    return new GraphQLError(original.message, {
      path: graphql?.path,
      originalError: original,
      extensions: { code: "SUBSCRIBER_TOO_SLOW" },
    });
  }
  // graphql-js's own errors (syntax, validation, coercion) and errors already masked.
  if (graphql && (original === undefined || original instanceof GraphQLError)) return graphql;
  log.error({ err: original ?? error }, "GraphQL resolver failed");
  return new GraphQLError(UNEXPECTED_ERROR_MESSAGE, {
    nodes: graphql?.nodes,
    path: graphql?.path,
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  });
}

export function maskResult<T extends ExecutionResult>(result: T, log: Logger): T {
  if (!result.errors?.length) return result;
  return { ...result, errors: result.errors.map((e) => maskError(e, log)) };
}

/** Masks single results: of queries and mutations, of a subscription that failed to start, and HTTP responses. */
export function maskingPlugin(log: Logger): Plugin {
  const maskSingle = ({
    result,
    setResult,
  }: {
    result: unknown;
    setResult: (r: ExecutionResult) => void;
  }) => {
    if (!isAsyncIterable(result) && !Array.isArray(result))
      setResult(maskResult(result as ExecutionResult, log));
  };
  return {
    onExecute: () => ({ onExecuteDone: maskSingle }),
    onSubscribe: () => ({ onSubscribeResult: maskSingle }),
    // Errors raised outside execution (in a plugin, the context factory) reach the response here.
    onResultProcess: maskSingle,
  };
}
