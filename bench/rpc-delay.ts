// An HTTP proxy on loopback that holds every request for a fixed delay before forwarding it, so the gadget
// can be measured as a user on a remote Babylon or L2 node would run it: each RPC round trip (one JSON-RPC
// request, or one JSON-RPC batch, which travels as one HTTP request) pays the delay once. Only loopback
// targets are accepted; the proxy listens on 127.0.0.1 only.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface DelayProxy {
  readonly url: string;
  /** HTTP requests forwarded so far. */
  readonly requests: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export async function startDelayProxy(target: string, delayMs: number): Promise<DelayProxy> {
  const to = new URL(target);
  if (!LOOPBACK.has(to.hostname))
    throw new Error(`the delay proxy forwards to loopback only, not ${to.host}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let requests = 0;
  const server = http.createServer((req, res) => {
    const body: Buffer[] = [];
    req.on("data", (chunk: Buffer) => body.push(chunk));
    req.on("end", () => {
      setTimeout(() => {
        requests++;
        const upstream = http.request(
          {
            host: to.hostname,
            port: to.port,
            path: req.url,
            method: req.method,
            headers: { ...req.headers, host: to.host },
            agent,
          },
          (reply) => {
            res.writeHead(reply.statusCode ?? 502, reply.headers);
            reply.pipe(res);
          },
        );
        upstream.on("error", (error) => {
          res.writeHead(502, { "content-type": "text/plain" });
          res.end(`delay proxy: ${error.message}`);
        });
        upstream.end(Buffer.concat(body));
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${to.pathname === "/" ? "" : to.pathname}`,
    get requests() {
      return requests;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
