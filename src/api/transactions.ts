// The one place the query surface reads a chain: the gadget indexes blocks, not transactions, so finding a
// transaction's block (for /v1/transaction and `transaction(hash)`) takes an L2 receipt lookup, as in the
// reference. An unreachable L2 is reported as "unavailable" (HTTP 503, gRPC UNAVAILABLE), never as a 500.
// viem is imported on the first lookup, not at start-up: loading it is a third of a second of CPU that a gadget
// nobody asks about a transaction never needs.
import type { PublicClient } from "viem";
import { QueryError } from "./errors.ts";
import type { TransactionLocator } from "./finality.ts";

export function l2TransactionLocator(
  rpcUrl: string,
  options: { timeoutMs?: number } = {},
): TransactionLocator {
  const timeout = options.timeoutMs ?? 5_000;
  let loaded: Promise<{ client: PublicClient; NotFound: new (...args: never[]) => Error }> | undefined;
  const load = async () => {
    const { createPublicClient, http, webSocket, TransactionReceiptNotFoundError } = await import("viem");
    const client: PublicClient = createPublicClient({
      transport: /^wss?:/.test(rpcUrl)
        ? webSocket(rpcUrl, { timeout })
        : http(rpcUrl, { timeout, retryCount: 1 }),
    });
    return { client, NotFound: TransactionReceiptNotFoundError };
  };
  return async (hash) => {
    loaded ??= load();
    const { client, NotFound } = await loaded;
    try {
      const receipt = await client.getTransactionReceipt({ hash });
      return { blockHash: receipt.blockHash, blockNumber: receipt.blockNumber };
    } catch (error) {
      if (error instanceof NotFound) return null;
      const reason =
        error instanceof Error
          ? ((error as Error & { shortMessage?: string }).shortMessage ?? error.message)
          : String(error);
      throw new QueryError("unavailable", `the L2 RPC could not be asked about the transaction: ${reason}`);
    }
  };
}
