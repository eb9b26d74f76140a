/**
 * The plan of a canary for the rollout command: every stage with its hold, max wait, failed
 * checks and gates resolved (a stage's own field, else the spec's, else DEFAULT_CHECKS), its
 * policy, and where the canary rule sits. Gates are resolved by the gate table: each limit set
 * goes to its planned field, durations in ms.
 */
import { parseDuration } from "../units/index.js";
import { isDurationKind } from "./canary-fields.js";
import { canaryGates, gateLimits, type PlannedGates } from "./canary-gates.js";
import { canaryPolicy } from "./canary-policy.js";
import {
  CanaryError,
  type CanarySpec,
  type CanaryStage,
  DEFAULT_CHECKS,
  DEFAULT_STAGES,
} from "./canary-stages.js";
import { validateCanary } from "./canary-validate.js";
import type { Policy } from "./schema.js";

/** One stage as a rollout watches it. */
export interface PlannedStage {
  readonly name: string;
  /** Position in the stage table, from 0. */
  readonly index: number;
  readonly weights: readonly [number, number];
  readonly holdMs: number;
  readonly maxWaitMs: number;
  readonly maxFailedChecks: number;
  readonly gates: PlannedGates;
  /** The stage sends the canary traffic (`weights[1] > 0`); one that does not has nothing to judge. */
  readonly watched: boolean;
}

/** The checked stages of a canary, in order, for the rollout command. */
export interface CanaryPlan {
  readonly from: string;
  readonly to: string;
  readonly current: string;
  readonly stages: readonly PlannedStage[];
  /** The first stage that sends the canary nothing (somewhere to revert to from the first stage), if any. */
  readonly baseline: string | undefined;
  /** The policy of each stage, in table order (what the program deploys at that stage). */
  readonly policies: readonly Policy[];
  /** The 0-based index of the canary rule in each stage's policy (after the `before` rules). */
  readonly canaryRule: number;
  /** The canary rule's `match`, when the canary is limited to some sessions. */
  readonly match: string | undefined;
}

const msOf = (d: string): number => parseDuration(d)!;

/** A stage's gates: min_traces, then each gate of the table that the stage or the spec sets. */
function plannedGates(spec: CanarySpec, s: CanaryStage): PlannedGates {
  const gates: Record<string, unknown> = {
    minTraces: s.gates?.minTraces ?? spec.gates?.minTraces ?? DEFAULT_CHECKS.minTraces,
  };
  for (const [key, gate] of canaryGates()) {
    // A stage's gate replaces the spec's whole.
    const given = (s.gates?.[key] ?? spec.gates?.[key]) as Record<string, unknown> | undefined;
    if (given === undefined) continue;
    const planned: Record<string, number> = {};
    for (const [name, limit] of gateLimits(gate)) {
      const v = given[name];
      if (v !== undefined)
        planned[limit.planned] = isDurationKind(limit.kind) ? msOf(v as string) : (v as number);
    }
    gates[key] = Object.freeze(planned);
  }
  return Object.freeze(gates) as unknown as PlannedGates;
}

function plannedStage(spec: CanarySpec, s: CanaryStage, index: number): PlannedStage {
  const holdMs = msOf(s.hold ?? spec.hold ?? DEFAULT_CHECKS.hold);
  const maxWait = s.maxWait ?? spec.maxWait;
  return Object.freeze({
    name: s.name,
    index,
    weights: Object.freeze([s.weights[0], s.weights[1]] as const),
    holdMs,
    maxWaitMs: maxWait === undefined ? holdMs : msOf(maxWait),
    maxFailedChecks: s.maxFailedChecks ?? spec.maxFailedChecks ?? DEFAULT_CHECKS.maxFailedChecks,
    gates: plannedGates(spec, s),
    watched: s.weights[1] > 0,
  });
}

/**
 * Every stage with its hold and gates resolved: a stage's own field, else the spec's, else
 * DEFAULT_CHECKS (`maxWait`: the stage's hold). Frozen. Throws CanaryError for an invalid spec.
 */
export function canaryPlan(spec: CanarySpec): CanaryPlan {
  const issues = validateCanary(spec);
  if (issues.length > 0) throw new CanaryError(issues);
  return planOf(spec);
}

/** The plan of a spec already checked. */
export function planOf(spec: CanarySpec): CanaryPlan {
  const stages = (spec.stages ?? DEFAULT_STAGES).map((s, i) => plannedStage(spec, s, i));
  return Object.freeze({
    from: spec.from,
    to: spec.to,
    current: spec.current,
    stages: Object.freeze(stages),
    baseline: stages.find((s) => !s.watched)?.name,
    policies: Object.freeze(stages.map((s) => canaryPolicy({ ...spec, current: s.name }))),
    canaryRule: spec.before?.length ?? 0,
    match: spec.match,
  });
}
