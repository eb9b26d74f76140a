/**
 * A loopback server of the test's own that answers as the real API may (API.md, rev.): the
 * test says what each call answers, in any form the contract allows, and sees every request.
 * The one place a hand-written server is right: it plays the variations the emulator, which
 * sends one common form, cannot.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  /** Parsed JSON body, or the raw text when it is not JSON. */
  body: unknown;
}

export interface Answer {
  status: number;
  body?: unknown;
  /** A body sent as it is (not JSON), instead of `body`. */
  text?: string;
  headers?: Record<string, string>;
}

export interface ContractServer {
  url: string;
  seen: SeenRequest[];
  /** What the next calls answer: the first route whose `METHOD path` matches. */
  answer(route: string | RegExp, reply: Answer | ((req: SeenRequest) => Answer)): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startContractServer(): Promise<ContractServer> {
  const seen: SeenRequest[] = [];
  let routes: [string | RegExp, Answer | ((req: SeenRequest) => Answer)][] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = text === "" ? undefined : JSON.parse(text);
      } catch {}
      const r: SeenRequest = {
        method: req.method ?? "GET",
        path: req.url ?? "/",
        headers: req.headers,
        body,
      };
      seen.push(r);
      const line = `${r.method} ${r.path}`;
      const route = routes.find(([m]) => (typeof m === "string" ? m === line : m.test(line)));
      const a: Answer = route
        ? typeof route[1] === "function"
          ? route[1](r)
          : route[1]
        : { status: 404, body: { messages: [`no answer for ${line}`] } };
      if (a.text !== undefined) {
        res.writeHead(a.status, { "content-type": "text/plain", ...a.headers });
        res.end(a.text);
        return;
      }
      res.writeHead(a.status, { "content-type": "application/json", ...a.headers });
      res.end(a.body === undefined ? "" : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    answer(route, reply) {
      routes.unshift([route, reply]);
    },
    reset() {
      routes = [];
      seen.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
