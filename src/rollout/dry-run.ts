/**
 * What a dry run of a rollout says it would do, one line each: where it starts and why, each
 * stage to deploy with its hold and the gate limits it is judged by (worded by the gate
 * table), and where an abort would revert to. Pure.
 */
import {
  type CanaryPlan,
  canaryGates,
  gateLimits,
  MIN_TRACES_GATE,
  type PlannedStage,
} from "../policy/index.js";
import { formatDuration } from "../units/index.js";
import type { StartDecision } from "./start.js";

/** One line per stage of a dry run: `canary-5 (95/5): set, up, hold 10m (…); gates on …: min_traces 100, …`. */
export function describeStage(s: PlannedStage): string {
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

/** What a dry run says it would do, given the decision. */
export function dryRunActions(
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
