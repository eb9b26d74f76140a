/**
 * What a `pulumi up` said, read from its engine event log (`--event-log`, one JSON event a line,
 * as the Automation API reads it) and its stderr: the resources it changed, and on failure the
 * engine's own diagnostics (each failed resource's error) and a stack lock's holder. Pure.
 */

/** Operations that change nothing deployed (a resource left alone, read or refreshed). */
const NO_CHANGE: ReadonlySet<string> = new Set(["same", "read", "refresh"]);

/** The resources an update changed by its summary's counts; unknown (Infinity) without them. */
export function changesOf(ops: Readonly<Record<string, number | undefined>> | undefined): number {
  if (ops === undefined) return Number.POSITIVE_INFINITY;
  return Object.entries(ops).reduce((n, [op, count]) => (NO_CHANGE.has(op) ? n : n + (count ?? 0)), 0);
}

/** Who holds the stack's update lock, as Pulumi reports it when an update cannot take it. */
export interface StackLock {
  /** `user@host` */
  readonly by: string;
  readonly pid: number;
  /** When it was taken (as Pulumi wrote it). */
  readonly at: string;
}

export interface UpOutcome {
  /** The summary's result: `succeeded`, `failed`, … (undefined: no summary, the engine never ran). */
  readonly result: string | undefined;
  /** Resources changed (Infinity when the summary does not say). */
  readonly changes: number;
  /** The engine's errors, one line each: `Alias subject: replacing the policy …: 503 …`. */
  readonly diagnostics: readonly string[];
  /** The stack was locked by another update. */
  readonly lock: StackLock | undefined;
  /** The update was cancelled (an interrupt reached it). */
  readonly cancelled: boolean;
}

/** Errors every failed update repeats at the stack: they say nothing of the cause. */
const GENERIC = new Set(["update failed", "update canceled", "preview failed"]);

/** `urn:pulumi:stack::project::pkg:mod:Type::name` -> `Type name`. */
function resourceOf(urn: unknown): string | undefined {
  if (typeof urn !== "string") return undefined;
  const parts = urn.split("::");
  const name = parts.at(-1);
  const type = parts.at(-2)?.split("$").at(-1)?.split(":").at(-1);
  return name === undefined || type === undefined ? undefined : `${type} ${name}`;
}

/** Reads the event log's lines and stderr of one `pulumi up`. */
export function readUpOutput(eventLog: string, stderr: string): UpOutcome {
  let result: string | undefined;
  let changes = Number.POSITIVE_INFINITY;
  let cancelled = false;
  const diagnostics: string[] = [];
  for (const line of eventLog.split("\n")) {
    if (line.trim() === "") continue;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a line cut short by a kill
    }
    const summary = event.summaryEvent as
      | { result?: string; resourceChanges?: Record<string, number> }
      | undefined;
    if (summary !== undefined) {
      result = summary.result;
      changes = changesOf(summary.resourceChanges);
    }
    const d = event.diagnosticEvent as { severity?: string; message?: string; urn?: string } | undefined;
    if (d?.severity === "error" && typeof d.message === "string") {
      const message = d.message.trim();
      if (GENERIC.has(message)) cancelled ||= message === "update canceled";
      else {
        const where = resourceOf(d.urn);
        const text = where === undefined ? message : `${where}: ${message}`;
        if (!diagnostics.includes(text)) diagnostics.push(text);
      }
    }
  }
  const m = /created by (\S+) \(pid (\d+)\) at (\S+)/.exec(stderr);
  const lock =
    /the stack is currently locked/.test(stderr) && m !== null
      ? { by: m[1]!, pid: Number(m[2]), at: m[3]! }
      : undefined;
  if (diagnostics.length === 0 && lock === undefined) {
    // The engine never ran (config, login, plugins): its reason is on stderr.
    for (const l of stderr.split("\n")) {
      const e = /^error: (.*)$/.exec(l.trim());
      if (e !== null && !GENERIC.has(e[1]!)) diagnostics.push(e[1]!);
    }
  }
  return { result, changes, diagnostics, lock, cancelled };
}

/** A stack lock as one sentence, with how to clear it. */
export function describeLock(lock: StackLock, stack: string): string {
  return `the stack '${stack}' is locked by an update of ${lock.by} (pid ${lock.pid}) since ${lock.at}; if no update is running any more (a process killed mid-update leaves its lock), clear it with \`pulumi cancel --stack ${stack} --yes\` and run again`;
}
