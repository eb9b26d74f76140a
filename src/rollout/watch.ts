/**
 * Watching one stage (`watchStage`): every interval, read what came since the last check (each
 * agent's traces, `TraceWindow`; the alias's new sessions, `SessionLog`), keep the traces of the
 * canary rule's sessions of this stage (`splitByCohort`), judge the gates, and let the check
 * loop's state machine say whether to go on, pass or fail. A check that would pass or abort
 * reads each agent's whole window again and decides on that. A read is retried
 * (`readAttempts`), and a check that could not read is never a verdict; after `maxReadFailures`
 * such checks in a row the stage is `stopped`. An interrupt ends the watch at once. Steering
 * (steering.ts), read before each check: `abort` ends the watch (`aborted_by`); while paused a
 * pass or an inconclusive wait does not end it; `promote` judges the stage as if its hold were
 * over (with `force`, any check that does not fail passes it).
 */
import { canaryGates, checkPolicy, MIN_TRACES_GATE, type PlannedStage } from "../policy/index.js";
import type { RolloutApi, ServedAlias } from "./api.js";
import { type CheckStep, initialCheckState, nextState } from "./checks.js";
import { CohortClassifier, type CohortSplit, splitByCohort } from "./cohort.js";
import { describeVerdict, evaluateGates, type GateEvaluation } from "./gates.js";
import type { AgentReport, CheckReport, StageReport } from "./report-types.js";
import type { SessionLog } from "./sessions.js";
import { describeCommand, type SteerCommand, type SteeringState } from "./steering.js";
import { TraceWindow } from "./traces.js";

export interface WatchContext {
  readonly api: RolloutApi;
  readonly alias: ServedAlias;
  readonly from: string;
  readonly to: string;
  readonly canaryRule: number;
  readonly sessions: SessionLog;
  readonly intervalMs: number;
  readonly readAttempts: number;
  readonly maxReadFailures: number;
  readonly clock: () => number;
  /** Sleeps `ms`; resolves false at once when the rollout is interrupted. */
  readonly pause: (ms: number) => Promise<boolean>;
  readonly progress: (line: string) => void;
  /** The steering state at a check (steer-run.ts); none when absent. */
  readonly steering?: (() => Promise<SteeringState>) | undefined;
  /** After each check that read: its number and evaluation (status, events). */
  readonly checked?: ((checks: number, evaluation: GateEvaluation) => Promise<void>) | undefined;
}

export type WatchEnd =
  | { readonly outcome: "passed"; readonly line: string }
  | {
      readonly outcome: "failed" | "inconclusive";
      readonly evaluation: GateEvaluation;
      readonly line: string;
    }
  | { readonly outcome: "stopped"; readonly line: string }
  | { readonly outcome: "aborted_by"; readonly command: SteerCommand; readonly line: string }
  | { readonly outcome: "interrupted" };

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0]!;

/** An agent's figures as the report holds them: one field per gate of the table. */
const figures = (f: GateEvaluation["baseline"]): AgentReport => {
  const out: Record<string, unknown> = { agent_key: f.agentKey, traces: f.traces, errors: f.errors };
  for (const [, gate] of canaryGates()) out[gate.report.json] = gate.figure(f);
  return out as AgentReport;
};

/**
 * The check's decision as steering changes it, and the words for the report: paused, a pass
 * or an inconclusive wait continues; a forced promote passes any check that does not fail.
 */
export function steeredStep(
  step: CheckStep,
  verdict: string,
  steering: SteeringState,
): { step: CheckStep; note?: string } {
  if (steering.paused !== null && (step.decision === "advance" || step.abortedBy === "inconclusive"))
    return {
      step: { ...step, decision: "continue", abortedBy: null },
      note: `held: ${describeCommand(steering.paused)}`,
    };
  if (steering.promote?.force && step.decision === "continue" && verdict !== "fail")
    return { step: { ...step, decision: "advance" }, note: `passed: ${describeCommand(steering.promote)}` };
  if (steering.promote !== null && step.decision === "advance")
    return { step, note: `passed early: ${describeCommand(steering.promote)}` };
  if (steering.paused !== null) return { step, note: `paused: ${describeCommand(steering.paused)}` };
  return { step };
}

const NO_STEERING: SteeringState = { paused: null, promote: null, abort: null, handled: null };

/** Retries `read` up to `attempts` times, pausing between; throws the last failure. */
async function retried<T>(ctx: WatchContext, read: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let attempt = 1; attempt <= ctx.readAttempts; attempt++) {
    try {
      return await read();
    } catch (e) {
      last = e;
      if (attempt < ctx.readAttempts) await ctx.pause(Math.min(ctx.intervalMs, 1000 * attempt));
    }
  }
  throw last;
}

/** Reads a window up to `end`: the slice since the last read, or with `full` all of it. */
function readWindow(ctx: WatchContext, window: TraceWindow, end: number, full: boolean) {
  return retried(ctx, async () => {
    const range = full ? window.fullRead(end) : window.nextRead(end);
    const listed = await ctx.api.traces({ agentKey: window.agentKey, ...range });
    if (full) window.replace(listed, end);
    else window.add(listed, end);
    return window.traces;
  });
}

/** Watches `stage`, in effect since `began`, until it passes, fails, stops or is interrupted. */
export async function watchStage(
  ctx: WatchContext,
  stage: PlannedStage,
  began: number,
  waitUntil: number,
  report: StageReport,
  policy: ServedAlias["policy"],
): Promise<WatchEnd> {
  const checked = checkPolicy({ key: ctx.alias.key, policy });
  if (!checked.ok)
    throw new Error(`the policy of ${stage.name} does not check: ${checked.issues[0]?.message}`);
  const classifier = new CohortClassifier({
    policy: checked.policy,
    alias: ctx.alias,
    canaryRule: ctx.canaryRule,
    from: ctx.from,
    to: ctx.to,
  });
  const windows = { baseline: new TraceWindow(ctx.from, began), canary: new TraceWindow(ctx.to, began) };
  let state = initialCheckState(stage);
  let readFailures = 0;
  let warnedUnjoined = false;
  for (;;) {
    if (!(await ctx.pause(ctx.intervalMs))) return { outcome: "interrupted" };
    const steering = (await ctx.steering?.()) ?? NO_STEERING;
    if (steering.abort !== null) {
      const line = `aborted: ${describeCommand(steering.abort)}`;
      report.verdict = line;
      return { outcome: "aborted_by", command: steering.abort, line };
    }
    // A promote judges the stage as if its hold were over.
    const judgedStage = steering.promote === null ? stage : { ...stage, holdMs: 0 };
    const end = ctx.clock();
    report.window.end = new Date(end).toISOString();
    const callsBefore = ctx.api.calls?.();
    const judge = async (full: boolean) => {
      const [baseline, canary] = await Promise.all([
        readWindow(ctx, windows.baseline, end, full),
        readWindow(ctx, windows.canary, end, full),
      ]);
      // Sessions after traces: every trace read has its session listed by now.
      await retried(ctx, () => ctx.sessions.catchUp(began));
      const split = splitByCohort({ baseline, canary }, ctx.sessions, classifier, began);
      const evaluation = evaluateGates(
        judgedStage,
        {
          baseline: { agentKey: ctx.from, traces: split.baseline },
          canary: { agentKey: ctx.to, traces: split.canary },
        },
        { window: { start: began, end }, waitUntil },
      );
      return { evaluation, split };
    };
    let judged: { evaluation: GateEvaluation; split: CohortSplit };
    try {
      judged = await judge(false);
      // A pass or an abort is taken on one full read of the window, never on the slices alone.
      if (nextState(state, judged.evaluation.verdict).decision !== "continue") judged = await judge(true);
      readFailures = 0;
    } catch (e) {
      readFailures++;
      const message = `could not read traces (${readFailures} check${readFailures === 1 ? "" : "s"} in a row): ${errorText(e)}`;
      report.checks.push({
        at: report.window.end,
        elapsed_ms: end - began,
        verdict: null,
        message,
        read_error: errorText(e),
      });
      ctx.progress(`${stage.name}: ${message}`);
      if (readFailures >= ctx.maxReadFailures) {
        report.verdict = message;
        return { outcome: "stopped", line: message };
      }
      continue;
    }
    const { evaluation, split } = judged;
    if (split.unjoined > 0 && !warnedUnjoined) {
      warnedUnjoined = true;
      ctx.progress(
        `${stage.name}: ${split.unjoined} trace${split.unjoined === 1 ? " has" : "s have"} no session_key: counted by agent, since they cannot be joined to the alias's sessions`,
      );
    }
    const { step, note } = steeredStep(nextState(state, evaluation.verdict), evaluation.verdict, steering);
    state = step.state;
    const line = describeVerdict(evaluation);
    const check: CheckReport = {
      at: report.window.end,
      elapsed_ms: evaluation.elapsedMs,
      verdict: evaluation.verdict,
      message: line,
      baseline: figures(evaluation.baseline),
      canary: figures(evaluation.canary),
      left_out: split.leftOut,
      unjoined: split.unjoined,
      ...(callsBefore === undefined ? {} : { api_calls: ctx.api.calls!() - callsBefore }),
      ...(note === undefined ? {} : { steering: note }),
      bounds: boundsOf(evaluation),
    };
    report.checks.push(check);
    report.verdict = line;
    ctx.progress(
      `${stage.name}: ${evaluation.verdict}: ${line}${leftOutClause(split)}${note ? ` (${note})` : ""}`,
    );
    await ctx.checked?.(state.checks, evaluation);
    if (step.decision === "continue") continue;
    if (step.decision === "advance") return { outcome: "passed", line };
    return { outcome: step.abortedBy === "inconclusive" ? "inconclusive" : "failed", evaluation, line };
  }
}

/** The lowest bound each comparing gate set for the canary at this check (by YAML name). */
function boundsOf(evaluation: GateEvaluation): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of evaluation.gates) {
    const bounds = g.limits.map((l) => l.bound).filter((b): b is number => b !== null);
    if (g.gate !== MIN_TRACES_GATE.yaml && bounds.length > 0) out[g.gate] = Math.min(...bounds);
  }
  return out;
}

/** `; left out 12 traces (other alias or direct 8, other rule 4)`, or nothing. */
function leftOutClause(split: CohortSplit): string {
  const parts = Object.entries({
    "other alias or direct": split.leftOut.elsewhere,
    "before the stage": split.leftOut.before_stage,
    "other rule": split.leftOut.other_rule,
    "other policy": split.leftOut.other_policy,
  }).filter(([, n]) => n > 0);
  if (parts.length === 0) return "";
  const total = parts.reduce((n, [, v]) => n + v, 0);
  return `; left out ${total} trace${total === 1 ? "" : "s"} (${parts.map(([k, v]) => `${k} ${v}`).join(", ")})`;
}
