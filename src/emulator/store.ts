/**
 * The emulator's state and every rule of API.md about it, with no HTTP in sight.
 *
 * Each write is split in two: the operation checks its input against the state and builds a
 * fully determined journal record (generated keys, timestamps and the routing decision are in
 * it), then `apply` performs the record. Both happen in one synchronous step, so no other
 * request can interleave: a policy replacement is atomic and a session is resolved by exactly
 * one policy. Replaying a data file calls `apply` alone, so a session keeps the agent it was
 * given even though the policy may have changed since. A write is answered only once its
 * record is on disk (journal.ts); when that fails, the app rebuilds the store from the data
 * file (app.ts), so a write that was not made leaves nothing behind.
 *
 * An input answered in a session yields a trace (API.md "Traces"): its agent's profile
 * (profiles.ts) decides the trace, which is journaled beside the events as a record of its
 * own, so a replay gives back the same traces whatever the profiles say at replay time.
 *
 * Everything keyed by user input lives in a Map: keys such as `__proto__` are plain data.
 */
import type { z } from "zod";
import {
  asChecked,
  type CheckedPolicy,
  checkPolicy,
  formatPath,
  isRecord,
  type Policy,
  RoutingError,
  type TargetType,
} from "../policy/index.js";
import {
  type Agent,
  type Alias,
  type AliasStats,
  createAgentBodySchema,
  createEventBodySchema,
  createSessionBodySchema,
  type EmulatorStats,
  type EventsCreated,
  patchAgentBodySchema,
  patchAliasBodySchema,
  patchSessionBodySchema,
  SESSION_SECRETS,
  type Session,
  type SessionEvent,
} from "../wire/index.js";
import { conflict, type FieldIssue, HttpProblem, invalid, notFound } from "./errors.js";
import { Deadlines } from "./expiry.js";
import { eventId, generateKey } from "./ids.js";
import { EMULATOR_LIMITS } from "./limits.js";
import { AgentBehaviour } from "./profiles.js";
import { type StoredTrace, type TraceFilter, TraceLog } from "./trace-log.js";
import { fastSessionBody, parseWith } from "./validation.js";

/** What a session's routing decided, kept to rebuild the statistics on replay. */
export interface RoutingRecord {
  rule: number;
  target: TargetType;
  partition?: string;
}

/** A stored session named by its agent and key (at most one is stored per pair). */
export interface SessionRef {
  agent_key: string;
  key: string;
}

/**
 * One write, as it is journaled (see journal.ts for the file format). Sessions are journaled
 * as answered: secret values are masked, never written. `session.patch` holds the whole
 * session after the PATCH and `at`, the instant of the PATCH (an activity, for `tti_minutes`).
 * A session's expiry is not journaled: it follows from the records (see `Store.apply`).
 * `session.create` lists the sessions it evicted (`maxSessions`), and a `session.delete` with
 * `evicted` is an eviction on its own (a restart with a lower limit: `evictOverLimit`), so
 * replay gives the same sessions whatever limit it runs with. `trace.add` is the trace of an
 * answered input, written with the `events.add` of that input; the traces kept past
 * `maxTraces` follow from the order of the records, so their evictions are not journaled.
 */
export type JournalRecord =
  | { op: "agent.put"; agent: Agent }
  | { op: "agent.delete"; key: string }
  | { op: "alias.put"; alias: Alias }
  | { op: "alias.delete"; key: string }
  | { op: "session.create"; session: Session; routing: RoutingRecord | null; evicted?: SessionRef[] }
  | { op: "session.patch"; session: Session; at: string }
  | { op: "session.delete"; agent_key: string; key: string; evicted?: true }
  | { op: "events.add"; agent_key: string; session_key: string; events: SessionEvent[] }
  | { op: "trace.add"; trace: StoredTrace };

/** Every `op` of JournalRecord: the compiler refuses this table when one is missing or extra. */
const JOURNAL_OP_TABLE = {
  "agent.put": true,
  "agent.delete": true,
  "alias.put": true,
  "alias.delete": true,
  "session.create": true,
  "session.patch": true,
  "session.delete": true,
  "events.add": true,
  "trace.add": true,
} as const satisfies Record<JournalRecord["op"], true>;

/** The record types a data file may hold (journal.ts refuses any other `op`). */
export const JOURNAL_OPS = Object.freeze(Object.keys(JOURNAL_OP_TABLE) as JournalRecord["op"][]);

/** What the emulator answers in `status` (API.md: `unstarted` until the first input, then `running`). */
export type SessionStatus = "unstarted" | "running" | "stopped";

/**
 * A session as the emulator stores and answers it: the full form, every field present.
 * `secrets` is always there (`{}` when none was given, as `metadata` is *(ours)*), each value
 * masked.
 */
export type StoredSession = Session & {
  status: SessionStatus;
  tti_minutes: number;
  secrets: Record<string, string>;
};

function masked(names: Iterable<string>): Record<string, string> {
  return Object.fromEntries([...names].map((n) => [n, SESSION_SECRETS.mask]));
}

/** A session read from a record: data files written before `status`, `tti_minutes` and `secrets` lack them. */
function storedSession(s: Session): StoredSession {
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

/** The result of a write: the records to journal (one, or an input's events and trace) and the body to answer with. */
export interface WriteResult<T> {
  readonly records: readonly JournalRecord[];
  readonly value: T;
}

/** How a store records traces: its agents' behaviour and the most traces it keeps. */
export interface TraceOptions {
  /** Default: a behaviour with seed 0 and no profiles (every agent on DEFAULT_AGENT_PROFILE). */
  behaviour?: AgentBehaviour | undefined;
  /** Most traces kept (0: no limit); past it each new trace evicts the oldest. Default 0. */
  maxTraces?: number | undefined;
}

interface SessionEntry {
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

interface AgentEntry {
  readonly seq: number;
  readonly agent: Agent;
  readonly sessions: Map<string, SessionEntry>;
}

interface AliasCounters {
  sessions: number;
  routingErrors: number;
  readonly agents: Map<string, number>;
  readonly rules: Map<number, { sessions: number; agents: Map<string, number> }>;
}

interface AliasEntry {
  readonly seq: number;
  readonly alias: Alias;
  /** The policy, checked once when written (its resolver; `agents`: the agents it names, in order of first use). */
  readonly checked: CheckedPolicy;
  /** Sessions created through this alias (while it existed), by key. */
  readonly sessions: Map<string, SessionEntry>;
  readonly counters: AliasCounters;
}

/** Options of a list call, already validated. */
export interface PageRequest {
  limit: number;
  /** Sequence number after which to start (0: from the beginning). */
  after: number;
}

/** A list page: the items and, when more follow, the sequence number to continue after. */
interface Page<T> {
  items: T[];
  next: number | undefined;
}

export interface AliasFilter {
  enabled?: boolean;
  aliasedAgentKey?: string;
  filter?: RegExp;
}

/** A list `filter` (app.ts `compileFilter`): true when it matches the name or the description. */
function matchesFilter(filter: RegExp, o: { name: string; description: string }): boolean {
  filter.lastIndex = 0;
  if (filter.test(o.name)) return true;
  filter.lastIndex = 0;
  return filter.test(o.description);
}

/** When a session last active at `at` (ms) expires: never with `tti_minutes` 0. */
function deadlineOf(at: number, ttiMinutes: number): number {
  return ttiMinutes > 0 ? at + ttiMinutes * 60_000 : Number.POSITIVE_INFINITY;
}

function paginate<E extends { seq: number }, T>(
  entries: Iterable<E>,
  page: PageRequest,
  map: (e: E) => T,
  keep?: (e: E) => boolean,
): Page<T> {
  const items: T[] = [];
  let last = 0;
  for (const e of entries) {
    if (e.seq <= page.after || (keep && !keep(e))) continue;
    if (items.length === page.limit) return { items, next: last };
    items.push(map(e));
    last = e.seq;
  }
  return { items, next: undefined };
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function counts(map: Map<string, number>): Record<string, number> {
  return Object.fromEntries(map);
}

function newCounters(): AliasCounters {
  return { sessions: 0, routingErrors: 0, agents: new Map(), rules: new Map() };
}

/** `policy.rules[i]…` path of the field a routing error is about (from its fields, not its message). */
function routingErrorPath(e: RoutingError): string {
  if (e.rule === undefined) return "policy.rules";
  const base = `policy.rules[${e.rule - 1}]`;
  if (e.part === "partition_by") return `${base}.targets.partition_by`;
  if (e.part === "match") return `${base}.match`;
  return base;
}

/**
 * The fields a PATCH names (API.md: a PATCH replaces the fields it names, metadata whole):
 * those of a parsed body that are not undefined.
 */
function namedFields<T extends object>(body: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

function requireObject(body: unknown): Record<string, unknown> {
  if (isRecord(body)) return body;
  throw invalid([{ path: "body", message: `body: must be a JSON object` }]);
}

export class Store {
  private readonly agents = new Map<string, AgentEntry>();
  private readonly aliases = new Map<string, AliasEntry>();
  /** Every session key in use under any agent, with how many agents use it (for generated keys). */
  private readonly sessionKeys = new Map<string, number>();
  private seq = 0;
  private readonly totals = { created: 0, throughAliases: 0, direct: 0, evicted: 0 };
  /**
   * Sessions stored now. An expired session stays stored (unseen) until a later session write
   * passes its deadline: see `apply`.
   */
  private storedCount = 0;
  /**
   * With a session limit, the stored sessions oldest first: what eviction drops first. A
   * queue, not a Set: a Set keeps the holes of deleted entries until it rehashes, and finding
   * its first live entry walked thousands of them per eviction. Entries deleted meanwhile stay
   * (marked `gone`, their events already let go) until eviction passes them or the queue is
   * compacted; a slot the head has passed is emptied at once, so an evicted session is garbage
   * as soon as it is evicted.
   */
  private queue: (SessionEntry | undefined)[] = [];
  private queueHead = 0;
  /** `gone` entries still in the queue. */
  private queueGone = 0;
  /** Sessions with a `tti_minutes`, by deadline (stale items are skipped): see `purgeExpired`. */
  private readonly expiries = new Deadlines<SessionEntry>();

  private lastMs = -1;
  private lastIso = "";
  /**
   * Replaying records that list their evictions (format version 2): evict exactly those,
   * not by count, so the limit in force now does not change which sessions come back.
   */
  private replaying = false;
  private readonly traces: TraceLog;
  /** What decides each trace (shared with the stores that replace this one). */
  readonly behaviour: AgentBehaviour;

  /**
   * `clock` pins time for tests; without it, timestamps come from Date.now(). `maxSessions`
   * bounds the sessions kept in memory (0: no bound): past it, creating a session evicts the
   * oldest stored one, which then reads as not found, as an expired session would. Counters
   * (stats) still count every session created. `traces`: how traces are drawn and how many
   * are kept.
   */
  constructor(
    private readonly clock?: () => Date,
    private readonly maxSessions = 0,
    traces: TraceOptions = {},
  ) {
    this.behaviour = traces.behaviour ?? new AgentBehaviour(0);
    this.traces = new TraceLog(traces.maxTraces ?? 0);
  }

  private now(): string {
    if (this.clock) return this.clock().toISOString();
    // Many writes land in the same millisecond under load; format each millisecond once.
    const ms = Date.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }

  private nowMs(): number {
    return this.clock ? this.clock().getTime() : Date.now();
  }

  /** A stored session that has not expired at `at` (ms), else undefined. */
  private live(e: SessionEntry | undefined, at: number): SessionEntry | undefined {
    return e !== undefined && at <= e.deadline ? e : undefined;
  }

  // ---- reads ----------------------------------------------------------------------------

  hasAgent(key: string): boolean {
    return this.agents.has(key);
  }

  hasAlias(key: string): boolean {
    return this.aliases.has(key);
  }

  getAgent(key: string): Agent {
    const e = this.agents.get(key);
    if (!e) throw notFound(`Agent '${key}' not found`, key);
    return e.agent;
  }

  listAgents(page: PageRequest): Page<Agent> {
    return paginate(this.agents.values(), page, (e) => e.agent);
  }

  getAlias(key: string): Alias {
    const e = this.aliases.get(key);
    if (!e) throw notFound(`Alias '${key}' not found`, key);
    return e.alias;
  }

  listAliases(page: PageRequest, f: AliasFilter): Page<Alias> {
    const keep = (e: AliasEntry): boolean => {
      if (f.enabled !== undefined && e.alias.enabled !== f.enabled) return false;
      if (f.aliasedAgentKey !== undefined && !e.checked.agents.includes(f.aliasedAgentKey)) return false;
      return f.filter === undefined || matchesFilter(f.filter, e.alias);
    };
    return paginate(this.aliases.values(), page, (e) => e.alias, keep);
  }

  private aliasSession(aliasKey: string, sessionKey: string, at: number): SessionEntry {
    const alias = this.aliases.get(aliasKey);
    if (!alias) throw notFound("Alias or session not found", aliasKey);
    const s = this.live(alias.sessions.get(sessionKey), at);
    if (!s) throw notFound("Alias or session not found", sessionKey);
    return s;
  }

  private agentSession(agentKey: string, sessionKey: string, at: number): SessionEntry {
    const agent = this.agents.get(agentKey);
    if (!agent) throw notFound("Agent or session not found", agentKey);
    const s = this.live(agent.sessions.get(sessionKey), at);
    if (!s) throw notFound("Agent or session not found", sessionKey);
    return s;
  }

  /**
   * A session by the path it is addressed through: `{alias}` or `{agent}`. One that has
   * expired at `at` (ms; default now) is not found, though it may still be stored.
   */
  private session(via: SessionPath, at = this.nowMs()): SessionEntry {
    return via.alias !== undefined
      ? this.aliasSession(via.alias, via.session, at)
      : this.agentSession(via.agent, via.session, at);
  }

  getSession(via: SessionPath): StoredSession {
    return this.session(via).session;
  }

  /** Sessions of an alias or an agent, oldest first; `filter` is over name and description. */
  listSessions(
    via: { alias: string } | { agent: string },
    page: PageRequest,
    filter?: RegExp,
  ): Page<StoredSession> {
    let entries: Map<string, SessionEntry>;
    if ("alias" in via) {
      const a = this.aliases.get(via.alias);
      if (!a) throw notFound("Alias or session not found", via.alias);
      entries = a.sessions;
    } else {
      const a = this.agents.get(via.agent);
      if (!a) throw notFound(`Agent '${via.agent}' not found`, via.agent);
      entries = a.sessions;
    }
    const now = this.nowMs();
    const keep = (e: SessionEntry): boolean =>
      now <= e.deadline && (filter === undefined || matchesFilter(filter, e.session));
    return paginate(entries.values(), page, (e) => e.session, keep);
  }

  listEvents(via: SessionPath, page: PageRequest): Page<SessionEvent> {
    const events = this.session(via).events;
    const entries = events.map((event, i) => ({ seq: i + 1, event }));
    return paginate(entries, page, (e) => e.event);
  }

  /** A trace by id; 404 when it is unknown (or evicted). */
  getTrace(traceId: string): StoredTrace {
    const t = this.traces.get(traceId);
    if (t === undefined) throw notFound(`Trace '${traceId}' not found`, traceId);
    return t;
  }

  /** Traces newest first; `page.after` is the trace number to continue before (0: the newest). */
  listTraces(filter: TraceFilter, page: PageRequest): Page<StoredTrace> {
    return this.traces.list(filter, { limit: page.limit, before: page.after });
  }

  /** Usage statistics; see `emulatorStatsSchema` in the wire types for the shape. */
  stats(faults: EmulatorStats["faults"]): EmulatorStats {
    const aliases: [string, AliasStats][] = [];
    for (const [key, e] of this.aliases) {
      const c = e.counters;
      aliases.push([
        key,
        {
          sessions: c.sessions,
          routing_errors: c.routingErrors,
          agents: counts(c.agents),
          rules: Object.fromEntries(
            [...c.rules]
              .sort((a, b) => a[0] - b[0])
              .map(([n, r]) => [String(n), { sessions: r.sessions, agents: counts(r.agents) }]),
          ),
        },
      ]);
    }
    return {
      aliases: Object.fromEntries(aliases),
      sessions: {
        created: this.totals.created,
        through_aliases: this.totals.throughAliases,
        direct: this.totals.direct,
        stored: this.storedCount,
        evicted: this.totals.evicted,
        max_sessions: this.maxSessions,
      },
      faults,
    };
  }

  // ---- writes ---------------------------------------------------------------------------

  createAgent(body: unknown): WriteResult<Agent> {
    const b = parseWith(createAgentBodySchema, requireObject(body));
    if (b.key !== undefined && this.agents.has(b.key)) throw conflict(`Agent '${b.key}' already exists`);
    const key = b.key ?? generateKey("agt", b.name, "agent", (k) => this.agents.has(k), this.agents.size);
    const agent: Agent = {
      key,
      name: b.name,
      description: b.description ?? "",
      metadata: b.metadata ?? {},
      enabled: b.enabled ?? true,
      created_at: this.now(),
    };
    return this.write({ op: "agent.put", agent }, agent);
  }

  patchAgent(key: string, body: unknown): WriteResult<Agent> {
    const b = parseWith(patchAgentBodySchema, requireObject(body));
    const old = this.getAgent(key);
    const agent: Agent = { ...old, ...namedFields(b), updated_at: this.now() };
    return this.write({ op: "agent.put", agent }, agent);
  }

  deleteAgent(key: string): WriteResult<null> {
    this.getAgent(key);
    const users = [...this.aliases.values()]
      .filter((a) => a.checked.agents.includes(key))
      .map((a) => a.alias.key);
    if (users.length > 0) throw conflict(`Agent '${key}' is used by alias(es): [${users.join(", ")}]`);
    return this.write({ op: "agent.delete", key }, null);
  }

  /**
   * Checks an alias document against ROUTING.md §4 and the agents that exist; returns the
   * checked policy. Throws a 400 whose messages are checkPolicy's (exact API messages), each
   * path written out here, at the HTTP edge.
   */
  private checkAliasDocument(doc: Record<string, unknown>, extra: FieldIssue[] = []): CheckedPolicy {
    const checked = checkPolicy(doc);
    const issues = [
      ...extra,
      ...checked.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    ];
    if (!checked.ok || issues.length > 0) throw invalid(issues);
    const policy = checked.policy;
    const unknown = policy.agents.filter((k) => !this.agents.has(k));
    if (unknown.length > 0) {
      const message = `Alias references unknown agent(s): [${unknown.join(", ")}]`;
      const where: FieldIssue[] = [];
      const reported = new Set<string>();
      policy.document.policy.rules.forEach((rule, i) => {
        const t = rule.targets;
        const refs =
          t.type === "single"
            ? [{ key: t.agent_key, path: `policy.rules[${i}].targets.agent_key` }]
            : t.options.map((o, j) => ({
                key: o.agent_key,
                path: `policy.rules[${i}].targets.options[${j}].agent_key`,
              }));
        for (const r of refs) {
          if (this.agents.has(r.key) || reported.has(r.key)) continue;
          reported.add(r.key);
          where.push({ path: r.path, message: `${r.path}: unknown agent '${r.key}'` });
        }
      });
      throw invalid(where, [message]);
    }
    return policy;
  }

  createAlias(body: unknown): WriteResult<Alias> {
    const doc = requireObject(body);
    const missing: FieldIssue[] = [];
    if (doc.key === undefined) missing.push({ path: "key", message: "key: is required" });
    if (doc.name === undefined) missing.push({ path: "name", message: "name: is required" });
    const compiled = this.checkAliasDocument(doc, missing);
    const key = doc.key as string;
    if (this.aliases.has(key)) throw conflict(`Alias '${key}' already exists`);
    const alias: Alias = {
      key,
      name: doc.name as string,
      description: (doc.description as string | undefined) ?? "",
      policy: doc.policy as Policy,
      enabled: (doc.enabled as boolean | undefined) ?? true,
      metadata: (doc.metadata as Record<string, unknown> | undefined) ?? {},
      created_at: this.now(),
    };
    return this.write({ op: "alias.put", alias }, alias, compiled);
  }

  patchAlias(key: string, body: unknown): WriteResult<Alias> {
    const b = parseWith(patchAliasBodySchema, requireObject(body));
    const old = this.getAlias(key);
    const alias: Alias = { ...old, ...namedFields(b), updated_at: this.now() };
    return this.write({ op: "alias.put", alias }, alias, this.aliases.get(key)!.checked);
  }

  replacePolicy(key: string, body: unknown): WriteResult<Alias> {
    const b = requireObject(body);
    const old = this.getAlias(key);
    const extra: FieldIssue[] = Object.keys(b)
      .filter((k) => k !== "policy")
      .map((k) => ({ path: k, message: `${k}: unknown field '${k}'` }));
    const compiled = this.checkAliasDocument({ key: old.key, name: old.name, policy: b.policy }, extra);
    const alias: Alias = { ...old, policy: b.policy as Policy, updated_at: this.now() };
    return this.write({ op: "alias.put", alias }, alias, compiled);
  }

  deleteAlias(key: string): WriteResult<null> {
    this.getAlias(key);
    return this.write({ op: "alias.delete", key }, null);
  }

  /**
   * The fields of a new session: `fields` are what routing sees (ROUTING.md §2: key, name,
   * description, metadata), `rest` the others, defaulted, with the secrets masked.
   */
  private newSessionFields(body: unknown) {
    const b: z.output<typeof createSessionBodySchema> =
      fastSessionBody(body ?? {}) ??
      parseWith(createSessionBodySchema, body === undefined ? {} : requireObject(body));
    const key =
      b.key ?? generateKey("ase", b.name, "session", (k) => this.sessionKeys.has(k), this.sessionKeys.size);
    const fields = { key, name: b.name ?? key, description: b.description ?? "", metadata: b.metadata ?? {} };
    const rest = {
      enabled: b.enabled ?? true,
      status: "unstarted" as const,
      tti_minutes: b.tti_minutes ?? 0,
      secrets: masked(Object.keys(b.secrets ?? {})),
    };
    return { fields, rest };
  }

  /**
   * Creates a session through an alias: generates the key when missing, routes it with the
   * alias's policy in force at this instant, and fixes the agent on the session.
   */
  createAliasSession(aliasKey: string, body: unknown): WriteResult<Session> {
    const entry = this.aliases.get(aliasKey);
    if (!entry?.alias.enabled) throw notFound("Alias not found or not currently active", aliasKey);
    const { fields, rest } = this.newSessionFields(body);
    const alias = entry.alias;
    const createdAt = this.now();
    const at = Date.parse(createdAt);
    const context = {
      agent: { key: alias.key, name: alias.name, description: alias.description, metadata: alias.metadata },
      session: fields,
      currentDate: createdAt,
    };
    let agentKey: string;
    let routing: RoutingRecord;
    try {
      const r = entry.checked.resolver.resolve(context);
      agentKey = r.agent_key;
      routing =
        r.partition === undefined
          ? { rule: r.rule, target: r.target }
          : { rule: r.rule, target: r.target, partition: r.partition };
    } catch (e) {
      if (!(e instanceof RoutingError)) throw e;
      entry.counters.routingErrors++;
      const path = routingErrorPath(e);
      throw invalid([{ path, message: e.message }]);
    }
    const agent = this.agents.get(agentKey);
    // Cannot happen while agent deletion is refused for agents that a policy names.
    if (!agent) throw new HttpProblem(400, [`Alias references unknown agent(s): [${agentKey}]`]);
    // An expired session's key is free again (apply drops the expired session).
    if (this.live(agent.sessions.get(fields.key), at) || this.live(entry.sessions.get(fields.key), at)) {
      throw conflict(`Session '${fields.key}' already exists`);
    }
    const session: StoredSession = {
      ...fields,
      agent_key: agentKey,
      alias_key: alias.key,
      ...rest,
      created_at: createdAt,
    };
    return this.write({ op: "session.create", session, routing }, session);
  }

  createAgentSession(agentKey: string, body: unknown): WriteResult<Session> {
    const agent = this.agents.get(agentKey);
    if (!agent) throw notFound(`Agent '${agentKey}' not found`, agentKey);
    const { fields, rest } = this.newSessionFields(body);
    const createdAt = this.now();
    if (this.live(agent.sessions.get(fields.key), Date.parse(createdAt)))
      throw conflict(`Session '${fields.key}' already exists`);
    const session: StoredSession = {
      ...fields,
      agent_key: agentKey,
      alias_key: null,
      ...rest,
      created_at: createdAt,
    };
    return this.write({ op: "session.create", session, routing: null }, session);
  }

  /**
   * `PATCH` on either session path: replaces the fields it names (metadata whole), merges
   * `secrets` by name (`null` removes one; only names are kept, values are write-only), and
   * counts as activity for `tti_minutes`.
   */
  patchSession(via: SessionPath, body: unknown): WriteResult<StoredSession> {
    const b = parseWith(patchSessionBodySchema, requireObject(body));
    const at = this.now();
    const old = this.session(via, Date.parse(at)).session;
    let secrets = old.secrets;
    if (b.secrets !== undefined) {
      const names = new Set(Object.keys(old.secrets));
      for (const [name, value] of Object.entries(b.secrets)) {
        if (value === null) names.delete(name);
        else names.add(name);
      }
      secrets = masked(names);
    }
    const { secrets: _given, ...fields } = b;
    const session: StoredSession = { ...old, ...namedFields(fields), secrets };
    return this.write({ op: "session.patch", session, at }, session);
  }

  deleteSession(via: SessionPath): WriteResult<null> {
    const s = this.session(via).session;
    return this.write({ op: "session.delete", agent_key: s.agent_key, key: s.key }, null);
  }

  /**
   * Appends the input event and the agent's deterministic answer naming the agent, and
   * records the invocation's trace, drawn from the agent's profile (the answer is the same
   * whether the trace says it failed or not).
   */
  addEvents(via: SessionPath, body: unknown): WriteResult<EventsCreated> {
    const b = parseWith(createEventBodySchema, requireObject(body));
    const createdAt = this.now();
    const entry = this.session(via, Date.parse(createdAt));
    if (entry.events.length + 2 > EMULATOR_LIMITS.maxEventsPerSession)
      throw conflict(
        `Session '${entry.session.key}' has reached the limit of ${EMULATOR_LIMITS.maxEventsPerSession} events; start a new session`,
      );
    const s = entry.session;
    const text = b.messages.map((m) => m.content).join("\n");
    const events: SessionEvent[] = [
      {
        id: eventId(),
        type: "input_message",
        session_key: s.key,
        agent_key: s.agent_key,
        messages: b.messages,
        created_at: createdAt,
      },
      {
        id: eventId(),
        type: "agent_output",
        session_key: s.key,
        agent_key: s.agent_key,
        content: agentAnswer(s.agent_key, text),
        created_at: createdAt,
      },
    ];
    const n = this.traces.invocations(s.agent_key);
    const chars = b.messages.reduce((sum, m) => sum + m.content.length, 0);
    const drawn = this.behaviour.invocation(s.agent_key, n, chars, {
      metadata: s.metadata ?? {},
      alias_key: s.alias_key,
    });
    const trace: StoredTrace = {
      // Two draws give the same id with odds of 2^-64 per pair: made unique, still determined.
      trace_id: this.traces.has(drawn.trace_id) ? `${drawn.trace_id}_${n}` : drawn.trace_id,
      agent_key: s.agent_key,
      session_key: s.key,
      alias_key: s.alias_key,
      started_at: createdAt,
      duration_ms: drawn.duration_ms,
      status: drawn.status,
      error_type: drawn.error_type,
      input_tokens: drawn.input_tokens,
      output_tokens: drawn.output_tokens,
    };
    const records: JournalRecord[] = [
      { op: "events.add", agent_key: s.agent_key, session_key: s.key, events },
      { op: "trace.add", trace },
    ];
    for (const r of records) this.apply(r);
    return { records, value: { session_key: s.key, events } };
  }

  private write<T>(record: JournalRecord, value: T, checked?: CheckedPolicy): WriteResult<T> {
    this.apply(record, checked);
    return { records: [record], value };
  }

  // ---- apply ----------------------------------------------------------------------------

  /**
   * Performs one journal record. Trusts it: records are built by the operations above or
   * read back from the data file they wrote. Throws only on a record that contradicts the
   * state (a corrupt file).
   *
   * Expiry (`tti_minutes`) needs no record: a session has expired once the clock passes its
   * deadline (last activity + tti), and reads check that. Expired sessions are dropped from
   * memory only here, when a session record's own instant passes their deadline, so what is
   * stored (and so what eviction drops) depends on the records alone, and replaying a data
   * file rebuilds the same state, whatever the clock reads at replay.
   */
  apply(record: JournalRecord, checked?: CheckedPolicy): void {
    switch (record.op) {
      case "agent.put": {
        const old = this.agents.get(record.agent.key);
        this.agents.set(record.agent.key, {
          seq: old?.seq ?? ++this.seq,
          agent: record.agent,
          sessions: old?.sessions ?? new Map(),
        });
        return;
      }
      case "agent.delete": {
        const old = this.agents.get(record.key);
        if (!old) return;
        for (const s of old.sessions.values()) this.forgetSession(s);
        this.compactQueue();
        this.agents.delete(record.key);
        return;
      }
      case "alias.put": {
        const a = record.alias;
        const old = this.aliases.get(a.key);
        this.aliases.set(a.key, {
          seq: old?.seq ?? ++this.seq,
          alias: a,
          checked: checked ?? asChecked({ key: a.key, policy: a.policy }),
          sessions: old?.sessions ?? new Map(),
          counters: old?.counters ?? newCounters(),
        });
        return;
      }
      case "alias.delete":
        this.aliases.delete(record.key);
        return;
      case "session.create": {
        const s = storedSession(record.session);
        const agent = this.agents.get(s.agent_key);
        if (!agent) throw new Error(`session '${s.key}' names agent '${s.agent_key}', which does not exist`);
        const at = Date.parse(s.created_at);
        this.purgeExpired(at);
        // Only an expired session can hold the key still (its key is free again).
        const held = [
          agent.sessions.get(s.key),
          s.alias_key === null ? undefined : this.aliases.get(s.alias_key)?.sessions.get(s.key),
        ];
        for (const old of held) if (old !== undefined && !old.gone) this.forgetSession(old);
        const entry: SessionEntry = {
          seq: ++this.seq,
          session: s,
          events: [],
          gone: false,
          deadline: deadlineOf(at, s.tti_minutes),
        };
        if (entry.deadline !== Number.POSITIVE_INFINITY) this.expiries.push(entry.deadline, entry);
        agent.sessions.set(s.key, entry);
        this.sessionKeys.set(s.key, (this.sessionKeys.get(s.key) ?? 0) + 1);
        this.storedCount++;
        if (this.maxSessions > 0) this.queue.push(entry);
        // What this create evicted when it was made (replay), then what the limit evicts now
        // (a new write, or a version-1 file), listed in the record for the journal.
        if (record.evicted !== undefined && this.replaying) {
          for (const ref of record.evicted) {
            const old = this.agents.get(ref.agent_key)?.sessions.get(ref.key);
            if (old === undefined || old === entry) continue; // evicted already (a lower limit)
            this.forgetSession(old);
            this.totals.evicted++;
          }
          this.compactQueue();
        }
        if (this.maxSessions > 0 && !this.replaying) {
          while (this.storedCount > this.maxSessions) {
            const gone = this.evictOldest().session;
            (record.evicted ??= []).push({ agent_key: gone.agent_key, key: gone.key });
          }
        }
        this.totals.created++;
        if (s.alias_key === null) {
          this.totals.direct++;
          return;
        }
        this.totals.throughAliases++;
        const alias = this.aliases.get(s.alias_key);
        if (alias === undefined || record.routing === null) return;
        alias.sessions.set(s.key, entry);
        const c = alias.counters;
        c.sessions++;
        bump(c.agents, s.agent_key);
        let rule = c.rules.get(record.routing.rule);
        if (!rule) c.rules.set(record.routing.rule, (rule = { sessions: 0, agents: new Map() }));
        rule.sessions++;
        bump(rule.agents, s.agent_key);
        return;
      }
      case "session.patch": {
        const s = storedSession(record.session);
        const entry = this.agents.get(s.agent_key)?.sessions.get(s.key);
        if (!entry) {
          if (this.totals.evicted > 0) return;
          throw new Error(`PATCH of session '${s.key}', which does not exist`);
        }
        const at = Date.parse(record.at);
        entry.session = s;
        this.touch(entry, at);
        this.purgeExpired(at);
        return;
      }
      case "session.delete": {
        const entry = this.agents.get(record.agent_key)?.sessions.get(record.key);
        if (entry) {
          this.forgetSession(entry);
          if (record.evicted) this.totals.evicted++;
          this.compactQueue();
        }
        return;
      }
      case "events.add": {
        const entry = this.agents.get(record.agent_key)?.sessions.get(record.session_key);
        if (!entry) {
          // Replaying a data file: the session may have been evicted since (maxSessions).
          if (this.totals.evicted > 0) return;
          throw new Error(`events for session '${record.session_key}', which does not exist`);
        }
        entry.events.push(...record.events);
        if (entry.session.status === "unstarted" && record.events.some((e) => e.type === "input_message"))
          entry.session = { ...entry.session, status: "running" };
        const at = record.events[0] === undefined ? Number.NaN : Date.parse(record.events[0].created_at);
        if (!Number.isNaN(at)) {
          this.touch(entry, at);
          this.purgeExpired(at);
        }
        return;
      }
      case "trace.add":
        this.traces.add(record.trace);
        return;
      default: {
        const unknown: never = record;
        throw new Error(`unknown record ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** Activity at `at` (ms) on a stored session: its deadline moves to `at` + its `tti_minutes`. */
  private touch(entry: SessionEntry, at: number): void {
    entry.deadline = deadlineOf(at, entry.session.tti_minutes);
    if (entry.deadline !== Number.POSITIVE_INFINITY) this.expiries.push(entry.deadline, entry);
  }

  /** Drops the stored sessions whose deadline is before `at` (ms): they have expired by then. */
  private purgeExpired(at: number): void {
    let dropped = false;
    for (let d = this.expiries.popBefore(at); d !== undefined; d = this.expiries.popBefore(at)) {
      // A stale item: the session was dropped already, or has been active since.
      if (d.item.gone || d.item.deadline !== d.at) continue;
      this.forgetSession(d.item);
      dropped = true;
    }
    if (dropped) this.compactQueue();
  }

  /** Drops the oldest stored session (the limit is exceeded, so there is one) and returns it. */
  private evictOldest(): SessionEntry {
    const q = this.queue;
    while (q[this.queueHead]!.gone) {
      q[this.queueHead++] = undefined;
      this.queueGone--;
    }
    const oldest = q[this.queueHead]!;
    q[this.queueHead++] = undefined;
    this.forgetSession(oldest);
    this.queueGone--; // forgetSession counted it, but the head has passed it
    this.totals.evicted++;
    this.compactQueue();
    return oldest;
  }

  /**
   * Replays one record read from a data file. `legacy` (format version 1, whose records do
   * not list evictions): evict by count with the limit in force, as `apply` does.
   */
  replay(record: JournalRecord, legacy = false): void {
    this.replaying = !legacy;
    try {
      this.apply(record);
    } finally {
      this.replaying = false;
    }
  }

  /**
   * After a replay under a lower limit than the file was written with: evicts the oldest
   * stored sessions down to the limit, and returns a record of each eviction to journal.
   */
  evictOverLimit(): JournalRecord[] {
    const out: JournalRecord[] = [];
    while (this.maxSessions > 0 && this.storedCount > this.maxSessions) {
      const s = this.evictOldest().session;
      out.push({ op: "session.delete", agent_key: s.agent_key, key: s.key, evicted: true });
    }
    return out;
  }

  /** Takes over what is not journaled (routing error counts) from the store this one replaces. */
  carryOver(from: Store): void {
    for (const [key, a] of this.aliases) {
      const old = from.aliases.get(key);
      if (old !== undefined) a.counters.routingErrors = old.counters.routingErrors;
    }
  }

  /** Drops passed and gone entries once they outnumber the live ones (amortised O(1)). */
  private compactQueue(): void {
    if (this.maxSessions === 0) return;
    if (this.queueHead + this.queueGone <= 1024 || this.queueHead + this.queueGone <= this.storedCount)
      return;
    this.queue = this.queue.slice(this.queueHead).filter((e) => e !== undefined && !e.gone);
    this.queueHead = 0;
    this.queueGone = 0;
  }

  private forgetSession(entry: SessionEntry): void {
    entry.gone = true;
    // Nothing reads a forgotten session's events; the queue may hold the entry a while longer.
    entry.events.length = 0;
    this.storedCount--;
    if (this.maxSessions > 0) this.queueGone++;
    const s = entry.session;
    // Only if it is this entry: a newer session may hold the key by now.
    const agent = this.agents.get(s.agent_key);
    if (agent?.sessions.get(s.key) === entry) agent.sessions.delete(s.key);
    if (s.alias_key !== null) {
      const alias = this.aliases.get(s.alias_key);
      if (alias?.sessions.get(s.key) === entry) alias.sessions.delete(s.key);
    }
    const n = (this.sessionKeys.get(s.key) ?? 1) - 1;
    if (n <= 0) this.sessionKeys.delete(s.key);
    else this.sessionKeys.set(s.key, n);
  }
}

/** A session addressed through an alias or through an agent. */
export type SessionPath =
  | { alias: string; agent?: undefined; session: string }
  | { alias?: undefined; agent: string; session: string };

/** What the emulator's agents answer: deterministic, and naming the agent. */
export function agentAnswer(agentKey: string, text: string): string {
  return `[${agentKey}] echo: ${text}`;
}
