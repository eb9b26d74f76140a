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
import type { CanaryPlan } from "../policy/index.js";
import type { RolloutApi, ServedAlias } from "./api.js";
import type { RunContext } from "./context.js";
import { dryRunActions } from "./dry-run.js";
import type { RolloutEvent } from "./events.js";
import { unfinishedRevertIn } from "./history.js";
import { Interrupts } from "./interrupts.js";
import { type AliasPosition, stageOfPolicy } from "./position.js";
import {
  decodeRecord,
  holderState,
  pidAlive,
  ROLLOUT_TAG,
  type RolloutRecord,
  rolloutKey,
  thisHolder,
  VERDICT_TAG,
} from "./record.js";
import { type RolloutResult, type RolloutStatus, STATUS_EXIT } from "./report-types.js";
import type { RolloutStack } from "./stack.js";
import { planned, runStages } from "./stages.js";
import { decideStart, type StartDecision } from "./start.js";
import type { RolloutStatusSnapshot } from "./status.js";
import { serializedTags } from "./steer-run.js";
import { initialSteering } from "./steering.js";

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
  /**
   * Deploy one stage and stop, watching nothing (what `agent-alias rollout abort|promote` does
   * when no rollout is running): `abort` the revert target (the plan's baseline, else its first
   * stage), `promote` the stage after the one the alias serves.
   */
  only?: "abort" | "promote" | undefined;
  /** Each step as an event (events.ts), e.g. to a JSON-lines file. */
  event?: ((e: RolloutEvent) => void) | undefined;
  /** Each status the rollout publishes (status.ts), e.g. for a live view. */
  onStatus?: ((s: RolloutStatusSnapshot) => void) | undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

const stageName = (plan: CanaryPlan, p: AliasPosition) =>
  p.kind === "stage" ? plan.stages[p.index]!.name : null;

/** What the run starts from: the stack, the alias, the rollout record, and what to do. */
interface Start {
  readonly configStage: string | undefined;
  readonly tags: Record<string, string>;
  readonly served: Awaited<ReturnType<RolloutApi["alias"]>>;
  readonly position: AliasPosition;
  readonly key: string;
  readonly decision: StartDecision;
  readonly notes: string[];
}

/** Step 1: read the stack, its record and the alias, and decide where to start (changes nothing). */
async function readStart(options: RolloutOptions, settings: Settings): Promise<Start> {
  const { plan, stack, api, aliasKey } = options;
  const { clock, holder, staleMs } = settings;
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
  return { configStage, tags, served, position, key, decision, notes };
}

/** The stage `only` deploys, from where the alias is; or why there is none. */
function onlyTarget(
  plan: CanaryPlan,
  position: AliasPosition,
  only: "abort" | "promote",
): { stage: string } | { status: RolloutStatus; message: string } {
  if (only === "abort") return { stage: plan.baseline ?? plan.stages[0]!.name };
  if (position.kind !== "stage")
    return {
      status: "refused",
      message:
        "promote: the alias serves no stage of the table, so there is no next stage; give --from-stage to a rollout",
    };
  const next = plan.stages[position.index + 1];
  if (next === undefined)
    return {
      status: "already_complete",
      message: `already complete: the alias serves ${plan.stages[position.index]!.name}`,
    };
  return { stage: next.name };
}

/** The options with their defaults. */
interface Settings {
  readonly configKey: string;
  readonly clock: () => number;
  readonly intervalMs: number;
  readonly progress: (line: string) => void;
  readonly holder: { host: string; by: string; pid: number };
  readonly staleMs: number;
}

function settingsOf(options: RolloutOptions): Settings {
  const intervalMs = options.intervalMs ?? 10_000;
  return {
    configKey: options.configKey ?? "canaryStage",
    clock: options.clock ?? Date.now,
    intervalMs,
    progress: options.progress ?? (() => {}),
    holder: options.holder ?? thisHolder(),
    staleMs: options.staleMs ?? Math.max(300_000, 3 * intervalMs),
  };
}

/** The fields of the report every outcome shares. */
function reportBase(options: RolloutOptions, settings: Settings, start: Start) {
  const { plan } = options;
  return {
    config_key: settings.configKey,
    alias_key: options.aliasKey,
    from: plan.from,
    to: plan.to,
    initial_stage: start.configStage ?? null,
    initial_deployed: stageName(plan, start.position),
    notes: start.notes,
    reverted_to: null,
  };
}

/** A report of a run that ended before any stage: nothing deployed, the alias where it was. */
function endedBeforeStages(
  options: RolloutOptions,
  start: Start,
  base: ReturnType<typeof reportBase>,
  status: RolloutStatus,
  message: string,
  extra: Partial<RolloutResult> = {},
): RolloutResult {
  return {
    status,
    exit_code: STATUS_EXIT[status],
    message,
    ...base,
    start_stage: null,
    final_stage: start.configStage ?? null,
    deployed_stage: stageName(options.plan, start.position),
    stages: [],
    ...extra,
  };
}

/** Step 2, for a dry run: what the run would do, and the exit it would have. */
function dryRun(
  options: RolloutOptions,
  settings: Settings,
  start: Start,
  base: ReturnType<typeof reportBase>,
) {
  const { plan } = options;
  const { decision } = start;
  const actions = dryRunActions(plan, decision, settings.configKey, start.configStage);
  for (const a of actions) settings.progress(a);
  const todo = decision.action === "start" ? plan.stages.slice(decision.index) : [];
  // A dry run exits as the run would refuse (2) or find the stack held (1); 0 otherwise.
  const exit = decision.action === "refuse" ? 2 : decision.action === "locked" ? 1 : 0;
  return endedBeforeStages(options, start, base, "dry_run", `dry run: ${actions[0]}`, {
    exit_code: exit,
    start_stage: todo[0]?.name ?? null,
    stages: todo.map((s) => planned(s, null, "planned")),
    actions,
  });
}

/** Step 2: a run that has nothing to deploy: the stack is held, the run refused, or the alias complete already. */
async function settledAtStart(
  options: RolloutOptions,
  start: Start,
  base: ReturnType<typeof reportBase>,
  decision: Extract<StartDecision, { action: "locked" | "refuse" | "complete" }>,
): Promise<RolloutResult> {
  const end = (status: RolloutStatus, message: string, extra: Partial<RolloutResult> = {}) =>
    endedBeforeStages(options, start, base, status, message, extra);
  if (decision.action === "locked") return end("locked", decision.message);
  if (decision.action === "refuse") return end("refused", decision.message);
  const last = options.plan.stages[decision.index]!.name;
  if (start.configStage !== last) await options.stack.setStage(last);
  return end(
    "already_complete",
    `already complete: the alias '${options.aliasKey}' serves ${last}; nothing to do`,
    {
      final_stage: last,
    },
  );
}

/** Step 3: what the stages run with, the stack's record of this run included. */
function runContext(
  options: RolloutOptions,
  settings: Settings,
  start: Start,
  decision: Extract<StartDecision, { action: "start" | "finish_revert" }>,
): RunContext {
  const { plan, api, aliasKey } = options;
  const { clock, holder } = settings;
  const interrupts = options.interrupts ?? new Interrupts();
  return {
    plan,
    stack: serializedTags(options.stack),
    api,
    aliasKey,
    configKey: settings.configKey,
    alias: start.served ?? undefined,
    intervalMs: settings.intervalMs,
    readAttempts: options.readAttempts ?? 3,
    maxReadFailures: options.maxReadFailures ?? 30,
    clock,
    sleep: options.sleep ?? interrupts.sleeper(),
    interrupts,
    progress: settings.progress,
    record: {
      run: `${holder.pid.toString(36)}-${clock().toString(36)}`,
      by: holder.by,
      pid: holder.pid,
      since: clock(),
      seen: clock(),
      key: start.key,
      phase: "running",
      stage: plan.stages[decision.action === "start" ? decision.index : decision.target]!.name,
    } satisfies RolloutRecord,
    deployed: start.position,
    configStage: start.configStage,
    verdict: start.tags[VERDICT_TAG],
    only: options.only !== undefined,
    steering: initialSteering(),
    steered: [],
    event: options.event ?? (() => {}),
    onStatus: options.onStatus ?? (() => {}),
  };
}

/** Runs the rollout (see the module header); resolves with its report, whose `exit_code` the CLI returns. */
export async function runRollout(options: RolloutOptions): Promise<RolloutResult> {
  const settings = settingsOf(options);
  let start = await readStart(options, settings);
  if (options.only !== undefined) {
    const target = onlyTarget(options.plan, start.position, options.only);
    if (!("stage" in target))
      return endedBeforeStages(
        options,
        start,
        reportBase(options, settings, start),
        target.status,
        target.message,
      );
    start = await readStart(
      { ...options, fromStage: target.stage, allowBack: options.only === "abort" },
      settings,
    );
  }
  for (const n of start.notes) settings.progress(n);
  const base = reportBase(options, settings, start);
  if (options.dryRun) return dryRun(options, settings, start, base);
  const { decision } = start;
  if (decision.action === "locked" || decision.action === "refuse" || decision.action === "complete")
    return settledAtStart(options, start, base, decision);
  const ctx = runContext(options, settings, start, decision);
  return runStages(ctx, decision, base, start.served as ServedAlias | null);
}
