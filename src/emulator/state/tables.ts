/**
 * The state's tables: agents, aliases and their sessions (each session entry shared by its
 * agent's map and its alias's), the counters of the statistics, the eviction queue and the
 * expiry heap, the traces, and the clock. Plain data: the operations are the modules beside.
 * Everything keyed by user input lives in a Map: keys such as `__proto__` are plain data.
 */
import type { CheckedPolicy } from "../../policy/index.js";
import {
  type Agent,
  type Alias,
  SESSION_SECRETS,
  type Session,
  type SessionEvent,
} from "../../wire/index.js";
import { AgentBehaviour } from "../profiles/index.js";
import { Deadlines } from "./expiry.js";
import type { SessionStatus, StoredSession } from "./records.js";
import { TraceLog } from "./trace-log.js";

export interface SessionEntry {
  readonly seq: number;
  session: StoredSession;
  readonly events: SessionEvent[];
  /** Deleted, evicted or expired (the eviction queue skips it). */
  gone: boolean;
  /**
   * The instant (ms) after which it has expired: its last activity (creation, an input
   * event, a PATCH) plus `tti_minutes`; Infinity with `tti_minutes` 0.
   */
  deadline: number;
}

export interface AgentEntry {
  readonly seq: number;
  readonly agent: Agent;
  readonly sessions: Map<string, SessionEntry>;
}

export interface AliasCounters {
  sessions: number;
  routingErrors: number;
  readonly agents: Map<string, number>;
  readonly rules: Map<number, { sessions: number; agents: Map<string, number> }>;
}

export interface AliasEntry {
  readonly seq: number;
  readonly alias: Alias;
  /** The policy, checked once when written (its resolver; `agents`: the agents it names, in order of first use). */
  readonly checked: CheckedPolicy;
  /** Sessions created through this alias (while it existed), by key. */
  readonly sessions: Map<string, SessionEntry>;
  readonly counters: AliasCounters;
}

/** How a store records traces: its agents' behaviour and the most traces it keeps. */
export interface TraceOptions {
  /** Default: a behaviour with seed 0 and no profiles (every agent on DEFAULT_AGENT_PROFILE). */
  behaviour?: AgentBehaviour | undefined;
  /** Most traces kept (0: no limit); past it each new trace evicts the oldest. Default 0. */
  maxTraces?: number | undefined;
}

export function newCounters(): AliasCounters {
  return { sessions: 0, routingErrors: 0, agents: new Map(), rules: new Map() };
}

/** Secret names with their values masked, as sessions are stored and answered. */
export function masked(names: Iterable<string>): Record<string, string> {
  return Object.fromEntries([...names].map((n) => [n, SESSION_SECRETS.mask]));
}

/** A session read from a record: data files written before `status`, `tti_minutes` and `secrets` lack them. */
export function storedSession(s: Session): StoredSession {
  if (s.status !== undefined && s.tti_minutes !== undefined && s.secrets !== undefined)
    return s as StoredSession;
  const { created_at, ...rest } = s;
  return {
    ...rest,
    status: (s.status as SessionStatus | undefined) ?? "unstarted",
    tti_minutes: s.tti_minutes ?? 0,
    secrets: masked(Object.keys(s.secrets ?? {})),
    created_at,
  };
}

export class Tables {
  readonly agents = new Map<string, AgentEntry>();
  readonly aliases = new Map<string, AliasEntry>();
  /** Every session key in use under any agent, with how many agents use it (for generated keys). */
  readonly sessionKeys = new Map<string, number>();
  seq = 0;
  readonly totals = { created: 0, throughAliases: 0, direct: 0, evicted: 0 };
  /**
   * Sessions stored now. An expired session stays stored (unseen) until a later session write
   * passes its deadline: see apply.ts.
   */
  storedCount = 0;
  /**
   * With a session limit, the stored sessions oldest first: what eviction drops first. A
   * queue, not a Set: a Set keeps the holes of deleted entries until it rehashes, and finding
   * its first live entry walked thousands of them per eviction. Entries deleted meanwhile stay
   * (marked `gone`, their events already let go) until eviction passes them or the queue is
   * compacted; a slot the head has passed is emptied at once, so an evicted session is garbage
   * as soon as it is evicted.
   */
  queue: (SessionEntry | undefined)[] = [];
  queueHead = 0;
  /** `gone` entries still in the queue. */
  queueGone = 0;
  /** Sessions with a `tti_minutes`, by deadline (stale items are skipped): see `purgeExpired`. */
  readonly expiries = new Deadlines<SessionEntry>();
  /**
   * Replaying records that list their evictions (format version 2): evict exactly those,
   * not by count, so the limit in force now does not change which sessions come back.
   */
  replaying = false;
  readonly traces: TraceLog;
  /** What decides each trace (shared with the stores that replace this one). */
  readonly behaviour: AgentBehaviour;
  private lastMs = -1;
  private lastIso = "";

  constructor(
    private readonly clock: (() => Date) | undefined,
    readonly maxSessions: number,
    traces: TraceOptions,
  ) {
    this.behaviour = traces.behaviour ?? new AgentBehaviour(0);
    this.traces = new TraceLog(traces.maxTraces ?? 0);
  }

  now(): string {
    if (this.clock) return this.clock().toISOString();
    // Many writes land in the same millisecond under load; format each millisecond once.
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }

  nowMs(): number {
    return this.clock ? this.clock().getTime() : Date.now();
  }
}

/** A stored session that has not expired at `at` (ms), else undefined. */
export function live(e: SessionEntry | undefined, at: number): SessionEntry | undefined {
  return e !== undefined && at <= e.deadline ? e : undefined;
}
