/**
 * The pure core of `agent-alias rollout`: traces reduced to what a gate reads, the
 * verdict on a stage from them, its one-line message, and the check loop's state machine. No
 * I/O: the command lists the traces and keeps the clock.
 */
export {
  type CheckDecision,
  type CheckState,
  type CheckStep,
  initialCheckState,
  nextState,
} from "./checks.js";
export {
  type AgentFigures,
  type CheckStatus,
  describeGate,
  describeVerdict,
  evaluateGates,
  formatDuration,
  type GateEvaluation,
  type GateInput,
  type GateName,
  type GateOptions,
  type GateResult,
  type GateSample,
  type LimitName,
  type LimitResult,
  type Shortfall,
  type Verdict,
} from "./gates.js";
export {
  type ApiTrace,
  type GateTrace,
  gateTraceOf,
  gateTracesOf,
  MIN_REREAD_MS,
  nearestRank,
  TraceWindow,
} from "./traces.js";
