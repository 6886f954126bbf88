// /metrics (Prometheus text) and /health (JSON) for one provider process.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthReport {
  healthy: boolean;
  [key: string]: unknown;
}

export interface ProviderHttpServer {
  url: string;
  close(): Promise<void>;
}

export async function startProviderHttp(
  listen: string,
  registry: Registry,
  health: () => HealthReport,
): Promise<ProviderHttpServer> {
  const idx = listen.lastIndexOf(":");
  if (idx < 0) throw new Error(`server.listen must be host:port, got ${JSON.stringify(listen)}`);
  const host = listen.slice(0, idx);
  const port = Number(listen.slice(idx + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`server.listen port must be 0-65535, got ${JSON.stringify(listen)}`);
  }
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405).end();
    } else if (path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else if (path === "/health") {
      const report = health();
      res
        .writeHead(report.healthy ? 200 : 503, { "content-type": "application/json" })
        .end(JSON.stringify(report, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
