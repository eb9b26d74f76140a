/**
 * Declarative canary stages: a stage table (default 100/0 -> 95/5 -> 80/20 -> 50/50 -> 0/100) and the
 * current stage become a routing policy, so moving a rollout on is a one-line change (a
 * Pulumi config value, or the `current:` field of a YAML file). A stage may also say how a
 * rollout watches it (`hold`, `gates`, `max_failed_checks`, `max_wait`); `canaryPlan` resolves
 * that for the rollout command, and src/rollout judges a stage by it.
 *
 * The parts, each in its module: the model (canary-stages.ts), the gate table
 * (canary-gates.ts), the check fields (canary-fields.ts), validation (canary-validate.ts), the
 * policy (canary-policy.ts), the plan (canary-plan.ts) and documents' `canary:` blocks
 * (canary-documents.ts). Durations are read by src/units. This module re-exports what the
 * package's policy entry point publishes of them, and nothing more: src/policy/index.ts
 * re-exports it whole.
 */
export { parseDuration } from "../units/index.js";
export { canaryPlanOfDocument, expandCanaryDocument } from "./canary-documents.js";
export type { CanaryNaming } from "./canary-fields.js";
export {
  CANARY_GATES,
  type CanaryGates,
  canaryGates,
  type ErrorRateGate,
  type GateFigures,
  type GateJsonField,
  type GateKey,
  type GateLimitSpec,
  type GateName,
  type GateSpec,
  gateLimits,
  type LimitName,
  MIN_TRACES_GATE,
  type P95DurationGate,
  type PlannedGates,
} from "./canary-gates.js";
export { type CanaryPlan, canaryPlan, type PlannedStage } from "./canary-plan.js";
export { canaryPolicy, canaryRule } from "./canary-policy.js";
export type { CanaryChecks, CanarySpec, CanaryStage } from "./canary-stages.js";
export { CanaryError, DEFAULT_CHECKS, DEFAULT_STAGES } from "./canary-stages.js";
export { validateCanary } from "./canary-validate.js";
