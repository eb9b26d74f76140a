/**
 * The emulator's state and every rule of API.md about it, with no HTTP in sight: the Store
 * the routes call, over the tables (tables.ts) and the operations beside it.
 *
 * Each write is split in two: the operation checks its input against the state and builds a
 * fully determined journal record (generated keys, timestamps and the routing decision are in
 * it), then `apply` performs the record. Both happen in one synchronous step, so no other
 * request can interleave: a policy replacement is atomic and a session is resolved by exactly
 * one policy. Replaying a data file calls `apply` alone, so a session keeps the agent it was
 * given even though the policy may have changed since. A write is answered only once its
 * record is on disk (the journal); when that fails, the app rebuilds the store from the data
 * file, so a write that was not made leaves nothing behind.
 */
import type { CheckedPolicy } from "../../policy/index.js";
import type { Agent, Alias, EmulatorStats, EventsCreated, Session, SessionEvent } from "../../wire/index.js";
import type { AgentBehaviour } from "../profiles/index.js";
import { createAgent, deleteAgent, patchAgent } from "./agents.js";
import { createAlias, deleteAlias, patchAlias, replacePolicy } from "./aliases.js";
import { apply } from "./apply.js";
import { addEvents } from "./events.js";
import type { AliasFilter, Page, PageRequest } from "./reads.js";
import * as reads from "./reads.js";
import type { JournalRecord, SessionPath, StoredSession, WriteResult } from "./records.js";
import { createAgentSession, createAliasSession, deleteSession, patchSession } from "./sessions.js";
import { stats } from "./stats.js";
import { evictOldest } from "./storage.js";
import { Tables, type TraceOptions } from "./tables.js";
import type { StoredTrace, TraceFilter } from "./trace-log.js";

export class Store {
  private readonly t: Tables;

  /**
   * `clock` pins time for tests; without it, timestamps come from Date.now(). `maxSessions`
   * bounds the sessions kept in memory (0: no bound): past it, creating a session evicts the
   * oldest stored one, which then reads as not found, as an expired session would. Counters
   * (stats) still count every session created. `traces`: how traces are drawn and how many
   * are kept.
   */
  constructor(clock?: () => Date, maxSessions = 0, traces: TraceOptions = {}) {
    this.t = new Tables(clock, maxSessions, traces);
  }

  /** What decides each trace (shared with the stores that replace this one). */
  get behaviour(): AgentBehaviour {
    return this.t.behaviour;
  }

  // ---- reads ----------------------------------------------------------------------------

  hasAgent(key: string): boolean {
    return this.t.agents.has(key);
  }

  hasAlias(key: string): boolean {
    return this.t.aliases.has(key);
  }

  getAgent(key: string): Agent {
    return reads.getAgent(this.t, key);
  }

  listAgents(page: PageRequest): Page<Agent> {
    return reads.listAgents(this.t, page);
  }

  getAlias(key: string): Alias {
    return reads.getAlias(this.t, key);
  }

  listAliases(page: PageRequest, f: AliasFilter): Page<Alias> {
    return reads.listAliases(this.t, page, f);
  }

  /** A session by the path it is addressed through; 404 once it has expired. */
  getSession(via: SessionPath): StoredSession {
    return reads.sessionEntry(this.t, via).session;
  }

  /** Sessions of an alias or an agent, oldest first; `filter` is over name and description. */
  listSessions(
    via: { alias: string } | { agent: string },
    page: PageRequest,
    filter?: RegExp,
  ): Page<StoredSession> {
    return reads.listSessions(this.t, via, page, filter);
  }

  listEvents(via: SessionPath, page: PageRequest): Page<SessionEvent> {
    return reads.listEvents(this.t, via, page);
  }

  /** A trace by id; 404 when it is unknown (or evicted). */
  getTrace(traceId: string): StoredTrace {
    return reads.getTrace(this.t, traceId);
  }

  /** Traces newest first; `page.after` is the trace number to continue before (0: the newest). */
  listTraces(filter: TraceFilter, page: PageRequest): Page<StoredTrace> {
    return reads.listTraces(this.t, filter, page);
  }

  /** Usage statistics; see `emulatorStatsSchema` in the wire types for the shape. */
  stats(faults: EmulatorStats["faults"]): EmulatorStats {
    return stats(this.t, faults);
  }

  // ---- writes: each checks, applies its record and returns it to be journaled -------------

  createAgent(body: unknown): WriteResult<Agent> {
    return createAgent(this.t, body);
  }

  patchAgent(key: string, body: unknown): WriteResult<Agent> {
    return patchAgent(this.t, key, body);
  }

  deleteAgent(key: string): WriteResult<null> {
    return deleteAgent(this.t, key);
  }

  createAlias(body: unknown): WriteResult<Alias> {
    return createAlias(this.t, body);
  }

  patchAlias(key: string, body: unknown): WriteResult<Alias> {
    return patchAlias(this.t, key, body);
  }

  replacePolicy(key: string, body: unknown): WriteResult<Alias> {
    return replacePolicy(this.t, key, body);
  }

  deleteAlias(key: string): WriteResult<null> {
    return deleteAlias(this.t, key);
  }

  createAliasSession(aliasKey: string, body: unknown): WriteResult<Session> {
    return createAliasSession(this.t, aliasKey, body);
  }

  createAgentSession(agentKey: string, body: unknown): WriteResult<Session> {
    return createAgentSession(this.t, agentKey, body);
  }

  patchSession(via: SessionPath, body: unknown): WriteResult<StoredSession> {
    return patchSession(this.t, via, body);
  }

  deleteSession(via: SessionPath): WriteResult<null> {
    return deleteSession(this.t, via);
  }

  addEvents(via: SessionPath, body: unknown): WriteResult<EventsCreated> {
    return addEvents(this.t, via, body);
  }

  // ---- records ----------------------------------------------------------------------------

  /** Performs one journal record (apply.ts); throws only on a record that contradicts the state. */
  apply(record: JournalRecord, checked?: CheckedPolicy): void {
    apply(this.t, record, checked);
  }

  /**
   * Replays one record read from a data file. `legacy` (format version 1, whose records do
   * not list evictions): evict by count with the limit in force, as `apply` does.
   */
  replay(record: JournalRecord, legacy = false): void {
    this.t.replaying = !legacy;
    try {
      apply(this.t, record);
    } finally {
      this.t.replaying = false;
    }
  }

  /**
   * After a replay under a lower limit than the file was written with: evicts the oldest
   * stored sessions down to the limit, and returns a record of each eviction to journal.
   */
  evictOverLimit(): JournalRecord[] {
    const out: JournalRecord[] = [];
    while (this.t.maxSessions > 0 && this.t.storedCount > this.t.maxSessions) {
      const s = evictOldest(this.t).session;
      out.push({ op: "session.delete", agent_key: s.agent_key, key: s.key, evicted: true });
    }
    return out;
  }

  /** Takes over what is not journaled (routing error counts) from the store this one replaces. */
  carryOver(from: Store): void {
    for (const [key, a] of this.t.aliases) {
      const old = from.t.aliases.get(key);
      if (old !== undefined) a.counters.routingErrors = old.counters.routingErrors;
    }
  }
}
