// graphql-yoga over the Pothos schema: GraphiQL in a browser, SSE subscriptions built in, graphql-ws on the
// same path through the same envelop pipeline (so the limits and error masking apply to both transports).
import type { IncomingMessage } from "node:http";
import type { OperationResult } from "graphql-ws";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { WebSocketServer } from "ws";
import { databaseSnapshot } from "../../store/reads/snapshot.ts";
import { renderLocalGraphiql } from "../web.ts";
import { type ApiServices, createContext, type GraphQLContext } from "./context.ts";
import { type ExecutionArgs, GraphQLError } from "./graphql-js.ts";
import { checkLimits, DEFAULT_LIMITS, type QueryLimits } from "./limits.ts";
import { maskingPlugin } from "./masking.ts";
import { ResponseCache } from "./response-cache.ts";
import { gadgetSchema } from "./schema.ts";
import { sharedExecutionPlugin } from "./shared-execution.ts";
import { pushTarget, serveGraphqlWs } from "./ws-transport.ts";

export type GadgetYoga = YogaServerInstance<Record<string, never>, GraphQLContext>;

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
    plugins: [
      ...(cache ? [cache.plugin()] : []),
      limitsPlugin(limits),
      sharedExecutionPlugin(services.log),
      maskingPlugin(services.log),
    ],
    // Masked by the gadget's own plugin (masking.ts), which costs subscribers nothing per event.
    maskedErrors: false,
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
      onSubscribe: async (ctx, id, payload) => {
        const request = ctx.extra.request as IncomingMessage;
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          req: request,
          socket: ctx.extra.socket,
          params: payload,
          push: pushTarget(ctx.extra, id),
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
