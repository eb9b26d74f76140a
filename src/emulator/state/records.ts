/**
 * What the state is made of on the wire and on disk: the journal's records (one per write,
 * fully determined, so replaying them in order rebuilds the state), the stored session, and
 * the result of a write. Imports types only.
 */
import type { TargetType } from "../../policy/index.js";
import type { Agent, Alias, Session, SessionEvent } from "../../wire/index.js";
import type { StoredTrace } from "./trace-log.js";

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
 * One write, as it is journaled (see journal/format.ts for the file format). Sessions are
 * journaled as answered: secret values are masked, never written. `session.patch` holds the
 * whole session after the PATCH and `at`, the instant of the PATCH (an activity, for
 * `tti_minutes`). A session's expiry is not journaled: it follows from the records (see
 * apply.ts). `session.create` lists the sessions it evicted (`maxSessions`), and a
 * `session.delete` with `evicted` is an eviction on its own (a restart with a lower limit:
 * `evictOverLimit`), so replay gives the same sessions whatever limit it runs with.
 * `trace.add` is the trace of an answered input, written with the `events.add` of that input;
 * the traces kept past `maxTraces` follow from the order of the records, so their evictions
 * are not journaled.
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

/** The record types a data file may hold (the journal refuses any other `op`). */
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

/** The result of a write: the records to journal (one, or an input's events and trace) and the body to answer with. */
export interface WriteResult<T> {
  readonly records: readonly JournalRecord[];
  readonly value: T;
}

/** A session addressed through an alias or through an agent. */
export type SessionPath =
  | { alias: string; agent?: undefined; session: string }
  | { alias?: undefined; agent: string; session: string };
