/**
 * The emulator's traces (API.md "Traces"): kept in the order they were recorded, listed
 * newest first with the API's filters, and bounded: past `maxTraces`, each new trace evicts
 * the oldest (it then reads as not found, as it would once the API's retention passed).
 * Recording order is the order of `started_at` while the clock does not go back; a window
 * (`started_after`) then stops the scan at its start instead of reading every older trace.
 */
import type { TraceErrorType, TraceStatus } from "../../wire/index.js";

/** A trace as the emulator stores, journals and answers it: every field present. */
export interface StoredTrace {
  trace_id: string;
  agent_key: string;
  session_key: string;
  /** The alias the session was created through; null for a session made through its agent. */
  alias_key: string | null;
  started_at: string;
  duration_ms: number;
  status: TraceStatus;
  error_type: TraceErrorType | null;
  input_tokens: number;
  output_tokens: number;
}

/** The filters of a trace list, checked (instants in ms). */
export interface TraceFilter {
  agentKey?: string | undefined;
  sessionKey?: string | undefined;
  status?: TraceStatus | undefined;
  errorType?: TraceErrorType | undefined;
  /** Inclusive. */
  fromMs?: number | undefined;
  /** Exclusive. */
  beforeMs?: number | undefined;
  minDurationMs?: number | undefined;
  maxDurationMs?: number | undefined;
}

interface Entry {
  readonly seq: number;
  readonly ms: number;
  readonly trace: StoredTrace;
}

function matches(f: TraceFilter, e: Entry): boolean {
  const t = e.trace;
  return (
    (f.agentKey === undefined || t.agent_key === f.agentKey) &&
    (f.sessionKey === undefined || t.session_key === f.sessionKey) &&
    (f.status === undefined || t.status === f.status) &&
    (f.errorType === undefined || t.error_type === f.errorType) &&
    (f.fromMs === undefined || e.ms >= f.fromMs) &&
    (f.beforeMs === undefined || e.ms < f.beforeMs) &&
    (f.minDurationMs === undefined || t.duration_ms >= f.minDurationMs) &&
    (f.maxDurationMs === undefined || t.duration_ms <= f.maxDurationMs)
  );
}

export class TraceLog {
  /**
   * Stored traces, oldest first, from `head`; their seqs are consecutive. The slots before
   * `head` are emptied as their traces are evicted, so an evicted trace is garbage at once,
   * not when the array is next compacted.
   */
  private entries: (Entry | undefined)[] = [];
  private head = 0;
  private nextSeq = 1;
  private readonly byId = new Map<string, Entry>();
  /** Invocations recorded per agent, evicted or not: the index of its next one (profiles/behaviour.ts). */
  private readonly perAgent = new Map<string, number>();
  /** False once a trace started before the one recorded before it (a clock set back). */
  private ordered = true;
  private lastMs = Number.NEGATIVE_INFINITY;

  /** `maxTraces`: most traces kept (0: no limit). */
  constructor(readonly maxTraces: number) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  has(traceId: string): boolean {
    return this.byId.has(traceId);
  }

  /** How many invocations of `agentKey` have been recorded: the index of its next one. */
  invocations(agentKey: string): number {
    return this.perAgent.get(agentKey) ?? 0;
  }

  add(trace: StoredTrace): void {
    const ms = Date.parse(trace.started_at);
    const e: Entry = { seq: this.nextSeq++, ms, trace };
    if (ms < this.lastMs) this.ordered = false;
    this.lastMs = ms;
    this.entries.push(e);
    this.byId.set(trace.trace_id, e);
    this.perAgent.set(trace.agent_key, this.invocations(trace.agent_key) + 1);
    if (this.maxTraces > 0) while (this.size > this.maxTraces) this.evictOldest();
  }

  private evictOldest(): void {
    const e = this.entries[this.head]!;
    this.entries[this.head++] = undefined;
    if (this.byId.get(e.trace.trace_id) === e) this.byId.delete(e.trace.trace_id);
    // Drop the passed entries once they outnumber the stored ones (amortised O(1)).
    if (this.head > 1024 && this.head > this.size) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  get(traceId: string): StoredTrace | undefined {
    return this.byId.get(traceId)?.trace;
  }

  /**
   * Up to `limit` traces that match, newest first, recorded before the trace numbered
   * `before` (0: from the newest); `next` is the number to continue before when more match.
   */
  list(
    f: TraceFilter,
    page: { limit: number; before: number },
  ): { items: StoredTrace[]; next: number | undefined } {
    const items: StoredTrace[] = [];
    if (this.size === 0) return { items, next: undefined };
    const first = this.entries[this.head]!.seq;
    let i = this.entries.length - 1;
    if (page.before > 0) i = Math.min(i, this.head + (page.before - first) - 1);
    let last = 0;
    for (; i >= this.head; i--) {
      const e = this.entries[i]!;
      if (this.ordered && f.fromMs !== undefined && e.ms < f.fromMs) break;
      if (!matches(f, e)) continue;
      if (items.length === page.limit) return { items, next: last };
      items.push(e.trace);
      last = e.seq;
    }
    return { items, next: undefined };
  }
}
