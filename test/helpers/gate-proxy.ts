/**
 * A loopback HTTP proxy in front of a real server that counts what passes and can hold
 * requests: `hold(match)` keeps each matching request from the server until `release()`, so a
 * test can see what else is answered meanwhile; `maxInFlight` is the most requests that were
 * ever open at once (how concurrent a client was).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "./lossy-proxy.js";

export interface GateProxy {
  url: string;
  /** Requests seen, as "METHOD /path". */
  seen: string[];
  /** The most requests open at once. */
  readonly maxInFlight: number;
  /** Holds every request whose "METHOD /path" matches until the returned release is called. */
  hold(match: RegExp): { release(): void; held: Promise<void> };
  close(): Promise<void>;
}

export async function startGateProxy(upstream: string): Promise<GateProxy> {
  const seen: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const gates: { match: RegExp; open: Promise<void>; arrived: () => void }[] = [];
  const server = createServer(async (req, res) => {
    const line = `${req.method ?? "GET"} ${req.url ?? "/"}`;
    seen.push(line);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      const body = await readBody(req);
      const gate = gates.find((g) => g.match.test(line));
      if (gate) {
        gate.arrived();
        await gate.open;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === "string" && k !== "host" && k !== "connection") headers[k] = v;
      const answer = await fetch(upstream + (req.url ?? "/"), {
        method: req.method ?? "GET",
        headers,
        ...(body.length > 0 ? { body } : {}),
      });
      const text = await answer.text();
      res.writeHead(answer.status, Object.fromEntries(answer.headers.entries()));
      res.end(text);
    } finally {
      inFlight--;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    get maxInFlight() {
      return maxInFlight;
    },
    hold(match) {
      let release = () => {};
      let arrived = () => {};
      const open = new Promise<void>((resolve) => (release = resolve));
      const held = new Promise<void>((resolve) => (arrived = resolve));
      gates.push({ match, open, arrived });
      return {
        held,
        release: () => {
          gates.splice(
            gates.findIndex((g) => g.open === open),
            1,
          );
          release();
        },
      };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
