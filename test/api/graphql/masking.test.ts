// What clients learn of errors, through yoga with the gadget's masking and shared-execution plugins: a user's
// mistake keeps its message and gets a code, anything else is logged and masked, on every path an error can
// take to a response (a resolver, the context factory, a subscription's event).
import { createSchema, createYoga } from "graphql-yoga";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { QueryError } from "../../../src/api/errors.ts";
import { maskError, maskingPlugin, UNEXPECTED_ERROR_MESSAGE } from "../../../src/api/graphql/masking.ts";
import { sharedExecutionPlugin } from "../../../src/api/graphql/shared-execution.ts";
import { silentLogger } from "../../../src/log.ts";

function server(o: { failContext?: boolean } = {}) {
  const logged: string[] = [];
  const log = pino({ level: "error" }, { write: (line: string) => logged.push(line) });
  const yoga = createYoga({
    schema: createSchema({
      typeDefs: `type Query { secret: String bad: String ok: String }
                 type Subscription { ticks: Int! }`,
      resolvers: {
        Query: {
          secret: () => {
            throw new Error("password=hunter2");
          },
          bad: () => {
            throw new QueryError("invalid_argument", "height must be a decimal integer");
          },
          ok: () => "fine",
        },
        Subscription: {
          ticks: {
            subscribe: async function* () {
              yield 1;
            },
            resolve: () => {
              throw new Error("socket hang up at 10.0.0.7");
            },
          },
        },
      },
    }),
    context: () => {
      if (o.failContext) throw new Error("pool exhausted at postgres://admin:pw@db");
      return {};
    },
    logging: false,
    maskedErrors: false,
    plugins: [sharedExecutionPlugin(log), maskingPlugin(log)],
  });
  const post = async (query: string, accept = "application/json") => {
    const res = await yoga.fetch("http://test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body: JSON.stringify({ query }),
    });
    return res.text();
  };
  return { post, logged };
}

describe("GraphQL error masking", () => {
  it("masks an unexpected resolver error and logs it, keeping a user's mistake and graphql's own errors", async () => {
    const { post, logged } = server();
    const body = JSON.parse(await post("{ secret bad ok }"));
    expect(body.data).toEqual({ secret: null, bad: null, ok: "fine" });
    expect(
      body.errors.map((e: { message: string; extensions: { code: string } }) => [
        e.message,
        e.extensions.code,
      ]),
    ).toEqual([
      [UNEXPECTED_ERROR_MESSAGE, "INTERNAL_SERVER_ERROR"],
      ["height must be a decimal integer", "BAD_USER_INPUT"],
    ]);
    expect(logged.join("")).toContain("password=hunter2");
    const syntax = JSON.parse(await post("{ ok "));
    expect(syntax.errors[0].message).toMatch(/Syntax Error/);
  });

  it("masks an error raised outside execution", async () => {
    const { post, logged } = server({ failContext: true });
    const text = await post("{ ok }");
    expect(text).not.toContain("pool exhausted");
    expect(JSON.parse(text).errors[0].message).toBe(UNEXPECTED_ERROR_MESSAGE);
    expect(logged.join("")).toContain("pool exhausted");
  });

  it("masks a subscription's event result (SSE)", async () => {
    const { post } = server();
    const text = await post("subscription { ticks }", "text/event-stream");
    expect(text).toContain(UNEXPECTED_ERROR_MESSAGE);
    expect(text).not.toContain("10.0.0.7");
  });

  it("leaves a masked error as it is", () => {
    const once = maskError(new QueryError("not_found", "block not found"), silentLogger);
    expect(maskError(once, silentLogger)).toBe(once);
    const internal = maskError(new Error("x"), silentLogger);
    expect(maskError(internal, silentLogger)).toBe(internal);
  });
});
