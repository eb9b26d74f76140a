/**
 * Emulator soak: session creation at full rate (autocannon, no rate limit) through a
 * canary alias for `--seconds` (default 60), while another loop replaces the alias's policy
 * every second; the emulator's RSS is sampled every second. Each phase runs the emulator as it
 * ships (`node dist/emulator/main.js`, the `agent-alias emulator` command: server on its own
 * thread with a capped young generation, at most 10,000 sessions kept), in a fresh process,
 * with `--expose-gc` so that `GET /_emulator/memory?gc=true` can report the heap after a full GC:
 *
 *   kept       sessions are created and kept, as by a client that never deletes them: the
 *              emulator keeps the newest 10,000 (its default `--max-sessions`) and evicts
 *              older ones. This is the issue's soak: RSS must stay flat after warm-up.
 *   deleted    each connection creates a session then deletes it: at most one session per
 *              connection is alive, so the heap after a full GC must stay flat unless
 *              something leaks (the leak check).
 *   unbounded  as kept with `--max-sessions 0` (every session stored): memory grows with the
 *              data; reported per session stored (what the default limit bounds).
 *   traced     each connection creates a session and posts an input to it (so each session
 *              has two events and a trace), 120,000 sessions in four steps of 30,000, with the
 *              default limits (10,000 sessions, 50,000 traces): the heap after a full GC at
 *              30k, 60k, 90k and 120k sessions, which must stay flat once both stores are full
 *              and within what the stored data is documented to cost (STORED_BYTES).
 *   traced-unbounded
 *              the same with `--max-sessions 0 --max-traces 0`: what a stored session with its
 *              events and trace costs (the README's figure).
 *   traces-unbounded
 *              the same with `--max-sessions 1000 --max-traces 0`: sessions stay at 1,000, so
 *              the heap grows by what a stored trace costs.
 *
 * Warm-up: `--warmup` seconds (default 10) or, in a phase that keeps sessions, until the
 * emulator's session store is full, whichever is later (a bounded store reaches its steady
 * state when it is full); the phase's table says when it ended.
 *
 * For each phase: requests/s, errors (non-2xx, socket errors, timeouts, failed policy
 * replacements), RSS and heap-after-GC at warm-up and at the end, growth %, RSS per session.
 * Target: RSS growth < 10% after warm-up with no error. `--record` rewrites the soak section
 * of BENCHMARKS.md.
 *
 *   npm run bench:soak                                  # builds, then 60 s per phase, --record
 *   npm run build && node bench/soak.bench.mjs --seconds 10 [--phases kept,deleted,unbounded] [--connections 10]
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { recordSection } from "./record.ts";

const autocannon = createRequire(import.meta.url)("autocannon");

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    warmup: { type: "string", default: "10" },
    connections: { type: "string", default: "10" },
    phases: { type: "string", default: "kept,deleted,unbounded,traced,traced-unbounded,traces-unbounded" },
    /** Sessions per step of the traced phases (three steps). */
    step: { type: "string", default: "30000" },
    steps: { type: "string", default: "4" },
    record: { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Math.min(Number(values.warmup), Math.max(1, Math.floor(SECONDS / 3)));
const CONNECTIONS = Number(values.connections);
const PHASES = values.phases.split(",").filter(Boolean);
const GROWTH_LIMIT = 10;
const KEY = "soak-key";
const ALIAS = "canary";
const MAIN = fileURLToPath(new URL("../dist/emulator/main.js", import.meta.url));

/** Command-line flags of the emulator per phase (besides --port 0 and the API key). */
const PHASE_FLAGS = {
  kept: [],
  deleted: [],
  unbounded: ["--max-sessions", "0"],
  traced: [],
  "traced-unbounded": ["--max-sessions", "0", "--max-traces", "0"],
  "traces-unbounded": ["--max-sessions", "1000", "--max-traces", "0"],
};
const TRACED = new Set(["traced", "traced-unbounded", "traces-unbounded"]);
const STEP = Number(values.step);
const STEPS = Number(values.steps);
/** Heap after GC may grow at most this much over the last step (both stores full since 50k sessions). */
const FLAT_LIMIT_PCT = 3;
/** The measured stored data may exceed what STORED_BYTES documents by at most this much. */
const DOCUMENTED_SLACK = 1.1;
const { STORED_BYTES, DEFAULT_MAX_SESSIONS, DEFAULT_MAX_TRACES } = await import("../dist/emulator/index.js");

/** The emulator as it ships, in its own process; memory read through /_emulator/memory. */
function startEmulator(flags = []) {
  const child = spawn(
    process.execPath,
    ["--expose-gc", MAIN, "--port", "0", "--host", "127.0.0.1", "--api-key", KEY, ...flags],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl === -1) return;
      const url = out.slice(0, nl);
      const memory = async (gc) => (await call(url, "GET", `/_emulator/memory${gc ? "?gc=true" : ""}`)).body;
      resolve({
        url,
        pid: child.pid,
        /** The emulator's memory right after a full GC ({rss, heap_total, heap_used}). */
        memAfterGc: () => memory(true),
        /** The emulator's memory as it is (no GC). */
        usage: () => memory(false),
        stop: async () => {
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), 5000).unref();
          await exited;
        },
      });
    });
    exited.then((code) => reject(new Error(`emulator exited with ${code}; run npm run build first`)));
  });
}

/** VmRSS of a process, in bytes (Linux). */
function rssOf(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

const H = { "content-type": "application/json", "x-api-key": KEY };
const policy = (canary) => ({
  type: "routed",
  rules: [
    { match: "get('$.session.metadata.tenant') == 'eu'", targets: { type: "single", agent_key: "agent-eu" } },
    {
      targets: {
        type: "weighted",
        partition_by: "get('$.session.metadata.user_id', get('$.session.key'))",
        options: [
          { agent_key: "agent-a", weight: 100 - canary },
          { agent_key: "agent-b", weight: canary },
        ],
      },
    },
  ],
});

async function call(url, method, path, body) {
  const res = await fetch(url + path, {
    method,
    headers: H,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, body: text === "" ? undefined : JSON.parse(text) };
}

async function setUp(url) {
  for (const key of ["agent-a", "agent-b", "agent-eu"]) {
    const r = await call(url, "POST", "/v2/agents", { key, name: key });
    if (r.status !== 201) throw new Error(`creating agent ${key}: ${r.status}`);
  }
  const r = await call(url, "POST", "/v2/agent_aliases", { key: ALIAS, name: "Canary", policy: policy(10) });
  if (r.status !== 201) throw new Error(`creating the alias: ${r.status}`);
}

const sessionsPath = `/v2/agent_aliases/${ALIAS}/sessions`;
const createBody = JSON.stringify({ name: "Soak session", metadata: { user_id: "user-[<id>]" } });

function requestsFor(phase) {
  const create = { method: "POST", path: sessionsPath, headers: H, body: createBody };
  if (phase !== "deleted") return [create];
  return [
    {
      ...create,
      onResponse: (status, body, context) => {
        context.key = status === 201 ? JSON.parse(body).key : undefined;
      },
    },
    {
      method: "DELETE",
      headers: { "x-api-key": KEY },
      // A failed create leaves no key: the DELETE of a missing session then counts as a non-2xx.
      setupRequest: (req, context) => ({ ...req, path: `${sessionsPath}/${context.key ?? "missing"}` }),
    },
  ];
}

const mb = (b) => Math.round((b / 1024 / 1024) * 10) / 10;
const pct = (a, b) => Math.round(((b - a) / a) * 1000) / 10;

async function phase(name) {
  const server = await startEmulator(PHASE_FLAGS[name]);
  const load = loadavg()[0];
  try {
    await setUp(server.url);
    const rss = [{ t: 0, rss: rssOf(server.pid), heapTotal: (await server.usage()).heap_total }];
    const started = performance.now();
    const sampler = setInterval(async () => {
      const t = Math.round((performance.now() - started) / 100) / 10;
      const sample = { t, rss: rssOf(server.pid), heapTotal: Number.NaN };
      rss.push(sample);
      sample.heapTotal = (await server.usage()).heap_total;
    }, 1000);

    // Policy replacements, one a second, from their own loop.
    const policyResults = { ok: 0, failed: 0 };
    let stopPolicies = false;
    const policies = (async () => {
      for (let i = 0; !stopPolicies && i < SECONDS + 5; i++) {
        await new Promise((r) => setTimeout(r, 1000));
        if (stopPolicies) break;
        try {
          const r = await call(server.url, "PUT", `/v2/agent_aliases/${ALIAS}/policy`, {
            policy: policy(i % 2 === 0 ? 20 : 10),
          });
          if (r.status === 200) policyResults.ok++;
          else policyResults.failed++;
        } catch {
          policyResults.failed++;
        }
      }
    })();

    // Memory after warm-up: RSS sampled, and heap after a GC (asked for during the run, it
    // pauses the server for a few ms). Warm-up ends at WARMUP s or, when the phase keeps
    // sessions under a limit, once the session store is full, whichever is later.
    let warm;
    const warmTimer = (async () => {
      await new Promise((r) => setTimeout(r, WARMUP * 1000));
      for (;;) {
        const { stored, max_sessions } = (await call(server.url, "GET", "/_emulator/stats")).body.sessions;
        if (name === "deleted" || max_sessions === 0 || stored >= max_sessions) break;
        if (performance.now() - started > SECONDS * 1000 * 0.8) break; // never fills: report as is
        await new Promise((r) => setTimeout(r, 250));
      }
      const t = Math.round((performance.now() - started) / 100) / 10;
      const rssNow = rssOf(server.pid);
      const created = (await call(server.url, "GET", "/_emulator/stats")).body.sessions.created;
      const mem = await server.memAfterGc();
      warm = { t, rss: rssNow, heapUsed: mem.heap_used, created };
    })();
    const r = await autocannon({
      url: server.url,
      connections: CONNECTIONS,
      duration: SECONDS,
      requests: requestsFor(name),
      idReplacement: true,
    });
    stopPolicies = true;
    await policies;
    await warmTimer;
    clearInterval(sampler);
    const endRss = rssOf(server.pid);
    const endMem = await server.memAfterGc();
    const stats = await call(server.url, "GET", "/_emulator/stats");
    const created = stats.body.sessions.created;
    // The sample nearest a time, for the RSS and V8 heap size (no GC) traces.
    const near = (t) => rss.reduce((a, b) => (Math.abs(b.t - t) < Math.abs(a.t - t) ? b : a));
    const half = near(SECONDS / 2);
    const last = rss[rss.length - 1];
    const result = {
      phase: name,
      seconds: SECONDS,
      connections: CONNECTIONS,
      load_1m: Math.round(load * 100) / 100,
      requests: r.requests.total,
      requests_per_s: Math.round(r.requests.average),
      sessions_created: created,
      sessions_per_s: Math.round(created / SECONDS),
      sessions_stored_end: stats.body.sessions.stored,
      sessions_evicted: stats.body.sessions.evicted,
      max_sessions: stats.body.sessions.max_sessions,
      warmup_end_s: warm.t,
      p99_ms: r.latency.p99,
      errors: {
        non2xx: r.non2xx,
        socket: r.errors,
        timeouts: r.timeouts,
        policy_failed: policyResults.failed,
      },
      policy_replacements: policyResults.ok,
      rss_mb: {
        start: mb(rss[0].rss),
        warm: mb(warm.rss),
        end: mb(endRss),
        max: mb(Math.max(...rss.map((s) => s.rss))),
      },
      heap_after_gc_mb: { warm: mb(warm.heapUsed), end: mb(endMem.heap_used) },
      rss_growth_pct: pct(warm.rss, endRss),
      // From the middle of the run to its end: whether RSS is still climbing or has levelled.
      rss_second_half_mb: { from: mb(half.rss), to: mb(endRss), at_s: half.t },
      rss_growth_second_half_pct: pct(half.rss, endRss),
      // V8's heap size (reserved pages, no GC) at warm-up, the middle and the end.
      heap_total_mb: { warm: mb(near(warm.t).heapTotal), half: mb(half.heapTotal), end: mb(last.heapTotal) },
      heap_growth_pct: pct(warm.heapUsed, endMem.heap_used),
      // What a stored session costs: heap growth since warm-up over the sessions stored since
      // then, in the phase that stores every one.
      heap_bytes_per_stored_session:
        name === "unbounded"
          ? Math.round((endMem.heap_used - warm.heapUsed) / (created - warm.created))
          : null,
      rss_samples_mb: rss.map((s) => [s.t, mb(s.rss), mb(s.heapTotal)]),
    };
    result.ok = r.non2xx === 0 && r.errors === 0 && r.timeouts === 0 && policyResults.failed === 0;
    console.error(
      `${name}: ${result.requests_per_s} req/s, ${created} sessions, RSS ${result.rss_mb.warm} -> ${result.rss_mb.end} MB (${result.rss_growth_pct}%), heap after GC ${result.heap_after_gc_mb.warm} -> ${result.heap_after_gc_mb.end} MB, errors ${JSON.stringify(result.errors)}`,
    );
    return result;
  } finally {
    await server.stop();
  }
}

/**
 * A traced phase: sessions with one input each, in STEPS steps of STEP sessions (autocannon
 * `amount`), the heap after a full GC and the stores' counts after each step.
 */
async function tracedPhase(name) {
  const server = await startEmulator(PHASE_FLAGS[name]);
  const load = loadavg()[0];
  try {
    await setUp(server.url);
    const base = await server.memAfterGc();
    const steps = [];
    let errors = { non2xx: 0, socket: 0, timeouts: 0 };
    const started = performance.now();
    for (let i = 1; i <= STEPS; i++) {
      const r = await autocannon({
        url: server.url,
        connections: CONNECTIONS,
        amount: 2 * STEP,
        requests: [
          {
            method: "POST",
            path: sessionsPath,
            headers: H,
            body: createBody,
            onResponse: (status, body, context) => {
              context.key = status === 201 ? JSON.parse(body).key : undefined;
            },
          },
          {
            method: "POST",
            headers: H,
            body: JSON.stringify({ type: "input_message", messages: [{ type: "text", content: "hi" }] }),
            setupRequest: (req, context) => ({
              ...req,
              path: `${sessionsPath}/${context.key ?? "missing"}/events`,
            }),
          },
        ],
        idReplacement: true,
      });
      errors = {
        non2xx: errors.non2xx + r.non2xx,
        socket: errors.socket + r.errors,
        timeouts: errors.timeouts + r.timeouts,
      };
      const mem = await server.memAfterGc();
      const stats = (await call(server.url, "GET", "/_emulator/stats")).body.sessions;
      const traces = (await call(server.url, "GET", "/v2/agent_analytics/traces?limit=1")).body.traces.length;
      steps.push({
        sessions: stats.created,
        stored: stats.stored,
        heap_mb: mb(mem.heap_used),
        heap_bytes: mem.heap_used,
        rss_mb: mb(rssOf(server.pid)),
        req_per_s: Math.round(r.requests.average),
        traces_listed: traces,
      });
      console.error(
        `${name}: ${stats.created} sessions, heap after GC ${mb(mem.heap_used)} MB, RSS ${mb(rssOf(server.pid))} MB`,
      );
    }
    const last = steps[STEPS - 1];
    const prev = steps[STEPS - 2];
    const result = {
      phase: name,
      traced: true,
      load_1m: Math.round(load * 100) / 100,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      base_heap_mb: mb(base.heap_used),
      base_heap_bytes: base.heap_used,
      steps,
      errors,
      ok: errors.non2xx === 0 && errors.socket === 0 && errors.timeouts === 0,
      heap_growth_last_step_pct: pct(prev.heap_bytes, last.heap_bytes),
      // What one stored session with its two events and its trace costs (every one is kept), or
      // one stored trace (sessions bounded at 1,000): growth from the first step to the last.
      heap_bytes_per_session_and_trace:
        name === "traced-unbounded"
          ? Math.round((last.heap_bytes - steps[0].heap_bytes) / (last.sessions - steps[0].sessions))
          : null,
      heap_bytes_per_trace:
        name === "traces-unbounded"
          ? Math.round((last.heap_bytes - steps[0].heap_bytes) / (last.sessions - steps[0].sessions))
          : null,
    };
    return result;
  } finally {
    await server.stop();
  }
}

const loadBefore = loadavg()[0];
const results = [];
for (const p of PHASES) {
  if (!(p in PHASE_FLAGS)) throw new Error(`unknown phase '${p}' (${Object.keys(PHASE_FLAGS).join(", ")})`);
  results.push(TRACED.has(p) ? await tracedPhase(p) : await phase(p));
}
const byPhase = Object.fromEntries(results.map((r) => [r.phase, r]));
const targets = {};
for (const r of results) {
  targets[`${r.phase}: no errors`] = r.ok;
  if (r.phase === "traced") {
    targets[
      `traced: heap after GC flat once the stores are full: ${r.steps[STEPS - 2].sessions} → ${r.steps[STEPS - 1].sessions} sessions grows < ${FLAT_LIMIT_PCT}%`
    ] = r.heap_growth_last_step_pct < FLAT_LIMIT_PCT;
    const bound =
      DEFAULT_MAX_SESSIONS * STORED_BYTES.sessionWithInput + DEFAULT_MAX_TRACES * STORED_BYTES.trace;
    for (const step of r.steps.filter((x) => x.sessions >= 90_000))
      targets[
        `traced: stored data at ${step.sessions} sessions (heap after GC ${step.heap_mb} MB − ${r.base_heap_mb} MB at start) within the documented ${mb(bound)} MB (+${Math.round((DOCUMENTED_SLACK - 1) * 100)}%)`
      ] = step.heap_bytes - r.base_heap_bytes <= bound * DOCUMENTED_SLACK;
  }
  if (r.phase === "traced-unbounded")
    targets[
      `traced-unbounded: a session with its input and trace costs ${r.heap_bytes_per_session_and_trace} bytes, within the documented ${STORED_BYTES.sessionWithInput + STORED_BYTES.trace} (+${Math.round((DOCUMENTED_SLACK - 1) * 100)}%)`
    ] =
      r.heap_bytes_per_session_and_trace <=
      (STORED_BYTES.sessionWithInput + STORED_BYTES.trace) * DOCUMENTED_SLACK;
  if (r.phase === "traces-unbounded")
    targets[
      `traces-unbounded: a trace costs ${r.heap_bytes_per_trace} bytes, within the documented ${STORED_BYTES.trace} (+${Math.round((DOCUMENTED_SLACK - 1) * 100)}%)`
    ] = r.heap_bytes_per_trace <= STORED_BYTES.trace * DOCUMENTED_SLACK;
  if (r.phase === "unbounded" || r.traced) continue; // not RSS-over-time phases
  targets[`${r.phase}: RSS growth after warm-up (ended at ${r.warmup_end_s} s) < ${GROWTH_LIMIT}%`] =
    r.rss_growth_pct < GROWTH_LIMIT;
  // Not the issue's target, an extra reading: has RSS levelled off by the middle of the run?
  targets[`${r.phase} (extra reading): RSS growth over the second half < ${GROWTH_LIMIT}%`] =
    r.rss_growth_second_half_pct < GROWTH_LIMIT;
}
const summary = {
  node: process.version,
  cpus: cpus().length,
  load_before: Math.round(loadBefore * 100) / 100,
  seconds: SECONDS,
  warmup_s: WARMUP,
  results,
  targets,
};
console.log(JSON.stringify(summary, null, 2));

if (values.record) {
  const classic = results.filter((r) => !r.traced);
  const traced = results.filter((r) => r.traced);
  const tracedRow = (r) =>
    `| ${r.phase} | ${r.base_heap_mb} | ${r.steps.map((x) => `${x.sessions}: ${x.heap_mb} (${x.stored} stored)`).join(" · ")} | ${r.steps.map((x) => x.rss_mb).join(" · ")} | ${r.heap_growth_last_step_pct}% | ${r.heap_bytes_per_session_and_trace ?? r.heap_bytes_per_trace ?? ""} | ${r.errors.non2xx} / ${r.errors.socket} / ${r.errors.timeouts} | ${r.load_1m} |`;
  const row = (r) =>
    `| ${r.phase} | ${r.requests_per_s} | ${r.sessions_created} | ${r.sessions_stored_end} / ${r.sessions_evicted} | ${r.p99_ms} | ${r.errors.non2xx} / ${r.errors.socket} / ${r.errors.timeouts} / ${r.errors.policy_failed} | ${r.policy_replacements} | ${r.warmup_end_s} | ${r.rss_mb.warm} → ${r.rss_mb.end} (${r.rss_growth_pct}%) | ${r.rss_second_half_mb.from} → ${r.rss_second_half_mb.to} (${r.rss_growth_second_half_pct}%) | ${r.heap_total_mb.warm} → ${r.heap_total_mb.half} → ${r.heap_total_mb.end} | ${r.heap_after_gc_mb.warm} → ${r.heap_after_gc_mb.end} (${r.heap_growth_pct}%) | ${r.load_1m} |`;
  const unbounded = byPhase.unbounded;
  recordSection("soak", [
    "## Emulator soak",
    "",
    `Command: \`npm run bench:soak\` (= \`npm run build && node bench/soak.bench.mjs --record\`; per phase a fresh emulator process as it ships (\`node --expose-gc dist/emulator/main.js\`, the \`agent-alias emulator\` command), autocannon with ${CONNECTIONS} connections and no rate limit for ${SECONDS} s on \`POST /v2/agent_aliases/canary/sessions\` (a 90/10 canary with an EU rule), a \`PUT …/policy\` replacement every second from another loop, RSS from /proc every second, heap after a forced GC (\`/_emulator/memory?gc=true\`) at the end of warm-up and at the end; warm-up: ${WARMUP} s, or until the session store is full in a phase that keeps sessions under a limit, whichever is later; ${summary.node}, ${summary.cpus} cores; load average (1 min) ${summary.load_before} when the run started). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "| phase | req/s | sessions created | stored / evicted at the end | p99 ms | errors: non-2xx / socket / timeouts / policy | policy replacements | warm-up ended (s) | RSS MB, warm-up → end | RSS MB, middle → end | V8 heap size MB (no GC), warm-up → middle → end | heap after GC MB, warm-up → end | load (1 min) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...classic.map(row),
    "",
    ...(traced.length > 0
      ? [
          `Sessions with traces (${STEPS} steps of ${STEP} sessions, each with one input: two events and a trace; autocannon, ${CONNECTIONS} connections, no rate limit):`,
          "",
          "| phase | heap after GC at start MB | sessions: heap after GC MB (sessions stored) | RSS MB after each step | heap growth, last step | heap bytes per stored session with its events and trace (traced-unbounded), per stored trace (traces-unbounded) | errors: non-2xx / socket / timeouts | load (1 min) |",
          "|---|---|---|---|---|---|---|---|",
          ...traced.map(tracedRow),
          "",
          "**traced** runs with the default limits (10,000 sessions, 50,000 traces): memory must be flat once both stores are full (from 50,000 sessions on). **traced-unbounded** keeps everything (`--max-sessions 0 --max-traces 0`) and measures what a stored session with its events and trace costs; **traces-unbounded** keeps 1,000 sessions and every trace (`--max-sessions 1000 --max-traces 0`) and measures what a stored trace costs.",
          "",
        ]
      : []),
    "Phases: **kept** creates sessions and never deletes them, as a client that forgets its sessions would: the emulator keeps the newest 10,000 (its default `--max-sessions`) and evicts the oldest past that, so its memory is bounded; this is the issue's soak. **deleted** creates a session and deletes it on each connection (req/s counts both calls): at most one session per connection is alive, so the heap after a full GC must stay flat unless something leaks (the leak check). **unbounded** is kept with `--max-sessions 0`: every session stays, and memory grows with them (not a target; it measures what a stored session costs).",
    "",
    "What keeps RSS flat: the bounded session store, and the way the command runs the server (src/emulator/thread.ts): on its own thread with a 12 MB young generation, in a process where V8 grows old space by 20% at a time. Under this load V8 otherwise grows a heap's young generation to 3 × 16 MB over the first 10-15 s, and lets old space grow to several times the live data while sessions turn over. Measured while choosing these settings (kept phase, 60 s each): a 100,000-session bound, V8's defaults: +88% RSS after warm-up; a 10,000-session bound, V8's defaults: +47%; the same bound on the thread with the 12 MB young generation: +11% and +15% in two runs (old space still climbing until ~35 s); with the 20% old-space growth as well: +0.3%, flat from 6 s, at the same request rate.",
    "",
    "RSS every 5 s (MB):",
    "",
    ...classic.map(
      (r) =>
        `- ${r.phase}: ${r.rss_samples_mb
          .filter(([t]) => Math.round(t) % 5 === 0)
          .map(([t, m]) => `${Math.round(t)} s ${m}`)
          .join(", ")}`,
    ),
    ...(unbounded
      ? [
          "",
          `In the unbounded phase the heap after GC grows by about ${unbounded.heap_bytes_per_stored_session} bytes per stored session (${unbounded.sessions_created} sessions): stored data, which the default limit of 10,000 sessions bounds at about ${Math.round((unbounded.heap_bytes_per_stored_session * 10_000) / 1e5) / 10} MB.`,
        ]
      : []),
    "",
    "Targets (soak):",
    "",
    ...Object.entries(targets).map(([k, v]) => `- ${k}: ${v ? "met" : "NOT met"}`),
  ]);
}
