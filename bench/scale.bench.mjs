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
 * The up-from-empty of both stacks runs `--rounds` times, alternating (each round destroys and
 * recreates), and medians are compared, so that other load on the machine falls on both alike.
 * Prints a table and a JSON summary; `--record` rewrites the scale section of BENCHMARKS.md.
 *
 *   npm run bench:scale                    # builds, then runs this with --record
 *   npm run build && node bench/scale.bench.mjs [--count 200] [--rounds 3] [--parallel 8] [--record]
 *
 * Needs the Pulumi CLI set up (npm run setup:pulumi). All traffic stays on 127.0.0.1.
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Agent as HttpAgent, request as httpRequest } from "node:http";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AgentAliasClient } from "../dist/client/index.js";

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

// ---- a stack with a file backend and a config file in a temporary folder -------------------
function makeStack(program, name) {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-scale-"));
  const backend = join(dir, "state");
  mkdirSync(backend);
  const configFile = join(dir, `Pulumi.${name}.yaml`);
  const run = (args) =>
    new Promise((resolve) => {
      const full = [...args, "--stack", name, "--non-interactive"];
      if (args[0] !== "stack") full.push("--config-file", configFile);
      const started = performance.now();
      execFile(
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
          resolve({ code, ms, output: `${stdout}\n${stderr}` });
        },
      );
    });
  const ok = async (args) => {
    const r = await run(args);
    if (r.code !== 0) throw new Error(`pulumi ${args.join(" ")} (${program}) exited ${r.code}:\n${r.output}`);
    return r;
  };
  return {
    run,
    ok,
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
const steps = [];
const upTimes = { aliases: [], noops: [] };
const loads = [];

/** Runs one timed step and records the calls the provider made during it. */
async function step(label, stack, args, { record = true } = {}) {
  proxy.seen.length = 0;
  const load = loadavg()[0];
  const r = await stack.ok([...args, "--parallel", String(PARALLEL)]);
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

let summary;
try {
  await aliases.init(
    { "agent-alias:apiUrl": proxy.url, count: String(COUNT), prefix: "scale" },
    { "agent-alias:apiKey": KEY },
  );
  await noops.init({ count: String(COUNT), prefix: "noop" });

  // Up from empty, both stacks, alternating; the first round's alias steps are the reported ones.
  let upFirst;
  let noopFirst;
  let noopNoChange;
  for (let round = 0; round < ROUNDS; round++) {
    const n = await step(`noop resources: up from empty (round ${round + 1})`, noops, ["up", "--yes"], {
      record: round === 0,
    });
    upTimes.noops.push(n.wall_s);
    noopFirst ??= n;
    if (round === 0) noopNoChange = await step("noop resources: no-op up", noops, ["up", "--yes"]);
    await noops.ok(["destroy", "--yes", "--parallel", String(PARALLEL)]);

    const a = await step(`aliases: up from empty (round ${round + 1})`, aliases, ["up", "--yes"], {
      record: round === 0,
    });
    upTimes.aliases.push(a.wall_s);
    upFirst ??= a;
    const present = await emulatorAliases();
    if (present.length !== COUNT) throw new Error(`after up the emulator holds ${present.length} aliases`);
    if (round < ROUNDS - 1) await aliases.ok(["destroy", "--yes", "--parallel", String(PARALLEL)]);
  }

  const noop = await step("aliases: no-op up", aliases, ["up", "--yes"]);
  const preview = await step("aliases: preview", aliases, ["preview"]);
  await aliases.ok(["config", "set", "changeIndex", "7"]);
  const change = await step("aliases: one policy changed (up)", aliases, ["up", "--yes"]);
  const changed = await api.getAlias("scale-7");
  const weight = changed.policy.rules[0]?.targets.options?.[1]?.weight;
  if (weight !== 85) throw new Error(`scale-7 has weight ${weight} after the change, expected 85`);

  const ratio = median(upTimes.aliases) / median(upTimes.noops);
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
    up_from_empty_s: {
      aliases: upTimes.aliases,
      noop_resources: upTimes.noops,
      aliases_median: median(upTimes.aliases),
      noop_resources_median: median(upTimes.noops),
    },
    ratio: Math.round(ratio * 100) / 100,
    targets: {
      [`up from empty: ${COUNT} creates and no other write`]:
        upFirst.writes === COUNT && createKinds["POST /v2/agent_aliases"] === COUNT,
      "no-op up: zero writes": noop.writes === 0 && (noop.engine.unchanged ?? 0) > 0,
      "preview: zero writes": preview.writes === 0,
      "one policy changed: exactly one write": change.writes === 1,
      [`up of ${COUNT} aliases <= ${RATIO_LIMIT}x the up of ${COUNT} no-op dynamic resources`]:
        ratio <= RATIO_LIMIT,
    },
    noop_resources_no_op_up_s: noopNoChange.wall_s,
    noop_resources_first_up_s: noopFirst.wall_s,
  };
} finally {
  await aliases.dispose();
  await noops.dispose();
  await proxy.close();
  emulator.child.kill("SIGTERM");
}

console.log("step                                        wall s    calls   reads   writes   engine");
for (const s of summary.steps) {
  console.log(
    `${s.step.padEnd(42)} ${String(s.wall_s).padStart(7)}  ${String(s.calls).padStart(7)} ${String(s.reads).padStart(7)}  ${String(s.writes).padStart(7)}   ${JSON.stringify(s.engine)}`,
  );
}
console.log(
  `up from empty, median of ${ROUNDS}: aliases ${summary.up_from_empty_s.aliases_median} s, no-op resources ${summary.up_from_empty_s.noop_resources_median} s, ratio ${summary.ratio}`,
);
console.log(JSON.stringify(summary, null, 2));

if (values.record) {
  const file = join(REPO, "BENCHMARKS.md");
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    text =
      "# Benchmarks\n\nFigures from this repository's benchmarks, each with the command that reproduces it.\n";
  }
  const kinds = (k) =>
    Object.entries(k)
      .map(([name, n]) => `${n}× ${name}`)
      .join(", ") || "none";
  const section = [
    "<!-- scale:start -->",
    "## Scale: a stack of many aliases",
    "",
    `Command: \`npm run bench:scale\` (= \`npm run build && node bench/scale.bench.mjs --record\`; ${COUNT} aliases of \`test/fixtures/programs/many-aliases\` through the real Pulumi CLI 3.259.0, file backend, \`--parallel ${PARALLEL}\`, against the emulator in its own process behind a counting proxy; ${summary.node}, ${summary.cpus} cores; load average (1 min) ${summary.load_before} when the run started, at most ${summary.load_max_during} at the start of a step). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "Wall time is the whole `pulumi` command (`up --yes` includes its preview). Calls are what the provider sent to the API: reads are GETs (each `check` asks about the agents a policy names, remembered per provider process), writes are everything else.",
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
    `Up from empty, ${ROUNDS} alternating rounds (no-op resources, then aliases; each destroyed before the next round): aliases ${summary.up_from_empty_s.aliases.join(", ")} s (median ${summary.up_from_empty_s.aliases_median}); no-op dynamic resources ${summary.up_from_empty_s.noop_resources.join(", ")} s (median ${summary.up_from_empty_s.noop_resources_median}). Ratio of the medians: **${summary.ratio}** (target <= ${RATIO_LIMIT}).`,
    "",
    "Targets (issue 7, scale):",
    "",
    ...Object.entries(summary.targets).map(([k, v]) => `- ${k}: ${v ? "met" : "NOT met"}`),
    "<!-- scale:end -->",
  ].join("\n");
  const re = /<!-- scale:start -->[\s\S]*<!-- scale:end -->/;
  text = re.test(text) ? text.replace(re, section) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, text);
}
