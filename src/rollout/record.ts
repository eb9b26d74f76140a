/**
 * The rollout's record in the stack's backend: who runs a rollout on the stack, since when, and
 * what it is doing, kept as a stack tag (`ROLLOUT_TAG`) so that every machine that can run
 * `pulumi up` on the stack reads it, whatever its checkout's config file says. It is the lock of
 * "one rollout per stack" and the evidence of an interrupted revert: a rollout writes `aborting`
 * before the `up` that reverts, so a run that finds `aborting` with no live holder finishes that
 * revert instead of deploying anything else.
 *
 * Pure: encoding and the holder's liveness. A record names its rollout by a fingerprint of the
 * alias, `from` and `to` (a record of another rollout is not this one's), and fits a tag value's
 * 256 characters whatever the names: `by` is cut to `BY_MAX`, stage names are at most
 * `CANARY_LIMITS.maxStageName`. The verdict that caused an abort is kept beside it
 * (`VERDICT_TAG`), cut to fit.
 */
import { createHash } from "node:crypto";
import { hostname, userInfo } from "node:os";

/** The stack tag holding the record. */
export const ROLLOUT_TAG = "agent-alias:rollout";
/** The stack tag holding the verdict of the abort a record says is in progress or was made. */
export const VERDICT_TAG = "agent-alias:rollout-verdict";
/** Pulumi's bound on a tag value. */
export const TAG_VALUE_MAX = 256;
/** The longest `user@host` a record keeps (the rest is cut). */
export const BY_MAX = 40;

export type RolloutPhase =
  /** Deploying or judging `stage`. */
  | "running"
  /** Reverting from `stage` (which failed) to `target`. */
  | "aborting"
  /** The run ended with `outcome` at `stage` (what the alias serves). */
  | "ended";

export type RolloutOutcome = "completed" | "aborted" | "stopped" | "error" | "interrupted" | "locked";

export interface RolloutRecord {
  /** An id of the run, unique enough to tell two runs apart. */
  readonly run: string;
  /** `user@host` of the runner (at most BY_MAX characters); its host is what follows the `@`. */
  readonly by: string;
  readonly pid: number;
  /** When the run started, and when it last said it was alive (ms since the epoch, to the second). */
  readonly since: number;
  readonly seen: number;
  /** The rollout: `rolloutKey(alias, from, to)`. */
  readonly key: string;
  readonly phase: RolloutPhase;
  readonly stage: string;
  /** `aborting`: the stage it reverts to. */
  readonly target?: string | undefined;
  /** `ended`: how. */
  readonly outcome?: RolloutOutcome | undefined;
}

/** The fingerprint of a rollout: its alias and agents. */
export function rolloutKey(alias: string, from: string, to: string): string {
  return createHash("sha256").update(`${alias}\u0000${from}\u0000${to}`).digest("hex").slice(0, 8);
}

/** `user@host` cut to BY_MAX characters. */
export const holderName = (user: string, host: string) => `${user}@${host}`.slice(0, BY_MAX);

/** This process as a record's holder: `user@host` and its pid (a user without a name: `$USER`, else `unknown`). */
export function thisHolder(): { host: string; by: string; pid: number } {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? "unknown";
  }
  return { host: hostname(), by: holderName(user, hostname()), pid: process.pid };
}

/** The host of a record's `by`. */
export const hostOf = (by: string) => by.slice(by.indexOf("@") + 1);

/** The record as a tag value (short field names). Throws if it cannot fit: a caller's stage name over the limit. */
export function encodeRecord(r: RolloutRecord): string {
  const short = {
    r: r.run,
    b: r.by.slice(0, BY_MAX),
    p: r.pid,
    s: Math.floor(r.since / 1000),
    t: Math.floor(r.seen / 1000),
    k: r.key,
    ph: r.phase,
    st: r.stage,
    tg: r.target,
    o: r.outcome,
  };
  const text = JSON.stringify(short);
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
  const str = (k: string) => (typeof o[k] === "string" && o[k] !== "" ? (o[k] as string) : undefined);
  const num = (k: string) =>
    typeof o[k] === "number" && Number.isFinite(o[k]) ? (o[k] as number) : undefined;
  const phase = str("ph");
  if (phase !== "running" && phase !== "aborting" && phase !== "ended") return undefined;
  const [run, by, key, stage] = ["r", "b", "k", "st"].map(str);
  const [pid, since, seen] = ["p", "s", "t"].map(num);
  if (!run || !by || !key || !stage || pid === undefined || since === undefined || seen === undefined)
    return undefined;
  return {
    run,
    by,
    pid,
    since: since * 1000,
    seen: seen * 1000,
    key,
    phase,
    stage,
    target: str("tg"),
    outcome: str("o") as RolloutOutcome | undefined,
  };
}

/** A verdict line cut to a tag value. */
export function verdictTag(line: string): string {
  return line.length <= TAG_VALUE_MAX ? line : `${line.slice(0, TAG_VALUE_MAX - 1)}…`;
}

/**
 * Whether the holder of a record is still at work: `none` for no record or an ended one; `live`
 * when it was seen within `staleMs` (a running rollout says so every minute) and, on this host,
 * its process still runs (`pidAlive`) and is not this one (`pid`: a record of this process is of
 * an earlier run that has ended); `dead` otherwise (killed, or its machine gone). A holder on
 * another host, or whose host name was cut, is judged by `seen` alone.
 */
export function holderState(
  record: RolloutRecord | undefined,
  here: { now: number; host: string; pid?: number; pidAlive: (pid: number) => boolean; staleMs: number },
): "none" | "live" | "dead" {
  if (record === undefined || record.phase === "ended") return "none";
  // Only a whole host name says "this host" (a name cut to BY_MAX may be another's): then the process decides.
  const sameHost = record.by.length < BY_MAX && hostOf(record.by) === here.host;
  if (sameHost && (record.pid === here.pid || !here.pidAlive(record.pid))) return "dead";
  return here.now - record.seen <= here.staleMs ? "live" : "dead";
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
