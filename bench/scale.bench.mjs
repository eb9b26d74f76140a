/**
 * Scale benchmark: a stack of N aliases (default 200,
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
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { AgentAliasClient } from "../dist/client/index.js";
import {
  emulatorAliases as aliasesOf,
  benchFlags,
  cpuMedians,
  makeStack as makeStackIn,
  median,
  REPO,
  startCountingProxy,
  startEmulator,
  timedStep,
} from "./engine.mjs";
import { recordSection } from "./record.ts";

const { values, COUNT, ROUNDS, PARALLEL } = benchFlags();
const RATIO_LIMIT = 1.5;
const KEY = "scale-bench-key";

/** A stack of one of the test programs (test/fixtures/programs), helpers in bench/engine.mjs. */
const makeStack = (program, name) =>
  makeStackIn(join(REPO, "test/fixtures/programs", program), name, { parallel: PARALLEL });

// ---- the run ---------------------------------------------------------------------------------
const loadBefore = loadavg()[0];
const emulator = await startEmulator(KEY);
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
  // The server counts are native.bench.mjs's; this benchmark's figures stay as they were.
  const { servers: _, ...s } = await timedStep(label, stack, args, { proxy, parallel: PARALLEL });
  loads.push(s.load_1m);
  if (record) steps.push(s);
  console.error(`${label}: ${s.wall_s} s, ${s.calls} calls (${s.reads} reads, ${s.writes} writes)`);
  return s;
}

const emulatorAliases = () => aliasesOf(api);

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
    "Targets (scale):",
    "",
    ...Object.entries(summary.targets).map(([k, v]) => `- ${k}: ${v ? "met" : "NOT met"}`),
  ]);
}
