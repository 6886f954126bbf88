// The one place the query surface reads a chain: the gadget indexes blocks, not transactions, so finding a
// transaction's block (for /v1/transaction and `transaction(hash)`) takes an L2 receipt lookup, as in the
// reference. An unreachable L2 is reported as "unavailable" (HTTP 503, gRPC UNAVAILABLE), never as a 500.
import {
  createPublicClient,
  http,
  type PublicClient,
  TransactionReceiptNotFoundError,
  webSocket,
} from "viem";
import { QueryError } from "./errors.ts";
import type { TransactionLocator } from "./finality.ts";

export function l2TransactionLocator(
  rpcUrl: string,
  options: { timeoutMs?: number } = {},
): TransactionLocator {
  const timeout = options.timeoutMs ?? 5_000;
  const client: PublicClient = createPublicClient({
    transport: /^wss?:/.test(rpcUrl)
      ? webSocket(rpcUrl, { timeout })
      : http(rpcUrl, { timeout, retryCount: 1 }),
  });
  return async (hash) => {
    try {
      const receipt = await client.getTransactionReceipt({ hash });
      return { blockHash: receipt.blockHash, blockNumber: receipt.blockNumber };
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError) return null;
      const reason =
        error instanceof Error
          ? ((error as Error & { shortMessage?: string }).shortMessage ?? error.message)
          : String(error);
      throw new QueryError("unavailable", `the L2 RPC could not be asked about the transaction: ${reason}`);
    }
  };
}
