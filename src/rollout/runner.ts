/**
 * `runRollout`: drives a stack through the stages of a canary plan (issue 16). For each stage
 * from the start: set the stage in stack config, `up`, then check every `intervalMs` the
 * traces of both agents since the stage took effect (`evaluateGates`), until `nextState` says
 * advance (the next stage; after the last one, `completed`, exit 0) or abort (set the revert
 * stage, `up`, `aborted`, exit 1, the one-line message of `describeVerdict`).
 *
 * - The stage table is the plan's (a policy file's `canary:` block); the program must read its
 *   stage from the config key and use the same table, or the weights judged are not those served.
 * - Where it starts: `fromStage`; else with `resume` the stage in stack config; else the plan's
 *   `current`. The first stage is `up`-ed again (a no-op when deployed); when it is the stage
 *   config already held and that `up` changed nothing, it has been in effect since the stack's
 *   history says (`stageSince`): the hold, max wait and trace window count from then
 *   (`resumed: true` in its report), so a rollout killed during a hold does not hold again;
 *   too few traces is inconclusive no sooner than `max_wait` after the resume.
 * - Where an abort reverts to: the last stage that passed in this run, else the plan's
 *   `baseline` (the first stage sending the canary nothing), else the first stage; when that is
 *   the failing stage itself, nothing is reverted and the message says so.
 * - A stage that sends the canary nothing (`watched: false`) is deployed and not judged.
 * - Reading traces: each check reads only what came since the last one, going back a little
 *   for traces listed late (`TraceWindow`); a check that would pass or abort reads the whole
 *   window again and decides on that. Each read is retried (`readAttempts`, then at the next
 *   check); a failed read is never a verdict. After `maxReadFailures` failed checks in a row the rollout stops where it
 *   is (`stopped`, exit 1, nothing reverted).
 * - `dryRun`: reads the stack config only, and reports the stages it would run.
 * Never throws for a verdict; a failing Pulumi command ends the rollout as `error` (exit 1).
 */
import type { AgentAliasClient } from "../client/client.js";
import type { CanaryPlan, PlannedStage } from "../policy/index.js";
import { initialCheckState, nextState } from "./checks.js";
import {
  type AgentFigures,
  describeVerdict,
  evaluateGates,
  formatDuration,
  type GateEvaluation,
} from "./gates.js";
import type { RolloutStack } from "./stack.js";
import { type ApiTrace, TraceWindow } from "./traces.js";

/** Reads the traces of one agent with `start <= started_at < end` (ms since the epoch). */
export type TraceReader = (query: {
  agentKey: string;
  start: number;
  end: number;
}) => Promise<readonly ApiTrace[]>;

/** A TraceReader over the client: every page of `GET /v2/agent_analytics/traces`. */
export function clientTraceReader(client: AgentAliasClient): TraceReader {
  return async ({ agentKey, start, end }) => {
    const out: ApiTrace[] = [];
    for await (const t of client.allTraces({
      agent_key: agentKey,
      started_after: new Date(start),
      started_before: new Date(end),
    }))
      out.push(t);
    return out;
  };
}

export interface RolloutOptions {
  plan: CanaryPlan;
  /** The stack; required unless `dryRun` (then it is only read). */
  stack: RolloutStack;
  /** Reads traces; required unless `dryRun`. */
  traces?: TraceReader | undefined;
  /** The config key the program reads its stage from (for messages; the stack sets it). Default `canaryStage`. */
  configKey?: string | undefined;
  /** Time between checks (default 10 s). */
  intervalMs?: number | undefined;
  dryRun?: boolean | undefined;
  resume?: boolean | undefined;
  fromStage?: string | undefined;
  /** Attempts of one read before the check counts as failed to read (default 3). */
  readAttempts?: number | undefined;
  /** Checks in a row that could not read the traces before the rollout stops (default 30). */
  maxReadFailures?: number | undefined;
  /** ms since the epoch (default Date.now). */
  clock?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** One line per step and per check, for a terminal. */
  progress?: ((line: string) => void) | undefined;
}

/** An agent's figures in a report (snake_case like the other JSON outputs). */
export interface AgentReport {
  agent_key: string;
  traces: number;
  errors: number;
  error_rate: number | null;
  p95_ms: number | null;
}

export interface CheckReport {
  at: string;
  elapsed_ms: number;
  /** null when the traces could not be read (`read_error` says why). */
  verdict: GateEvaluation["verdict"] | null;
  message: string;
  baseline?: AgentReport;
  canary?: AgentReport;
  read_error?: string;
}

export interface StageReport {
  name: string;
  index: number;
  weights: readonly [number, number];
  watched: boolean;
  hold_ms: number;
  max_wait_ms: number;
  /** When the stage took effect (after its `up`, or by the stack's history when resumed) and when its last check ran. */
  window: { start: string; end: string | null };
  /** The stage was already in effect when the rollout started: its window starts when it took effect. */
  resumed: boolean;
  outcome: "passed" | "deployed" | "failed" | "inconclusive" | "stopped" | "planned";
  checks: CheckReport[];
  /** The last verdict's line. */
  verdict: string | null;
}

export type RolloutStatus = "completed" | "aborted" | "stopped" | "error" | "dry_run";

export interface RolloutResult {
  status: RolloutStatus;
  exit_code: 0 | 1;
  /** One line: the abort's verdict, or what happened. */
  message: string;
  config_key: string;
  from: string;
  to: string;
  /** The stage config held before the rollout (undefined: unset). */
  initial_stage: string | null;
  start_stage: string;
  /** The stage in config when the rollout ended. */
  final_stage: string | null;
  reverted_to: string | null;
  stages: StageReport[];
  /** For a dry run: what it would do, one line each. */
  actions?: string[];
}

const figures = (f: AgentFigures): AgentReport => ({
  agent_key: f.agentKey,
  traces: f.traces,
  errors: f.errors,
  error_rate: f.errorRate,
  p95_ms: f.p95Ms,
});

const iso = (ms: number) => new Date(ms).toISOString();
const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!;

/** Where a rollout starts, or why it cannot (an unknown stage name). */
function startIndex(
  plan: CanaryPlan,
  options: RolloutOptions,
  configStage: string | undefined,
): number | string {
  const find = (name: string) => plan.stages.findIndex((s) => s.name === name);
  const names = plan.stages.map((s) => s.name).join(", ");
  if (options.fromStage !== undefined) {
    const i = find(options.fromStage);
    return i >= 0 ? i : `--from-stage: unknown stage '${options.fromStage}'; the stages are ${names}`;
  }
  if (options.resume) {
    if (configStage === undefined) return "--resume: the stack config has no stage to resume from";
    const i = find(configStage);
    return i >= 0 ? i : `--resume: the stack config's stage '${configStage}' is not in the plan (${names})`;
  }
  return find(plan.current);
}

function describeStage(s: PlannedStage): string {
  const w = `${s.weights[0]}/${s.weights[1]}`;
  if (!s.watched) return `${s.name} (${w}): set, up; not judged (no canary traffic)`;
  const g = s.gates;
  const limits = [`min_traces ${g.minTraces}`];
  if (g.errorRate?.maxIncreasePoints !== undefined)
    limits.push(`error rate +${g.errorRate.maxIncreasePoints} pt`);
  if (g.errorRate?.max !== undefined) limits.push(`error rate <= ${g.errorRate.max}%`);
  if (g.p95Duration?.maxRatio !== undefined) limits.push(`p95 <= ${g.p95Duration.maxRatio}x`);
  if (g.p95Duration?.maxMs !== undefined) limits.push(`p95 <= ${formatDuration(g.p95Duration.maxMs)}`);
  return `${s.name} (${w}): set, up, hold ${formatDuration(s.holdMs)} (max wait ${formatDuration(s.maxWaitMs)}, abort after ${s.maxFailedChecks} failed check${s.maxFailedChecks === 1 ? "" : "s"}); gates: ${limits.join(", ")}`;
}

/** The stage an abort at `failing` reverts to (rules in the module header). */
function revertTarget(plan: CanaryPlan, passed: readonly string[], failing: string): string | null {
  const target = passed.at(-1) ?? plan.baseline ?? plan.stages[0]!.name;
  return target === failing ? null : target;
}

function stageReport(s: PlannedStage, start: number | null, outcome: StageReport["outcome"]): StageReport {
  return {
    name: s.name,
    index: s.index,
    weights: [s.weights[0], s.weights[1]],
    watched: s.watched,
    hold_ms: s.holdMs,
    max_wait_ms: s.maxWaitMs,
    window: { start: start === null ? "" : iso(start), end: null },
    outcome,
    resumed: false,
    checks: [],
    verdict: null,
  };
}

/** Runs the rollout (see the module header); resolves with its report, whose `exit_code` the CLI returns. */
export async function runRollout(options: RolloutOptions): Promise<RolloutResult> {
  const { plan, stack } = options;
  const clock = options.clock ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const progress = options.progress ?? (() => {});
  const intervalMs = options.intervalMs ?? 10_000;
  const readAttempts = options.readAttempts ?? 3;
  const maxReadFailures = options.maxReadFailures ?? 30;
  const configKey = options.configKey ?? "canaryStage";

  const initial = await stack.getStage();
  const start = startIndex(plan, options, initial);
  if (typeof start === "string") throw Object.assign(new Error(start), { code: "invalid_input" as const });
  let finalStage: string | null = initial ?? null;
  const result = (
    status: RolloutStatus,
    message: string,
    stages: StageReport[],
    revertedTo: string | null = null,
  ): RolloutResult => ({
    status,
    exit_code: status === "completed" || status === "dry_run" ? 0 : 1,
    message,
    config_key: configKey,
    from: plan.from,
    to: plan.to,
    initial_stage: initial ?? null,
    start_stage: plan.stages[start]!.name,
    final_stage: finalStage,
    reverted_to: revertedTo,
    stages,
  });

  const todo = plan.stages.slice(start);
  if (options.dryRun) {
    const actions = [
      `stack config ${configKey} is ${initial === undefined ? "unset" : `'${initial}'`}; would start at ${todo[0]!.name}`,
      ...todo.map(describeStage),
      `on abort: revert to the last stage passed, else ${plan.baseline ?? plan.stages[0]!.name}, up, exit 1`,
    ];
    for (const a of actions) progress(a);
    return {
      ...result(
        "dry_run",
        `dry run: ${todo.length} stage${todo.length === 1 ? "" : "s"} from ${todo[0]!.name}`,
        todo.map((s) => stageReport(s, null, "planned")),
      ),
      actions,
    };
  }
  const traces = options.traces;
  if (traces === undefined) throw new Error("runRollout: `traces` is required unless dryRun");

  const reports: StageReport[] = [];
  const passed: string[] = [];
  const deploy = async (name: string) => {
    progress(`${name}: setting ${configKey}=${name}, up`);
    await stack.setStage(name);
    finalStage = name;
    return stack.up();
  };
  /** When the first stage took effect, if it was in effect already and the `up` changed nothing. */
  const inEffectSince = async (stage: PlannedStage, changes: number, now: number) => {
    if (stage !== todo[0] || initial !== stage.name || changes !== 0) return undefined;
    try {
      const since = await stack.stageSince(stage.name);
      return since !== undefined && since < now ? since : undefined;
    } catch (e) {
      progress(`${stage.name}: the stack's history could not be read (${errorText(e)}); the hold starts now`);
      return undefined;
    }
  };
  /**
   * Reads `window` up to `to` (retried): the slice since the last read, or with `full` the whole
   * window; gives every trace of the window so far.
   */
  const read = async (window: TraceWindow, to: number, full = false) => {
    let last: unknown;
    const range = full ? window.fullRead(to) : window.nextRead(to);
    for (let attempt = 1; attempt <= readAttempts; attempt++) {
      try {
        const listed = await traces({ agentKey: window.agentKey, ...range });
        if (full) window.replace(listed, to);
        else window.add(listed, to);
        return window.traces;
      } catch (e) {
        last = e;
        if (attempt < readAttempts) await sleep(Math.min(intervalMs, 1000 * attempt));
      }
    }
    throw last;
  };

  for (const stage of todo) {
    let changes: number;
    try {
      ({ changes } = await deploy(stage.name));
    } catch (e) {
      return result("error", errorText(e), reports);
    }
    const now = clock();
    const since = await inEffectSince(stage, changes, now);
    const began = since ?? now;
    const report = stageReport(stage, began, stage.watched ? "stopped" : "deployed");
    report.resumed = since !== undefined;
    if (since !== undefined)
      progress(
        `${stage.name}: in effect since ${iso(since)} (the stack's history); the hold counts from then`,
      );
    reports.push(report);
    if (!stage.watched) {
      report.window.end = iso(began);
      passed.push(stage.name);
      progress(`${stage.name}: deployed; not judged (sends ${plan.to} nothing)`);
      continue;
    }
    // A resumed stage may have taken effect long ago: it still gets max_wait from now for traces.
    const waitUntil = Math.max(began + stage.holdMs + stage.maxWaitMs, now + stage.maxWaitMs);
    let state = initialCheckState(stage);
    let readFailures = 0;
    const windows = { baseline: new TraceWindow(plan.from, began), canary: new TraceWindow(plan.to, began) };
    for (;;) {
      await sleep(intervalMs);
      const end = clock();
      report.window.end = iso(end);
      let evaluation: GateEvaluation;
      try {
        const judge = async (full: boolean) => {
          const [baseline, canary] = await Promise.all([
            read(windows.baseline, end, full),
            read(windows.canary, end, full),
          ]);
          return evaluateGates(
            stage,
            {
              baseline: { agentKey: plan.from, traces: baseline },
              canary: { agentKey: plan.to, traces: canary },
            },
            { window: { start: began, end }, waitUntil },
          );
        };
        evaluation = await judge(false);
        // A pass or an abort is taken on one full read of the window, never on the slices alone.
        if (nextState(state, evaluation.verdict).decision !== "continue") evaluation = await judge(true);
        readFailures = 0;
      } catch (e) {
        readFailures++;
        const message = `could not read traces (${readFailures} check${readFailures === 1 ? "" : "s"} in a row): ${errorText(e)}`;
        report.checks.push({
          at: iso(end),
          elapsed_ms: end - began,
          verdict: null,
          message,
          read_error: errorText(e),
        });
        progress(`${stage.name}: ${message}`);
        if (readFailures >= maxReadFailures) {
          report.verdict = message;
          return result(
            "stopped",
            `stopped at ${stage.name}: ${message}; nothing reverted, the stack stays at ${stage.name}`,
            reports,
          );
        }
        continue;
      }
      const step = nextState(state, evaluation.verdict);
      state = step.state;
      const line = describeVerdict(evaluation);
      report.checks.push({
        at: iso(end),
        elapsed_ms: evaluation.elapsedMs,
        verdict: evaluation.verdict,
        message: line,
        baseline: figures(evaluation.baseline),
        canary: figures(evaluation.canary),
      });
      report.verdict = line;
      progress(`${stage.name}: ${evaluation.verdict}: ${line}`);
      if (step.decision === "continue") continue;
      if (step.decision === "advance") {
        report.outcome = "passed";
        passed.push(stage.name);
        break;
      }
      report.outcome = step.abortedBy === "inconclusive" ? "inconclusive" : "failed";
      const target = revertTarget(plan, passed, stage.name);
      if (target === null) {
        const message = `${line}; not reverted: no earlier stage to revert to`;
        report.verdict = message;
        return result("aborted", message, reports);
      }
      try {
        await deploy(target);
      } catch (e) {
        return result("error", `${line}; revert to ${target} failed: ${errorText(e)}`, reports);
      }
      const message = describeVerdict(evaluation, target);
      report.verdict = message;
      return result("aborted", message, reports, target);
    }
  }
  const last = todo.at(-1)!.name;
  return result(
    "completed",
    `completed: ${todo.map((s) => s.name).join(" -> ")}; the stack is at ${last}`,
    reports,
  );
}
