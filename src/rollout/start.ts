/**
 * Where a rollout starts, decided before it changes anything (`decideStart`), pure: from where
 * the alias is (the policy the API serves, position.ts), the stack's rollout record (record.ts)
 * and update history (history.ts), the stage in stack config and the file's `current:`, and the
 * flags.
 *
 * - A live holder: `locked` (one rollout per stack).
 * - A revert that did not finish (this rollout's record left `aborting`, or the stack's last
 *   update a failed revert) while the alias still serves the failed stage, the target or a stage
 *   between: `finish_revert` to the target; recovery goes forward to safety, never back to the
 *   failed stage. Moved elsewhere since (by hand), the evidence is stale: a note says so.
 * - The alias serves no stage of the table: `refuse`, unless `--from-stage` says where to go
 *   (and `allowBack` when that sends users back to `from`, or when who moves cannot be told).
 * - No alias yet: start at `--from-stage`, else the stage in config, else `current:`.
 * - Otherwise start where the alias is (of two stages that route alike, the one the record
 *   names); at the last stage the rollout is `complete`, unless this rollout's record says that
 *   stage was not judged to the end (then it is watched again). `--from-stage` may move on from
 *   there; a stage that sends `to` a smaller share than the alias does now (users back to
 *   `from`) needs `allowBack`, or the run is refused.
 * Stack config and `current:` never move users: when they disagree with the alias, a note says so.
 */
import type { CanaryPlan } from "../policy/index.js";
import { type AliasPosition, canaryShare, routesAlike } from "./position.js";
import type { RolloutRecord } from "./record.js";

export interface StartInput {
  readonly plan: CanaryPlan;
  readonly aliasKey: string;
  readonly position: AliasPosition;
  /** The stage in stack config (undefined: unset). */
  readonly configStage: string | undefined;
  readonly record: RolloutRecord | undefined;
  readonly holder: "none" | "live" | "dead";
  /** This rollout's fingerprint (`rolloutKey(alias, from, to)`): a record with another is not this one's. */
  readonly key: string;
  /** The revert the stack's latest update tried and did not finish (`unfinishedRevertIn`). */
  readonly historyRevert?: { readonly failed: string; readonly target: string } | undefined;
  readonly fromStage?: string | undefined;
  readonly allowBack?: boolean | undefined;
}

export type StartDecision =
  /** Another rollout holds the stack: exit 1, nothing changed. */
  | { readonly action: "locked"; readonly message: string }
  /** The run as asked would move users back, or cannot tell where the alias is: exit 2. */
  | { readonly action: "refuse"; readonly message: string }
  /** The alias is at the last stage: exit 0, no `up`. */
  | { readonly action: "complete"; readonly index: number; readonly notes: readonly string[] }
  /** Deploy `target` (an interrupted abort's revert), then end as aborted. */
  | {
      readonly action: "finish_revert";
      readonly target: number;
      readonly failed: string;
      readonly notes: readonly string[];
    }
  /** Run the stages from `index`; `back` when that moves users of `to` back to `from` (allowed). */
  | {
      readonly action: "start";
      readonly index: number;
      readonly back: boolean;
      readonly notes: readonly string[];
    };

const weights = (plan: CanaryPlan, i: number) => {
  const s = plan.stages[i]!;
  return `${s.name} (${s.weights[0]}/${s.weights[1]})`;
};

/** The notes that say where config and the file's `current:` disagree with where the alias is. */
function disagreements(input: StartInput, at: number): string[] {
  const { plan } = input;
  const here = plan.stages[at]!.name;
  const notes: string[] = [];
  if (input.configStage !== undefined && input.configStage !== here)
    notes.push(`stack config says ${input.configStage}`);
  if (plan.current !== here) notes.push(`the policy file's current: says ${plan.current}`);
  return notes.length === 0
    ? []
    : [`${notes.join(" and ")}, but the alias serves ${weights(plan, at)}: the rollout goes on from there`];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** An unfinished revert, if this rollout's record or the stack's history says so. */
function unfinishedRevert(input: StartInput): { failed: string; target: string; who: string } | undefined {
  const r = input.record;
  if (r !== undefined && r.key === input.key && r.phase === "aborting" && r.target !== undefined)
    return { failed: r.stage, target: r.target, who: `a rollout by ${r.by} (since ${iso(r.since)})` };
  const h = input.historyRevert;
  return h === undefined
    ? undefined
    : { ...h, who: "the stack's last update, a rollout's revert that failed," };
}

/** What every step of the decision reads: the input, its lookups and the notes so far. */
interface StartView {
  readonly input: StartInput;
  readonly plan: CanaryPlan;
  readonly find: (name: string) => number;
  readonly share: (i: number) => number;
  /** `alias 'key'`, as messages name it. */
  readonly alias: string;
  /** The stack's rollout record when it is this rollout's. */
  readonly ours: RolloutRecord | undefined;
  /** --from-stage's index in the table (-1: no such stage); undefined without --from-stage. */
  readonly fromIndex: number | undefined;
  /** What the decision says besides: each step adds to it. */
  readonly notes: string[];
}

/**
 * Where a rollout starts and what it must do first (see the module's header): refuse, wait
 * for a live holder, finish an unfinished revert, end at once, or start at a stage. Pure.
 */
export function decideStart(input: StartInput): StartDecision {
  const { plan, position, record } = input;
  if (input.holder === "live" && record !== undefined)
    return {
      action: "locked",
      message: `another rollout is running on this stack: ${record.by} (pid ${record.pid}) since ${iso(record.since)}, last seen ${iso(record.seen)}, ${record.phase} at ${record.stage}; wait for it to end, or stop it`,
    };
  const find = (name: string) => plan.stages.findIndex((s) => s.name === name);
  const from = input.fromStage;
  const view: StartView = {
    input,
    plan,
    find,
    share: (i) => canaryShare(plan.stages[i]!.weights),
    alias: `alias '${input.aliasKey}'`,
    ours: record !== undefined && record.key === input.key ? record : undefined,
    fromIndex: from === undefined ? undefined : find(from),
    notes: [],
  };
  if (record !== undefined && view.ours === undefined && record.phase !== "ended")
    view.notes.push(
      `the stack's rollout record is of another rollout (${record.by}, ${record.phase} at ${record.stage}, since ${iso(record.since)}): not this one's, left aside`,
    );
  const finishing = finishRevert(view);
  if (finishing !== undefined) return finishing;

  if (from !== undefined && view.fromIndex! < 0) {
    const names = plan.stages.map((s) => s.name).join(", ");
    return { action: "refuse", message: `--from-stage: unknown stage '${from}'; the stages are ${names}` };
  }
  if (position.kind === "unmapped") return startUnmapped(view, position);
  if (position.kind === "absent") return startAbsent(view);
  return startAtStage(view, position);
}

/** A revert the last run left unfinished: finished while the alias serves the failed stage, the target or between; else a note. */
function finishRevert(view: StartView): StartDecision | undefined {
  const { plan, position } = view.input;
  const { notes } = view;
  const revert = unfinishedRevert(view.input);
  if (revert === undefined) return undefined;
  const [t, f] = [view.find(revert.target), view.find(revert.failed)];
  const at = position.kind === "stage" ? position.index : -1;
  const between =
    t >= 0 && f >= 0 && at >= 0 && view.share(at) >= view.share(t) && view.share(at) <= view.share(f);
  if (between) {
    const where = routesAlike(plan.policies[at]!, plan.policies[t]!)
      ? `the alias already serves ${revert.target}`
      : `the alias still serves ${weights(plan, at)}`;
    return {
      action: "finish_revert",
      target: t,
      failed: revert.failed,
      notes: [
        ...notes,
        `${revert.who} was reverting ${revert.failed} to ${revert.target} when it stopped; ${where}: finishing the revert`,
      ],
    };
  }
  notes.push(
    `${revert.who} was reverting ${revert.failed} to ${revert.target} when it stopped, but the alias serves ${position.kind === "stage" ? weights(plan, at) : "another policy"} now (moved since, or another table): going on from where the alias is`,
  );
  return undefined;
}

/** The alias serves no stage of the table: only --from-stage starts, and --allow-back when it moves users back or who moves cannot be told. */
function startUnmapped(
  view: StartView,
  position: Extract<AliasPosition, { kind: "unmapped" }>,
): StartDecision {
  const { plan, input, alias, fromIndex, notes } = view;
  const from = input.fromStage;
  if (fromIndex === undefined)
    return {
      action: "refuse",
      message: `the ${alias} serves a policy that is no stage of the table: ${position.reason}; give --from-stage NAME to deploy a stage from here`,
    };
  const served = position.share;
  const back = served === undefined || view.share(fromIndex) < served;
  if (back && !input.allowBack)
    return {
      action: "refuse",
      message:
        served === undefined
          ? `the ${alias} serves a policy that is no stage of the table (${position.reason}): who --from-stage ${from} would move cannot be told; to deploy it anyway add --allow-back`
          : `the ${alias} sends ${Math.round(served * 1000) / 10}% of the canary rule's sessions to ${plan.to}; starting at ${weights(plan, fromIndex)} would send ${Math.round((served - view.share(fromIndex)) * 1000) / 10}% of them back to ${plan.from}; to do that on purpose add --allow-back (--from-stage ${from} --allow-back)`,
    };
  return {
    action: "start",
    index: fromIndex,
    back,
    notes: [
      ...notes,
      `the ${alias} serves no stage of the table (${position.reason}); --from-stage ${from} deploys it`,
    ],
  };
}

/** No alias yet: the first up creates it at --from-stage, else config's stage, else the file's `current:`. */
function startAbsent(view: StartView): StartDecision {
  const { plan, input, fromIndex, notes } = view;
  const config =
    input.configStage !== undefined && view.find(input.configStage) >= 0 ? input.configStage : undefined;
  const index = fromIndex ?? view.find(config ?? plan.current);
  return {
    action: "start",
    index,
    back: false,
    notes: [
      ...notes,
      `the ${view.alias} does not exist yet: the first up creates it at ${plan.stages[index]!.name}`,
    ],
  };
}

/** The alias serves a stage: go on from it (or --from-stage, refused backwards without --allow-back); at the last stage, complete unless it was never judged. */
function startAtStage(view: StartView, position: Extract<AliasPosition, { kind: "stage" }>): StartDecision {
  const { plan, input, ours, fromIndex, notes } = view;
  // Of stages that route alike, the one this rollout's record names.
  const recorded = ours === undefined ? -1 : view.find(ours.stage);
  const at =
    recorded >= 0 && routesAlike(plan.policies[recorded]!, plan.policies[position.index]!)
      ? recorded
      : position.index;
  if (position.note !== undefined) notes.push(position.note);
  if (fromIndex !== undefined && fromIndex !== at) {
    const from = input.fromStage;
    const [now, then] = [view.share(at), view.share(fromIndex)];
    if (then < now && !input.allowBack) {
      const moved = Math.round((now - then) * 1000) / 10;
      return {
        action: "refuse",
        message: `the ${view.alias} is at ${weights(plan, at)}; starting at ${weights(plan, fromIndex)} would send ${moved}% of the canary rule's sessions from ${plan.to} back to ${plan.from}; to do that on purpose add --allow-back (--from-stage ${from} --allow-back)`,
      };
    }
    return {
      action: "start",
      index: fromIndex,
      back: then < now,
      notes: [
        ...notes,
        `the alias serves ${weights(plan, at)}; --from-stage ${from} moves it to ${weights(plan, fromIndex)}`,
      ],
    };
  }
  notes.push(...disagreements(input, at));
  const last = plan.stages.length - 1;
  if (at < last) return { action: "start", index: at, back: false, notes };
  const unjudged =
    ours !== undefined &&
    ours.stage === plan.stages[last]!.name &&
    plan.stages[last]!.watched &&
    (ours.phase === "running" ||
      (ours.phase === "ended" && ["interrupted", "stopped", "error"].includes(ours.outcome ?? "")));
  if (!unjudged) return { action: "complete", index: at, notes };
  return {
    action: "start",
    index: at,
    back: false,
    notes: [
      ...notes,
      `the last stage, ${plan.stages[last]!.name}, was not judged to the end (the run by ${ours.by} ${ours.phase === "running" ? "stopped" : `ended ${ours.outcome}`} there): watching it again`,
    ],
  };
}
