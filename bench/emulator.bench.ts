/**
 * Emulator benchmark: autocannon against session creation through a 90/10 canary
 * alias and against `/_emulator/health` of the same server, in the same run. The server runs
 * as its own process (`dist/emulator/main.js`), so it and autocannon each have a core.
 * Reports requests/s, p50/p99 latency and the ratio (medians of alternating rounds);
 * `--record` rewrites the emulator section of BENCHMARKS.md. `--data` also measures a server
 * with a data file (fdatasync before each answer).
 *
 *   npm run build && node bench/emulator.bench.ts [--record] [--data] [--duration 10] [--rounds 5] [--connections 10]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { recordSection } from "./record.ts";

interface Histogram {
  average: number;
  p50: number;
  p99: number;
}
interface Result {
  requests: Histogram & { total: number };
  latency: Histogram;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<Result>;
// autocannon ships no types; this is the part of its API used here.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

const { values } = parseArgs({
  options: {
    record: { type: "boolean", default: false },
    data: { type: "boolean", default: false },
    duration: { type: "string", default: "10" },
    rounds: { type: "string", default: "5" },
    connections: { type: "string", default: "10" },
  },
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
const KEY = "bench-key";
const root = new URL("..", import.meta.url);
const seed = new URL("test/fixtures/seed/canary.json", root).pathname;
const main = new URL("dist/emulator/main.js", root).pathname;

interface Server {
  url: string;
  /** CPU time the server process has used so far, in microseconds (Linux /proc; NaN elsewhere). */
  cpuMicros(): number;
  stop(): Promise<void>;
}

/** utime + stime of a process from /proc/PID/stat, in microseconds. */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    // Fields 14 and 15 of stat (11 and 12 after the command), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return Number.NaN;
  }
}

async function startServer(extra: string[]): Promise<Server> {
  const child = spawn(process.execPath, [main, "--port", "0", "--api-key", KEY, "--seed", seed, ...extra], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("\n")) resolve(out.slice(0, out.indexOf("\n")));
    });
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}; run npm run build first`)));
  });
  return {
    url,
    cpuMicros: () => cpuOf(child.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

const sessionRequest = {
  method: "POST",
  path: "/v2/agent_aliases/support/sessions",
  headers: { "content-type": "application/json", "x-api-key": KEY },
  // A distinct user per request, so the canary splits them 90/10.
  body: JSON.stringify({ name: "Bench session", metadata: { user_id: "user-[<id>]" } }),
  idReplacement: true,
};

async function measure(
  server: Server,
  request: { path: string } & Record<string, unknown>,
  duration: number,
) {
  const { path, ...rest } = request;
  const cpuBefore = server.cpuMicros();
  const r = await autocannon({ url: server.url + path, connections: CONNECTIONS, duration, ...rest });
  const cpu = server.cpuMicros() - cpuBefore;
  if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0) {
    throw new Error(`failed requests: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`);
  }
  return {
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    /** Server CPU per request: what the endpoint costs, whatever else runs on the machine. */
    cpu_us: Math.round(cpu / r.requests.total),
  };
}

type Figures = Awaited<ReturnType<typeof measure>>;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function medians(rounds: Figures[]): Figures {
  return {
    rps: Math.round(median(rounds.map((r) => r.rps))),
    p50: median(rounds.map((r) => r.p50)),
    p99: median(rounds.map((r) => r.p99)),
    total: rounds.reduce((n, r) => n + r.total, 0),
    cpu_us: median(rounds.map((r) => r.cpu_us)),
  };
}

/**
 * Alternates short rounds of the two endpoints and reports the median round of each, so
 * that load from other work on the machine falls on both alike instead of on one of them.
 */
async function suite(label: string, extra: string[]) {
  const server = await startServer(extra);
  const health = { method: "GET", path: "/_emulator/health" };
  try {
    // Warm up both paths (JIT, sockets) before measuring.
    await measure(server, health, 2);
    await measure(server, sessionRequest, 2);
    const h: Figures[] = [];
    const s: Figures[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      h.push(await measure(server, health, DURATION / ROUNDS));
      s.push(await measure(server, sessionRequest, DURATION / ROUNDS));
      ratios.push(s[i]!.rps / h[i]!.rps);
    }
    const statsRes = await fetch(`${server.url}/_emulator/stats`, { headers: { "x-api-key": KEY } });
    const stats = (await statsRes.json()) as {
      aliases: { support: { sessions: number; agents: Record<string, number> } };
    };
    const a = stats.aliases.support;
    const v2Share = (a.agents["support-v2"] ?? 0) / a.sessions;
    const hm = medians(h);
    const sm = medians(s);
    return {
      label,
      health: hm,
      sessions: sm,
      ratio: median(ratios),
      cpuRatio: hm.cpu_us / sm.cpu_us,
      v2Share,
    };
  } finally {
    await server.stop();
  }
}

const loadBefore = loadavg()[0]!;
const runs = [await suite("in memory", [])];
if (values.data) {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-bench-"));
  try {
    runs.push(
      await suite("--data (fdatasync before each answer, group commit)", [
        "--data",
        join(dir, "bench.jsonl"),
      ]),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const summary = {
  node: process.version,
  cpus: cpus().length,
  /** 1-minute load average when the run started: other work on the machine skews the figures. */
  load_before: Math.round(loadBefore * 100) / 100,
  connections: CONNECTIONS,
  duration_s: DURATION,
  rounds: ROUNDS,
  runs: runs.map((r) => ({
    label: r.label,
    health: r.health,
    sessions: r.sessions,
    ratio: Math.round(r.ratio * 100) / 100,
    cpu_ratio: Math.round(r.cpuRatio * 100) / 100,
    canary_share_v2: Math.round(r.v2Share * 1000) / 1000,
  })),
  targets: {
    "session creation >= 50% of health throughput": runs[0]!.ratio >= 0.5,
    "session creation p99 < 20 ms": runs[0]!.sessions.p99 < 20,
  },
};
console.log(JSON.stringify(summary, null, 2));

if (values.record) {
  const rows = summary.runs.flatMap((r) => [
    `| ${r.label} | GET /_emulator/health | ${r.health.rps} | ${r1(r.health.p50)} | ${r1(r.health.p99)} | ${r.health.cpu_us} | | |`,
    `| ${r.label} | POST /v2/agent_aliases/support/sessions (canary 90/10) | ${r.sessions.rps} | ${r1(r.sessions.p50)} | ${r1(r.sessions.p99)} | ${r.sessions.cpu_us} | ${r.ratio} | ${r.cpu_ratio} |`,
  ]);
  recordSection("emulator", [
    "## Emulator",
    "",
    `Command: \`npm run build && node bench/emulator.bench.ts --record${values.data ? " --data" : ""}\` (autocannon, ${CONNECTIONS} connections, ${DURATION} s per endpoint in ${ROUNDS} alternating rounds after a 2 s warm-up, medians of the rounds; ${summary.node}, ${summary.cpus} cores; the server is its own process, seeded with \`test/fixtures/seed/canary.json\`). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "| server | endpoint | req/s | p50 ms | p99 ms | server CPU µs/req | ratio to health (req/s) | ratio to health (CPU) |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `Sessions created during the run went to support-v2 in a share of ${summary.runs[0]!.canary_share_v2} (policy: 10%). Load average (1 min) when the run started: ${summary.load_before}; on a busy machine both endpoints slow down and the ratio drops, so compare figures from one run only.`,
    "",
    "Ratios: session req/s ÷ health req/s (median of the rounds' ratios), and health CPU ÷ session CPU per request in the server process — the throughput ratio of a saturated server, which other work on the machine disturbs less.",
    "",
    "Targets:",
    "",
    ...Object.entries(summary.targets).map(([k, v]) => `- ${k}: ${v ? "met" : "NOT met"}`),
  ]);
}
