/**
 * A session's events (API.md "Events"): an input is answered at once by the agent the session
 * is fixed on, deterministically and naming the agent, and yields a trace drawn from the
 * agent's profile (profiles/). The trace is journaled beside the events as a record of its
 * own, so a replay gives back the same traces whatever the profiles say at replay time.
 */
import { createEventBodySchema, type EventsCreated, type SessionEvent } from "../../wire/index.js";
import { conflict } from "../errors.js";
import { eventId } from "../ids.js";
import { EMULATOR_LIMITS } from "../limits.js";
import { parseWith } from "../validation.js";
import { apply } from "./apply.js";
import { sessionEntry } from "./reads.js";
import type { JournalRecord, SessionPath, WriteResult } from "./records.js";
import type { Tables } from "./tables.js";
import type { StoredTrace } from "./trace-log.js";
import { requireObject } from "./write.js";

/** What the emulator's agents answer: deterministic, and naming the agent. */
export function agentAnswer(agentKey: string, text: string): string {
  return `[${agentKey}] echo: ${text}`;
}

/**
 * Appends the input event and the agent's deterministic answer naming the agent, and
 * records the invocation's trace, drawn from the agent's profile (the answer is the same
 * whether the trace says it failed or not).
 */
export function addEvents(t: Tables, via: SessionPath, body: unknown): WriteResult<EventsCreated> {
  const b = parseWith(createEventBodySchema, requireObject(body));
  const createdAt = t.now();
  const entry = sessionEntry(t, via, Date.parse(createdAt));
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
  const n = t.traces.invocations(s.agent_key);
  const chars = b.messages.reduce((sum, m) => sum + m.content.length, 0);
  const drawn = t.behaviour.invocation(s.agent_key, n, chars, {
    metadata: s.metadata ?? {},
    alias_key: s.alias_key,
  });
  const trace: StoredTrace = {
    // Two draws give the same id with odds of 2^-64 per pair: made unique, still determined.
    trace_id: t.traces.has(drawn.trace_id) ? `${drawn.trace_id}_${n}` : drawn.trace_id,
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
  for (const r of records) apply(t, r);
  return { records, value: { session_key: s.key, events } };
}
