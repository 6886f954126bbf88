// Babylon RPC clients whose single calls retry a few times, with short jittered backoff, before failing.
// A reconciler step makes tens of RPC calls and an ingester step a few per block; when each call fails on its
// own with probability p, a step needing n of them succeeds with (1−p)^n — at p = 20 % and n = 15 about 3 % —
// so retrying only whole steps never gets through a flaky endpoint (and the step backoff keeps growing).
// Retrying each call makes a step fail with about n·p^attempts instead. The gadget and the provider daemon
// both talk to Babylon through it.
import { Comet38Client, HttpClient, type RpcClient } from "@cosmjs/tendermint-rpc";
import { withRetry } from "../retry.ts";

type Request = Parameters<RpcClient["execute"]>[0];

export class RetryingRpcClient implements RpcClient {
  constructor(
    private readonly inner: RpcClient,
    private readonly attempts = 4,
    private readonly baseMs = 50,
  ) {}

  readonly execute = async (request: Request) => {
    // A broadcast is not repeated blindly: a node that took the first one answers the second with an error
    // ("tx already exists in cache"), and the caller's own retry knows better what to resend.
    if (request.method.startsWith("broadcast_")) return this.inner.execute(request);
    return withRetry(() => this.inner.execute(request), this.attempts, this.baseMs);
  };

  readonly disconnect = () => this.inner.disconnect();
}

/** A CometBFT 0.38 client (Babylon's) over HTTP whose calls retry on errors. */
export function retryingComet(url: string): Comet38Client {
  return Comet38Client.create(new RetryingRpcClient(new HttpClient(url)));
}
