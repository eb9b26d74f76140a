/**
 * Reads of the state: one agent, alias, session or trace (404 when it is not there, or a
 * session has expired), and lists in pages. A page continues after a sequence number, so
 * writes between two pages neither repeat nor skip an item that was there all along.
 */
import type { Agent, Alias, SessionEvent } from "../../wire/index.js";
import { notFound } from "../errors.js";
import type { SessionPath, StoredSession } from "./records.js";
import { type AliasEntry, live, type SessionEntry, type Tables } from "./tables.js";
import type { StoredTrace, TraceFilter } from "./trace-log.js";

/** Options of a list call, already validated. */
export interface PageRequest {
  limit: number;
  /** Sequence number after which to start (0: from the beginning). */
  after: number;
}

/** A list page: the items and, when more follow, the sequence number to continue after. */
export interface Page<T> {
  items: T[];
  next: number | undefined;
}

export interface AliasFilter {
  enabled?: boolean;
  aliasedAgentKey?: string;
  filter?: RegExp;
}

/** A list `filter` (http/routes/lists.ts `compileFilter`): true when it matches the name or the description. */
function matchesFilter(filter: RegExp, o: { name: string; description: string }): boolean {
  filter.lastIndex = 0;
  if (filter.test(o.name)) return true;
  filter.lastIndex = 0;
  return filter.test(o.description);
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

export function getAgent(t: Tables, key: string): Agent {
  const e = t.agents.get(key);
  if (!e) throw notFound(`Agent '${key}' not found`, key);
  return e.agent;
}

export function listAgents(t: Tables, page: PageRequest): Page<Agent> {
  return paginate(t.agents.values(), page, (e) => e.agent);
}

export function getAlias(t: Tables, key: string): Alias {
  const e = t.aliases.get(key);
  if (!e) throw notFound(`Alias '${key}' not found`, key);
  return e.alias;
}

export function listAliases(t: Tables, page: PageRequest, f: AliasFilter): Page<Alias> {
  const keep = (e: AliasEntry): boolean => {
    if (f.enabled !== undefined && e.alias.enabled !== f.enabled) return false;
    if (f.aliasedAgentKey !== undefined && !e.checked.agents.includes(f.aliasedAgentKey)) return false;
    return f.filter === undefined || matchesFilter(f.filter, e.alias);
  };
  return paginate(t.aliases.values(), page, (e) => e.alias, keep);
}

/**
 * A session by the path it is addressed through: `{alias}` or `{agent}`. One that has
 * expired at `at` (ms; default now) is not found, though it may still be stored.
 */
export function sessionEntry(t: Tables, via: SessionPath, at = t.nowMs()): SessionEntry {
  const owner = via.alias !== undefined ? t.aliases.get(via.alias) : t.agents.get(via.agent);
  const missing = via.alias !== undefined ? "Alias or session not found" : "Agent or session not found";
  if (!owner) throw notFound(missing, via.alias ?? via.agent);
  const s = live(owner.sessions.get(via.session), at);
  if (!s) throw notFound(missing, via.session);
  return s;
}

/** Sessions of an alias or an agent, oldest first; `filter` is over name and description. */
export function listSessions(
  t: Tables,
  via: { alias: string } | { agent: string },
  page: PageRequest,
  filter?: RegExp,
): Page<StoredSession> {
  let entries: Map<string, SessionEntry>;
  if ("alias" in via) {
    const a = t.aliases.get(via.alias);
    if (!a) throw notFound("Alias or session not found", via.alias);
    entries = a.sessions;
  } else {
    const a = t.agents.get(via.agent);
    if (!a) throw notFound(`Agent '${via.agent}' not found`, via.agent);
    entries = a.sessions;
  }
  const now = t.nowMs();
  const keep = (e: SessionEntry): boolean =>
    now <= e.deadline && (filter === undefined || matchesFilter(filter, e.session));
  return paginate(entries.values(), page, (e) => e.session, keep);
}

export function listEvents(t: Tables, via: SessionPath, page: PageRequest): Page<SessionEvent> {
  const events = sessionEntry(t, via).events;
  const entries = events.map((event, i) => ({ seq: i + 1, event }));
  return paginate(entries, page, (e) => e.event);
}

/** A trace by id; 404 when it is unknown (or evicted). */
export function getTrace(t: Tables, traceId: string): StoredTrace {
  const trace = t.traces.get(traceId);
  if (trace === undefined) throw notFound(`Trace '${traceId}' not found`, traceId);
  return trace;
}

/** Traces newest first; `page.after` is the trace number to continue before (0: the newest). */
export function listTraces(t: Tables, filter: TraceFilter, page: PageRequest): Page<StoredTrace> {
  return t.traces.list(filter, { limit: page.limit, before: page.after });
}
