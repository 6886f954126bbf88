// Query depth and cost limits, checked with the variables known (so `first: $n` counts with its value) before
// anything runs. Cost: each field 1, plus its selection times the rows it can return — `first` (or the
// default page) for connections, a fixed estimate for plain lists. Introspection is not counted.
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "./graphql-js.ts";
import { DEFAULT_PAGE_SIZE } from "./pagination.ts";

export interface QueryLimits {
  maxDepth: number;
  maxCost: number;
}

export const DEFAULT_LIMITS: QueryLimits = { maxDepth: 12, maxCost: 200_000 };

/** Rows a plain list field (votes of a block, providers of a delegation) is assumed to hold. */
const LIST_ESTIMATE = 20;

export function checkLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  limits: QueryLimits,
): GraphQLError | undefined {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (
      def.kind === Kind.OPERATION_DEFINITION &&
      (operationName == null || def.name?.value === operationName)
    ) {
      operation ??= def;
    }
  }
  if (operation === undefined) return undefined; // graphql-js reports the missing operation itself
  const root =
    operation.operation === "query"
      ? schema.getQueryType()
      : operation.operation === "subscription"
        ? schema.getSubscriptionType()
        : schema.getMutationType();
  if (!root) return undefined;

  const argValue = (node: ValueNode): unknown => {
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind === Kind.VARIABLE) return variables?.[node.name.value];
    return undefined;
  };

  const measure = (
    set: SelectionSetNode,
    type: GraphQLNamedType,
    depth: number,
    seen: ReadonlySet<string>,
  ): { depth: number; cost: number } => {
    let maxDepth = depth;
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD || selection.kind === Kind.INLINE_FRAGMENT) {
        let inner: SelectionSetNode | undefined;
        let innerType: GraphQLNamedType | undefined = type;
        if (selection.kind === Kind.FRAGMENT_SPREAD) {
          const name = selection.name.value;
          if (seen.has(name)) continue; // a cycle; validation rejects it
          const fragment = fragments.get(name);
          inner = fragment?.selectionSet;
          if (fragment) innerType = schema.getType(fragment.typeCondition.name.value) ?? type;
          const r = inner ? measure(inner, innerType, depth, new Set([...seen, name])) : { depth, cost: 0 };
          maxDepth = Math.max(maxDepth, r.depth);
          cost += r.cost;
        } else {
          if (selection.typeCondition) innerType = schema.getType(selection.typeCondition.name.value) ?? type;
          const r = measure(selection.selectionSet, innerType, depth, seen);
          maxDepth = Math.max(maxDepth, r.depth);
          cost += r.cost;
        }
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith("__")) continue;
      cost += 1;
      if (!selection.selectionSet) {
        maxDepth = Math.max(maxDepth, depth + 1);
        continue;
      }
      const field =
        isObjectType(type) || isInterfaceType(type)
          ? (type as GraphQLObjectType).getFields()[name]
          : undefined;
      if (!field) continue; // validation reports unknown fields
      const named = getNamedType(field.type);
      let multiplier = 1;
      const firstArg = selection.arguments?.find((a) => a.name.value === "first");
      const first = firstArg ? argValue(firstArg.value) : undefined;
      if (typeof first === "number") multiplier = Math.max(first, 1);
      else if (named.name.endsWith("Connection")) multiplier = DEFAULT_PAGE_SIZE;
      else if (isListType(getNullableType(field.type))) multiplier = LIST_ESTIMATE;
      const r = measure(selection.selectionSet, named, depth + 1, seen);
      maxDepth = Math.max(maxDepth, r.depth);
      cost += multiplier * r.cost;
    }
    return { depth: maxDepth, cost };
  };

  const { depth, cost } = measure(operation.selectionSet, root, 0, new Set());
  if (depth > limits.maxDepth) {
    return new GraphQLError(`query is nested ${depth} levels deep; the limit is ${limits.maxDepth}`, {
      extensions: { code: "QUERY_TOO_DEEP", depth, limit: limits.maxDepth },
    });
  }
  if (cost > limits.maxCost) {
    return new GraphQLError(
      `query may return about ${cost} values; the limit is ${limits.maxCost} — ask for smaller pages (first) or fewer nested lists`,
      { extensions: { code: "QUERY_TOO_COSTLY", cost, limit: limits.maxCost } },
    );
  }
  return undefined;
}
