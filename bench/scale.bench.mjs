/**
 * Scale benchmark (issue 7): a stack of N aliases (default 200,
 * test/fixtures/programs/many-aliases) through the real Pulumi CLI against the emulator (its
 * own process), with a counting proxy between the provider and the emulator. For each step it
 * reports wall time and the API calls the provider made (reads and writes apart):
 *   up from empty, a no-op up, a preview, an up that changes one alias's policy;
 * then the same N resources as no-op dynamic resources (test/fixtures/programs/noop-resources:
 * same inputs, same CLI, file backend and parallelism) for up from empty and a no-op up, in
 * the same run. Targets: N creates and no other write; zero writes on the no-op up and the
 * preview; exactly one write for the one change; alias up <= 1.5x the no-op resources' up.
 * The up-from-empty steps run `--rounds` times, the stacks in turn (each round destroys and
 * recreates), and medians are compared, so that other load on the machine falls on all alike.
 * A third stack, the no-op program with its provider text padded to the Alias provider's
 * length, shows how much of the difference is the size of the state; CPU seconds of each
 * process the CLI starts (engine, program, dynamic provider) are read from /proc.
 * Prints a table and a JSON summary; `--record` rewrites the scale section of BENCHMARKS.md.
 *
 *   npm run bench:scale                    # builds, then runs this with --record
 *   npm run build && node bench/scale.bench.mjs [--count 200] [--rounds 3] [--parallel 8] [--record]
 *
 * Needs the Pulumi CLI set up (npm run setup:pulumi). All traffic stays on 127.0.0.1.
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, Agent as HttpAgent, request as httpRequest } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AgentAliasClient } from "../dist/client/index.js";
import { recordSection } from "./record.ts";

const { values } = parseArgs({
  options: {
    count: { type: "string", default: "200" },
    rounds: { type: "string", default: "3" },
    parallel: { type: "string", default: "8" },
    record: { type: "boolean", default: false },
  },
});
const COUNT = Number(values.count);
const ROUNDS = Number(values.rounds);
const PARALLEL = Number(values.parallel);
const RATIO_LIMIT = 1.5;
const KEY = "scale-bench-key";
const REPO = fileURLToPath(new URL("..", import.meta.url));
const PULUMI = join(REPO, "scripts/pulumi.sh");
const STEP_TIMEOUT_MS = 15 * 60_000;

// ---- the emulator, its own process ---------------------------------------------------------
function startEmulator() {
  const child = spawn(
    process.execPath,
    [join(REPO, "dist/emulator/main.js"), "--port", "0", "--host", "127.0.0.1", "--api-key", KEY],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl !== -1) resolve({ url: out.slice(0, nl), child });
    });
    child.once("exit", (code) => reject(new Error(`emulator exited with ${code}; run npm run build first`)));
  });
}

// ---- a counting proxy: every call the provider makes, as "METHOD /path" ----------------------
async function startCountingProxy(upstream) {
  const target = new URL(upstream);
  const agent = new HttpAgent({ keepAlive: true });
  const seen = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const up = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    up.on("error", () => req.socket.destroy());
    req.pipe(up);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    close: () =>
      new Promise((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---- CPU time by process, for the processes a pulumi command starts -------------------------
/** The role of a process in a Pulumi run, from its command line. */
function roleOf(cmd) {
  if (cmd.includes("dynamic-provider")) return "dynamic provider (node)";
  if (cmd.includes("cmd/run")) return "program (node)";
  if (cmd.includes("pulumi-language-nodejs")) return "language host (go)";
  if (cmd.includes("pulumi-resource-pulumi-nodejs")) return "provider launcher";
  if (/\/pulumi(\s|$)/.test(cmd)) return "engine and CLI (go)";
  return "other";
}

/**
 * Samples, every 100 ms, the CPU time (utime + stime from /proc) of every process descended
 * from `root`, keeping each one's last reading; `stop()` gives CPU seconds by role. A process
 * that ends between two samples loses at most its last 100 ms. Linux only (empty elsewhere).
 */
function watchCpu(root) {
  const last = new Map();
  const scan = () => {
    let pids;
    try {
      pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
    } catch {
      return;
    }
    const stat = new Map();
    for (const pid of pids) {
      try {
        stat.set(pid, readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" "));
      } catch {}
    }
    const descends = (pid) => {
      for (let p = pid, n = 0; p && n < 30; p = stat.get(p)?.[1], n++) if (p === String(root)) return true;
      return false;
    };
    for (const [pid, f] of stat) {
      if (!descends(pid)) continue;
      const cpu = (Number(f[11]) + Number(f[12])) / 100;
      // Read each time (a launcher script execs node under the same pid), but an ended
      // process has an empty command line: it keeps the role it had.
      let role = "other";
      try {
        role = roleOf(readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " "));
      } catch {}
      if (role === "other") role = last.get(pid)?.role ?? role;
      last.set(pid, { role, cpu });
    }
  };
  const timer = setInterval(scan, 100);
  return {
    stop() {
      clearInterval(timer);
      scan();
      const by = {};
      for (const { role, cpu } of last.values()) by[role] = Math.round(((by[role] ?? 0) + cpu) * 100) / 100;
      return by;
    },
  };
}

// ---- a stack with a file backend and a config file in a temporary folder -------------------
function makeStack(program, name) {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-scale-"));
  const backend = join(dir, "state");
  mkdirSync(backend);
  const configFile = join(dir, `Pulumi.${name}.yaml`);
  const run = (args, { cpu = false } = {}) =>
    new Promise((resolve) => {
      const full = [...args, "--stack", name, "--non-interactive"];
      if (args[0] !== "stack") full.push("--config-file", configFile);
      const started = performance.now();
      let watch;
      const child = execFile(
        PULUMI,
        full,
        {
          cwd: join(REPO, "test/fixtures/programs", program),
          timeout: STEP_TIMEOUT_MS,
          maxBuffer: 256 * 1024 * 1024,
          env: {
            ...process.env,
            PULUMI_BACKEND_URL: `file://${backend}`,
            PULUMI_CONFIG_PASSPHRASE: "scale-bench-passphrase",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            NO_COLOR: "1",
          },
        },
        (err, stdout, stderr) => {
          const ms = performance.now() - started;
          const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
          resolve({ code, ms, output: `${stdout}\n${stderr}`, cpu: watch?.stop() });
        },
      );
      if (cpu) watch = watchCpu(child.pid);
    });
  const ok = async (args, opts) => {
    const r = await run(args, opts);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} (${program}) exited ${r.code}:\n${r.output}`);
    return r;
  };
  return {
    run,
    ok,
    /** Length of the serialized provider (`__provider`) of the last resource in the state. */
    providerChars() {
      const stacks = join(backend, ".pulumi", "stacks");
      for (const project of readdirSync(stacks)) {
        try {
          const state = JSON.parse(readFileSync(join(stacks, project, `${name}.json`), "utf8"));
          const last = state.checkpoint.latest.resources.at(-1);
          return String(last.outputs.__provider ?? "").length;
        } catch {}
      }
      return Number.NaN;
    },
    async init(config, secrets = {}) {
      await ok(["stack", "init"]);
      for (const [k, v] of Object.entries(config)) await ok(["config", "set", k, v]);
      for (const [k, v] of Object.entries(secrets)) await ok(["config", "set", "--secret", k, v]);
    },
    async dispose() {
      await run(["destroy", "--yes", "--parallel", String(PARALLEL)]);
      await run(["stack", "rm", "--yes", "--force"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The count of each resource operation in the CLI's summary ("+ 200 created", "200 unchanged"). */
function summaryOf(output) {
  const ops = {};
  for (const m of output.matchAll(
    /^\s*[+~\-±]*\s*(\d+) (created|updated|unchanged|deleted|replaced|to create|to update|to delete|to replace)\s*$/gm,
  ))
    ops[m[2]] = Number(m[1]);
  return ops;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sec = (ms) => Math.round(ms / 100) / 10;

// ---- the run ---------------------------------------------------------------------------------
const loadBefore = loadavg()[0];
const emulator = await startEmulator();
const proxy = await startCountingProxy(emulator.url);
const api = new AgentAliasClient({ baseUrl: emulator.url, apiKey: KEY, env: {} });
for (const key of ["agent-a", "agent-b"]) await api.createAgent({ key, name: key });

const aliases = makeStack("many-aliases", "scale");
const noops = makeStack("noop-resources", "scale");
const padded = makeStack("noop-resources", "padded");
const steps = [];
/** Up from empty, each round: wall seconds and CPU seconds by process role. */
const ups = { aliases: [], noops: [], padded: [] };
const loads = [];

/** Runs one timed step and records the calls the provider made during it. */
async function step(label, stack, args, { record = true } = {}) {
  proxy.seen.length = 0;
  const load = loadavg()[0];
  const r = await stack.ok([...args, "--parallel", String(PARALLEL)], { cpu: true });
  const calls = [...proxy.seen];
  const writes = calls.filter((c) => !c.startsWith("GET "));
  const s = {
    step: label,
    wall_s: sec(r.ms),
    calls: calls.length,
    reads: calls.length - writes.length,
    writes: writes.length,
    write_kinds: countKinds(writes),
    read_kinds: countKinds(calls.filter((c) => c.startsWith("GET "))),
    engine: summaryOf(r.output),
    cpu_s: r.cpu,
    load_1m: Math.round(load * 100) / 100,
  };
  loads.push(load);
  if (record) steps.push(s);
  console.error(`${label}: ${s.wall_s} s, ${s.calls} calls (${s.reads} reads, ${s.writes} writes)`);
  return s;
}

/** "POST /v2/agent_aliases" x200, "PUT /v2/agent_aliases/:key/policy" x1, … */
function countKinds(calls) {
  const kinds = {};
  for (const c of calls) {
    const k = c
      .replace(/\?.*$/, "")
      .replace(/^(\w+ \/v2\/agent_aliases\/)[^/]+/, "$1:key")
      .replace(/^(\w+ \/v2\/agents\/)[^/]+/, "$1:key");
    kinds[k] = (kinds[k] ?? 0) + 1;
  }
  return kinds;
}

async function emulatorAliases() {
  const out = [];
  for await (const a of api.allAliases()) out.push(a);
  return out;
}

/** Medians, by role, of CPU seconds over rounds. */
function cpuMedians(runs) {
  const roles = new Set(runs.flatMap((r) => Object.keys(r.cpu_s ?? {})));
  const out = {};
  for (const role of roles) out[role] = median(runs.map((r) => r.cpu_s?.[role] ?? 0));
  const total = median(runs.map((r) => Object.values(r.cpu_s ?? {}).reduce((x, y) => x + y, 0)));
  return { ...out, total: Math.round(total * 100) / 100 };
}

let summary;
try {
  await aliases.init(
    { "agent-alias:apiUrl": proxy.url, count: String(COUNT), prefix: "scale" },
    { "agent-alias:apiKey": KEY },
  );
  await noops.init({ count: String(COUNT), prefix: "noop" });
  await padded.init({ count: String(COUNT), prefix: "pad" });

  // Up from empty of the three stacks in turn, ROUNDS times (each destroyed before the next
  // round); the first round's steps are the ones in the table. The padded peer is the no-op
  // program with its provider text made as long as the Alias provider's (measured in round 1).
  let upFirst;
  let providerChars;
  for (let round = 0; round < ROUNDS; round++) {
    const first = round === 0;
    const n = await step(`noop resources: up from empty (round ${round + 1})`, noops, ["up", "--yes"], {
      record: first,
    });
    ups.noops.push(n);
    if (first) {
      providerChars = { noop: noops.providerChars() };
      await step("noop resources: no-op up", noops, ["up", "--yes"]);
    }
    await noops.ok(["destroy", "--yes", "--parallel", String(PARALLEL)]);

    const a = await step(`aliases: up from empty (round ${round + 1})`, aliases, ["up", "--yes"], {
      record: first,
    });
    ups.aliases.push(a);
    upFirst ??= a;
    const present = await emulatorAliases();
    if (present.length !== COUNT) throw new Error(`after up the emulator holds ${present.length} aliases`);
    if (first) {
      providerChars.aliases = aliases.providerChars();
      await padded.ok([
        "config",
        "set",
        "providerPadding",
        String(Math.max(0, providerChars.aliases - providerChars.noop)),
      ]);
    }
    if (round < ROUNDS - 1) await aliases.ok(["destroy", "--yes", "--parallel", String(PARALLEL)]);

    const p = await step(
      `noop resources, provider text as long as Alias's: up from empty (round ${round + 1})`,
      padded,
      ["up", "--yes"],
      { record: first },
    );
    ups.padded.push(p);
    if (first) providerChars.padded = padded.providerChars();
    await padded.ok(["destroy", "--yes", "--parallel", String(PARALLEL)]);
  }

  const noop = await step("aliases: no-op up", aliases, ["up", "--yes"]);
  const preview = await step("aliases: preview", aliases, ["preview"]);
  await aliases.ok(["config", "set", "changeIndex", "7"]);
  const change = await step("aliases: one policy changed (up)", aliases, ["up", "--yes"]);
  const changed = await api.getAlias("scale-7");
  const weight = changed.policy.rules[0]?.targets.options?.[1]?.weight;
  if (weight !== 85) throw new Error(`scale-7 has weight ${weight} after the change, expected 85`);

  const wall = (runs) => runs.map((r) => r.wall_s);
  const ratio = median(wall(ups.aliases)) / median(wall(ups.noops));
  const ratioPadded = median(wall(ups.aliases)) / median(wall(ups.padded));
  const createKinds = upFirst.write_kinds;
  summary = {
    node: process.version,
    cpus: cpus().length,
    load_before: Math.round(loadBefore * 100) / 100,
    load_max_during: Math.round(Math.max(...loads) * 100) / 100,
    count: COUNT,
    parallel: PARALLEL,
    rounds: ROUNDS,
    steps,
    provider_text_chars: providerChars,
    up_from_empty: {
      aliases: {
        wall_s: wall(ups.aliases),
        median_s: median(wall(ups.aliases)),
        cpu_s: cpuMedians(ups.aliases),
      },
      noop_resources: {
        wall_s: wall(ups.noops),
        median_s: median(wall(ups.noops)),
        cpu_s: cpuMedians(ups.noops),
      },
      noop_resources_padded: {
        wall_s: wall(ups.padded),
        median_s: median(wall(ups.padded)),
        cpu_s: cpuMedians(ups.padded),
      },
    },
    ratio: Math.round(ratio * 100) / 100,
    ratio_to_padded: Math.round(ratioPadded * 100) / 100,
    // Total CPU of the processes the CLI starts: less disturbed by other work on the machine.
    cpu_ratio: Math.round((cpuMedians(ups.aliases).total / cpuMedians(ups.noops).total) * 100) / 100,
    targets: {
      [`up from empty: ${COUNT} creates and no other write`]:
        upFirst.writes === COUNT && createKinds["POST /v2/agent_aliases"] === COUNT,
      "no-op up: zero writes": noop.writes === 0 && (noop.engine.unchanged ?? 0) > 0,
      "preview: zero writes": preview.writes === 0,
      "one policy changed: exactly one write": change.writes === 1,
      [`up of ${COUNT} aliases <= ${RATIO_LIMIT}x the up of ${COUNT} no-op dynamic resources`]:
        ratio <= RATIO_LIMIT,
    },
  };
} finally {
  await aliases.dispose();
  await noops.dispose();
  await padded.dispose();
  await proxy.close();
  emulator.child.kill("SIGTERM");
}

const u = summary.up_from_empty;
console.log("step                                        wall s    calls   reads   writes   engine");
for (const s of summary.steps) {
  console.log(
    `${s.step.padEnd(42)} ${String(s.wall_s).padStart(7)}  ${String(s.calls).padStart(7)} ${String(s.reads).padStart(7)}  ${String(s.writes).padStart(7)}   ${JSON.stringify(s.engine)}`,
  );
}
console.log(
  `up from empty, median of ${ROUNDS}: aliases ${u.aliases.median_s} s, no-op resources ${u.noop_resources.median_s} s (ratio ${summary.ratio}), padded no-op resources ${u.noop_resources_padded.median_s} s (ratio ${summary.ratio_to_padded})`,
);
console.log(JSON.stringify(summary, null, 2));

if (values.record) {
  const kinds = (k) =>
    Object.entries(k)
      .map(([name, n]) => `${n}× ${name}`)
      .join(", ") || "none";
  const roles = [
    "engine and CLI (go)",
    "program (node)",
    "dynamic provider (node)",
    "language host (go)",
    "total",
  ];
  const cpuRow = (label, x) =>
    `| ${label} | ${x.median_s} (${x.wall_s.join(", ")}) | ${roles.map((r) => x.cpu_s[r] ?? 0).join(" | ")} |`;
  const pc = summary.provider_text_chars;
  recordSection("scale", [
    "## Scale: a stack of many aliases",
    "",
    `Command: \`npm run bench:scale\` (= \`npm run build && node bench/scale.bench.mjs --record\`; ${COUNT} aliases of \`test/fixtures/programs/many-aliases\` through the real Pulumi CLI 3.259.0, file backend, \`--parallel ${PARALLEL}\`, against the emulator in its own process behind a counting proxy; the peer is ${COUNT} no-op dynamic resources with the same inputs, \`test/fixtures/programs/noop-resources\`, run the same way; ${summary.node}, ${summary.cpus} cores; load average (1 min) ${summary.load_before} when the run started, at most ${summary.load_max_during} at the start of a step). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "Wall time is the whole `pulumi` command (`up --yes` includes its preview). Calls are what the provider sent to the API: reads are GETs (each `check` asks about the agents a policy names, remembered per provider process, so 2 per process), writes are everything else.",
    "",
    "| step | wall s | API calls | reads | writes | writes by kind | engine summary | load (1 min) |",
    "|---|---|---|---|---|---|---|---|",
    ...summary.steps.map(
      (s) =>
        `| ${s.step} | ${s.wall_s} | ${s.calls} | ${s.reads} | ${s.writes} | ${kinds(s.write_kinds)} | ${Object.entries(
          s.engine,
        )
          .map(([k, v]) => `${v} ${k}`)
          .join(", ")} | ${s.load_1m} |`,
    ),
    "",
    `Up from empty, ${ROUNDS} rounds (no-op resources, aliases, padded no-op resources in turn, each destroyed before the next round): median wall time and CPU seconds by process (medians of the rounds; from /proc, sampled every 100 ms):`,
    "",
    "| stack | wall s, median (rounds) | engine and CLI (go) | program (node) | dynamic provider (node) | language host (go) | total CPU s |",
    "|---|---|---|---|---|---|---|",
    cpuRow(`${COUNT} aliases`, u.aliases),
    cpuRow(`${COUNT} no-op dynamic resources`, u.noop_resources),
    cpuRow(
      `${COUNT} no-op dynamic resources, provider text padded to ${pc.padded} chars`,
      u.noop_resources_padded,
    ),
    "",
    `Ratio of the medians, aliases ÷ no-op resources: **${summary.ratio}** (target <= ${RATIO_LIMIT}); aliases ÷ padded no-op resources: ${summary.ratio_to_padded}; total CPU, aliases ÷ no-op resources: ${summary.cpu_ratio} (CPU time is less disturbed than wall time by other work on the machine). The serialized provider (\`__provider\`, kept in both the inputs and the outputs of every resource in the state) is ${pc.aliases} characters for an Alias and ${pc.noop} for the no-op resource. The file backend rewrites the whole checkpoint after every step, so the engine's work grows with the size of each resource's state; the padded row shows how much of the difference that alone explains (the emulator's own CPU, a separate process, is not in these figures).`,
    "",
    "Targets (issue 7, scale):",
    "",
    ...Object.entries(summary.targets).map(([k, v]) => `- ${k}: ${v ? "met" : "NOT met"}`),
  ]);
}
