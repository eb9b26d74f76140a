/**
 * `agent-alias rollout` (issue 16): drives a Pulumi stack through the stages of a policy
 * file's `canary:` block with `runRollout` (src/rollout), judging each stage on the traces of
 * both agents. Progress lines go to stderr; the report to stdout as JSON, Markdown or text.
 * Exit 0 when every stage passed (or a dry run), 1 on an abort or a stop, 2 for invalid input.
 */
import { resolve } from "node:path";
import { AgentAliasClient } from "../client/client.js";
import { canaryPlanOfDocument, parseDuration } from "../policy/index.js";
import { rolloutHuman, rolloutMarkdown } from "../rollout/report.js";
import { clientTraceReader, type RolloutOptions, runRollout } from "../rollout/runner.js";
import { automationStack, PROVIDER_API_KEYS, type RolloutStack } from "../rollout/stack.js";
import { COMMAND_FLAGS, COMMAND_FORMATS, outputFormat, parseFlags, usageError, writeHelp } from "./args.js";
import { readDataFile } from "./files.js";
import { type CliIO, EXIT, InputError, writeJson } from "./io.js";

export const ROLLOUT_HELP = `Usage: agent-alias rollout --stack S --policy FILE [--cwd DIR] [--config-key K]
                         [--config-file FILE] [--interval 10s] [--dry-run]
                         [--resume | --from-stage NAME] [--json] [--format human|json|markdown]
                         [--api-url-config KEY] [--api-key-config KEY]

Drives the Pulumi stack S of the project in --cwd (default: the working directory) through
the stages of the policy file's canary: block (from, to, stages with hold and gates). For
each stage: set the stage in stack config (--config-key, default canaryStage, so
Pulumi.<S>.yaml shows where the rollout is), pulumi up, then every --interval read the
traces of both agents since the stage took effect and judge the gates:
  - every gate passes once the hold is over: the next stage; the last one done: exit 0;
  - a gate fails (max_failed_checks checks in a row), or too few traces after hold +
    max_wait (inconclusive): set the last stage that passed (else the first stage that
    sends the canary nothing, else the first stage), up, exit 1 with one line that names
    the gate, the figures and the window;
  - a failed trace read is retried and never a verdict.
The program must read its stage from the config key and use the same stage table as the
policy file (e.g. canaryPolicy({... current: config.get("canaryStage")}) with the same
stages); the policy's current: is where a rollout starts unless --resume (the stage in
stack config) or --from-stage NAME. The first stage, when stack config already holds it and
its up changes nothing, counts its hold from when it took effect by the stack's update
history (and waits at least max_wait from the start before too few traces is inconclusive).
A check that would pass or abort reads the stage's whole window again and decides on that.
--dry-run reads the stack config and prints the plan; it changes nothing.
Traces are read with the stack's provider config (agent-alias:apiUrl, agent-alias:apiKey),
else AGENT_ALIAS_API_URL and VECTARA_API_KEY. A program with an explicit provider on its
own config keys names them: --api-url-config apiUrl --api-key-config apiKey (a key
without a namespace is the project's).
--json prints {status, exit_code, message, config_key, from, to, initial_stage,
start_stage, final_stage, reverted_to, stages: [{name, weights, watched, hold_ms,
max_wait_ms, window: {start, end}, resumed, outcome, checks: [{at, elapsed_ms, verdict, message,
baseline, canary, read_error?}], verdict}]}; --format markdown a report with a timeline
table and a Mermaid chart (for a pull request or a CI job summary).`;

/** Test seams of the command: the stack, the traces, the clock (all default to the real ones). */
export interface RolloutSeams {
  stack?: RolloutStack;
  traces?: RolloutOptions["traces"];
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Environment for the client (default process.env). */
  env?: Record<string, string | undefined>;
}

function parseInterval(text: string | undefined): number {
  if (text === undefined) return 10_000;
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1)
    throw usageError("rollout", `--interval must be a duration like 10s or 500ms; got '${text}'`);
  return ms;
}

export async function rolloutCommand(argv: string[], io: CliIO, seams: RolloutSeams = {}): Promise<number> {
  const { values, positionals } = parseFlags(argv, COMMAND_FLAGS.rollout);
  if (values.help) return writeHelp(io, ROLLOUT_HELP);
  if (positionals.length > 0) throw usageError("rollout", `unexpected argument '${positionals[0]}'`);
  if (values.stack === undefined) throw usageError("rollout", "--stack is required");
  if (values.policy === undefined) throw usageError("rollout", "--policy is required");
  if (values.resume && values["from-stage"] !== undefined)
    throw usageError("rollout", "give --resume or --from-stage, not both");
  const format = outputFormat(values, io, COMMAND_FORMATS.rollout);
  const intervalMs = parseInterval(values.interval);
  const cwd = io.cwd ?? process.cwd();
  const doc = await readDataFile(values.policy, cwd);
  const planned = canaryPlanOfDocument(doc);
  if (!planned.ok) {
    throw new InputError(`${values.policy}:\n${planned.issues.map((i) => `  ${i.message}`).join("\n")}`);
  }
  const configKey = values["config-key"] ?? "canaryStage";
  let result: Awaited<ReturnType<typeof runRollout>>;
  try {
    const stack =
      seams.stack ??
      (await automationStack({
        stack: values.stack,
        workDir: resolve(cwd, values.cwd ?? "."),
        configKey,
        ...(values["config-file"] !== undefined ? { configFile: resolve(cwd, values["config-file"]) } : {}),
      }));
    let traces = seams.traces;
    if (traces === undefined && !values["dry-run"]) {
      const api = await stack.apiConfig({
        apiUrl: values["api-url-config"] ?? PROVIDER_API_KEYS.apiUrl,
        apiKey: values["api-key-config"] ?? PROVIDER_API_KEYS.apiKey,
      });
      // A key named on the command line must be there: no silent fall-back to the environment.
      for (const [flag, value] of [
        ["api-url-config", api.apiUrl],
        ["api-key-config", api.apiKey],
      ] as const) {
        const key = values[flag];
        if (key !== undefined && value === undefined)
          throw new InputError(`--${flag} ${key}: stack '${values.stack}' has no config '${key}'`);
      }
      const client = new AgentAliasClient({
        ...(api.apiUrl !== undefined ? { baseUrl: api.apiUrl } : {}),
        ...(api.apiKey !== undefined ? { apiKey: api.apiKey } : {}),
        env: seams.env ?? process.env,
      });
      traces = clientTraceReader(client);
    }
    result = await runRollout({
      plan: planned.plan,
      stack,
      traces,
      configKey,
      intervalMs,
      dryRun: values["dry-run"] ?? false,
      resume: values.resume ?? false,
      fromStage: values["from-stage"],
      clock: seams.clock,
      sleep: seams.sleep,
      progress: (line) => io.stderr.write(`rollout: ${line}\n`),
    });
  } catch (e) {
    if ((e as { code?: unknown }).code === "invalid_input")
      throw new InputError(`rollout: ${(e as Error).message}`);
    if ((e as { code?: unknown }).code === "stack_failed") {
      io.stderr.write(`agent-alias rollout: ${(e as Error).message}\n`);
      return EXIT.failure;
    }
    throw e;
  }
  if (format === "json") writeJson(io, result);
  else if (format === "markdown") io.stdout.write(rolloutMarkdown(result));
  else io.stdout.write(rolloutHuman(result));
  if (result.status !== "completed" && result.status !== "dry_run")
    io.stderr.write(`agent-alias rollout: ${result.message}\n`);
  return result.exit_code === 0 ? EXIT.ok : EXIT.failure;
}
