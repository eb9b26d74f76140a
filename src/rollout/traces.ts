/**
 * The traces a rollout gate reads, reduced to what a verdict needs (the percentile method the
 * gates use is src/units' `nearestRank`, re-exported here). A trace comes from `GET /v2/agent_analytics/traces` (API.md, "Traces");
 * `gateTraceOf` is the only place that reads the API's field names.
 */
import { nearestRank } from "../units/index.js";
import { instantOf } from "../wire/common.js";

export { nearestRank };

/**
 * The fields of a trace that a gate reads, as the API answers them: `trace_id`, `started_at`
 * and `status` are always there, the others may be `null` or absent. Both a raw answer and the
 * wire's parsed `Trace` (src/wire) fit it.
 */
export interface ApiTrace {
  readonly trace_id: string;
  readonly agent_key?: string | null | undefined;
  readonly session_key?: string | null | undefined;
  /** A date-time, e.g. `2026-01-15T10:35:00Z`. */
  readonly started_at: string;
  readonly duration_ms?: number | null | undefined;
  /** `ok` or `error`. */
  readonly status: string;
  readonly input_tokens?: number | null | undefined;
  readonly output_tokens?: number | null | undefined;
}

/** What a gate reads of one trace. */
export interface GateTrace {
  readonly agentKey: string;
  /** `status` was `ok` (false: `error`). */
  readonly ok: boolean;
  /** null when the trace has no usable `duration_ms` (it still counts for the error rate). */
  readonly durationMs: number | null;
  /** `started_at`, in ms since the epoch. */
  readonly startedAt: number;
  /** The session it answered in (`session_key`); null or absent when the API did not say. */
  readonly sessionKey?: string | null;
}

/**
 * The gate's view of an API trace, or undefined when a gate cannot use it: a `status` other
 * than `ok`/`error`, a `started_at` that is not an RFC 3339 date-time, or no agent (`agent_key` absent and
 * no `agentKey` given: pass the key the traces were listed by, `?agent_key=`).
 */
export function gateTraceOf(trace: ApiTrace, options: { agentKey?: string } = {}): GateTrace | undefined {
  const agentKey = trace.agent_key ?? options.agentKey;
  if (typeof agentKey !== "string" || agentKey === "") return undefined;
  if (trace.status !== "ok" && trace.status !== "error") return undefined;
  const startedAt = typeof trace.started_at === "string" ? instantOf(trace.started_at) : undefined;
  if (startedAt === undefined) return undefined;
  const d = trace.duration_ms;
  const durationMs = typeof d === "number" && Number.isFinite(d) && d >= 0 ? d : null;
  const sessionKey =
    typeof trace.session_key === "string" && trace.session_key !== "" ? trace.session_key : null;
  return { agentKey, ok: trace.status === "ok", durationMs, startedAt, sessionKey };
}

/** `gateTraceOf` over a page or more of traces; `dropped` counts the ones it could not use. */
export function gateTracesOf(
  traces: readonly ApiTrace[],
  options: { agentKey?: string } = {},
): { traces: GateTrace[]; dropped: number } {
  const out: GateTrace[] = [];
  for (const t of traces) {
    const g = gateTraceOf(t, options);
    if (g !== undefined) out.push(g);
  }
  return { traces: out, dropped: traces.length - out.length };
}

/** The least a read re-covers of what the previous one read (see `TraceWindow`). */
export const MIN_REREAD_MS = 60_000;

/**
 * The traces of one agent since a stage took effect, read a slice at a time, so a check costs
 * the traffic since the last one rather than the whole window (an hour's hold at 100 traces/s
 * is 360,000 traces, 3,600 pages, per agent per check otherwise).
 *
 * A trace may be listed only once its invocation has ended, under the `started_at` of its
 * start: a read at `t` can miss traces that started before `t` and end after it. So each read
 * goes back over the end of the previous one by `max(MIN_REREAD_MS, 2 x the longest duration
 * seen)`, and traces are kept by `trace_id`, so one read twice counts once. What started before
 * the window's start is never read. A trace longer than the re-read can still be missed by the
 * slices, so the runner takes a decision only on a full read of the window (`fullRead`, `replace`).
 */
export class TraceWindow {
  private readonly byId = new Map<string, GateTrace>();
  private readUpTo: number;
  private longestMs = 0;

  constructor(
    readonly agentKey: string,
    /** When the stage took effect (ms since the epoch): nothing before it is read. */
    readonly start: number,
  ) {
    this.readUpTo = start;
  }

  /** The whole window up to `end`. */
  fullRead(end: number): { start: number; end: number } {
    return { start: this.start, end };
  }

  /** The range `[start, end)` the next read, ending at `end`, must list. */
  nextRead(end: number): { start: number; end: number } {
    const back = Math.max(MIN_REREAD_MS, 2 * this.longestMs);
    return { start: Math.max(this.start, this.readUpTo - back), end };
  }

  /** Adds what a read of `nextRead(end)` listed; the window is then read up to `end`. */
  add(listed: readonly ApiTrace[], end: number): void {
    for (const t of listed) {
      const g = gateTraceOf(t, { agentKey: this.agentKey });
      if (g === undefined || g.startedAt < this.start || g.startedAt >= end) continue;
      this.byId.set(t.trace_id, g);
      if (g.durationMs !== null && g.durationMs > this.longestMs) this.longestMs = g.durationMs;
    }
    this.readUpTo = Math.max(this.readUpTo, end);
  }

  /**
   * Replaces what was read with one read of the whole window up to `end`: what a decision
   * (pass or abort) is taken on, since a trace longer than the re-read can end after its start
   * left every slice.
   */
  replace(listed: readonly ApiTrace[], end: number): void {
    this.byId.clear();
    this.add(listed, end);
  }

  /** Every usable trace of the window read so far, each once. */
  get traces(): GateTrace[] {
    return [...this.byId.values()];
  }
}
