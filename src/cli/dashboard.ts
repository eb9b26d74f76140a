/**
 * The rollout dashboard: a page on loopback with the live view of a rollout (status-view.ts)
 * and, per check, each agent's error rate and p95 with the gates' bounds drawn. It serves
 * `/` (the page: self-contained, no script from elsewhere), `/api/status` (the view, the
 * checks seen so far, the text lines) and `/api/events` (the same as server-sent events, one
 * per new status). The data comes from a `StatusSource`: the stack's tags, read every few
 * seconds (`agent-alias rollout dashboard`), or the running rollout itself (`--serve`).
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { RolloutStatusSnapshot } from "../rollout/status.js";
import { type StatusView, statusLines } from "../rollout/status-view.js";
import { DASHBOARD_PAGE } from "./dashboard-page.js";

/** Where the dashboard reads the rollout: the current view. */
export type StatusSource = () => Promise<StatusView>;

export interface DashboardOptions {
  source: StatusSource;
  /** The stack's name, for the page. */
  stack: string;
  /** How often the source is read (ms). */
  everyMs: number;
  port?: number;
  clock?: () => number;
}

export interface Dashboard {
  readonly url: string;
  close(): Promise<void>;
}

/** One check as the chart draws it. */
interface Point {
  at: number;
  stage: string;
  checks: number;
  verdict: string | null;
  agents: RolloutStatusSnapshot["agents"];
  gates: RolloutStatusSnapshot["gates"];
}

/** The most checks the page keeps (the oldest are dropped). */
const MAX_POINTS = 2000;

export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const clock = o.clock ?? Date.now;
  const points: Point[] = [];
  const clients = new Set<ServerResponse>();
  let view: StatusView | undefined;
  let error: string | null = null;

  const body = () =>
    JSON.stringify({
      stack: o.stack,
      view: view ?? null,
      lines: view === undefined ? [] : statusLines(view, o.stack, clock()),
      points,
      error,
    });

  const poll = async () => {
    try {
      view = await o.source();
      error = null;
      const s = view.status;
      if (s !== undefined && s.run === view.record?.run && points.at(-1)?.at !== s.at && s.checks > 0) {
        points.push({
          at: s.at,
          stage: s.stage,
          checks: s.checks,
          verdict: s.verdict,
          agents: s.agents,
          gates: s.gates,
        });
        if (points.length > MAX_POINTS) points.shift();
      }
    } catch (e) {
      error = (e as Error).message;
    }
    const data = `data: ${body()}\n\n`;
    for (const c of clients) c.write(data);
  };
  await poll();
  const timer = setInterval(() => void poll(), o.everyMs);

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") return void res.writeHead(405, { allow: "GET" }).end();
    if (path === "/")
      return void res
        .writeHead(200, {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy":
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        })
        .end(DASHBOARD_PAGE);
    if (path === "/api/status")
      return void res
        .writeHead(200, { "content-type": "application/json", "cache-control": "no-store" })
        .end(body());
    if (path === "/api/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      res.write(`data: ${body()}\n\n`);
      clients.add(res);
      req.on("close", () => clients.delete(res));
      return;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/`,
    close: async () => {
      clearInterval(timer);
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
