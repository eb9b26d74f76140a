/**
 * Performing one journal record on the tables. Trusts it: records are built by the write
 * operations or read back from the data file they wrote. Throws only on a record that
 * contradicts the state (a corrupt file).
 *
 * Expiry (`tti_minutes`) needs no record: a session has expired once the clock passes its
 * deadline (last activity + tti), and reads check that. Expired sessions are dropped from
 * memory only here, when a session record's own instant passes their deadline, so what is
 * stored (and so what eviction drops) depends on the records alone, and replaying a data
 * file rebuilds the same state, whatever the clock reads at replay.
 */
import { asChecked, type CheckedPolicy } from "../../policy/index.js";
import type { JournalRecord } from "./records.js";
import { compactQueue, deadlineOf, evictOldest, forgetSession, purgeExpired, touch } from "./storage.js";
import { newCounters, type SessionEntry, storedSession, type Tables } from "./tables.js";

type RecordOf<Op extends JournalRecord["op"]> = Extract<JournalRecord, { op: Op }>;

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Performs `record`; `checked`: the policy of an `alias.put`, checked already by its write. */
export function apply(t: Tables, record: JournalRecord, checked?: CheckedPolicy): void {
  switch (record.op) {
    case "agent.put": {
      const old = t.agents.get(record.agent.key);
      t.agents.set(record.agent.key, {
        seq: old?.seq ?? ++t.seq,
        agent: record.agent,
        sessions: old?.sessions ?? new Map(),
      });
      return;
    }
    case "agent.delete": {
      const old = t.agents.get(record.key);
      if (!old) return;
      for (const s of old.sessions.values()) forgetSession(t, s);
      compactQueue(t);
      t.agents.delete(record.key);
      return;
    }
    case "alias.put": {
      const a = record.alias;
      const old = t.aliases.get(a.key);
      t.aliases.set(a.key, {
        seq: old?.seq ?? ++t.seq,
        alias: a,
        checked: checked ?? asChecked({ key: a.key, policy: a.policy }),
        sessions: old?.sessions ?? new Map(),
        counters: old?.counters ?? newCounters(),
      });
      return;
    }
    case "alias.delete":
      t.aliases.delete(record.key);
      return;
    case "session.create":
      createSession(t, record);
      return;
    case "session.patch":
      patchSession(t, record);
      return;
    case "session.delete": {
      const entry = t.agents.get(record.agent_key)?.sessions.get(record.key);
      if (entry) {
        forgetSession(t, entry);
        if (record.evicted) t.totals.evicted++;
        compactQueue(t);
      }
      return;
    }
    case "events.add":
      addEvents(t, record);
      return;
    case "trace.add":
      t.traces.add(record.trace);
      return;
    default: {
      const unknown: never = record;
      throw new Error(`unknown record ${JSON.stringify(unknown)}`);
    }
  }
}

function createSession(t: Tables, record: RecordOf<"session.create">): void {
  const s = storedSession(record.session);
  const agent = t.agents.get(s.agent_key);
  if (!agent) throw new Error(`session '${s.key}' names agent '${s.agent_key}', which does not exist`);
  const at = Date.parse(s.created_at);
  purgeExpired(t, at);
  // Only an expired session can hold the key still (its key is free again).
  const held = [
    agent.sessions.get(s.key),
    s.alias_key === null ? undefined : t.aliases.get(s.alias_key)?.sessions.get(s.key),
  ];
  for (const old of held) if (old !== undefined && !old.gone) forgetSession(t, old);
  const entry: SessionEntry = {
    seq: ++t.seq,
    session: s,
    events: [],
    gone: false,
    deadline: deadlineOf(at, s.tti_minutes),
  };
  if (entry.deadline !== Number.POSITIVE_INFINITY) t.expiries.push(entry.deadline, entry);
  agent.sessions.set(s.key, entry);
  t.sessionKeys.set(s.key, (t.sessionKeys.get(s.key) ?? 0) + 1);
  t.storedCount++;
  if (t.maxSessions > 0) t.queue.push(entry);
  // What this create evicted when it was made (replay), then what the limit evicts now
  // (a new write, or a version-1 file), listed in the record for the journal.
  if (record.evicted !== undefined && t.replaying) {
    for (const ref of record.evicted) {
      const old = t.agents.get(ref.agent_key)?.sessions.get(ref.key);
      if (old === undefined || old === entry) continue; // evicted already (a lower limit)
      forgetSession(t, old);
      t.totals.evicted++;
    }
    compactQueue(t);
  }
  if (t.maxSessions > 0 && !t.replaying) {
    while (t.storedCount > t.maxSessions) {
      const gone = evictOldest(t).session;
      (record.evicted ??= []).push({ agent_key: gone.agent_key, key: gone.key });
    }
  }
  t.totals.created++;
  if (s.alias_key === null) {
    t.totals.direct++;
    return;
  }
  t.totals.throughAliases++;
  const alias = t.aliases.get(s.alias_key);
  if (alias === undefined || record.routing === null) return;
  alias.sessions.set(s.key, entry);
  const c = alias.counters;
  c.sessions++;
  bump(c.agents, s.agent_key);
  let rule = c.rules.get(record.routing.rule);
  if (!rule) c.rules.set(record.routing.rule, (rule = { sessions: 0, agents: new Map() }));
  rule.sessions++;
  bump(rule.agents, s.agent_key);
}

function patchSession(t: Tables, record: RecordOf<"session.patch">): void {
  const s = storedSession(record.session);
  const entry = t.agents.get(s.agent_key)?.sessions.get(s.key);
  if (!entry) {
    if (t.totals.evicted > 0) return;
    throw new Error(`PATCH of session '${s.key}', which does not exist`);
  }
  const at = Date.parse(record.at);
  entry.session = s;
  touch(t, entry, at);
  purgeExpired(t, at);
}

function addEvents(t: Tables, record: RecordOf<"events.add">): void {
  const entry = t.agents.get(record.agent_key)?.sessions.get(record.session_key);
  if (!entry) {
    // Replaying a data file: the session may have been evicted since (maxSessions).
    if (t.totals.evicted > 0) return;
    throw new Error(`events for session '${record.session_key}', which does not exist`);
  }
  entry.events.push(...record.events);
  if (entry.session.status === "unstarted" && record.events.some((e) => e.type === "input_message"))
    entry.session = { ...entry.session, status: "running" };
  const at = record.events[0] === undefined ? Number.NaN : Date.parse(record.events[0].created_at);
  if (!Number.isNaN(at)) {
    touch(t, entry, at);
    purgeExpired(t, at);
  }
}
