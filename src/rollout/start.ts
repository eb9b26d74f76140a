/**
 * Where a rollout starts, decided before it changes anything (`decideStart`), pure: from where
 * the alias is (the policy the API serves, position.ts), the stack's rollout record (record.ts),
 * the stage in stack config and the file's `current:`, and the flags.
 *
 * - A live holder: `locked` (one rollout per stack).
 * - A record left `aborting` (a revert interrupted or failed): `finish_revert` to its target;
 *   recovery goes forward to safety, never back to the failed stage.
 * - The alias serves no stage of the table: `refuse`, unless `--from-stage` says where to go.
 * - No alias yet: start at `--from-stage`, else the stage in config, else `current:`.
 * - Otherwise start where the alias is; at the last stage the rollout is `complete`.
 *   `--from-stage` may move on from there; a stage that sends `to` a smaller share than the
 *   alias does now (users back to `from`) needs `allowBack`, or the run is refused.
 * Stack config and `current:` never move users: when they disagree with the alias, a note says so.
 */
import type { CanaryPlan } from "../policy/index.js";
import { type AliasPosition, canaryShare } from "./position.js";
import type { RolloutRecord } from "./record.js";

export interface StartInput {
  readonly plan: CanaryPlan;
  readonly aliasKey: string;
  readonly position: AliasPosition;
  /** The stage in stack config (undefined: unset). */
  readonly configStage: string | undefined;
  readonly record: RolloutRecord | undefined;
  readonly holder: "none" | "live" | "dead";
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

export function decideStart(input: StartInput): StartDecision {
  const { plan, position, record } = input;
  const find = (name: string) => plan.stages.findIndex((s) => s.name === name);
  const names = plan.stages.map((s) => s.name).join(", ");
  const alias = `alias '${input.aliasKey}'`;

  if (input.holder === "live" && record !== undefined)
    return {
      action: "locked",
      message: `another rollout is running on this stack: ${record.by} (pid ${record.pid}) since ${record.since}, last seen ${record.seen}, ${record.phase} at ${record.stage}; wait for it to end, or stop it`,
    };
  if (record?.phase === "aborting" && record.target !== undefined) {
    const target = find(record.target);
    if (target < 0)
      return {
        action: "refuse",
        message: `a rollout by ${record.by} was reverting ${record.stage} to ${record.target} when it stopped, and ${record.target} is not a stage of this table (${names}); deploy it by hand`,
      };
    const where =
      position.kind === "stage" && position.index === target
        ? `the alias already serves ${record.target}`
        : `the alias still serves ${position.kind === "stage" ? weights(plan, position.index) : "no stage of the table"}`;
    return {
      action: "finish_revert",
      target,
      failed: record.stage,
      notes: [
        `a rollout by ${record.by} (since ${record.since}) was reverting ${record.stage} to ${record.target} when it stopped; ${where}: finishing the revert`,
      ],
    };
  }

  const from = input.fromStage;
  const fromIndex = from === undefined ? undefined : find(from);
  if (from !== undefined && fromIndex! < 0)
    return { action: "refuse", message: `--from-stage: unknown stage '${from}'; the stages are ${names}` };

  if (position.kind === "unmapped") {
    if (fromIndex !== undefined)
      return {
        action: "start",
        index: fromIndex,
        back: false,
        notes: [
          `the ${alias} serves no stage of the table (${position.reason}); --from-stage ${from} deploys it`,
        ],
      };
    return {
      action: "refuse",
      message: `the ${alias} serves a policy that is no stage of the table: ${position.reason}; give --from-stage NAME to deploy a stage from here`,
    };
  }
  if (position.kind === "absent") {
    const config =
      input.configStage !== undefined && find(input.configStage) >= 0 ? input.configStage : undefined;
    const index = fromIndex ?? find(config ?? plan.current);
    return {
      action: "start",
      index,
      back: false,
      notes: [`the ${alias} does not exist yet: the first up creates it at ${plan.stages[index]!.name}`],
    };
  }

  const at = position.index;
  const notes = [...(position.note === undefined ? [] : [position.note])];
  if (fromIndex !== undefined && fromIndex !== at) {
    const [now, then] = [canaryShare(plan.stages[at]!.weights), canaryShare(plan.stages[fromIndex]!.weights)];
    if (then < now && !input.allowBack) {
      const moved = Math.round((now - then) * 1000) / 10;
      return {
        action: "refuse",
        message: `the ${alias} is at ${weights(plan, at)}; starting at ${weights(plan, fromIndex)} would send ${moved}% of the canary rule's sessions from ${plan.to} back to ${plan.from}; to do that on purpose add --allow-back (--from-stage ${from} --allow-back)`,
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
  if (at === plan.stages.length - 1) return { action: "complete", index: at, notes };
  return { action: "start", index: at, back: false, notes };
}
