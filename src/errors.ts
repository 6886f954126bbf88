// Errors by what failed, not by what their message says: a loop, a metric or an operator decides from
// `kind`. Errors thrown by libraries (viem, CosmJS, node-postgres, Prisma) are placed by their type or code.

export type ErrorKind = "rpc" | "database" | "reorg" | "config" | "protocol" | "slow_consumer";

/** An error whose kind the project decided where it was thrown. */
export class KindedError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A chain endpoint failed, timed out or answered with an error. */
export class RpcError extends KindedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("rpc", message, options);
  }
}

/** The canonical chain moved under a step (an L2 reorg raced finalization): the step is retried. */
export class ReorgError extends KindedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("reorg", message, options);
  }
}

/** The database could not be reached, or ended the connection a call was using. */
export class DatabaseError extends KindedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("database", message, options);
  }
}

/** A chain or contract answered something the protocol does not allow (malformed, undecodable). */
export class ProtocolError extends KindedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("protocol", message, options);
  }
}

/** A configuration value, flag or file the program cannot use; the message names the key and what it expects. */
export class ConfigError extends KindedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("config", message, options);
  }
}

/** A subscriber fell too far behind its stream and was dropped, so that it slows no one else. */
export class SlowConsumerError extends KindedError {
  constructor(message: string) {
    super("slow_consumer", message);
  }
}

// Node's socket errors: the endpoint could not be reached or dropped the connection.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ENOTFOUND", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]);

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
};

/** The kind of any error: the project's own, or a library's placed by its type or code. */
export function errorKind(error: unknown): ErrorKind {
  if (error instanceof KindedError) return error.kind;
  const name = (error as { name?: unknown } | null)?.name;
  // Prisma's client and driver-adapter errors, and node-postgres' (a five-character SQLSTATE code).
  if (typeof name === "string" && (name.startsWith("PrismaClient") || name === "DriverAdapterError"))
    return "database";
  const code = codeOf(error);
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code) && !NETWORK_CODES.has(code)) return "database";
  return "rpc";
}

// SQLSTATE class 57P: the server is shutting down, restarting, or an operator ended the session
// (pg_terminate_backend sends 57P01); class 08: connection exceptions.
const LOST_SQLSTATE = /^(57P0[1-3]|08...)$/;

/**
 * Whether the server ended (or is refusing, while it restarts) the connection a call used: the fault that
 * passes with a reconnect, as opposed to a wrong query or an unreachable address.
 */
export function connectionLost(error: unknown): boolean {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = codeOf(e);
    if (code !== undefined && (LOST_SQLSTATE.test(code) || code === "ECONNRESET" || code === "EPIPE"))
      return true;
    // node-postgres gives a socket closed under a client, and a query on such a client, no code: only these.
    if (/^Connection terminated|connection error and is not queryable/.test(e.message)) return true;
  }
  return false;
}

/** How an RPC failed, for the metric's `kind` label: from the error's type and codes, never its text. */
export function rpcFailure(error: unknown): "timeout" | "http" | "malformed" | "rpc" {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e.name === "TimeoutError" || e.name === "AbortError" || codeOf(e) === "ETIMEDOUT") return "timeout";
    if (e instanceof ProtocolError || e instanceof SyntaxError) return "malformed";
    if (e.name === "HttpRequestError" || NETWORK_CODES.has(codeOf(e) ?? "")) return "http";
  }
  return "rpc";
}

/** One line of an error for logs and health details (a stack or a multi-line message stays out). */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0]!.slice(0, 500);
  return String(error).slice(0, 500);
}
