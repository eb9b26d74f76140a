/**
 * A loopback HTTP proxy in front of a real server that can lose answers: for the requests
 * `dropAfter` selects, it forwards the request (so the server acts on it), then destroys the
 * client's connection instead of answering. This is the failure a client cannot tell apart
 * from a request that never arrived, and the one keyed creates must survive.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface LossyProxy {
  url: string;
  /** Requests seen, as "METHOD /path". */
  seen: string[];
  close(): Promise<void>;
}

/** A request's whole body. */
export const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
  });

export async function startLossyProxy(
  upstream: string,
  dropAfter: (req: { method: string; path: string; index: number }) => boolean,
): Promise<LossyProxy> {
  const seen: string[] = [];
  const server = createServer(async (req, res) => {
    const index = seen.length;
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    seen.push(`${method} ${path}`);
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      if (typeof v === "string" && k !== "host" && k !== "connection") headers[k] = v;
    const answer = await fetch(upstream + path, { method, headers, ...(body.length > 0 ? { body } : {}) });
    const text = await answer.text();
    if (dropAfter({ method, path, index })) {
      req.socket.destroy();
      return;
    }
    res.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
