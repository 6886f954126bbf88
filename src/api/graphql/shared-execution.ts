// Subscription fan-out: 10,000 subscribers of one finalizedBlocks document receive the same row object for each
// block (the streams load it once per event, see SharedLoads), so the selection is executed once per event and
// per distinct document + variables, and every subscriber gets the same result object (which the graphql-ws
// transport then serialises once, see ws-transport.ts). Without this each subscriber ran its own execution and
// 10,000 executions per block dominated the delivery latency.
//
// Rule this relies on: a Subscription root field's `resolve` does not read its arguments (they only choose the
// stream, in `subscribe`), so variables used only in root-field arguments (fromHeight, fpBtcPk) do not take
// part in the key. Every root resolver in subscription.ts returns the event unchanged.
import type { Plugin } from "graphql-yoga";
import type { Logger } from "../../log.ts";
import type { GraphQLContext } from "./context.ts";
import { isPushable, type PushableStream, type PushSink } from "./finalized-feed.ts";
import {
  createSourceEventStream,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  Kind,
  type OperationDefinitionNode,
  print,
  visit,
} from "./graphql-js.ts";
import { maskError, maskResult } from "./masking.ts";

interface DocumentKey {
  text: string;
  /** Variables the selection below the root fields (or a directive) reads: they change the result. */
  selectionVariables: string[];
}

const documentKeys = new WeakMap<DocumentNode, DocumentKey>();

function variablesIn(node: Parameters<typeof visit>[0], into: Set<string>): void {
  visit(node, {
    Variable(v) {
      into.add(v.name.value);
    },
  });
}

function documentKey(document: DocumentNode): DocumentKey {
  let key = documentKeys.get(document);
  if (key !== undefined) return key;
  const used = new Set<string>();
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) variablesIn(def, used);
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const operation = def as OperationDefinitionNode;
    for (const directive of operation.directives ?? []) variablesIn(directive, used);
    for (const selection of operation.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) {
        variablesIn(selection, used); // a spread or inline fragment at the root: be conservative
        continue;
      }
      for (const directive of selection.directives ?? []) variablesIn(directive, used);
      if (selection.selectionSet) variablesIn(selection.selectionSet, used);
    }
  }
  key = { text: print(document), selectionVariables: [...used].sort() };
  documentKeys.set(document, key);
  return key;
}

function executionKey(args: ExecutionArgs): string {
  const { text, selectionVariables } = documentKey(args.document);
  const vars = args.variableValues ?? {};
  return JSON.stringify([text, args.operationName ?? null, selectionVariables.map((v) => vars[v] ?? null)]);
}

/** Results by source event object, then by execution key; a result lives as long as its event is referenced. */
const executed = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

type Mask = <T extends ExecutionResult>(result: T) => T;

function executeOnce(
  args: ExecutionArgs,
  key: string,
  payload: unknown,
  mask: Mask,
): Promise<ExecutionResult> {
  // Masked here, once for every subscriber of the result (masking.ts).
  const run = async () => mask(await execute({ ...args, rootValue: payload }));
  if (typeof payload !== "object" || payload === null) return run();
  let byKey = executed.get(payload);
  if (byKey === undefined) {
    byKey = new Map();
    executed.set(payload, byKey);
  }
  let result = byKey.get(key);
  if (result === undefined) {
    result = run();
    byKey.set(key, result);
  }
  return result;
}

/**
 * graphql-js `subscribe`, with each event's execution shared by every subscriber with the same key, and its
 * errors masked (masking.ts). A result that ends the stream before it starts is masked by the masking plugin.
 */
export async function subscribeShared(
  args: ExecutionArgs,
  log: Logger,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
  const events = source as AsyncIterableIterator<unknown>;
  const key = executionKey(args);
  const mask: Mask = (result) => maskResult(result, log);
  const done = { value: undefined, done: true } as const;
  const push = (args.contextValue as Partial<GraphQLContext> | undefined)?.push;
  if (push !== undefined && isPushable(events)) {
    return pushed(events, { ...push, key, prepare: (row) => executeOnce(args, key, row, mask) }, log);
  }
  const results: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      let r: IteratorResult<unknown>;
      try {
        r = await events.next();
      } catch (error) {
        // graphql-ws sends it as the subscription's error message (a slow consumer's among them).
        throw maskError(error, log);
      }
      if (r.done) return done;
      return { value: await executeOnce(args, key, r.value, mask), done: false };
    },
    async return() {
      await events.return?.();
      return done;
    },
    async throw(error?: unknown) {
      await events.return?.();
      throw error;
    },
    [Symbol.asyncIterator]: () => results,
  };
  return results;
}

/**
 * The subscription's results go straight to its socket (finalized-feed.ts). graphql-ws waits on the one
 * `next` until the push ends, which it only does with an error or when graphql-ws itself ends it.
 */
function pushed(
  stream: PushableStream<unknown>,
  sink: PushSink<ExecutionResult>,
  log: Logger,
): AsyncIterableIterator<ExecutionResult> {
  const done = { value: undefined, done: true } as const;
  const stop = new AbortController();
  const ended = stream.pushTo(sink as PushSink<unknown>, stop.signal);
  ended.catch(() => {}); // read by `next`
  const end = async () => {
    stop.abort();
    await stream.return?.();
  };
  const results: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      try {
        await ended;
      } catch (error) {
        throw maskError(error, log);
      }
      return done;
    },
    async return() {
      await end();
      return done;
    },
    async throw(error?: unknown) {
      await end();
      throw error;
    },
    [Symbol.asyncIterator]: () => results,
  };
  return results;
}

/** Replaces the executor's subscribe with `subscribeShared` for every transport (graphql-ws and SSE). */
export function sharedExecutionPlugin(log: Logger): Plugin {
  const subscribe = (args: ExecutionArgs) => subscribeShared(args, log);
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe as Parameters<typeof setSubscribeFn>[0]);
    },
  };
}
