/**
 * The Terraform door beside the native Pulumi door: N aliases (default 200) applied by real
 * OpenTofu (built by scripts/setup-tofu.sh) through the provider `agent-alias/agentalias`
 * (installed into a filesystem mirror as `agent-alias plugin install --terraform` does,
 * configured from the environment), and by the real Pulumi CLI through the native plugin
 * (the YAML program of bench/native.bench.mjs), the same aliases (bench/programs.mjs),
 * against one emulator in its own process behind a counting proxy, in one run.
 *
 * Each round runs, for each tool in turn (the order alternates): apply / up from empty; a
 * no-op plan / preview; a no-op apply / up; destroy (untimed). Each timed step records wall
 * time, the API calls it made (reads and writes apart, writes by kind), CPU seconds by
 * process and the load average. Targets: N POSTs and no other write from empty, zero writes
 * on every no-op step. Also measured: the provider's start-up alone, spawn to handshake line,
 * with and without AutoMTLS (a host certificate in PLUGIN_CLIENT_CERT).
 *
 *   npm run bench:terraform                 # builds, then runs this with --record
 *   npm run build && node bench/terraform.bench.mjs [--count 200] [--rounds 3] [--parallel 10] [--record]
 *
 * `--parallel` is both tools' parallelism (OpenTofu's default is 10). All traffic stays on
 * 127.0.0.1.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { installTerraformMirror } from "../dist/cli/plugin.js";
import { AgentAliasClient } from "../dist/client/index.js";
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from "../dist/terraform/handshake.js";
import { makeCertificate } from "../dist/terraform/tls.js";
import {
  benchFlags,
  countKinds,
  cpuMedians,
  firstLine,
  makeStack,
  median,
  REPO,
  STEP_TIMEOUT_MS,
  sec,
  startCountingProxy,
  startEmulator,
  watchCpu,
} from "./engine.mjs";
import { AGENTS, hclProgram, yamlProgram } from "./programs.mjs";
import { recordSection } from "./record.ts";

const { values, COUNT, ROUNDS } = benchFlags();
const PARALLEL = values.parallel === "8" ? 10 : Number(values.parallel);
const KEY = "terraform-bench-key";
const TOFU = process.env.TOFU ?? join(REPO, ".tofu-home/versions/1.10.6/tofu");
const PREFIX = { tofu: "tfm", pulumi: "nat" };

// ---- OpenTofu in a temporary folder, the provider from a filesystem mirror ----------------
function tofuWorkspace(apiUrl) {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-tf-bench-"));
  installTerraformMirror(join(dir, "mirror"));
  writeFileSync(
    join(dir, "cli.tfrc"),
    `provider_installation {\n  filesystem_mirror {\n    path = "${join(dir, "mirror")}"\n  }\n}\n`,
  );
  const work = join(dir, "work");
  mkdirSync(work);
  const env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: join(dir, "cli.tfrc"),
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    AGENT_ALIAS_API_URL: apiUrl,
    VECTARA_API_KEY: KEY,
  };
  const run = (args, { cpu = false } = {}) =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      let watch;
      const child = execFile(
        TOFU,
        [...args, "-no-color"],
        { cwd: work, env, timeout: STEP_TIMEOUT_MS, maxBuffer: 256 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const cpuByRole = watch?.stop();
          if (err && !(args[0] === "plan" && err.code === 2))
            return reject(new Error(`tofu ${args.join(" ")} failed:\n${stdout}${stderr}`));
          resolve({
            ms: performance.now() - started,
            output: stdout + stderr,
            cpu: cpuByRole,
            code: err?.code ?? 0,
          });
        },
      );
      if (cpu) watch = watchCpu(child.pid);
    });
  return { dir, work, run };
}

// ---- the provider's start-up alone: spawn to its handshake line -----------------------------
const startUp = async (env) =>
  (
    await firstLine(join(REPO, "bin/terraform-provider-agentalias"), [], {
      cwd: tmpdir(),
      env: {
        ...process.env,
        [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
        PLUGIN_PROTOCOL_VERSIONS: "5,6",
        ...env,
      },
    })
  ).ms;

async function startUps(times = 5) {
  const host = await makeCertificate();
  // Killed at its handshake, a provider leaves its socket: they go in a folder of their own.
  const sockets = mkdtempSync(join(tmpdir(), "agent-alias-tf-bench-sockets-"));
  const cases = {
    "terraform-provider-agentalias, AutoMTLS (PLUGIN_CLIENT_CERT set, as terraform and tofu start it)": {
      PLUGIN_CLIENT_CERT: host.certPem,
      PLUGIN_UNIX_SOCKET_DIR: sockets,
    },
    "terraform-provider-agentalias, no TLS": { PLUGIN_UNIX_SOCKET_DIR: sockets },
  };
  const out = {};
  for (const [name, env] of Object.entries(cases)) {
    const runs = [];
    for (let i = 0; i < times; i++) runs.push(await startUp(env));
    out[name] = { ms: runs, median_ms: median(runs) };
  }
  rmSync(sockets, { recursive: true, force: true });
  return out;
}

// ---- the run --------------------------------------------------------------------------------
const loadBefore = loadavg()[0];
const emulator = await startEmulator(KEY);
const proxy = await startCountingProxy(emulator.url);
const api = new AgentAliasClient({ baseUrl: emulator.url, apiKey: KEY, env: {} });
for (const key of AGENTS) await api.createAgent({ key, name: key });

const tofu = tofuWorkspace(proxy.url);
const programDir = mkdtempSync(join(tmpdir(), "agent-alias-tf-bench-yaml-"));
writeFileSync(join(programDir, "Pulumi.yaml"), yamlProgram(COUNT, PREFIX.pulumi));
const stack = makeStack(programDir, "bench", { parallel: PARALLEL, tmpPrefix: "agent-alias-tf-bench-" });
const steps = [];
const runs = {};

/** Runs one timed step: `go` returns {ms, output, cpu}; the calls the proxy saw meanwhile are counted. */
async function step(tool, kind, round, go) {
  proxy.seen.length = 0;
  const load = loadavg()[0];
  const r = await go();
  const calls = [...proxy.seen];
  const writes = calls.filter((c) => !c.startsWith("GET "));
  const s = {
    step: `${tool}: ${kind} (round ${round + 1})`,
    tool,
    kind,
    wall_s: sec(r.ms),
    reads: calls.length - writes.length,
    writes: writes.length,
    write_kinds: countKinds(writes),
    cpu_s: r.cpu,
    load_1m: Math.round(load * 100) / 100,
  };
  steps.push(s);
  ((runs[tool] ??= {})[kind] ??= []).push(s);
  console.error(`${s.step}: ${s.wall_s} s, ${s.reads} reads, ${s.writes} writes`);
}

const P = String(PARALLEL);
const TOOLS = {
  tofu: [
    [
      "apply from empty",
      () => tofu.run(["apply", "-auto-approve", "-input=false", `-parallelism=${P}`], { cpu: true }),
    ],
    [
      "no-op plan",
      () => tofu.run(["plan", "-detailed-exitcode", "-input=false", `-parallelism=${P}`], { cpu: true }),
    ],
    [
      "no-op apply",
      () => tofu.run(["apply", "-auto-approve", "-input=false", `-parallelism=${P}`], { cpu: true }),
    ],
  ],
  pulumi: [
    ["up from empty", () => stack.ok(["up", "--yes", "--parallel", P], { cpu: true })],
    ["no-op preview", () => stack.ok(["preview", "--parallel", P], { cpu: true })],
    ["no-op up", () => stack.ok(["up", "--yes", "--parallel", P], { cpu: true })],
  ],
};
const destroy = {
  tofu: () => tofu.run(["destroy", "-auto-approve", "-input=false", `-parallelism=${P}`]),
  pulumi: () => stack.ok(["destroy", "--yes", "--parallel", P]),
};

let summary;
try {
  writeFileSync(join(tofu.work, "main.tf"), hclProgram(COUNT, PREFIX.tofu));
  await tofu.run(["init", "-input=false"]);
  await stack.init({ "agent-alias:apiUrl": proxy.url }, { "agent-alias:apiKey": KEY });
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ["tofu", "pulumi"] : ["pulumi", "tofu"];
    for (const tool of order) {
      for (const [kind, go] of TOOLS[tool]) await step(tool, kind, round, go);
      await destroy[tool]();
    }
  }
  const startUp = await startUps();
  const ofKind = (tool, kind) => {
    const rs = runs[tool][kind];
    return {
      wall_s: rs.map((r) => r.wall_s),
      median_s: median(rs.map((r) => r.wall_s)),
      cpu_s: cpuMedians(rs),
    };
  };
  const fromEmpty = (s) => s.writes === COUNT && s.write_kinds["POST /v2/agent_aliases"] === COUNT;
  summary = {
    node: process.version,
    cpus: cpus().length,
    load_before: Math.round(loadBefore * 100) / 100,
    load_max_during: Math.max(...steps.map((s) => s.load_1m)),
    count: COUNT,
    parallel: PARALLEL,
    rounds: ROUNDS,
    steps,
    medians: Object.fromEntries(
      Object.entries(TOOLS).flatMap(([tool, list]) =>
        list.map(([kind]) => [`${tool}: ${kind}`, ofKind(tool, kind)]),
      ),
    ),
    start_up: startUp,
    targets: {
      [`tofu apply from empty: ${COUNT} POSTs and no other write`]:
        runs.tofu["apply from empty"].every(fromEmpty),
      [`pulumi up from empty: ${COUNT} POSTs and no other write`]:
        runs.pulumi["up from empty"].every(fromEmpty),
      "every no-op step (tofu plan and apply, pulumi preview and up): zero writes": steps
        .filter((s) => s.kind.startsWith("no-op"))
        .every((s) => s.writes === 0),
    },
  };
} finally {
  await stack.dispose();
  rmSync(programDir, { recursive: true, force: true });
  await tofu.run(["destroy", "-auto-approve", "-input=false"]).catch(() => {});
  rmSync(tofu.dir, { recursive: true, force: true });
  await proxy.close();
  emulator.child.kill("SIGTERM");
}

// ---- the report -----------------------------------------------------------------------------
const kinds = (k) =>
  Object.entries(k)
    .map(([name, n]) => `${n}× ${name}`)
    .join(", ") || "none";
console.log(JSON.stringify(summary, null, 2));

if (values.record) {
  const roles = [...new Set(Object.values(summary.medians).flatMap((m) => Object.keys(m.cpu_s)))].filter(
    (r) => r !== "total",
  );
  recordSection("terraform", [
    "## Terraform/OpenTofu provider beside the native Pulumi provider",
    "",
    `Command: \`npm run bench:terraform\` (= \`npm run build && node bench/terraform.bench.mjs --record\`; ${COUNT} aliases, the same in both tools (\`bench/programs.mjs\`: the resources of \`test/fixtures/programs/many-aliases\`), against one emulator in its own process behind a counting proxy: OpenTofu 1.10.6 (built by \`scripts/setup-tofu.sh\`) with the provider \`agent-alias/agentalias\` from a filesystem mirror (\`bin/terraform-provider-agentalias\`), \`-parallelism=${PARALLEL}\`, local state; and the Pulumi CLI 3.259.0 with a Pulumi YAML program through the native plugin (\`bin/pulumi-resource-agent-alias\`), \`--parallel ${PARALLEL}\`, file backend; ${ROUNDS} rounds, the tools' order alternating, each tool: from empty, a no-op plan/preview, a no-op apply/up, then an untimed destroy; ${summary.node}, ${summary.cpus} cores; load average (1 min) ${summary.load_before} when the run started, at most ${summary.load_max_during} at the start of a step). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "Wall time is the whole command (`tofu apply` and `pulumi up` include their plan/preview). Calls are what the provider sent to the API: reads are GETs (the check of the agents a policy names, and refresh reads: `tofu plan` and `apply` refresh every alias, `pulumi up` does not by default), writes everything else.",
    "",
    "| step | wall s | API reads | writes | writes by kind | load (1 min) |",
    "|---|---|---|---|---|---|",
    ...summary.steps.map(
      (s) =>
        `| ${s.step} | ${s.wall_s} | ${s.reads} | ${s.writes} | ${kinds(s.write_kinds)} | ${s.load_1m} |`,
    ),
    "",
    `Medians of the ${ROUNDS} rounds, wall time and CPU seconds by process (from /proc, sampled every 100 ms; the emulator's own CPU, a separate process, is not in these figures):`,
    "",
    `| step | wall s, median (rounds) | ${roles.join(" | ")} | total CPU s |`,
    `|---|---|${roles.map(() => "---").join("|")}|---|`,
    ...Object.entries(summary.medians).map(
      ([name, m]) =>
        `| ${name} | ${m.median_s} (${m.wall_s.join(", ")}) | ${roles.map((r) => m.cpu_s[r] ?? 0).join(" | ")} | ${m.cpu_s.total} |`,
    ),
    "",
    "The provider's start-up alone, from spawn (the launcher, which execs Node.js) to the handshake line on stdout, 5 times each:",
    "",
    "| process | ms, median (runs) |",
    "|---|---|",
    ...Object.entries(summary.start_up).map(
      ([name, s]) => `| ${name} | ${s.median_ms} (${s.ms.join(", ")}) |`,
    ),
    "",
    "Targets:",
    "",
    ...Object.entries(summary.targets).map(([k, v]) => `- ${k}: ${v ? "met" : "NOT met"}`),
  ]);
}
