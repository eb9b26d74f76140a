/**
 * Emulator soak (issue 7): session creation at full rate (autocannon, no rate limit) through a
 * canary alias for `--seconds` (default 60), while another loop replaces the alias's policy
 * every second; the emulator's RSS is sampled every second. Three phases, each in a fresh
 * emulator process (so its memory is its own):
 *
 *   kept            every session created stays stored (the emulator keeps sessions in memory,
 *                   as the API does): memory grows with the data; reported per session stored.
 *   deleted         each connection creates a session then deletes it, so the live set stays
 *                   at most one per connection: the heap after a full GC must stay flat, or
 *                   something leaks.
 *   deleted-capped  the same with V8's old space capped (--max-old-space-size=64): if RSS
 *                   growth in `deleted` is V8 sizing its heap to the allocation rate rather
 *                   than live data, RSS stays flat here and nothing fails.
 *
 * For each phase: requests/s, errors (non-2xx, socket errors, timeouts, failed policy
 * replacements), RSS and heap-after-GC at warm-up (`--warmup`, default 10 s) and at the end,
 * growth %, and RSS per session still stored. Target: RSS growth < 10% after warm-up with no
 * error. The emulator is a small wrapper around `startEmulator` from dist, started with
 * `--expose-gc` and an IPC channel so the bench can ask for a GC and `process.memoryUsage()`.
 * `--record` rewrites the soak section of BENCHMARKS.md.
 *
 *   npm run bench:soak                                  # builds, then 60 s per phase, --record
 *   npm run build && node bench/soak.bench.mjs --seconds 10 [--phases kept,deleted,deleted-capped] [--connections 10]
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
    phases: { type: "string", default: "kept,deleted,deleted-capped" },
    record: { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const WARMUP = Math.min(Number(values.warmup), Math.max(1, Math.floor(SECONDS / 3)));
const CONNECTIONS = Number(values.connections);
const PHASES = values.phases.split(",").filter(Boolean);
const GROWTH_LIMIT = 10;
const KEY = "soak-key";
const _REPO = fileURLToPath(new URL("..", import.meta.url));
const ALIAS = "canary";

// The emulator in its own process: startEmulator from dist, plus an IPC "mem" request that runs
// a full GC and answers process.memoryUsage() (nothing else is added to the server).
const WRAPPER = `
const { startEmulator } = await import(process.env.SOAK_EMULATOR_MODULE);
const running = await startEmulator({ host: "127.0.0.1", port: 0, apiKey: process.env.SOAK_KEY });
process.on("message", (m) => {
  if (m === "mem") { globalThis.gc(); process.send({ mem: process.memoryUsage() }); }
  if (m === "usage") process.send({ usage: process.memoryUsage() });
  if (m === "stop") running.close().then(() => process.exit(0));
});
process.send({ url: running.url });
`;

/** Old-space limit of the emulator in the deleted-capped phase, in MB. */
const CAPPED_OLD_SPACE_MB = 64;
const PHASE_FLAGS = {
  kept: [],
  deleted: [],
  "deleted-capped": [`--max-old-space-size=${CAPPED_OLD_SPACE_MB}`],
};

function startEmulator(flags = []) {
  const child = spawn(process.execPath, [...flags, "--expose-gc", "--input-type=module", "-e", WRAPPER], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: {
      ...process.env,
      SOAK_KEY: KEY,
      SOAK_EMULATOR_MODULE: new URL("../dist/emulator/index.js", import.meta.url).href,
    },
  });
  const waiters = [];
  const usageWaiters = [];
  child.on("message", (m) => {
    if (m.mem) waiters.shift()?.(m.mem);
    if (m.usage) usageWaiters.shift()?.(m.usage);
  });
  return new Promise((resolve, reject) => {
    const onUrl = (m) => {
      if (!m.url) return;
      child.off("message", onUrl);
      resolve({
        url: m.url,
        pid: child.pid,
        /** process.memoryUsage() of the emulator right after a full GC. */
        memAfterGc: () =>
          new Promise((done) => {
            waiters.push(done);
            child.send("mem");
          }),
        /** process.memoryUsage() of the emulator as it is (no GC). */
        usage: () =>
          new Promise((done) => {
            usageWaiters.push(done);
            child.send("usage");
          }),
        stop: () =>
          new Promise((done) => {
            child.once("exit", () => done());
            child.send("stop");
            setTimeout(() => child.kill("SIGKILL"), 5000).unref();
          }),
      });
    };
    child.on("message", onUrl);
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}; run npm run build first`)));
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
  if (phase === "kept") return [create];
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
    const rss = [{ t: 0, rss: rssOf(server.pid), heapTotal: (await server.usage()).heapTotal }];
    const started = performance.now();
    const sampler = setInterval(async () => {
      const t = Math.round((performance.now() - started) / 100) / 10;
      const sample = { t, rss: rssOf(server.pid), heapTotal: Number.NaN };
      rss.push(sample);
      sample.heapTotal = (await server.usage()).heapTotal;
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

    // Memory after warm-up: RSS sampled, and heap after a GC (asked for between load runs
    // would change the load; asked for during the run, it pauses the server for a few ms).
    let warm;
    const warmTimer = new Promise((resolve) =>
      setTimeout(async () => {
        const rssNow = rssOf(server.pid);
        const mem = await server.memAfterGc();
        warm = { t: WARMUP, rss: rssNow, heapUsed: mem.heapUsed };
        resolve();
      }, WARMUP * 1000),
    );
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
    const live = name === "kept" ? created : 0;
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
      heap_after_gc_mb: { warm: mb(warm.heapUsed), end: mb(endMem.heapUsed) },
      rss_growth_pct: pct(warm.rss, endRss),
      // From the middle of the run to its end: whether RSS is still climbing or has levelled.
      rss_second_half_mb: { from: mb(half.rss), to: mb(endRss), at_s: half.t },
      rss_growth_second_half_pct: pct(half.rss, endRss),
      // V8's heap size (reserved pages, no GC) at warm-up, the middle and the end.
      heap_total_mb: { warm: mb(near(WARMUP).heapTotal), half: mb(half.heapTotal), end: mb(last.heapTotal) },
      heap_growth_pct: pct(warm.heapUsed, endMem.heapUsed),
      // What the stored sessions cost: growth since warm-up over sessions added since then
      // (estimated from the average rate), for the phase that keeps them.
      heap_bytes_per_stored_session:
        live > 0 ? Math.round((endMem.heapUsed - warm.heapUsed) / (created * (1 - WARMUP / SECONDS))) : null,
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

const loadBefore = loadavg()[0];
const results = [];
for (const p of PHASES) {
  if (!(p in PHASE_FLAGS)) throw new Error(`unknown phase '${p}' (${Object.keys(PHASE_FLAGS).join(", ")})`);
  results.push(await phase(p));
}
const byPhase = Object.fromEntries(results.map((r) => [r.phase, r]));
const targets = {};
for (const r of results) {
  targets[`${r.phase}: no errors`] = r.ok;
  targets[`${r.phase}: RSS growth after warm-up (${WARMUP} s) < ${GROWTH_LIMIT}%`] =
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
  const row = (r) =>
    `| ${r.phase} | ${r.requests_per_s} | ${r.sessions_created} | ${r.p99_ms} | ${r.errors.non2xx} / ${r.errors.socket} / ${r.errors.timeouts} / ${r.errors.policy_failed} | ${r.policy_replacements} | ${r.rss_mb.warm} → ${r.rss_mb.end} (${r.rss_growth_pct}%) | ${r.rss_second_half_mb.from} → ${r.rss_second_half_mb.to} (${r.rss_growth_second_half_pct}%) | ${r.heap_total_mb.warm} → ${r.heap_total_mb.half} → ${r.heap_total_mb.end} | ${r.heap_after_gc_mb.warm} → ${r.heap_after_gc_mb.end} (${r.heap_growth_pct}%) | ${r.heap_bytes_per_stored_session ?? "–"} | ${r.load_1m} |`;
  const kept = byPhase.kept;
  recordSection("soak", [
    "## Emulator soak",
    "",
    `Command: \`npm run bench:soak\` (= \`npm run build && node bench/soak.bench.mjs --record\`; per phase a fresh emulator process, autocannon with ${CONNECTIONS} connections and no rate limit for ${SECONDS} s on \`POST /v2/agent_aliases/canary/sessions\` (a 90/10 canary with an EU rule), a \`PUT …/policy\` replacement every second from another loop, RSS from /proc every second, heap after a forced GC at ${WARMUP} s and at the end; ${summary.node}, ${summary.cpus} cores; load average (1 min) ${summary.load_before} when the run started). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    `| phase | req/s | sessions created | p99 ms | errors: non-2xx / socket / timeouts / policy | policy replacements | RSS MB, warm-up (${WARMUP} s) → end | RSS MB, middle (${Math.round(SECONDS / 2)} s) → end | V8 heap size MB (no GC), warm-up → middle → end | heap after GC MB, warm-up → end | heap bytes per stored session | load (1 min) |`,
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...results.map(row),
    "",
    `Phases: **kept** creates sessions only, and the emulator stores every one (as the API does: a session can be read back, listed and deleted), so its memory grows with the data; **deleted** creates a session and deletes it on each connection (req/s counts both calls), so at most one session per connection is alive and the heap after a full GC must stay flat unless something leaks; **deleted-capped** is the same load with the emulator's V8 old space capped at ${CAPPED_OLD_SPACE_MB} MB (\`--max-old-space-size\`): V8 sizes its heap to the allocation rate and to the memory it may use, so RSS that grows in **deleted** while the heap after GC stays flat is garbage not yet collected; the capped run shows whether RSS then stays flat with no error.`,
    "",
    "RSS every 5 s (MB):",
    "",
    ...results.map(
      (r) =>
        `- ${r.phase}: ${r.rss_samples_mb
          .filter(([t]) => Math.round(t) % 5 === 0)
          .map(([t, m]) => `${Math.round(t)} s ${m}`)
          .join(", ")}`,
    ),
    ...(kept
      ? [
          "",
          `In the kept phase the heap after GC grows by about ${kept.heap_bytes_per_stored_session} bytes per stored session (${kept.sessions_created} sessions): that growth is stored data, not a leak; the deleted phase, with the same load and policy replacements, is the leak check.`,
        ]
      : []),
    "",
    "Targets (issue 7, soak):",
    "",
    ...Object.entries(targets).map(([k, v]) => `- ${k}: ${v ? "met" : "NOT met"}`),
  ]);
}
