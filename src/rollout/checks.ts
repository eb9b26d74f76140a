/**
 * The check loop of one stage as a state machine, pure: after each verdict, whether the
 * rollout keeps checking, moves to the next stage, or aborts. A stage aborts after
 * `maxFailedChecks` failed checks in a row (any other verdict breaks the run), or at once on
 * `inconclusive`; it advances on the first `pass`.
 */
import type { PlannedStage } from "../policy/index.js";
import type { Verdict } from "./gates.js";

export interface CheckState {
  readonly maxFailedChecks: number;
  /** Failed checks since the last check that did not fail. */
  readonly consecutiveFailures: number;
  /** Checks made on this stage. */
  readonly checks: number;
}

export type CheckDecision = "continue" | "advance" | "abort";

export interface CheckStep {
  readonly state: CheckState;
  readonly decision: CheckDecision;
  /** For `abort`: the verdict that ended the stage. */
  readonly abortedBy: "fail" | "inconclusive" | null;
}

/** The state before the first check of `stage`. */
export function initialCheckState(stage: Pick<PlannedStage, "maxFailedChecks">): CheckState {
  return { maxFailedChecks: stage.maxFailedChecks, consecutiveFailures: 0, checks: 0 };
}

/**
 * The state after one more check and what to do: `pass` advances; `inconclusive` aborts; `fail`
 * aborts once the failures in a row reach `maxFailedChecks`, else continues; `wait` continues.
 */
export function nextState(state: CheckState, verdict: Verdict): CheckStep {
  const checks = state.checks + 1;
  const consecutiveFailures = verdict === "fail" ? state.consecutiveFailures + 1 : 0;
  const next: CheckState = { maxFailedChecks: state.maxFailedChecks, consecutiveFailures, checks };
  switch (verdict) {
    case "pass":
      return { state: next, decision: "advance", abortedBy: null };
    case "inconclusive":
      return { state: next, decision: "abort", abortedBy: "inconclusive" };
    case "fail":
      return consecutiveFailures >= state.maxFailedChecks
        ? { state: next, decision: "abort", abortedBy: "fail" }
        : { state: next, decision: "continue", abortedBy: null };
    case "wait":
      return { state: next, decision: "continue", abortedBy: null };
  }
}
