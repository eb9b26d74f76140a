/**
 * The rollout dashboard: a page on loopback with the live view of a rollout (status-view.ts)
 * and, per check, each agent's error rate and p95 with the gates' bounds drawn. It serves
 * `/` (the page: self-contained, no script from elsewhere), `/api/status` (the view, the
 * checks seen so far, the text lines) and `/api/events` (the same as server-sent events, one
 * per new status). The data comes from a `StatusSource`: the stack's tags, read every few
 * seconds (`agent-alias rollout dashboard`), or the running rollout itself (`--serve`). When
 * the API is the emulator, its usage statistics are shown too (`emulatorLines`); an API that
 * answers 404 for them is not asked again.
 */
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AgentAliasClient } from "../client/client.js";
import type { RolloutStatusSnapshot } from "../rollout/status.js";
import { type StatusView, statusLines } from "../rollout/status-view.js";
import { DASHBOARD_PAGE } from "./dashboard-page.js";

/** The emulator's statistics, as the client reads them. */
type EmulatorStats = NonNullable<Awaited<ReturnType<AgentAliasClient["emulatorStats"]>>>;

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
  /** The emulator's statistics: null when the API is not the emulator. */
  emulator?: () => Promise<EmulatorStats | null>;
  /** Told when reading them failed (the page keeps the last figures). */
  onEmulatorError?: (e: Error) => void;
}

/** `f`, called the first time only (a failure said once, not at every poll). */
export function once<A>(f: (a: A) => void): (a: A) => void {
  let done = false;
  return (a) => {
    if (done) return;
    done = true;
    f(a);
  };
}

/** The emulator's statistics in words: each alias's sessions by agent, the sessions, the faults. */
export function emulatorLines(s: EmulatorStats): string[] {
  const byAgent = (agents: Readonly<Record<string, number>>) =>
    Object.entries(agents)
      .map(([agent, n]) => `${agent} ${n}`)
      .join(", ");
  const f = s.faults;
  return [
    ...Object.entries(s.aliases).map(
      ([key, a]) =>
        `alias ${key}: ${a.sessions} sessions (${byAgent(a.agents) || "none"}), ${a.routing_errors} routing errors`,
    ),
    `sessions: ${s.sessions.created} created, ${s.sessions.through_aliases} through aliases, ${s.sessions.direct} direct`,
    `faults injected: ${f.status} status, ${f.reset} resets, ${f.latency} delayed, of ${f.calls} calls`,
  ];
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
  let emulator: EmulatorStats | null = null;
  let askEmulator = o.emulator !== undefined;

  const body = () =>
    JSON.stringify({
      stack: o.stack,
      view: view ?? null,
      lines: view === undefined ? [] : statusLines(view, o.stack, clock()),
      emulator: emulator === null ? null : emulatorLines(emulator),
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
    if (askEmulator)
      try {
        emulator = await o.emulator!();
        askEmulator = emulator !== null;
      } catch (e) {
        // The last figures stay, and the next poll asks again.
        o.onEmulatorError?.(e as Error);
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
