/**
 * The report of a rollout (`agent-alias rollout --json`), snake_case like the other JSON outputs.
 * The stage *deployed* (what the API serves, read after every `up`) is kept apart from the stage
 * *wanted* (stack config): a failed `up` leaves config at the deployed stage, so the two differ
 * only when the API serves no stage of the table.
 */
import type { GateJsonField } from "../policy/index.js";
import type { LeftOut } from "./cohort.js";
import type { GateEvaluation } from "./gates.js";

/** An agent's figures over the checked cohort: its traces and errors, and each gate's figure (`error_rate`, `p95_ms`). */
export type AgentReport = {
  agent_key: string;
  traces: number;
  errors: number;
} & { [F in GateJsonField]: number | null };

export interface CheckReport {
  at: string;
  elapsed_ms: number;
  /** null when the traces could not be read (`read_error` says why). */
  verdict: GateEvaluation["verdict"] | null;
  message: string;
  baseline?: AgentReport;
  canary?: AgentReport;
  read_error?: string;
  /** Traces of the agents not judged: not of the canary rule's sessions of this stage, by reason. */
  left_out?: LeftOut;
  /** Traces without `session_key`, counted by agent (they cannot be joined). */
  unjoined?: number;
  /** API calls the check made (traces, sessions). */
  api_calls?: number;
  /** What steering changed at this check: `paused by …`, `promoted by …`. */
  steering?: string;
  /** The most the canary's figure could be under each gate it was judged by (by the gate's YAML name). */
  bounds?: Record<string, number>;
}

export interface StageReport {
  name: string;
  index: number;
  weights: readonly [number, number];
  watched: boolean;
  hold_ms: number;
  max_wait_ms: number;
  /** When the stage took effect (after its `up`, or by the stack's history when resumed) and when its last check ran. */
  window: { start: string; end: string | null };
  /** The stage was already in effect when the rollout started: its window starts when it took effect. */
  resumed: boolean;
  outcome:
    | "passed"
    | "deployed"
    | "failed"
    | "inconclusive"
    | "aborted_by"
    | "stopped"
    | "interrupted"
    | "planned";
  checks: CheckReport[];
  /** The last verdict's line. */
  verdict: string | null;
}

export type RolloutStatus =
  | "completed"
  /** The alias was at the last stage already: nothing to do. */
  | "already_complete"
  | "aborted"
  | "stopped"
  | "error"
  | "interrupted"
  /** Another rollout runs on the stack. */
  | "locked"
  /** The run as asked would move users back, or the alias is at no stage of the table. */
  | "refused"
  | "dry_run";

/** The exit code of each status: 0 done, 1 failed or stopped, 2 refused as asked, 130 interrupted. */
export const STATUS_EXIT: Readonly<Record<RolloutStatus, 0 | 1 | 2 | 130>> = Object.freeze({
  completed: 0,
  already_complete: 0,
  dry_run: 0,
  aborted: 1,
  stopped: 1,
  error: 1,
  locked: 1,
  refused: 2,
  interrupted: 130,
});

/** A steering command the rollout acted on (steering.ts). */
export interface SteeredReport {
  verb: "pause" | "resume" | "promote" | "abort";
  by: string;
  /** When it was sent, and the stage it was acted on at. */
  at: string;
  stage: string;
  reason: string | null;
  force: boolean;
}

/** Partition keys of the canary rule that an explicit move back sends from one agent to another. */
export interface MoveReport {
  from_stage: string;
  to_stage: string;
  moves: { from: string; to: string; share: number }[];
}

export interface RolloutResult {
  status: RolloutStatus;
  exit_code: 0 | 1 | 2 | 130;
  /** One line: the abort's verdict, or what happened. */
  message: string;
  config_key: string;
  alias_key: string;
  from: string;
  to: string;
  /** The stage config held before the rollout (null: unset). */
  initial_stage: string | null;
  /** The stage the API served before the rollout (null: no alias, or no stage of the table). */
  initial_deployed: string | null;
  /** Where the run started (null when it did not start). */
  start_stage: string | null;
  /** Why it started there: where config or the file disagreed with the alias, an interrupted revert, … */
  notes: string[];
  /** The stage in config when the rollout ended (wanted). */
  final_stage: string | null;
  /** The stage the API serves when the rollout ended (deployed; null: none of the table, or unknown). */
  deployed_stage: string | null;
  reverted_to: string | null;
  /** An explicit move back (`--allow-back`): who moved. */
  moved_back?: MoveReport;
  stages: StageReport[];
  /** Steering commands acted on (pause, resume, promote, abort), in order. */
  steered?: SteeredReport[];
  /** The file that keeps each `pulumi up`'s output (`--up-log`). */
  up_log?: string;
  /** For a dry run: what it would do, one line each. */
  actions?: string[];
}
