/**
 * The stages of a rollout once it holds the stack (runner.ts decided where to start): deploy a
 * stage (config, `up`, then read what the API serves), watch it (watch.ts), advance, or revert.
 *
 * - A failed `up` leaves config at the stage the API serves (re-read after every `up`), and the
 *   report carries the engine's diagnostic.
 * - Before a revert's `up` the record says `aborting` (with the verdict beside it), so a revert
 *   that fails or is killed is finished by the next run instead of anything else; the revert's
 *   `up` is shielded from a first interrupt.
 * - An interrupt stops a running `up` cleanly (Pulumi cancels it and releases its lock) and
 *   ends the run with the stage the API serves.
 */

import type { CanaryPlan } from "../policy/index.js";
import { diffPolicies } from "../policy/index.js";
import type { RolloutApi, ServedAlias } from "./api.js";
import { describeVerdict, type GateEvaluation } from "./gates.js";
import type { Interrupts } from "./interrupts.js";
import { type AliasPosition, stageOfPolicy } from "./position.js";
import {
  decodeRecord,
  encodeRecord,
  ROLLOUT_TAG,
  type RolloutOutcome,
  type RolloutRecord,
  VERDICT_TAG,
  verdictTag,
} from "./record.js";
import type { MoveReport, RolloutResult, RolloutStatus, StageReport } from "./report-types.js";
import { STATUS_EXIT } from "./report-types.js";
import { SessionLog } from "./sessions.js";
import type { RolloutStack } from "./stack.js";
import type { StartDecision } from "./start.js";
import { watchStage } from "./watch.js";

export interface StagesContext {
  readonly plan: CanaryPlan;
  readonly stack: RolloutStack;
  readonly api: RolloutApi;
  readonly aliasKey: string;
  readonly configKey: string;
  /** The alias as last read (undefined until it exists). */
  alias: ServedAlias | undefined;
  readonly intervalMs: number;
  readonly readAttempts: number;
  readonly maxReadFailures: number;
  readonly clock: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly interrupts: Interrupts;
  readonly progress: (line: string) => void;
  /** This run's record, as last written. */
  record: RolloutRecord;
  /** Where the alias is, as last read. */
  deployed: AliasPosition;
  /** The stage in config, as last set or read. */
  configStage: string | undefined;
  /** The verdict kept beside a record left `aborting` (finish_revert). */
  verdict?: string | undefined;
  /** When the record was last written (ms). */
  lastBeat: number;
}

type Base = Pick<
  RolloutResult,
  "config_key" | "alias_key" | "from" | "to" | "initial_stage" | "initial_deployed" | "notes" | "reverted_to"
>;

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));
const weights = (s: CanaryPlan["stages"][number]) => `${s.weights[0]}/${s.weights[1]}`;

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

function describePosition(plan: CanaryPlan, p: AliasPosition): string {
  if (p.kind === "absent") return "nothing (no alias)";
  if (p.kind === "unmapped") return `no stage of the table (${p.reason})`;
  const s = plan.stages[p.index]!;
  return `${s.name} (${weights(s)})`;
}

/** Writes this run's record (and says so on failure, unless `must`: then it throws). */
async function writeRecord(ctx: StagesContext, patch: Partial<RolloutRecord>, must = false): Promise<void> {
  const next = { ...ctx.record, ...patch, seen: new Date(ctx.clock()).toISOString() };
  try {
    await ctx.stack.setTag(ROLLOUT_TAG, encodeRecord(next));
    ctx.record = next;
    ctx.lastBeat = ctx.clock();
  } catch (e) {
    if (must) throw e;
    ctx.progress(`could not update the rollout record in the stack's tags: ${errorText(e)}`);
  }
}

/** Says the rollout is alive, at most once a minute. */
async function heartbeat(ctx: StagesContext): Promise<void> {
  if (ctx.clock() - ctx.lastBeat >= 60_000) await writeRecord(ctx, {});
}

const endRecord = (ctx: StagesContext, outcome: RolloutOutcome) =>
  writeRecord(ctx, { phase: "ended", outcome, target: undefined });

/** Reads the alias (retried); updates what the context knows. Undefined when it cannot be read. */
async function readDeployed(ctx: StagesContext): Promise<AliasPosition | undefined> {
  for (let attempt = 1; attempt <= ctx.readAttempts; attempt++) {
    try {
      const served = await ctx.api.alias(ctx.aliasKey);
      if (served !== null) ctx.alias = served;
      ctx.deployed = stageOfPolicy(ctx.plan, served?.policy ?? null);
      return ctx.deployed;
    } catch (e) {
      if (attempt === ctx.readAttempts)
        ctx.progress(`could not read the alias '${ctx.aliasKey}': ${errorText(e)}`);
      else await ctx.sleep(1000 * attempt);
    }
  }
  return undefined;
}

/** Sets config to what the API serves after a failed `up` (it may have changed it), or to `previous` when it serves no stage. */
async function configToDeployed(ctx: StagesContext, previous: AliasPosition): Promise<void> {
  const d = ctx.deployed.kind === "stage" ? ctx.deployed : previous.kind === "stage" ? previous : undefined;
  if (d === undefined) return;
  const name = ctx.plan.stages[d.index]!.name;
  if (ctx.configStage === name) return;
  try {
    await ctx.stack.setStage(name);
    ctx.configStage = name;
    ctx.progress(`stack config ${ctx.configKey} set back to ${name}: the stage the alias serves`);
  } catch (e) {
    ctx.progress(`could not set stack config ${ctx.configKey} back to ${name}: ${errorText(e)}`);
  }
}

type Deployed = { ok: true; changes: number } | { ok: false; message: string };

/**
 * Deploys stage `index`: `up` with it in config (the stack's config holds it once the `up`
 * succeeded), then reads what the API serves and sets config to that if a failed `up` still
 * changed it. While the `up` runs an interrupt stops it, unless `shield` handles interrupts.
 */
async function deploy(
  ctx: StagesContext,
  index: number,
  purpose: string,
  shield?: (n: number) => void,
): Promise<Deployed> {
  const { plan, stack } = ctx;
  const s = plan.stages[index]!;
  const previous = ctx.deployed;
  ctx.progress(`${s.name}: up with ${ctx.configKey}=${s.name}`);
  const off = ctx.interrupts.on(shield ?? (() => stack.interrupt()));
  const beat = setInterval(() => void writeRecord(ctx, {}), 60_000);
  let failure: string | undefined;
  let changes = 0;
  try {
    ({ changes } = await stack.up({
      stage: s.name,
      message: `agent-alias rollout ${ctx.record.run}: ${purpose} ${s.name} (${weights(s)})`,
    }));
    ctx.configStage = s.name;
  } catch (e) {
    failure = errorText(e);
  } finally {
    clearInterval(beat);
    off();
  }
  const now = await readDeployed(ctx);
  if (failure !== undefined) {
    await configToDeployed(ctx, previous);
    return { ok: false, message: failure };
  }
  if (now !== undefined && !(now.kind === "stage" && now.index === index))
    return {
      ok: false,
      message: `pulumi up succeeded, but the alias '${ctx.aliasKey}' serves ${describePosition(plan, now)}, not ${s.name}: the program must deploy the policy file's stage table at the stage in config ${ctx.configKey}`,
    };
  return { ok: true, changes };
}

/** Who an explicit move back moves: the canary rule's partition keys, by the policies' diff. */
function movesBack(ctx: StagesContext, served: ServedAlias, to: number): MoveReport {
  const target = ctx.plan.policies[to]!;
  const diff = diffPolicies(
    { key: ctx.aliasKey, policy: served.policy },
    { key: ctx.aliasKey, policy: target },
    [],
    {
      keys: 20_000,
    },
  );
  const from = ctx.deployed.kind === "stage" ? ctx.plan.stages[ctx.deployed.index]!.name : "?";
  return {
    from_stage: from,
    to_stage: ctx.plan.stages[to]!.name,
    moves: diff.transitions.map((t) => ({ from: t.from, to: t.to, share: t.share })),
  };
}

/** Runs the decision (`start` or `finish_revert`) once the stack is held; the report. */
export async function runStages(
  ctx: StagesContext,
  decision: Extract<StartDecision, { action: "start" | "finish_revert" }>,
  base: Base,
  served: ServedAlias | null,
): Promise<RolloutResult> {
  const reports: StageReport[] = [];
  const startStage = ctx.plan.stages[decision.action === "start" ? decision.index : decision.target]!.name;
  const result = (
    status: RolloutStatus,
    message: string,
    extra: Partial<RolloutResult> = {},
  ): RolloutResult => ({
    status,
    exit_code: STATUS_EXIT[status],
    message,
    ...base,
    start_stage: startStage,
    final_stage: ctx.configStage ?? null,
    deployed_stage: ctx.deployed.kind === "stage" ? ctx.plan.stages[ctx.deployed.index]!.name : null,
    stages: reports,
    ...extra,
  });

  // Hold the stack: write the record, then read it back (a run that wrote at the same time wins).
  try {
    await writeRecord(
      ctx,
      decision.action === "start" ? {} : { phase: "aborting", target: startStage },
      true,
    );
    const back = decodeRecord((await ctx.stack.tags())[ROLLOUT_TAG]);
    if (back?.run !== ctx.record.run)
      return result(
        "locked",
        `another rollout took the stack at the same time: ${back?.by ?? "?"} (pid ${back?.pid ?? "?"})`,
      );
  } catch (e) {
    return result("error", `cannot record the rollout in the stack's tags: ${errorText(e)}`);
  }
  if (decision.action === "finish_revert") return finishRevert(ctx, decision, result);
  const moved = decision.back && served !== null ? movesBack(ctx, served, decision.index) : undefined;
  if (moved !== undefined)
    for (const m of moved.moves)
      ctx.progress(
        `moving back ${moved.from_stage} -> ${moved.to_stage}: ${(m.share * 100).toFixed(1)}% of the canary rule's partition keys move from ${m.from} to ${m.to}`,
      );
  const r = await stagesFrom(ctx, decision.index, reports, result);
  return moved === undefined ? r : { ...r, moved_back: moved };
}

type Result = (status: RolloutStatus, message: string, extra?: Partial<RolloutResult>) => RolloutResult;

async function interrupted(ctx: StagesContext, result: Result): Promise<RolloutResult> {
  const where = (await readDeployed(ctx)) ?? ctx.deployed;
  await configToDeployed(ctx, where);
  await endRecord(ctx, "interrupted");
  return result(
    "interrupted",
    `interrupted: the alias '${ctx.aliasKey}' serves ${describePosition(ctx.plan, where)}; nothing was reverted`,
  );
}

async function stagesFrom(
  ctx: StagesContext,
  from: number,
  reports: StageReport[],
  result: Result,
): Promise<RolloutResult> {
  const { plan, stack } = ctx;
  const passed: string[] = [];
  const sessions = new SessionLog(ctx.api.sessions(ctx.aliasKey));
  const wasAt = ctx.deployed.kind === "stage" ? ctx.deployed.index : undefined;
  for (const stage of plan.stages.slice(from)) {
    if (ctx.interrupts.count > 0) return interrupted(ctx, result);
    await writeRecord(ctx, { phase: "running", stage: stage.name });
    const d = await deploy(ctx, stage.index, "deploy");
    if (ctx.interrupts.count > 0) return interrupted(ctx, result);
    if (!d.ok) {
      await endRecord(ctx, "error");
      return result("error", d.message);
    }
    const now = ctx.clock();
    let since: number | undefined;
    if (stage.index === from && wasAt === from && d.changes === 0) {
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
    const end = await watchStage(
      {
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
        pause: (ms) => ctx.interrupts.pause(ms, ctx.sleep),
        progress: ctx.progress,
        heartbeat: () => heartbeat(ctx),
      },
      stage,
      began,
      waitUntil,
      report,
      plan.policies[stage.index]!,
    );
    if (end.outcome === "interrupted") {
      report.outcome = "interrupted";
      return interrupted(ctx, result);
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
    return revert(ctx, stage.name, end.evaluation, end.line, passed, report, result);
  }
  await endRecord(ctx, "completed");
  const last = plan.stages.at(-1)!.name;
  const ran = plan.stages.slice(from).map((s) => s.name);
  return result("completed", `completed: ${ran.join(" -> ")}; the stack is at ${last}`);
}

async function revert(
  ctx: StagesContext,
  failing: string,
  evaluation: GateEvaluation,
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
  const verdict = describeVerdict(evaluation, target);
  report.verdict = verdict;
  await writeRecord(ctx, { phase: "aborting", stage: failing, target });
  try {
    await ctx.stack.setTag(VERDICT_TAG, verdictTag(verdict));
  } catch (e) {
    ctx.progress(`could not keep the verdict in the stack's tags: ${errorText(e)}`);
  }
  return revertTo(ctx, target, failing, verdict, result);
}

/** Deploys the revert target; a first interrupt is answered by finishing it first. */
async function revertTo(
  ctx: StagesContext,
  target: string,
  failing: string,
  verdict: string,
  result: Result,
): Promise<RolloutResult> {
  const index = ctx.plan.stages.findIndex((s) => s.name === target);
  const d = await deploy(ctx, index, `revert ${failing} to`, (n) => {
    if (n === 1)
      ctx.progress(`interrupted: finishing the revert to ${target} first (interrupt again to stop it now)`);
    else ctx.stack.interrupt();
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

async function finishRevert(
  ctx: StagesContext,
  decision: Extract<StartDecision, { action: "finish_revert" }>,
  result: Result,
): Promise<RolloutResult> {
  const target = ctx.plan.stages[decision.target]!.name;
  const why = ctx.verdict === undefined ? "" : ` (${ctx.verdict})`;
  const verdict = `${decision.failed} had failed${why}; finished the revert to ${target}`;
  return revertTo(ctx, target, decision.failed, verdict, result);
}
