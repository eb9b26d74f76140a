/**
 * A rollout's steps as events, one JSON object a line (`agent-alias rollout --events FILE`), for
 * a CI job to forward to chat or a dashboard to draw: in the order they happen, each with its
 * time (`at`, ISO 8601) and `event`:
 * - `stage_set` (stage, weights): the stage is set in stack config, its `up` starts;
 * - `up_done` (stage, ok, changes, message?): the `up` ended;
 * - `check` (stage, n, verdict, baseline, canary: {agent, traces, error_rate, p95_ms}, paused);
 * - `pause`, `resume`, `promote`, `abort` (stage, by, reason, force?): a steering command acted on;
 * - `verdict` (stage, outcome: passed | failed | inconclusive | stopped | aborted_by, message);
 * - `end` (status, exit_code, message).
 */
import type { SteerVerb } from "./steering.js";

export type RolloutEvent =
  | { event: "stage_set"; stage: string; weights: readonly [number, number] }
  | { event: "up_done"; stage: string; ok: boolean; changes?: number; message?: string }
  | {
      event: "check";
      stage: string;
      n: number;
      verdict: string | null;
      baseline?: EventFigures;
      canary?: EventFigures;
      paused: boolean;
    }
  | { event: SteerVerb; stage: string; by: string; reason?: string | undefined; force?: boolean }
  | { event: "verdict"; stage: string; outcome: string; message: string }
  | { event: "end"; status: string; exit_code: number; message: string };

export interface EventFigures {
  agent: string;
  traces: number;
  error_rate: number | null;
  p95_ms: number | null;
}

/** The event as its line (no newline), stamped with `at`. */
export const eventLine = (e: RolloutEvent, at: number): string =>
  JSON.stringify({ at: new Date(at).toISOString(), ...e });
