/**
 * `runRollout`: drives a stack through the stages of a canary plan, from where the alias is.
 *
 * - Before anything changes: the policy the API serves is mapped onto the stage table, the
 *   stack's rollout record is read, and `decideStart` says what to do (start.ts): refuse a run
 *   that would move users of `to` back to `from` without `allowBack`, end at once when the alias
 *   is at the last stage, finish an interrupted revert, or refuse while another rollout holds
 *   the stack. `dryRun` stops here and says what the run would do.
 * - Then it holds the stack (record.ts), and for each stage (stages.ts): set the stage in stack
 *   config, `up`, read what the API serves, and watch the gates on the canary rule's own
 *   sessions (watch.ts) until they pass (the next stage), fail or stay short of traces past
 *   `max_wait` (revert to the last stage passed, else the plan's `baseline`, else the first).
 * - Recovery goes forward to safety: the record says `aborting` before the revert's `up`; a
 *   failed `up` leaves config at the stage the API serves; an interrupt stops the running `up`
 *   cleanly (a revert is finished first unless interrupted twice) and ends with how to resume.
 * Never throws for a verdict or a Pulumi failure: those are reported, with the engine's words.
 */
import { hostname, userInfo } from "node:os";
import { type CanaryPlan, canaryGates, gateLimits, MIN_TRACES_GATE } from "../policy/index.js";
import { formatDuration } from "../units/index.js";
import type { RolloutApi, ServedAlias } from "./api.js";
import type { RunContext } from "./context.js";
import { unfinishedRevertIn } from "./history.js";
import { Interrupts } from "./interrupts.js";
import { type AliasPosition, stageOfPolicy } from "./position.js";
import {
  decodeRecord,
  holderName,
  holderState,
  pidAlive,
  ROLLOUT_TAG,
  type RolloutRecord,
  rolloutKey,
  VERDICT_TAG,
} from "./record.js";
import { type RolloutResult, type RolloutStatus, STATUS_EXIT } from "./report-types.js";
import type { RolloutStack } from "./stack.js";
import { planned, runStages } from "./stages.js";
import { decideStart, type StartDecision } from "./start.js";

export type { TraceReader } from "./api.js";

export interface RolloutOptions {
  plan: CanaryPlan;
  /** The alias the program deploys (the policy file's `key`, or `--alias`). */
  aliasKey: string;
  stack: RolloutStack;
  api: RolloutApi;
  /** The config key the program reads its stage from (for messages; the stack sets it). Default `canaryStage`. */
  configKey?: string | undefined;
  /** Time between checks (default 10 s). */
  intervalMs?: number | undefined;
  dryRun?: boolean | undefined;
  fromStage?: string | undefined;
  /** Allow a `fromStage` that sends users of `to` back to `from`. */
  allowBack?: boolean | undefined;
  /** Attempts of one read before the check counts as failed to read (default 3). */
  readAttempts?: number | undefined;
  /** Checks in a row that could not read the traces before the rollout stops (default 30). */
  maxReadFailures?: number | undefined;
  /** SIGINT/SIGTERM of the command. */
  interrupts?: Interrupts | undefined;
  /** ms since the epoch (default Date.now). */
  clock?: (() => number) | undefined;
  sleep?: ((ms: number) => Promise<void>) | undefined;
  /** One line per step and per check, for a terminal. */
  progress?: ((line: string) => void) | undefined;
  /** Who runs it, for the record (default this process, user and host). */
  holder?: { host: string; by: string; pid: number } | undefined;
  /** How long another host's rollout may go unseen before its record is stale (default max(5 min, 3 intervals)). */
  staleMs?: number | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** This process as a record's holder: `user@host` and its pid (a user without a name: `$USER`, else `unknown`). */
function thisProcess(): { host: string; by: string; pid: number } {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? "unknown";
  }
  return { host: hostname(), by: holderName(user, hostname()), pid: process.pid };
}

/** One line per stage of a dry run. */
function describeStage(s: CanaryPlan["stages"][number]): string {
  const w = `${s.weights[0]}/${s.weights[1]}`;
  if (!s.watched) return `${s.name} (${w}): set, up; not judged (no canary traffic)`;
  const limits = [MIN_TRACES_GATE.plan(s.gates.minTraces)];
  for (const [key, gate] of canaryGates()) {
    const planned = s.gates[key] as Readonly<Record<string, number | undefined>> | undefined;
    for (const [, l] of planned === undefined ? [] : gateLimits(gate)) {
      const value = planned?.[l.planned];
      if (value !== undefined) limits.push(l.plan(value));
    }
  }
  return `${s.name} (${w}): set, up, hold ${formatDuration(s.holdMs)} (max wait ${formatDuration(s.maxWaitMs)}, abort after ${s.maxFailedChecks} failed check${s.maxFailedChecks === 1 ? "" : "s"}); gates on the canary rule's sessions: ${limits.join(", ")}`;
}

const stageName = (plan: CanaryPlan, p: AliasPosition) =>
  p.kind === "stage" ? plan.stages[p.index]!.name : null;

/** What a dry run says it would do, given the decision. */
function dryRunActions(
  plan: CanaryPlan,
  decision: StartDecision,
  configKey: string,
  configStage: string | undefined,
) {
  const head = `stack config ${configKey} is ${configStage === undefined ? "unset" : `'${configStage}'`}`;
  switch (decision.action) {
    case "locked":
    case "refuse":
      return [`${head}; would refuse: ${decision.message}`];
    case "complete":
      return [`${head}; would stop: already complete at ${plan.stages[decision.index]!.name}, no up`];
    case "finish_revert":
      return [
        `${head}; would finish the interrupted revert: set ${plan.stages[decision.target]!.name}, up, exit 1`,
      ];
    case "start": {
      const todo = plan.stages.slice(decision.index);
      return [
        `${head}; would start at ${todo[0]!.name}${decision.back ? " (moving users back, --allow-back)" : ""}`,
        ...todo.map(describeStage),
        `on abort: revert to the last stage passed, else ${plan.baseline ?? plan.stages[0]!.name}, up, exit 1`,
      ];
    }
  }
}

/** Runs the rollout (see the module header); resolves with its report, whose `exit_code` the CLI returns. */
export async function runRollout(options: RolloutOptions): Promise<RolloutResult> {
  const { plan, stack, api, aliasKey } = options;
  const configKey = options.configKey ?? "canaryStage";
  const clock = options.clock ?? Date.now;
  const intervalMs = options.intervalMs ?? 10_000;
  const progress = options.progress ?? (() => {});
  const holder = options.holder ?? thisProcess();
  const staleMs = options.staleMs ?? Math.max(300_000, 3 * intervalMs);

  const [configStage, tags, served, updates] = await Promise.all([
    stack.getStage(),
    stack.tags(),
    api.alias(aliasKey),
    stack.updates(10),
  ]);
  const position = stageOfPolicy(plan, served?.policy ?? null);
  const record = decodeRecord(tags[ROLLOUT_TAG]);
  const key = rolloutKey(aliasKey, plan.from, plan.to);
  const held = holderState(record, { now: clock(), host: holder.host, pid: holder.pid, pidAlive, staleMs });
  const decision = decideStart({
    plan,
    aliasKey,
    position,
    configStage,
    record,
    holder: held,
    key,
    historyRevert: unfinishedRevertIn(updates),
    fromStage: options.fromStage,
    allowBack: options.allowBack,
  });
  const notes = [...("notes" in decision ? decision.notes : [])];
  if (record?.key === key && record.phase === "running" && held === "dead")
    notes.unshift(
      `a rollout by ${record.by} (since ${iso(record.since)}) stopped at ${record.stage} without ending; going on from where the alias is`,
    );
  for (const n of notes) progress(n);

  const base = {
    config_key: configKey,
    alias_key: aliasKey,
    from: plan.from,
    to: plan.to,
    initial_stage: configStage ?? null,
    initial_deployed: stageName(plan, position),
    notes,
    reverted_to: null,
  };
  const ended = (
    status: RolloutStatus,
    message: string,
    extra: Partial<RolloutResult> = {},
  ): RolloutResult => ({
    status,
    exit_code: STATUS_EXIT[status],
    message,
    ...base,
    start_stage: null,
    final_stage: configStage ?? null,
    deployed_stage: stageName(plan, position),
    stages: [],
    ...extra,
  });

  if (options.dryRun) {
    const actions = dryRunActions(plan, decision, configKey, configStage);
    for (const a of actions) progress(a);
    const todo = decision.action === "start" ? plan.stages.slice(decision.index) : [];
    // A dry run exits as the run would refuse (2) or find the stack held (1); 0 otherwise.
    const exit = decision.action === "refuse" ? 2 : decision.action === "locked" ? 1 : 0;
    return ended("dry_run", `dry run: ${actions[0]}`, {
      exit_code: exit,
      start_stage: todo[0]?.name ?? null,
      stages: todo.map((s) => planned(s, null, "planned")),
      actions,
    });
  }
  if (decision.action === "locked") return ended("locked", decision.message);
  if (decision.action === "refuse") return ended("refused", decision.message);
  if (decision.action === "complete") {
    const last = plan.stages[decision.index]!.name;
    if (configStage !== last) await stack.setStage(last);
    return ended(
      "already_complete",
      `already complete: the alias '${aliasKey}' serves ${last}; nothing to do`,
      {
        final_stage: last,
      },
    );
  }

  const interrupts = options.interrupts ?? new Interrupts();
  const sleep = options.sleep ?? interrupts.sleeper();
  const ctx: RunContext = {
    plan,
    stack,
    api,
    aliasKey,
    configKey,
    alias: served ?? undefined,
    intervalMs,
    readAttempts: options.readAttempts ?? 3,
    maxReadFailures: options.maxReadFailures ?? 30,
    clock,
    sleep,
    interrupts,
    progress,
    record: {
      run: `${holder.pid.toString(36)}-${clock().toString(36)}`,
      by: holder.by,
      pid: holder.pid,
      since: clock(),
      seen: clock(),
      key,
      phase: "running",
      stage: plan.stages[decision.action === "start" ? decision.index : decision.target]!.name,
    } satisfies RolloutRecord,
    deployed: position,
    configStage,
    verdict: tags[VERDICT_TAG],
  };
  return runStages(ctx, decision, base, served as ServedAlias | null);
}
