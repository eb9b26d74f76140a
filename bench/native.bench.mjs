/**
 * Native provider vs dynamic resources: N aliases (default 200) through the real
 * Pulumi CLI against the emulator (its own process, behind a counting proxy), once from a
 * Pulumi YAML program through the native plugin `agent-alias` (bin/pulumi-resource-agent-alias,
 * default provider configured by stack config `agent-alias:apiUrl` and the secret
 * `agent-alias:apiKey`) and once from the TypeScript program of the dynamic resources
 * (test/fixtures/programs/many-aliases, configured the same way). The YAML program is
 * generated in a temporary folder, the plugin's path absolute, with the TypeScript program's
 * resources: the same names (`alias-<i>`), aliases `<prefix>-<i>` named `Alias <i>` with
 * metadata `{index: i}` and the same weighted policy, no samples (the program has none); after
 * the first round the two stacks' aliases are compared field by field.
 *
 * Each round runs, for each stack in turn (the order alternates between rounds): up from
 * empty, a no-op up, a destroy; the up steps are timed, with the API calls they made (reads
 * and writes apart), the engine's summary, CPU seconds and process counts by role from /proc.
 * Medians over `--rounds` (default 3) are compared; both stacks use the same `--parallel`.
 * Targets: N creates and no other write on up from empty, zero writes on the no-op up (both
 * paths), and the native path at most 0.8x the dynamic time for up from empty and for the
 * no-op up. Also measured: each plugin's start-up alone (launcher to the port on stdout).
 * Prints a table and a JSON summary; `--record` rewrites the native section of BENCHMARKS.md.
 *
 *   npm run bench:native                     # builds, then runs this with --record
 *   npm run build && node bench/native.bench.mjs [--count 200] [--rounds 3] [--parallel 8] [--record]
 *
 * Needs the Pulumi CLI and its YAML language host set up (npm run setup:pulumi). All traffic
 * stays on 127.0.0.1.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { AgentAliasClient } from "../dist/client/index.js";
import {
  BENCH_AGENTS as AGENTS,
  benchFlags,
  cpuMedians,
  emulatorAliases,
  firstLine,
  makeStack,
  median,
  REPO,
  startCountingProxy,
  startEmulator,
  timedStep,
  nativeYamlProgram as yamlProgram,
} from "./engine.mjs";
import { recordSection } from "./record.ts";

const { values, COUNT, ROUNDS, PARALLEL } = benchFlags();
const RATIO_LIMIT = 0.8;
const KEY = "native-bench-key";
const TS_PROGRAM = join(REPO, "test/fixtures/programs/many-aliases");
const PULUMI_BIN = join(REPO, ".pulumi-home/versions/3.259.0/bin");
/** Key prefixes of the two stacks: the same length, so the two send requests of the same size. */
const PREFIX = { dynamic: "dyn", native: "nat" };

// ---- a plugin's start-up, alone ------------------------------------------------------------
/** The engine address each plugin is given is never dialled; PATH has the project's Node.js first. */
const startUp = (cmd, args, cwd) =>
  firstLine(cmd, args, {
    cwd,
    env: { ...process.env, PATH: `${join(REPO, "node_modules/.bin")}:${PULUMI_BIN}:${process.env.PATH}` },
  });

async function startUps(times = 5) {
  const cases = {
    "native plugin, through its launcher (bin/pulumi-resource-agent-alias)": [
      join(REPO, "bin/pulumi-resource-agent-alias"),
      ["127.0.0.1:1"],
      tmpdir(),
    ],
    "native plugin, node dist/native/main.js": [
      process.execPath,
      [join(REPO, "dist/native/main.js"), "127.0.0.1:1"],
      tmpdir(),
    ],
    "dynamic provider, through its launcher (pulumi-resource-pulumi-nodejs)": [
      join(PULUMI_BIN, "pulumi-resource-pulumi-nodejs"),
      ["127.0.0.1:1"],
      TS_PROGRAM,
    ],
    "node -e (an empty Node.js process)": [process.execPath, ["-e", "console.log(0)"], tmpdir()],
  };
  const out = {};
  for (const [name, [cmd, args, cwd]] of Object.entries(cases)) {
    const runs = [];
    for (let i = 0; i < times; i++) runs.push(await startUp(cmd, args, cwd));
    out[name] = {
      ms: runs.map((r) => r.ms),
      median_ms: median(runs.map((r) => r.ms)),
      median_cpu_ms: median(runs.map((r) => r.cpu_ms)),
    };
  }
  return out;
}

// ---- the run ---------------------------------------------------------------------------------
const loadBefore = loadavg()[0];
const emulator = await startEmulator(KEY);
const proxy = await startCountingProxy(emulator.url);
const api = new AgentAliasClient({ baseUrl: emulator.url, apiKey: KEY, env: {} });
for (const key of AGENTS) await api.createAgent({ key, name: key });

const programDir = mkdtempSync(join(tmpdir(), "agent-alias-native-program-"));
writeFileSync(join(programDir, "Pulumi.yaml"), yamlProgram(COUNT, PREFIX.native));
const stacks = {
  dynamic: makeStack(TS_PROGRAM, "bench", { parallel: PARALLEL, tmpPrefix: "agent-alias-native-" }),
  native: makeStack(programDir, "bench", { parallel: PARALLEL, tmpPrefix: "agent-alias-native-" }),
};
const LABEL = { dynamic: "dynamic (TypeScript)", native: "native (YAML)" };
const steps = [];
const loads = [];
/** Each stack's timed steps, by kind, in round order. */
const runs = { dynamic: { up: [], noop: [] }, native: { up: [], noop: [] } };

/** Provider servers a step's processes included: how many, and how many each kind of process started. */
function providerServers(s) {
  const by = s.servers?.["native provider (node)"] ?? s.servers?.["dynamic provider (node)"] ?? {};
  return { total: Object.values(by).reduce((x, y) => x + y, 0), by };
}

async function step(label, stack, args) {
  const s = await timedStep(label, stack, args, { proxy, parallel: PARALLEL });
  loads.push(s.load_1m);
  steps.push(s);
  const plugins = providerServers(s);
  console.error(
    `${label}: ${s.wall_s} s, ${s.calls} calls (${s.reads} reads, ${s.writes} writes), ${plugins.total} provider processes ${JSON.stringify(plugins.by)}`,
  );
  return s;
}

/** The aliases of one stack as the API holds them, by index, in the fields a program sets. */
async function aliasesOf(prefix) {
  const out = new Map();
  for (const a of await emulatorAliases(api)) {
    const m = a.key.match(/^([a-z]+)-(\d+)$/);
    if (m?.[1] !== prefix) continue;
    const { name, description, enabled, metadata, policy } = a;
    out.set(Number(m[2]), JSON.stringify({ name, description, enabled, metadata, policy }));
  }
  return out;
}

let summary;
let startUpTimes;
try {
  for (const [which, stack] of Object.entries(stacks)) {
    const config = { "agent-alias:apiUrl": proxy.url };
    if (which === "dynamic") Object.assign(config, { count: String(COUNT), prefix: PREFIX.dynamic });
    await stack.init(config, { "agent-alias:apiKey": KEY });
  }

  let compared = null;
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ["dynamic", "native"] : ["native", "dynamic"];
    const seen = {};
    for (const which of order) {
      const stack = stacks[which];
      const up = await step(`${LABEL[which]}: up from empty (round ${round + 1})`, stack, ["up", "--yes"]);
      seen[which] = await aliasesOf(PREFIX[which]);
      if (seen[which].size !== COUNT)
        throw new Error(`after the ${which} up the emulator holds ${seen[which].size} of its aliases`);
      const noop = await step(`${LABEL[which]}: no-op up (round ${round + 1})`, stack, ["up", "--yes"]);
      runs[which].up.push(up);
      runs[which].noop.push(noop);
      await stack.ok(["destroy", "--yes", "--parallel", String(PARALLEL)]);
    }
    if (round === 0) {
      const differ = [...seen.dynamic].filter(([i, a]) => seen.native.get(i) !== a).map(([i]) => i);
      compared = { aliases: COUNT, differ: differ.length, first_differing: differ.slice(0, 5) };
      if (differ.length > 0)
        console.error(`the two programs' aliases differ at ${differ.length} indexes: ${differ.slice(0, 5)}`);
    }
  }
  startUpTimes = await startUps();

  const wall = (rs) => rs.map((r) => r.wall_s);
  const ofStack = (which, kind) => {
    const rs = runs[which][kind];
    return {
      wall_s: wall(rs),
      median_s: median(wall(rs)),
      cpu_s: cpuMedians(rs),
      provider_servers: rs.map(providerServers),
      calls: { reads: rs.map((r) => r.reads), writes: rs.map((r) => r.writes) },
    };
  };
  const round2 = (x) => Math.round(x * 100) / 100;
  const ratio = (kind) => round2(median(wall(runs.native[kind])) / median(wall(runs.dynamic[kind])));
  const cpuRatio = (kind) =>
    round2(cpuMedians(runs.native[kind]).total / cpuMedians(runs.dynamic[kind]).total);
  const creates = (s) => s.writes === COUNT && s.write_kinds["POST /v2/agent_aliases"] === COUNT;
  const noWrites = (s) => s.writes === 0 && (s.engine.unchanged ?? 0) > 0;
  summary = {
    node: process.version,
    cpus: cpus().length,
    load_before: round2(loadBefore),
    load_max_during: round2(Math.max(...loads)),
    count: COUNT,
    parallel: PARALLEL,
    rounds: ROUNDS,
    steps,
    same_aliases: compared,
    up_from_empty: { dynamic: ofStack("dynamic", "up"), native: ofStack("native", "up") },
    noop_up: { dynamic: ofStack("dynamic", "noop"), native: ofStack("native", "noop") },
    ratio: { up_from_empty: ratio("up"), noop_up: ratio("noop") },
    cpu_ratio: { up_from_empty: cpuRatio("up"), noop_up: cpuRatio("noop") },
    start_up: startUpTimes,
    targets: {
      [`native up from empty: ${COUNT} creates and no other write`]: runs.native.up.every(creates),
      [`dynamic up from empty: ${COUNT} creates and no other write`]: runs.dynamic.up.every(creates),
      "native no-op up: zero writes": runs.native.noop.every(noWrites),
      "dynamic no-op up: zero writes": runs.dynamic.noop.every(noWrites),
      "the two programs make the same aliases": compared?.differ === 0,
      [`native up from empty <= ${RATIO_LIMIT}x the dynamic up from empty (medians)`]:
        ratio("up") <= RATIO_LIMIT,
      [`native no-op up <= ${RATIO_LIMIT}x the dynamic no-op up (medians)`]: ratio("noop") <= RATIO_LIMIT,
    },
  };
} finally {
  await stacks.dynamic.dispose();
  await stacks.native.dispose();
  rmSync(programDir, { recursive: true, force: true });
  await proxy.close();
  emulator.child.kill("SIGTERM");
}

// ---- the report ------------------------------------------------------------------------------
const ROLES = [
  "engine and CLI (go)",
  "language host (yaml, go)",
  "language host (go)",
  "program (node)",
  "native provider (node)",
  "dynamic provider (node)",
  "other",
  "total",
];
const kinds = (k) =>
  Object.entries(k)
    .map(([name, n]) => `${n}× ${name}`)
    .join(", ") || "none";
const engine = (e) =>
  Object.entries(e)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");

console.log("step                                             wall s   reads  writes   engine");
for (const s of summary.steps)
  console.log(
    `${s.step.padEnd(48)} ${String(s.wall_s).padStart(6)}  ${String(s.reads).padStart(6)}  ${String(s.writes).padStart(6)}   ${engine(s.engine)}`,
  );
for (const [kind, label] of [
  ["up_from_empty", "up from empty"],
  ["noop_up", "no-op up"],
]) {
  const x = summary[kind];
  console.log(
    `${label}, median of ${ROUNDS}: native ${x.native.median_s} s, dynamic ${x.dynamic.median_s} s (ratio ${summary.ratio[kind]}, CPU ratio ${summary.cpu_ratio[kind]})`,
  );
}
console.log(JSON.stringify(summary, null, 2));

if (values.record) {
  const roles = ROLES.filter((r) =>
    ["up_from_empty", "noop_up"].some((k) =>
      ["native", "dynamic"].some((w) => (summary[k][w].cpu_s[r] ?? 0) > 0),
    ),
  );
  const serversText = (p) =>
    `${p.total} (${Object.entries(p.by)
      .map(([role, k]) => `${k} by the ${role.replace(/ \(.*\)$/, "")}`)
      .join(", ")})`;
  /** One text per round, written once when every round had the same. */
  const roundsText = (texts) =>
    texts.every((t) => t === texts[0]) ? `${texts[0]} in each round` : texts.join("; ");
  const cpuRow = (label, x) =>
    `| ${label} | ${x.median_s} (${x.wall_s.join(", ")}) | ${roles.map((r) => x.cpu_s[r] ?? 0).join(" | ")} | ${roundsText(x.provider_servers.map(serversText))} |`;
  const u = summary.up_from_empty;
  const n = summary.noop_up;
  recordSection("native", [
    "## Native provider vs dynamic resources",
    "",
    `Command: \`npm run bench:native\` (= \`npm run build && node bench/native.bench.mjs --record\`; ${COUNT} aliases through the real Pulumi CLI 3.259.0, file backend, \`--parallel ${PARALLEL}\`, against the emulator in its own process behind a counting proxy: a Pulumi YAML program generated with the resources of \`test/fixtures/programs/many-aliases\` through the native plugin (\`bin/pulumi-resource-agent-alias\`, the YAML language host v1.25.0, default provider from stack config), and \`test/fixtures/programs/many-aliases\` itself through the dynamic resources; ${ROUNDS} rounds, each running both stacks in turn, the order alternating: up from empty, no-op up, destroy; ${summary.node}, ${summary.cpus} cores; load average (1 min) ${summary.load_before} when the run started, at most ${summary.load_max_during} at the start of a step). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "Wall time is the whole `pulumi` command (`up --yes` includes its preview). Calls are what the provider sent to the API: reads are GETs (`check` asks about the agents a policy names, remembered per provider process, so 2 per process that checks), writes are everything else.",
    "",
    "| step | wall s | API reads | writes | writes by kind | engine summary | load (1 min) |",
    "|---|---|---|---|---|---|---|",
    ...summary.steps.map(
      (s) =>
        `| ${s.step} | ${s.wall_s} | ${s.reads} | ${s.writes} | ${kinds(s.write_kinds)} | ${engine(s.engine)} | ${s.load_1m} |`,
    ),
    "",
    `Medians of the ${ROUNDS} rounds: wall time, CPU seconds by process (from /proc, sampled every 100 ms; the native plugin's row includes its launcher script), and the provider server processes each round's step ran (the native plugin's or the dynamic provider's Node.js process, by the process that started it):`,
    "",
    `| stack, step | wall s, median (rounds) | ${roles.join(" | ")} | provider processes |`,
    `|---|---|${roles.map(() => "---").join("|")}|---|`,
    cpuRow(`native (YAML), up from empty`, u.native),
    cpuRow(`dynamic (TypeScript), up from empty`, u.dynamic),
    cpuRow(`native (YAML), no-op up`, n.native),
    cpuRow(`dynamic (TypeScript), no-op up`, n.dynamic),
    "",
    "An `up` is two deployments, its preview and the update, and each starts its own provider processes: the engine starts the provider (the native plugin, or the dynamic provider), and for the YAML program the language host also starts the plugin to read its schema before it runs the program.",
    "",
    `Ratio of the medians, native ÷ dynamic: up from empty **${summary.ratio.up_from_empty}**, no-op up **${summary.ratio.noop_up}** (target <= ${RATIO_LIMIT}); total CPU, native ÷ dynamic: ${summary.cpu_ratio.up_from_empty} and ${summary.cpu_ratio.noop_up} (the emulator's own CPU, a separate process, is not in these figures). The two programs made the same ${COUNT} aliases (name, description, enabled, metadata, policy compared after round 1): ${summary.same_aliases?.differ === 0 ? "yes" : `no, ${summary.same_aliases?.differ} differ`}.`,
    "",
    "Start-up of a provider process alone, from spawn to the gRPC port on stdout (5 times each, after the rounds; CPU of that process by then, a launcher's own children not counted):",
    "",
    "| process | ms, median (runs) | CPU ms, median |",
    "|---|---|---|",
    ...Object.entries(summary.start_up).map(
      ([name, s]) => `| ${name} | ${s.median_ms} (${s.ms.join(", ")}) | ${s.median_cpu_ms} |`,
    ),
    "",
    "Targets (figures):",
    "",
    ...Object.entries(summary.targets).map(([k, v]) => `- ${k}: ${v ? "met" : "NOT met"}`),
  ]);
}
