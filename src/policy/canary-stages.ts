/**
 * The canary model: a spec (`from`, `to`, how users are hashed, the stage in force), its stage
 * table (default 100/0 -> 95/5 -> 80/20 -> 50/50 -> 0/100), and how a rollout watches each
 * stage (`hold`, `max_wait`, `max_failed_checks`, `gates`: per stage, or as defaults on the
 * spec). The check fields never change the policy.
 */
import type { CanaryGates } from "./canary-gates.js";
import type { ValidationIssue } from "./issues.js";
import { formatPath, type PathPart } from "./issues.js";
import type { Rule } from "./schema.js";

/** How a rollout watches a stage; on the spec they are defaults, on a stage they override them. */
export interface CanaryChecks {
  /** How long the stage is watched before it may pass: `30m`, `45s`, `2h`, `1h30m` (default 10m). */
  hold?: string | undefined;
  /** How long past the hold the verdict may wait for enough traces before it is inconclusive (default: the hold). */
  maxWait?: string | undefined;
  /** Consecutive failed checks that abort the rollout (default 1). */
  maxFailedChecks?: number | undefined;
  gates?: CanaryGates | undefined;
}

export interface CanaryStage extends CanaryChecks {
  name: string;
  /** Weights of [from, to], integers >= 0, not both 0. */
  weights: readonly [number, number];
}

/**
 * The stage table when a canary gives none. `baseline` sends the canary nothing: where a
 * guarded rollout that fails its first stage reverts to (without it, an abort at canary-5
 * would have no earlier stage and leave 5% on the failing agent). It is not judged.
 */
export const DEFAULT_STAGES: readonly CanaryStage[] = Object.freeze([
  { name: "baseline", weights: [100, 0] as const },
  { name: "canary-5", weights: [95, 5] as const },
  { name: "canary-20", weights: [80, 20] as const },
  { name: "canary-50", weights: [50, 50] as const },
  { name: "complete", weights: [0, 100] as const },
]);

/** What a stage gets when neither it nor the spec says (`maxWait` defaults to the stage's hold). */
export const DEFAULT_CHECKS = Object.freeze({ hold: "10m", maxFailedChecks: 1, minTraces: 100 });

export interface CanarySpec extends CanaryChecks {
  /** The agent traffic moves away from (the stable one). */
  from: string;
  /** The agent traffic moves to (the new version). */
  to: string;
  /** The UserFn expression users are hashed on, e.g. `get('$.session.metadata.user_id', '')`. */
  partitionBy: string;
  /** The name of the stage in force. */
  current: string;
  /** The stage table; DEFAULT_STAGES when omitted. */
  stages?: readonly CanaryStage[] | undefined;
  /** Canary only the sessions this expression matches (e.g. one tenant) … */
  match?: string | undefined;
  /** … and route every other session to this agent (default: `from`). */
  others?: string | undefined;
  /** Rules placed before the canary rule (pins that must win whatever the stage). */
  before?: readonly Rule[] | undefined;
}

/** A problem of a canary block: its path as parts, and the message (which names the path). */
export interface CanaryIssue {
  readonly parts: readonly PathPart[];
  readonly message: string;
}

/** Canary issues as `{path, message}`. */
export const formatted = (issues: readonly CanaryIssue[]): ValidationIssue[] =>
  issues.map((i) => ({ path: formatPath(i.parts), message: i.message }));

/** Thrown by canaryPolicy and canaryPlan for an invalid spec; `issues` name the fields. */
export class CanaryError extends Error {
  override readonly name = "CanaryError";
  readonly code = "invalid_canary" as const;
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(issues.map((i) => i.message).join("\n"));
  }
}
