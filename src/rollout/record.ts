/**
 * The rollout's record in the stack's backend: who runs a rollout on the stack, since when, and
 * what it is doing, kept as a stack tag (`ROLLOUT_TAG`) so that every machine that can run
 * `pulumi up` on the stack reads it, whatever its checkout's config file says. It is the lock of
 * "one rollout per stack" and the evidence of an interrupted revert: a rollout writes `aborting`
 * before the `up` that reverts, so a run that finds `aborting` with no live holder finishes that
 * revert instead of deploying anything else.
 *
 * Pure: encoding (a compact JSON within a tag value's 256 characters) and the holder's
 * liveness. The verdict that caused an abort is kept beside it (`VERDICT_TAG`), cut to fit.
 */

/** The stack tag holding the record. */
export const ROLLOUT_TAG = "agent-alias:rollout";
/** The stack tag holding the verdict of the abort a record says is in progress or was made. */
export const VERDICT_TAG = "agent-alias:rollout-verdict";
/** Pulumi's bound on a tag value. */
export const TAG_VALUE_MAX = 256;

export type RolloutPhase =
  /** Deploying or judging `stage`. */
  | "running"
  /** Reverting from `stage` (which failed) to `target`. */
  | "aborting"
  /** The run ended with `outcome` at `stage` (what the alias serves). */
  | "ended";

export type RolloutOutcome = "completed" | "aborted" | "stopped" | "error" | "interrupted" | "refused";

export interface RolloutRecord {
  /** An id of the run, unique enough to tell two runs apart. */
  readonly run: string;
  /** `user@host` of the runner. */
  readonly by: string;
  readonly host: string;
  readonly pid: number;
  /** When the run started, and when it last said it was alive (ISO 8601). */
  readonly since: string;
  readonly seen: string;
  readonly phase: RolloutPhase;
  readonly stage: string;
  /** `aborting`: the stage it reverts to. */
  readonly target?: string | undefined;
  /** `ended`: how. */
  readonly outcome?: RolloutOutcome | undefined;
}

const FIELDS = ["run", "by", "host", "pid", "since", "seen", "phase", "stage", "target", "outcome"] as const;

/** The record as a tag value; throws if it cannot fit (a stage name of 100+ characters). */
export function encodeRecord(r: RolloutRecord): string {
  const text = JSON.stringify(
    Object.fromEntries(FIELDS.map((f) => [f, r[f]]).filter(([, v]) => v !== undefined)),
  );
  if (text.length > TAG_VALUE_MAX)
    throw new Error(
      `the rollout record is ${text.length} characters, over the ${TAG_VALUE_MAX} a stack tag holds`,
    );
  return text;
}

/** A tag value as a record; undefined when it is not one (absent, or written by something else). */
export function decodeRecord(text: string | undefined): RolloutRecord | undefined {
  if (text === undefined || text === "") return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
  const phase = str("phase");
  if (phase !== "running" && phase !== "aborting" && phase !== "ended") return undefined;
  const [run, by, host, since, seen, stage] = ["run", "by", "host", "since", "seen", "stage"].map(str);
  if (!run || !by || !host || !since || !seen || !stage || typeof o.pid !== "number") return undefined;
  return {
    run,
    by,
    host,
    pid: o.pid,
    since,
    seen,
    phase,
    stage,
    target: str("target"),
    outcome: str("outcome") as RolloutOutcome | undefined,
  };
}

/** A verdict line cut to a tag value. */
export function verdictTag(line: string): string {
  return line.length <= TAG_VALUE_MAX ? line : `${line.slice(0, TAG_VALUE_MAX - 1)}…`;
}

/**
 * Whether the holder of a record is still at work: `none` for no record or an ended one; `live`
 * when it was seen within `staleMs` (a running rollout says so at every check and during each
 * `up`) and, on this host, its process still runs (`pidAlive`) and is not this one (`pid`: a
 * record of this process is of an earlier run that has ended); `dead` otherwise (killed, or its
 * machine gone).
 */
export function holderState(
  record: RolloutRecord | undefined,
  here: { now: number; host: string; pid?: number; pidAlive: (pid: number) => boolean; staleMs: number },
): "none" | "live" | "dead" {
  if (record === undefined || record.phase === "ended") return "none";
  if (record.host === here.host && (record.pid === here.pid || !here.pidAlive(record.pid))) return "dead";
  const seen = Date.parse(record.seen);
  return Number.isFinite(seen) && here.now - seen <= here.staleMs ? "live" : "dead";
}

/** `process.kill(pid, 0)`: true while a process with that id exists (EPERM: it exists, not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
