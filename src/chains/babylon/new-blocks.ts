// A Babylon node tells its websocket subscribers of each new block as it commits it. Polling alone finds a block
// half a poll interval late on average (500 ms at the default 1 s), and the Babylon and BTC loops each pay that
// wait in turn before a block can be evaluated. The gadget keeps polling: a node whose websocket is closed,
// or a proxy that does not carry it, costs only that wait. The notice carries nothing the gadget reads; what
// the block holds is read as before, by the loops it wakes.
import WebSocket from "ws";
import type { Logger } from "../../log.ts";
import { Backoff, sleep } from "../../retry.ts";

/** CometBFT serves its websocket at `/websocket` beside the JSON-RPC endpoint (under the same path prefix). */
export function websocketUrl(rpcUrl: string): string {
  const url = new URL(rpcUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return new URL("websocket", url).toString();
}

const SUBSCRIBE = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "subscribe",
  params: { query: "tm.event='NewBlockHeader'" },
});

export interface NewBlockOptions {
  rpcUrl: string;
  /** Called once per block the node reports. */
  onBlock: () => void;
  log: Logger;
  backoff?: Backoff;
}

/**
 * Subscribes to the node's new-block notices until the signal aborts, connecting again after any failure with
 * backoff. Never throws: a websocket that cannot be had leaves the caller's polling to do the work.
 */
export async function watchNewBlocks(o: NewBlockOptions, signal: AbortSignal): Promise<void> {
  const url = websocketUrl(o.rpcUrl);
  const backoff = o.backoff ?? new Backoff({ initialMs: 1_000, maxMs: 60_000 });
  while (!signal.aborted) {
    const outcome = await subscribeOnce(url, o.onBlock, signal);
    if (signal.aborted) return;
    if (outcome.notices > 0) backoff.reset();
    const delay = backoff.next();
    // The first failure is worth a line; after that the loop retries quietly (polling goes on meanwhile).
    const level = backoff.failures === 1 ? "info" : "debug";
    o.log[level]({ url, err: outcome.error, retryInMs: Math.round(delay) }, "new-block subscription lost");
    await sleep(delay, signal);
  }
}

/** One connection: subscribe, report notices, resolve when it ends (closed, failed or aborted). */
function subscribeOnce(
  url: string,
  onBlock: () => void,
  signal: AbortSignal,
): Promise<{ notices: number; error: string }> {
  return new Promise((resolve) => {
    let notices = 0;
    let error = "closed by the node";
    const ws = new WebSocket(url, { handshakeTimeout: 10_000, maxPayload: 1 << 20 });
    const abort = () => ws.terminate();
    signal.addEventListener("abort", abort, { once: true });
    ws.on("open", () => ws.send(SUBSCRIBE));
    ws.on("message", (raw) => {
      const message = parse(raw.toString());
      if (message === undefined) return;
      if (message.error !== undefined) {
        error = `subscribe refused: ${JSON.stringify(message.error)}`;
        ws.close();
        return;
      }
      // The reply to `subscribe` is an empty result; a notice carries the event's data.
      if (message.result?.data === undefined) return;
      notices++;
      onBlock();
    });
    ws.on("error", (e) => {
      error = e.message;
    });
    ws.on("close", () => {
      signal.removeEventListener("abort", abort);
      resolve({ notices, error });
    });
  });
}

/** Whether the node takes the subscription: resolves once it accepts, rejects with its reason otherwise. */
export function probeNewBlocks(rpcUrl: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(websocketUrl(rpcUrl), { handshakeTimeout: timeoutMs });
    const timer = setTimeout(() => finish(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const finish = (error?: Error) => {
      clearTimeout(timer);
      ws.terminate();
      if (error) reject(error);
      else resolve();
    };
    ws.on("open", () => ws.send(SUBSCRIBE));
    ws.on("message", (raw) => {
      const message = parse(raw.toString());
      if (message?.error !== undefined)
        finish(new Error(`subscribe refused: ${JSON.stringify(message.error)}`));
      else if (message?.result !== undefined) finish();
    });
    ws.on("error", (e) => finish(e));
    ws.on("close", () => finish(new Error("closed by the node")));
  });
}

interface Notice {
  error?: unknown;
  result?: { data?: unknown };
}

function parse(text: string): Notice | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? (value as Notice) : undefined;
  } catch {
    return undefined;
  }
}
