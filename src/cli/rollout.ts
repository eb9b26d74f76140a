/**
 * `agent-alias rollout`: drives a Pulumi stack through the stages of a policy file's `canary:`
 * block with `runRollout` (src/rollout), from where the alias is, judging each stage on the
 * traces of the canary rule's own sessions. Progress lines go to stderr; the report to stdout
 * as text, JSON or Markdown. Exit 0 when every stage passed, the alias was complete already, or
 * a dry run; 1 on an abort, a stop, a failure or a stack held by another rollout; 2 for invalid
 * input or a run refused as asked (it would move users back); 130 when interrupted.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { configKey, SETTING_NAMES, SETTINGS } from "../client/settings.js";
import { canaryPlanOfDocument } from "../policy/index.js";
import { clientRolloutApi, type RolloutApi } from "../rollout/api.js";
import { eventLine, type RolloutEvent } from "../rollout/events.js";
import { Interrupts } from "../rollout/interrupts.js";
import { rolloutHuman, rolloutMarkdown } from "../rollout/report.js";
import type { RolloutResult } from "../rollout/report-types.js";
import { runRollout } from "../rollout/runner.js";
import { automationStack, type RolloutStack } from "../rollout/stack.js";
import { mirroredTags } from "../rollout/steer-run.js";
import {
  COMMAND_FORMATS,
  commandFlags,
  durationFlag,
  outputHelp,
  portFlag,
  settingFlag,
  usageError,
  writeHelp,
} from "./args.js";
import { type Dashboard, once, startDashboard } from "./dashboard.js";
import { readDataFile } from "./files.js";
import { type CliIO, EXIT, InputError, writeJson } from "./io.js";
import { type LiveView, liveView } from "./live.js";
import {
  ROLLOUT_VERBS,
  type RolloutVerb,
  rolloutSteerCommand,
  type SteerSeams,
  tagsView,
} from "./rollout-steer.js";
import { stackClient } from "./stack-client.js";

export const ROLLOUT_HELP = `Usage: agent-alias rollout --stack S --policy FILE [--cwd DIR] [--alias KEY]
                         [--config-key K] [--config-file FILE] [--interval 10s]
                         [--from-stage NAME [--allow-back]] [--dry-run] [--resume]
                         [--events FILE] [--show-up] [--up-log FILE] [--serve [--port N]]
                         [--json] [--format human|json|markdown]
                         ${SETTING_NAMES.map((n) => `[--${settingFlag(n)} KEY]`).join("\n                         ")}

Drives the Pulumi stack S of the project in --cwd (default: the working directory) through
the stages of the policy file's canary: block (from, to, stages with hold and gates).

Where it starts: where the alias is. The policy the API serves for the alias (the file's
key:, or --alias KEY) is mapped onto the stage table (a split of 50/50 is the 50/50 stage;
everything on \`from\` is the first stage), whatever stack config or the file's current: say
(a line says so when they disagree). An alias at the last stage is done: exit 0, "already
complete", no up. An alias that serves no stage of the table is refused (exit 2) unless
--from-stage NAME says where to go. --from-stage may move on from where the alias is; a
stage that would send users of \`to\` back to \`from\` is refused (exit 2) unless
--allow-back, and the report then says who moves. --resume is accepted for older scripts:
starting where the alias is, is what every run does.

Each stage: set the stage in stack config (--config-key, default canaryStage, so
Pulumi.<S>.yaml shows where the rollout is), pulumi up (recorded in the stack's history),
read what the API serves, then every --interval judge the gates:
  - every gate passes once the hold is over: the next stage; the last one done: exit 0;
  - a gate fails (max_failed_checks checks in a row), or too few traces after hold +
    max_wait (inconclusive): revert to the last stage that passed (else the first stage
    that sends the canary nothing, else the first stage), up, exit 1 with one line that
    names the gate, the figures and the window;
  - a failed read is retried and never a verdict.
What a gate reads: the traces of sessions created through the alias since the stage took
effect and routed by the canary rule (re-resolved with the stage's policy, so a canary
limited by match: is compared with the same cohort on \`from\`), joined by session_key.
The alias's sessions are read as they come (an API that lists them oldest first is read
through once at the first check).
Traces of other aliases, of sessions made directly on an agent, of other rules, and of
sessions from before the stage are left out and counted in the report. A trace without
session_key cannot be joined: it is counted by agent, and the report says so.
The first stage, when the alias already serves it and its up changes nothing, counts its
hold from when it took effect by the stack's update history.

One rollout per stack: the rollout keeps a record in the stack's tags (agent-alias:rollout,
kept by the backend); a second one refuses (exit 1), naming the holder and since when.
A failed up shows the engine's own diagnostic (a locked stack: by whom, since when, and
\`pulumi cancel\`), and leaves stack config at the stage the API serves. Ctrl-C or SIGTERM
stops the running up cleanly (no lock is left) and prints the command that resumes; during
a revert the revert is finished first (interrupt again to stop it). A revert that failed or
was killed is finished by the next run, never by deploying the failed stage again.
--dry-run reads the stack and the API and says what the run would do; it changes nothing,
and exits as the run would when it would refuse (2) or find the stack held (1), else 0.

While it runs: progress lines on stderr, and on a terminal a panel below them redrawn after
each check (stage, weights, hold left, each agent's figures, each gate against its bound, the
next step). --events FILE writes each step as a JSON line (stage_set, up_done, check, pause,
resume, promote, abort, verdict, end), for a CI job to forward; --show-up shows each up's
output on stderr, --up-log FILE keeps it. --serve serves the dashboard of this run on
loopback while it runs (--port N, default a free one; its URL is the first progress line),
as \`agent-alias rollout dashboard\` does from elsewhere. The rollout publishes its status in
the stack's tags after each check and acts on commands sent there at its next check:
  agent-alias rollout status --stack S [--watch]       from any machine with the stack
  agent-alias rollout pause|resume|promote|abort --stack S [--reason TEXT]
(agent-alias rollout status --help says more).

The program must read its stage from the config key and use the same stage table as the
policy file (e.g. canaryPolicy({... current: config.get("canaryStage")}) with the same
stages): after each up the API must serve that stage's policy.
Traces are read with the stack's provider config, each setting from its key, else its
environment variable:
${SETTING_NAMES.map((n) => `  ${configKey(n).padEnd(26)} ${SETTINGS[n].env}`).join("\n")}
A program with an explicit provider on its own config keys names them, e.g.
--api-url-config apiUrl --api-key-config apiKey (a key without a namespace is the
project's).
--json prints {status, exit_code, message, config_key, alias_key, from, to, initial_stage,
initial_deployed, start_stage, notes, final_stage, deployed_stage, reverted_to, moved_back?,
stages: [{name, weights, watched, hold_ms, max_wait_ms, window: {start, end}, resumed,
outcome, checks: [{at, elapsed_ms, verdict, message, baseline, canary, left_out, unjoined,
api_calls, read_error?, steering?, bounds}], verdict}], steered?: [{verb, by, at, stage,
reason, force}], up_log?}; --format markdown a report with a table of stages, one of each
agent's figures, and a Mermaid chart per gate (for a pull request or a CI job summary).
${outputHelp(COMMAND_FORMATS.rollout)}`;

/** Test seams of the command: the stack, the API, the clock (all default to the real ones). */
export interface RolloutSeams {
  stack?: RolloutStack;
  api?: RolloutApi;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Environment for the client (default process.env). */
  env?: Record<string, string | undefined>;
  /** Interrupts of the run (default: SIGINT and SIGTERM of this process). */
  interrupts?: Interrupts;
  /** Seams of the status and steering subcommands. */
  steer?: SteerSeams;
}

/** The command that resumes an interrupted run: the same, without a move or a dry run. */
function resumeCommand(argv: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--dry-run" || a === "--allow-back" || a === "--resume") continue;
    if (a === "--from-stage") {
      i++;
      continue;
    }
    if (a.startsWith("--from-stage=")) continue;
    out.push(/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  }
  return `agent-alias rollout ${out.join(" ")}`;
}

/** SIGINT/SIGTERM to `interrupts` while `run` runs. */
async function withSignals<T>(interrupts: Interrupts, io: CliIO, run: () => Promise<T>): Promise<T> {
  const onSignal = (signal: NodeJS.Signals) => {
    io.stderr.write(
      `agent-alias rollout: ${signal}: stopping cleanly (the running up is cancelled, no lock is left)\n`,
    );
    interrupts.interrupt();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await run();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

export async function rolloutCommand(
  argv: string[],
  io: CliIO,
  seams: RolloutSeams = {},
  only?: "abort" | "promote",
): Promise<number> {
  const verb = argv[0];
  if (verb !== undefined && (ROLLOUT_VERBS as readonly string[]).includes(verb))
    return rolloutSteerCommand(verb as RolloutVerb, argv.slice(1), io, {
      ...seams.steer,
      // abort and promote with no rollout running: one stage deployed by this command.
      direct: (args, what) => rolloutCommand(args, io, seams, what),
    });
  const { values, positionals, format: formatOf } = commandFlags(argv, "rollout");
  if (values.help) return writeHelp(io, ROLLOUT_HELP);
  if (positionals.length > 0) throw usageError(`unexpected argument '${positionals[0]}'`);
  if (values.stack === undefined) throw usageError("--stack is required");
  if (values.policy === undefined) throw usageError("--policy is required");
  if (values.resume && values["from-stage"] !== undefined)
    throw usageError("give --resume or --from-stage, not both");
  if (values["allow-back"] && values["from-stage"] === undefined)
    throw usageError("--allow-back goes with --from-stage NAME (the stage to move back to)");
  if (values.port !== undefined && !values.serve) throw usageError("--port goes with --serve");
  const format = formatOf();
  const intervalMs = durationFlag("interval", values.interval, 10_000);
  const port = portFlag(values.port);
  const cwd = io.cwd ?? process.cwd();
  const doc = await readDataFile(values.policy, { cwd, ...(io.stdin ? { stdin: io.stdin } : {}) });
  const planned = canaryPlanOfDocument(doc);
  if (!planned.ok) {
    throw new InputError(`${values.policy}:\n${planned.issues.map((i) => `  ${i.message}`).join("\n")}`);
  }
  const fileKey = (doc as { key?: unknown }).key;
  const aliasKey = values.alias ?? (typeof fileKey === "string" ? fileKey : undefined);
  if (aliasKey === undefined)
    throw usageError(`${values.policy} has no key: give the alias the program deploys with --alias KEY`);
  const configKey = values["config-key"] ?? "canaryStage";
  const live = liveView(io.stderr);
  const outputs = runOutputs(values, cwd, live);
  let result: RolloutResult;
  let board: Dashboard | undefined;
  try {
    const opened =
      seams.stack ??
      (await automationStack({
        stack: values.stack,
        workDir: resolve(cwd, values.cwd ?? "."),
        configKey,
        ...(values["config-file"] !== undefined ? { configFile: resolve(cwd, values["config-file"]) } : {}),
        ...(outputs.upOutput ? { upOutput: outputs.upOutput } : {}),
      }));
    const client = seams.api ? undefined : await stackClient(opened, values, seams.env ?? process.env);
    const api = seams.api ?? clientRolloutApi(client!);
    let stack = opened;
    if (values.serve) {
      // The page shows what the run writes to the stack's tags, from memory: no extra reads.
      const mirror = mirroredTags(opened);
      stack = mirror.stack;
      const clock = seams.clock ?? Date.now;
      board = await startDashboard({
        source: async () => tagsView(mirror.tags(), clock()),
        stack: values.stack,
        everyMs: 1000,
        port,
        clock,
        ...(client ? { emulator: () => client.emulatorStats() } : {}),
        onEmulatorError: once((e) =>
          live.line(`rollout: dashboard: cannot read the API's statistics: ${e.message}`),
        ),
      });
      live.line(`rollout: dashboard: ${board.url}`);
    }
    const interrupts = seams.interrupts ?? new Interrupts();
    const run = () =>
      runRollout({
        plan: planned.plan,
        aliasKey,
        stack,
        api,
        configKey,
        intervalMs,
        dryRun: values["dry-run"] ?? false,
        fromStage: values["from-stage"],
        allowBack: values["allow-back"] ?? false,
        only,
        interrupts,
        clock: seams.clock,
        sleep: seams.sleep,
        progress: (line) => live.line(`rollout: ${line}`),
        event: outputs.event,
        onStatus: (s) => live.status(s),
      });
    result = seams.interrupts ? await run() : await withSignals(interrupts, io, run);
    live.close();
    if (values["up-log"] !== undefined) result = { ...result, up_log: resolve(cwd, values["up-log"]) };
  } catch (e) {
    if ((e as { code?: unknown }).code === "invalid_input") throw new InputError((e as Error).message);
    if ((e as { code?: unknown }).code === "stack_failed") {
      io.stderr.write(`agent-alias rollout: ${(e as Error).message}\n`);
      return EXIT.failure;
    }
    throw e;
  } finally {
    await board?.close();
  }
  if (format === "json") writeJson(io, result);
  else if (format === "markdown") io.stdout.write(rolloutMarkdown(result));
  else io.stdout.write(rolloutHuman(result));
  if (result.exit_code !== 0) io.stderr.write(`agent-alias rollout: ${result.message}\n`);
  if (result.status === "interrupted" || result.status === "error")
    io.stderr.write(`agent-alias rollout: to go on from where the alias is: ${resumeCommand(argv)}\n`);
  return result.exit_code;
}

/** Where a run's events (`--events FILE`, JSON lines) and its ups' output (`--show-up`, `--up-log FILE`) go. */
function runOutputs(
  values: { events?: string | undefined; "show-up"?: boolean | undefined; "up-log"?: string | undefined },
  cwd: string,
  live: LiveView,
): { event?: (e: RolloutEvent) => void; upOutput?: (text: string) => void } {
  const out: { event?: (e: RolloutEvent) => void; upOutput?: (text: string) => void } = {};
  if (values.events !== undefined) {
    const file = resolve(cwd, values.events);
    writeFileSync(file, "");
    out.event = (e) => appendFileSync(file, `${eventLine(e, Date.now())}\n`);
  }
  const log = values["up-log"] === undefined ? undefined : resolve(cwd, values["up-log"]);
  if (log !== undefined) writeFileSync(log, "");
  if (values["show-up"] || log !== undefined) {
    let partial = "";
    out.upOutput = (text) => {
      if (log !== undefined) appendFileSync(log, text);
      if (!values["show-up"]) return;
      const lines = (partial + text).split("\n");
      partial = lines.pop()!;
      for (const l of lines) live.line(`  up| ${l}`);
    };
  }
  return out;
}
