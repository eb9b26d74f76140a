/**
 * Large stacks: how `pulumi up` from empty grows with the number of aliases (default 200,
 * 1,000 and 2,000) through both doors (the dynamic resources, test/fixtures/programs/
 * many-aliases; the native plugin, the same resources as a generated Pulumi YAML program), with
 * the file backend's checkpoints (the state rewritten after every step) and with
 * `PULUMI_SKIP_CHECKPOINTS=true` (written once, at the end), against the emulator in its own
 * process behind a counting proxy. Each case is a fresh stack: up from empty (timed: wall
 * time, the API calls, the engine's summary, CPU seconds by process from /proc, the size of
 * the state), then a destroy (not timed, skipping checkpoints). One run per case: the largest
 * without skipped checkpoints takes minutes. Growth is reported per alias and as the ratio of
 * each size's time to the previous size's, against the ratio of their sizes (linear growth).
 * Targets: every up makes exactly N creates and no other write.
 *
 *   npm run bench:large                                  # builds, then runs this with --record
 *   npm run build && node bench/large.bench.mjs [--counts 200,1000,2000] [--doors dynamic,native] [--parallel 8] [--record]
 *
 * Needs the Pulumi CLI and its YAML language host set up (npm run setup:pulumi). Long: run it
 * in the background with a log (`nohup npm run bench:large > large.log 2>&1 &`).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { AgentAliasClient } from "../dist/client/index.js";
import {
  BENCH_AGENTS,
  makeStack,
  nativeYamlProgram,
  REPO,
  startCountingProxy,
  startEmulator,
  timedStep,
} from "./engine.mjs";
import { recordSection } from "./record.ts";

const { values } = parseArgs({
  options: {
    counts: { type: "string", default: "200,1000,2000" },
    doors: { type: "string", default: "dynamic,native" },
    modes: { type: "string", default: "checkpoints,skip" },
    parallel: { type: "string", default: "8" },
    record: { type: "boolean", default: false },
  },
});
const COUNTS = values.counts.split(",").map(Number);
const DOORS = values.doors.split(",");
const MODES = values.modes.split(",");
const PARALLEL = Number(values.parallel);
const KEY = "large-bench-key";
const TS_PROGRAM = join(REPO, "test/fixtures/programs/many-aliases");
const LABEL = { dynamic: "dynamic (TypeScript)", native: "native (YAML)" };
const MODE = { checkpoints: "a checkpoint per step", skip: "PULUMI_SKIP_CHECKPOINTS=true" };
const ENV = { checkpoints: {}, skip: { PULUMI_SKIP_CHECKPOINTS: "true" } };

const loadBefore = loadavg()[0];
const emulator = await startEmulator(KEY);
const proxy = await startCountingProxy(emulator.url);
const api = new AgentAliasClient({ baseUrl: emulator.url, apiKey: KEY, env: {} });
for (const key of BENCH_AGENTS) await api.createAgent({ key, name: key });

const results = [];
const folders = [];
try {
  for (const count of COUNTS) {
    const yamlDir = mkdtempSync(join(tmpdir(), "agent-alias-large-program-"));
    folders.push(yamlDir);
    writeFileSync(join(yamlDir, "Pulumi.yaml"), nativeYamlProgram(count, "nat"));
    for (const door of DOORS) {
      for (const mode of MODES) {
        const name = `large-${door}-${count}-${mode}`;
        const stack = makeStack(door === "dynamic" ? TS_PROGRAM : yamlDir, name, {
          parallel: PARALLEL,
          tmpPrefix: "agent-alias-large-",
          // 2,000 aliases with a checkpoint per step take many minutes, more on a busy machine.
          timeoutMs: 3 * 60 * 60_000,
        });
        try {
          const config = { "agent-alias:apiUrl": proxy.url };
          if (door === "dynamic") Object.assign(config, { count: String(count), prefix: "dyn" });
          await stack.init(config, { "agent-alias:apiKey": KEY });
          const s = await timedStep(
            `${LABEL[door]}, ${count} aliases, ${MODE[mode]}`,
            stack,
            ["up", "--yes"],
            {
              proxy,
              parallel: PARALLEL,
              env: ENV[mode],
            },
          );
          const cpu = s.cpu_s ?? {};
          const total = Object.values(cpu).reduce((x, y) => x + y, 0);
          const result = {
            door,
            count,
            mode,
            wall_s: s.wall_s,
            ms_per_alias: Math.round((s.wall_s * 1000) / count),
            writes: s.writes,
            creates: s.write_kinds["POST /v2/agent_aliases"] ?? 0,
            created: s.engine.created ?? 0,
            cpu_engine_s: cpu["engine and CLI (go)"] ?? 0,
            cpu_provider_s: (cpu["native provider (node)"] ?? 0) + (cpu["dynamic provider (node)"] ?? 0),
            cpu_program_s: (cpu["program (node)"] ?? 0) + (cpu["language host (yaml, go)"] ?? 0),
            cpu_total_s: Math.round(total * 100) / 100,
            state_mb: Math.round((stack.stateBytes() / 1024 / 1024) * 10) / 10,
            load_1m: s.load_1m,
          };
          results.push(result);
          console.error(
            `${s.step}: ${s.wall_s} s (${result.ms_per_alias} ms an alias), ${s.writes} writes, engine CPU ${result.cpu_engine_s} s, provider CPU ${result.cpu_provider_s} s, state ${result.state_mb} MB`,
          );
        } finally {
          await stack.dispose();
        }
      }
    }
  }
} finally {
  await proxy.close();
  emulator.child.kill("SIGTERM");
  for (const f of folders) rmSync(f, { recursive: true, force: true });
}

/** Each result with the ratio of its time to the previous size's (same door and mode), and of the sizes. */
const withGrowth = results.map((r) => {
  const smaller = results.filter((x) => x.door === r.door && x.mode === r.mode && x.count < r.count).at(-1);
  return {
    ...r,
    growth: smaller === undefined ? null : Math.round((r.wall_s / smaller.wall_s) * 100) / 100,
    size_ratio: smaller === undefined ? null : r.count / smaller.count,
  };
});
const targets = {};
for (const r of withGrowth)
  targets[`${LABEL[r.door]}, ${r.count} aliases, ${MODE[r.mode]}: ${r.count} creates and no other write`] =
    r.writes === r.count && r.creates === r.count;
const summary = {
  node: process.version,
  cpus: cpus().length,
  load_before: Math.round(loadBefore * 100) / 100,
  parallel: PARALLEL,
  results: withGrowth,
  targets,
};
console.log(JSON.stringify(summary, null, 2));

if (values.record) {
  const row = (r) =>
    `| ${LABEL[r.door]} | ${r.count} | ${MODE[r.mode]} | ${r.wall_s} | ${r.ms_per_alias} | ${r.growth === null ? "" : `${r.growth}× (${r.size_ratio}× the aliases)`} | ${r.cpu_engine_s} | ${r.cpu_provider_s} | ${r.cpu_program_s} | ${r.cpu_total_s} | ${r.state_mb} | ${r.creates} / ${r.writes} | ${r.load_1m} |`;
  const sorted = [...withGrowth].sort(
    (a, b) => a.door.localeCompare(b.door) || a.mode.localeCompare(b.mode) || a.count - b.count,
  );
  const of = (door, mode, count) =>
    withGrowth.find((r) => r.door === door && r.mode === mode && r.count === count);
  const saving = [];
  for (const door of DOORS)
    for (const count of COUNTS) {
      const full = of(door, "checkpoints", count);
      const skip = of(door, "skip", count);
      if (full && skip)
        saving.push(
          `${LABEL[door]}, ${count}: ${full.wall_s} s → ${skip.wall_s} s (${Math.round((skip.wall_s / full.wall_s) * 100)}%)`,
        );
    }
  recordSection("large", [
    "## Large stacks",
    "",
    `Command: \`npm run bench:large\` (= \`npm run build && node bench/large.bench.mjs --record\`; \`pulumi up --yes --parallel ${PARALLEL}\` from empty of ${COUNTS.join(", ")} aliases through the real Pulumi CLI 3.259.0 with the file backend, each a fresh stack, through both doors: \`test/fixtures/programs/many-aliases\` (the dynamic resources) and the same resources as a generated Pulumi YAML program (the native plugin), once with a checkpoint per step (the default) and once with \`PULUMI_SKIP_CHECKPOINTS=true\`; against the emulator in its own process behind a counting proxy; one run each; ${summary.node}, ${summary.cpus} cores; load average (1 min) ${summary.load_before} when the run started). Recorded ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "Wall time is the whole `pulumi up` (its preview included). Growth: the time over the previous size's time, beside the ratio of the sizes (linear growth would match it). CPU seconds from /proc by process: the engine and CLI (Go), the provider (the native plugin or the dynamic provider), the program (the Node.js program, or the YAML language host). State: the checkpoint file at the end.",
    "",
    "| door | aliases | checkpoints | wall s | ms per alias | growth | engine CPU s | provider CPU s | program CPU s | total CPU s | state MB | creates / writes | load (1 min) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...sorted.map(row),
    "",
    `With PULUMI_SKIP_CHECKPOINTS=true: ${saving.join("; ")}.`,
    "",
    "Why: with the file backend the engine rewrites the whole checkpoint after every step, so an up of N resources writes N checkpoints of up to N resources each: the engine's work grows with N², and past a few hundred aliases it dominates (the provider's own CPU stays linear). `PULUMI_SKIP_CHECKPOINTS=true` writes the state once, at the end. What it costs: a crash or `kill -9` mid-update keeps none of the update's steps in the state (and, as any killed run, leaves the stack locked: `pulumi cancel` lets go); the next `pulumi up` meets the aliases it had created as existing ones and takes each over as its own lost create (they are identical to what it declares), so it converges with no duplicate and no error (test/engine/skip-checkpoints-crash.test.ts); an alias whose declared fields changed meanwhile needs `adopt: true`, and resources of other providers in the same stack may not recover as gracefully.",
    "",
    "Targets (large stacks):",
    "",
    ...Object.entries(targets).map(([k, v]) => `- ${k}: ${v ? "met" : "NOT met"}`),
  ]);
}
