/**
 * The stages of a rollout once runner.ts has decided where to start: take the stack (holding.ts),
 * deploy each stage (deploy.ts), watch it (watch.ts), advance, or revert; or finish a revert
 * that did not finish.
 *
 * - Before a revert's `up` the record says `aborting` (with the verdict beside it), and the
 *   `up` carries a message the stack's history keeps: a revert that fails or is killed is
 *   finished by the next run, never the failed stage deployed again. A first interrupt during a
 *   revert is answered by finishing it; a second stops it cleanly.
 * - An interrupt ends the run with the stage the API serves, nothing reverted; another run
 *   that took the stack ends it the same way (`locked`).
 */
import type { CanaryPlan, PlannedStage } from "../policy/index.js";
import { diffPolicies } from "../policy/index.js";
import type { ServedAlias } from "./api.js";
import { deployedName, describePosition, errorText, type RunContext } from "./context.js";
import { configToDeployed, deploy, readDeployed, stopUp } from "./deploy.js";
import { describeVerdict, type GateEvaluation } from "./gates.js";
import { endRecord, startHeartbeat, takeStack, writeRecord } from "./holding.js";
import { VERDICT_TAG, verdictTag } from "./record.js";
import type { MoveReport, RolloutResult, RolloutStatus, StageReport } from "./report-types.js";
import { STATUS_EXIT } from "./report-types.js";
import { SessionLog } from "./sessions.js";
import type { StartDecision } from "./start.js";
import { inBackground, onceEach, pollSteering, publishStatus } from "./steer-run.js";
import { nextStage } from "./steering.js";
import { type WatchContext, watchStage } from "./watch.js";

type Base = Pick<
  RolloutResult,
  "config_key" | "alias_key" | "from" | "to" | "initial_stage" | "initial_deployed" | "notes" | "reverted_to"
>;
type Result = (status: RolloutStatus, message: string, extra?: Partial<RolloutResult>) => RolloutResult;

/** A stage's report before it is watched. */
export function planned(
  s: CanaryPlan["stages"][number],
  start: number | null,
  outcome: StageReport["outcome"],
): StageReport {
  return {
    name: s.name,
    index: s.index,
    weights: [s.weights[0], s.weights[1]],
    watched: s.watched,
    hold_ms: s.holdMs,
    max_wait_ms: s.maxWaitMs,
    window: { start: start === null ? "" : new Date(start).toISOString(), end: null },
    outcome,
    resumed: false,
    checks: [],
    verdict: null,
  };
}

/** The stage an abort at `failing` reverts to: the last passed in this run, else `baseline`, else the first. */
function revertTarget(plan: CanaryPlan, passed: readonly string[], failing: string): string | null {
  const target = passed.at(-1) ?? plan.baseline ?? plan.stages[0]!.name;
  return target === failing ? null : target;
}

/** Who an explicit move back moves: the canary rule's partition keys, by the policies' diff. */
function movesBack(ctx: RunContext, served: ServedAlias, to: number): MoveReport {
  const target = ctx.plan.policies[to]!;
  const diff = diffPolicies(
    { key: ctx.aliasKey, policy: served.policy },
    { key: ctx.aliasKey, policy: target },
    [],
    {
      keys: 20_000,
    },
  );
  return {
    from_stage: deployedName(ctx) ?? "another policy",
    to_stage: ctx.plan.stages[to]!.name,
    moves: diff.transitions.map((t) => ({ from: t.from, to: t.to, share: t.share })),
  };
}

/** Runs the decision (`start` or `finish_revert`): takes the stack, then the stages; the report. */
export async function runStages(
  ctx: RunContext,
  decision: Extract<StartDecision, { action: "start" | "finish_revert" }>,
  base: Base,
  served: ServedAlias | null,
): Promise<RolloutResult> {
  const r = await stagesOfDecision(ctx, decision, base, served);
  ctx.event({ event: "end", status: r.status, exit_code: r.exit_code, message: r.message });
  return r;
}

async function stagesOfDecision(
  ctx: RunContext,
  decision: Extract<StartDecision, { action: "start" | "finish_revert" }>,
  base: Base,
  served: ServedAlias | null,
): Promise<RolloutResult> {
  const reports: StageReport[] = [];
  const startStage = ctx.plan.stages[decision.action === "start" ? decision.index : decision.target]!.name;
  const result: Result = (status, message, extra = {}) => ({
    status,
    exit_code: STATUS_EXIT[status],
    message,
    ...base,
    start_stage: startStage,
    final_stage: ctx.configStage ?? null,
    deployed_stage: deployedName(ctx),
    stages: reports,
    ...(ctx.steered.length > 0 ? { steered: ctx.steered } : {}),
    ...extra,
  });
  try {
    const taken = await takeStack(
      ctx,
      decision.action === "start"
        ? { phase: "running", stage: startStage }
        : { phase: "aborting", stage: decision.failed, target: startStage },
    );
    if (taken !== undefined) return result("locked", taken);
  } catch (e) {
    return result("error", `cannot record the rollout in the stack's tags: ${errorText(e)}`);
  }
  const stopBeating = startHeartbeat(ctx);
  try {
    if (decision.action === "finish_revert") {
      const why = ctx.verdict === undefined ? "" : ` (${ctx.verdict})`;
      const verdict = `${decision.failed} had failed${why}; finished the revert to ${startStage}`;
      return await revertTo(ctx, startStage, decision.failed, verdict, result);
    }
    const moved = decision.back && served !== null ? movesBack(ctx, served, decision.index) : undefined;
    for (const m of moved?.moves ?? [])
      ctx.progress(
        `moving back ${moved!.from_stage} -> ${moved!.to_stage}: ${(m.share * 100).toFixed(1)}% of the canary rule's partition keys move from ${m.from} to ${m.to}`,
      );
    const r = await stagesFrom(ctx, decision.index, reports, result);
    return moved === undefined ? r : { ...r, moved_back: moved };
  } finally {
    stopBeating();
  }
}

/** The run ends where the alias is, nothing reverted: interrupted, or another run took the stack. */
async function stopHere(ctx: RunContext, result: Result): Promise<RolloutResult> {
  const previous = ctx.deployed;
  const where = (await readDeployed(ctx)) ?? ctx.deployed;
  await configToDeployed(ctx, previous);
  if (ctx.lost !== undefined)
    return result(
      "locked",
      `${ctx.lost}; this run stopped where the alias is: ${describePosition(ctx.plan, where)}`,
    );
  await endRecord(ctx, "interrupted");
  return result(
    "interrupted",
    `interrupted: the alias '${ctx.aliasKey}' serves ${describePosition(ctx.plan, where)}; nothing was reverted`,
  );
}

const halted = (ctx: RunContext) => ctx.interrupts.count > 0 || ctx.lost !== undefined;

/** What watching `stage` (in effect since `began`) reads: the API, the clock, steering; status and events after each check. */
function watchContext(
  ctx: RunContext,
  stage: PlannedStage,
  sessions: SessionLog,
  began: number,
  io: { reads: ReturnType<typeof inBackground>; writes: ReturnType<typeof inBackground> },
): WatchContext {
  const { plan } = ctx;
  const { reads, writes } = io;
  const warn = onceEach(ctx.progress);
  const figures = (agent: string, f: GateEvaluation["canary"]) => ({
    agent,
    traces: f.traces,
    error_rate: f.errorRate,
    p95_ms: f.p95Ms,
  });
  return {
    api: ctx.api,
    alias: ctx.alias!,
    from: plan.from,
    to: plan.to,
    canaryRule: plan.canaryRule,
    sessions,
    intervalMs: ctx.intervalMs,
    readAttempts: ctx.readAttempts,
    maxReadFailures: ctx.maxReadFailures,
    clock: ctx.clock,
    pause: async (ms) => (await ctx.interrupts.pause(ms, ctx.sleep)) && ctx.lost === undefined,
    progress: ctx.progress,
    // The state as the last read left it; the next read starts now, beside the check.
    steering: async () => {
      reads.run(() => pollSteering(ctx, stage.name, warn).then(() => undefined));
      return ctx.steering;
    },
    checked: async (n, evaluation) => {
      ctx.event({
        event: "check",
        stage: stage.name,
        n,
        verdict: evaluation.verdict,
        baseline: figures(plan.from, evaluation.baseline),
        canary: figures(plan.to, evaluation.canary),
        paused: ctx.steering.paused !== null,
      });
      writes.run(() => publishStatus(ctx, stage, began, n, evaluation, warn));
    },
  };
}

async function stagesFrom(
  ctx: RunContext,
  from: number,
  reports: StageReport[],
  result: Result,
): Promise<RolloutResult> {
  const { plan, stack } = ctx;
  const passed: string[] = [];
  const sessions = new SessionLog(ctx.api.sessions(ctx.aliasKey));
  const wasAt = ctx.deployed.kind === "stage" ? ctx.deployed.index : undefined;
  for (const stage of plan.stages.slice(from)) {
    if (halted(ctx)) return stopHere(ctx, result);
    await writeRecord(ctx, { phase: "running", stage: stage.name });
    ctx.steering = nextStage(ctx.steering);
    ctx.event({ event: "stage_set", stage: stage.name, weights: [stage.weights[0], stage.weights[1]] });
    const d = await deploy(ctx, stage.index);
    ctx.event({
      event: "up_done",
      stage: stage.name,
      ok: d.ok,
      ...(d.ok ? { changes: d.changes } : { message: d.message }),
    });
    if (halted(ctx)) return stopHere(ctx, result);
    if (!d.ok) {
      await endRecord(ctx, "error");
      return result("error", d.message);
    }
    if (ctx.only) {
      await endRecord(ctx, "completed");
      reports.push(planned(stage, ctx.clock(), "deployed"));
      return result(
        "completed",
        `deployed ${stage.name} (${stage.weights[0]}/${stage.weights[1]}); no rollout was running, so nothing was watched`,
      );
    }
    const now = ctx.clock();
    let since: number | undefined;
    if (stage.index === from && wasAt !== undefined && d.changes === 0) {
      try {
        since = await stack.stageSince(stage.name);
        if (since !== undefined && since >= now) since = undefined;
      } catch (e) {
        ctx.progress(
          `${stage.name}: the stack's history could not be read (${errorText(e)}); the hold starts now`,
        );
      }
    }
    const began = since ?? now;
    const report = planned(stage, began, stage.watched ? "stopped" : "deployed");
    report.resumed = since !== undefined;
    reports.push(report);
    if (since !== undefined)
      ctx.progress(
        `${stage.name}: in effect since ${new Date(since).toISOString()} (the stack's history); the hold counts from then`,
      );
    if (!stage.watched) {
      report.window.end = report.window.start;
      passed.push(stage.name);
      ctx.progress(`${stage.name}: deployed; not judged (sends ${plan.to} nothing)`);
      continue;
    }
    // A resumed stage may have taken effect long ago: it still gets max_wait from now for traces.
    const waitUntil = Math.max(began + stage.holdMs + stage.maxWaitMs, now + stage.maxWaitMs);
    const io = { reads: inBackground(), writes: inBackground() };
    io.writes.run(() => publishStatus(ctx, stage, began, 0, null, onceEach(ctx.progress)));
    const end = await watchStage(
      watchContext(ctx, stage, sessions, began, io),
      stage,
      began,
      waitUntil,
      report,
      plan.policies[stage.index]!,
    );
    await Promise.all([io.reads.flush(), io.writes.flush()]);
    ctx.event({ event: "verdict", stage: stage.name, outcome: end.outcome, message: report.verdict ?? "" });
    if (end.outcome === "interrupted") {
      report.outcome = "interrupted";
      return stopHere(ctx, result);
    }
    if (end.outcome === "stopped") {
      await endRecord(ctx, "stopped");
      return result(
        "stopped",
        `stopped at ${stage.name}: ${end.line}; nothing reverted, the stack stays at ${stage.name}`,
      );
    }
    if (end.outcome === "passed") {
      report.outcome = "passed";
      passed.push(stage.name);
      continue;
    }
    report.outcome = end.outcome;
    const evaluation = end.outcome === "aborted_by" ? undefined : end.evaluation;
    const verdictFor = (target: string | null) =>
      evaluation === undefined
        ? `${stage.name}: ${end.line}${target === null ? "" : `; reverted to ${target}`}`
        : describeVerdict(evaluation, target ?? undefined);
    return revert(ctx, stage.name, verdictFor, end.line, passed, report, result);
  }
  await endRecord(ctx, "completed");
  const ran = plan.stages.slice(from).map((s) => s.name);
  return result("completed", `completed: ${ran.join(" -> ")}; the stack is at ${plan.stages.at(-1)!.name}`);
}

async function revert(
  ctx: RunContext,
  failing: string,
  verdictFor: (target: string | null) => string,
  line: string,
  passed: readonly string[],
  report: StageReport,
  result: Result,
): Promise<RolloutResult> {
  const target = revertTarget(ctx.plan, passed, failing);
  if (target === null) {
    const message = `${line}; not reverted: no earlier stage to revert to`;
    report.verdict = message;
    await endRecord(ctx, "aborted");
    return result("aborted", message);
  }
  const verdict = verdictFor(target);
  report.verdict = verdict;
  // The evidence of the abort first (the revert's up also says so in the stack's history).
  await writeRecord(ctx, { phase: "aborting", stage: failing, target });
  try {
    await ctx.stack.setTag(VERDICT_TAG, verdictTag(verdict));
  } catch (e) {
    ctx.progress(`could not keep the verdict in the stack's tags: ${errorText(e)}`);
  }
  return revertTo(ctx, target, failing, verdict, result);
}

/** Deploys the revert target; a first interrupt is answered by finishing it, a second stops it cleanly. */
async function revertTo(
  ctx: RunContext,
  target: string,
  failing: string,
  verdict: string,
  result: Result,
): Promise<RolloutResult> {
  const index = ctx.plan.stages.findIndex((s) => s.name === target);
  const stop = stopUp(ctx);
  const d = await deploy(ctx, index, failing, (n) => {
    if (n === 1)
      ctx.progress(`interrupted: finishing the revert to ${target} first (interrupt again to stop it now)`);
    else stop(n - 1);
  });
  if (!d.ok) {
    await writeRecord(ctx, {}); // still aborting: the next run finishes the revert
    return result(
      "error",
      `${verdict.replace(/; reverted to .*$/, "")}; the revert to ${target} failed: ${d.message}; the alias still serves ${describePosition(ctx.plan, ctx.deployed)}; run the same command again to finish the revert`,
    );
  }
  await endRecord(ctx, "aborted");
  return result("aborted", verdict, { reverted_to: target });
}
