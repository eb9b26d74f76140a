/**
 * Steering a running rollout from anywhere: `agent-alias rollout pause | resume | promote |
 * abort --stack S` writes a command in a stack tag (`COMMAND_TAG`), where the running rollout
 * reads it at its next check, as it reads its own record; it then says so in its status
 * (`acked`), its progress, its events and its report (who, when, why).
 *
 * - `pause`: no stage change while paused (a pass or a hold with too few traces waits); a
 *   failing gate still aborts, since pausing must never keep a bad canary in place.
 * - `resume`: goes on.
 * - `promote`: skips the rest of the current stage's hold: the stage passes at the next check
 *   whose gates pass (min_traces included); with `force`, at the next check that does not fail.
 * - `abort`: reverts as a failed gate does, the reason in the verdict; the run exits 1.
 *
 * Pure: the command's encoding, and the state the checks read (`SteeringState`).
 */
import { TAG_VALUE_MAX } from "./record.js";

/** The stack tag holding the last command. */
export const COMMAND_TAG = "agent-alias:rollout-command";

export const STEER_VERBS = ["pause", "resume", "promote", "abort"] as const;
export type SteerVerb = (typeof STEER_VERBS)[number];

export interface SteerCommand {
  readonly verb: SteerVerb;
  /** `user@host` of who sent it. */
  readonly by: string;
  /** When it was sent (ms since the epoch, to the millisecond: two commands in a second differ). */
  readonly at: number;
  readonly reason?: string | undefined;
  /** `promote`: advance even on too few traces. */
  readonly force?: boolean | undefined;
  /** The run it is for (record.ts `run`); another run ignores it. */
  readonly run: string;
}

/** The command as a tag value; the reason is cut to fit. */
export function encodeCommand(c: SteerCommand): string {
  const short = (reason: string | undefined) =>
    JSON.stringify({ c: c.verb, b: c.by, t: c.at, r: reason, f: c.force ? 1 : undefined, u: c.run });
  let text = short(c.reason);
  if (text.length > TAG_VALUE_MAX && c.reason !== undefined) {
    const over = text.length - TAG_VALUE_MAX;
    text = short(`${c.reason.slice(0, Math.max(0, c.reason.length - over - 1))}…`);
  }
  if (text.length > TAG_VALUE_MAX)
    throw new Error(`the command does not fit a stack tag (${text.length} characters)`);
  return text;
}

/** A tag value as a command; undefined when it is not one. */
export function decodeCommand(text: string | undefined): SteerCommand | undefined {
  if (!text) return undefined;
  try {
    const o = JSON.parse(text) as Record<string, unknown>;
    if (
      !STEER_VERBS.includes(o.c as SteerVerb) ||
      typeof o.b !== "string" ||
      typeof o.t !== "number" ||
      typeof o.u !== "string"
    )
      return undefined;
    return {
      verb: o.c as SteerVerb,
      by: o.b,
      at: o.t,
      reason: typeof o.r === "string" ? o.r : undefined,
      force: o.f === 1,
      run: o.u,
    };
  } catch {
    return undefined;
  }
}

/** What the checks of a stage read: paused, a promote pending, an abort asked. */
export interface SteeringState {
  readonly paused: SteerCommand | null;
  readonly promote: SteerCommand | null;
  readonly abort: SteerCommand | null;
  /** The time of the last command acted on. */
  readonly handled: number | null;
}

export const initialSteering = (): SteeringState => ({
  paused: null,
  promote: null,
  abort: null,
  handled: null,
});

/**
 * The state after `command`, when it is new (sent after the last one handled) and for `run`;
 * null when there is nothing to act on.
 */
export function steer(
  state: SteeringState,
  command: SteerCommand | undefined,
  run: string,
): SteeringState | null {
  if (command === undefined || command.run !== run) return null;
  if (state.handled !== null && command.at <= state.handled) return null;
  const handled = command.at;
  switch (command.verb) {
    case "pause":
      return { ...state, paused: command, handled };
    case "resume":
      return { ...state, paused: null, handled };
    case "promote":
      return { ...state, promote: command, handled };
    case "abort":
      return { ...state, abort: command, handled };
  }
}

/** A new stage: a pending promote was for the stage before. */
export const nextStage = (state: SteeringState): SteeringState => ({ ...state, promote: null });

/** `pause by ana@ci: "a metric looks odd"`. */
export function describeCommand(c: SteerCommand): string {
  const what = c.verb === "promote" && c.force ? "promote (forced)" : c.verb;
  return `${what} by ${c.by}${c.reason ? `: "${c.reason}"` : ""}`;
}
