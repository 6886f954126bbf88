// An HTTP proxy in front of a gadget that rewrites the blocks its GraphQL answers carry: wrong verdicts made
// outside the engine, for the test that the campaign's checker reports them.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BlockNode } from "../../src/chaos/gadget-surfaces.ts";

export type { BlockNode };

export interface TamperProxy {
  url: string;
  close(): Promise<void>;
}

/** Forwards every request to `target`; GraphQL replies listing blocks pass through `rewrite` first. */
export async function startTamperProxy(
  target: string,
  rewrite: (nodes: BlockNode[]) => void,
): Promise<TamperProxy> {
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const upstream = await fetch(`${target}${req.url}`, {
      method: req.method,
      headers: { "content-type": req.headers["content-type"] ?? "application/json" },
      ...(req.method === "GET" || req.method === "HEAD" ? {} : { body: Buffer.concat(chunks) }),
    });
    let body = await upstream.text();
    if (req.url?.startsWith("/graphql")) {
      const json = JSON.parse(body) as { data?: { blocks?: { edges: { node: BlockNode }[] } } };
      if (json.data?.blocks) {
        rewrite(json.data.blocks.edges.map((e) => e.node));
        body = JSON.stringify(json);
      }
    }
    res.writeHead(upstream.status, {
      "content-type": upstream.headers.get("content-type") ?? "application/json",
    });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
