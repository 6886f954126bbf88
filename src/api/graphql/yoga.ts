// graphql-yoga over the Pothos schema: GraphiQL in a browser, SSE subscriptions built in, graphql-ws on the
// same path through the same envelop pipeline (so the limits and error masking apply to both transports).
import type { IncomingMessage } from "node:http";
import type { OperationResult } from "graphql-ws";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { WebSocketServer } from "ws";
import { SlowConsumerError } from "../../errors.ts";
import { databaseSnapshot } from "../../store/reads/snapshot.ts";
import { QueryError } from "../errors.ts";
import { renderLocalGraphiql } from "../web.ts";
import { type ApiServices, createContext, type GraphQLContext } from "./context.ts";
import { type ExecutionArgs, GraphQLError } from "./graphql-js.ts";
import { checkLimits, DEFAULT_LIMITS, type QueryLimits } from "./limits.ts";
import { ResponseCache } from "./response-cache.ts";
import { gadgetSchema } from "./schema.ts";
import { sharedExecutionPlugin } from "./shared-execution.ts";
import { serveGraphqlWs } from "./ws-transport.ts";

export type GadgetYoga = YogaServerInstance<Record<string, never>, GraphQLContext>;

const QUERY_ERROR_CODES = {
  invalid_argument: "BAD_USER_INPUT",
  not_found: "NOT_FOUND",
  not_activated: "NOT_ACTIVATED",
  unavailable: "UNAVAILABLE",
} as const;

function limitsPlugin(limits: QueryLimits): Plugin {
  const check = (args: ExecutionArgs) =>
    checkLimits(args.schema, args.document, args.operationName, args.variableValues, limits);
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = check(args);
      if (error) setResultAndStopExecution({ errors: [error] });
    },
  };
}

/** The cache of query responses (see response-cache.ts) the HTTP handler answers from before yoga. */
export function createResponseCache(services: ApiServices): ResponseCache {
  return new ResponseCache({
    // Requests arriving together share one snapshot read, one that began after each of them arrived.
    snapshot: () =>
      services.shared.joined("snapshot", services.shared.now(), () => databaseSnapshot(services.reads)),
    onOutcome: (outcome) => services.metrics.graphqlResponseCache.inc({ outcome }),
  });
}

export function createGadgetYoga(
  services: ApiServices,
  limits: QueryLimits = DEFAULT_LIMITS,
  cache?: ResponseCache,
): GadgetYoga {
  return createYoga<Record<string, never>, GraphQLContext>({
    schema: gadgetSchema(),
    graphqlEndpoint: "/graphql",
    context: () => createContext(services),
    graphiql: { subscriptionsProtocol: "WS", title: "op-btc-finality" },
    renderGraphiQL: renderLocalGraphiql,
    landingPage: false,
    logging: false,
    batching: false,
    plugins: [...(cache ? [cache.plugin()] : []), limitsPlugin(limits), sharedExecutionPlugin()],
    maskedErrors: {
      // Errors users cause keep their message; anything else is masked ("Unexpected error.") and logged.
      maskError(error, message) {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (original instanceof QueryError) {
          return new GraphQLError(original.message, {
            nodes: error instanceof GraphQLError ? error.nodes : undefined,
            path: error instanceof GraphQLError ? error.path : undefined,
            extensions: { code: QUERY_ERROR_CODES[original.kind] },
          });
        }
        if (original instanceof SlowConsumerError) {
          return new GraphQLError(original.message, {
            path: error instanceof GraphQLError ? error.path : undefined,
            originalError: original,
            extensions: { code: "SUBSCRIBER_TOO_SLOW" },
          });
        }
        if (error instanceof GraphQLError && (original === undefined || original instanceof GraphQLError)) {
          return error;
        }
        services.log.error({ err: original ?? error }, "GraphQL resolver failed");
        return new GraphQLError(message, {
          nodes: error instanceof GraphQLError ? error.nodes : undefined,
          path: error instanceof GraphQLError ? error.path : undefined,
          extensions: { code: "INTERNAL_SERVER_ERROR" },
        });
      },
    },
  });
}

/** graphql-ws (the `graphql-transport-ws` protocol) on an existing WebSocket server. */
export function attachGraphqlWs(yoga: GadgetYoga, wsServer: WebSocketServer): { dispose(): Promise<void> } {
  type Roots = {
    execute: (a: ExecutionArgs) => OperationResult;
    subscribe: (a: ExecutionArgs) => OperationResult;
  };
  return serveGraphqlWs(
    {
      execute: (args) => (args.rootValue as Roots).execute(args),
      subscribe: (args) => (args.rootValue as Roots).subscribe(args),
      onSubscribe: async (ctx, _id, payload) => {
        const request = ctx.extra.request as IncomingMessage;
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: request,
          socket: ctx.extra.socket,
          params: payload,
        });
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
        }
        const args: ExecutionArgs = {
          schema,
          operationName: payload.operationName ?? null,
          document,
          variableValues: payload.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe } satisfies Roots,
        };
        const errors = validate(args.schema, args.document);
        if (errors.length > 0) return errors;
        return args;
      },
    },
    wsServer,
  );
}
