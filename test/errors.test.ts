// Errors are classified by type and code, never by their text.
import { describe, expect, it } from "vitest";
import { BabylonRpcError } from "../src/chains/babylon/block-reader.ts";
import { errorKind, ProtocolError, ReorgError, rpcFailure } from "../src/errors.ts";

const withCode = (code: string, name = "Error") => Object.assign(new Error("x"), { code, name });

describe("errorKind", () => {
  it("takes the project's own kind", () => {
    expect(errorKind(new ReorgError("finalization raced with a reorg"))).toBe("reorg");
    expect(errorKind(new BabylonRpcError("database is down"))).toBe("rpc"); // the text says nothing
    expect(errorKind(new ProtocolError("timeout"))).toBe("protocol");
  });

  it("places library errors by type or code", () => {
    expect(errorKind(Object.assign(new Error("boom"), { name: "PrismaClientKnownRequestError" }))).toBe(
      "database",
    );
    expect(errorKind(withCode("40P01"))).toBe("database"); // a Postgres SQLSTATE (deadlock)
    expect(errorKind(withCode("ECONNRESET"))).toBe("rpc");
    expect(errorKind(new Error("relation does not exist"))).toBe("rpc");
  });
});

describe("rpcFailure", () => {
  it("reads the error and its causes, not the message", () => {
    expect(rpcFailure(Object.assign(new Error("fetch failed"), { name: "TimeoutError" }))).toBe("timeout");
    expect(rpcFailure(new Error("fetch failed", { cause: withCode("ECONNREFUSED") }))).toBe("http");
    expect(rpcFailure(new ProtocolError("bad"))).toBe("malformed");
    expect(rpcFailure(new Error("timeout malformed http"))).toBe("rpc");
  });
});
