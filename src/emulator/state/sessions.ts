/**
 * Sessions (API.md "Sessions"): created through an alias (routed by the policy in force at
 * that instant, the agent then fixed on the session) or directly on an agent; patched and
 * deleted through either path.
 */
import type { z } from "zod";
import { RoutingError } from "../../policy/index.js";
import { createSessionBodySchema, patchSessionBodySchema, type Session } from "../../wire/index.js";
import { conflict, HttpProblem, invalid, notFound } from "../errors.js";
import { generateKey } from "../ids.js";
import { fastSessionBody, parseWith } from "../validation.js";
import { sessionEntry } from "./reads.js";
import type { RoutingRecord, SessionPath, StoredSession, WriteResult } from "./records.js";
import { live, masked, type Tables } from "./tables.js";
import { namedFields, requireObject, write } from "./write.js";

/** `policy.rules[i]…` path of the field a routing error is about (from its fields, not its message). */
function routingErrorPath(e: RoutingError): string {
  if (e.rule === undefined) return "policy.rules";
  const base = `policy.rules[${e.rule - 1}]`;
  if (e.part === "partition_by") return `${base}.targets.partition_by`;
  if (e.part === "match") return `${base}.match`;
  return base;
}

/**
 * The fields of a new session: `fields` are what routing sees (ROUTING.md §2: key, name,
 * description, metadata), `rest` the others, defaulted, with the secrets masked.
 */
function newSessionFields(t: Tables, body: unknown) {
  const b: z.output<typeof createSessionBodySchema> =
    fastSessionBody(body ?? {}) ??
    parseWith(createSessionBodySchema, body === undefined ? {} : requireObject(body));
  const key = b.key ?? generateKey("ase", b.name, "session", (k) => t.sessionKeys.has(k), t.sessionKeys.size);
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
export function createAliasSession(t: Tables, aliasKey: string, body: unknown): WriteResult<Session> {
  const entry = t.aliases.get(aliasKey);
  if (!entry?.alias.enabled) throw notFound("Alias not found or not currently active", aliasKey);
  const { fields, rest } = newSessionFields(t, body);
  const alias = entry.alias;
  const createdAt = t.now();
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
  const agent = t.agents.get(agentKey);
  // Cannot happen while agent deletion is refused for agents that a policy names.
  if (!agent) throw new HttpProblem(400, [`Alias references unknown agent(s): [${agentKey}]`]);
  // An expired session's key is free again (apply drops the expired session).
  if (live(agent.sessions.get(fields.key), at) || live(entry.sessions.get(fields.key), at)) {
    throw conflict(`Session '${fields.key}' already exists`);
  }
  const session: StoredSession = {
    ...fields,
    agent_key: agentKey,
    alias_key: alias.key,
    ...rest,
    created_at: createdAt,
  };
  return write(t, { op: "session.create", session, routing }, session);
}

export function createAgentSession(t: Tables, agentKey: string, body: unknown): WriteResult<Session> {
  const agent = t.agents.get(agentKey);
  if (!agent) throw notFound(`Agent '${agentKey}' not found`, agentKey);
  const { fields, rest } = newSessionFields(t, body);
  const createdAt = t.now();
  if (live(agent.sessions.get(fields.key), Date.parse(createdAt)))
    throw conflict(`Session '${fields.key}' already exists`);
  const session: StoredSession = {
    ...fields,
    agent_key: agentKey,
    alias_key: null,
    ...rest,
    created_at: createdAt,
  };
  return write(t, { op: "session.create", session, routing: null }, session);
}

/**
 * `PATCH` on either session path: replaces the fields it names (metadata whole), merges
 * `secrets` by name (`null` removes one; only names are kept, values are write-only), and
 * counts as activity for `tti_minutes`.
 */
export function patchSession(t: Tables, via: SessionPath, body: unknown): WriteResult<StoredSession> {
  const b = parseWith(patchSessionBodySchema, requireObject(body));
  const at = t.now();
  const old = sessionEntry(t, via, Date.parse(at)).session;
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
  return write(t, { op: "session.patch", session, at }, session);
}

export function deleteSession(t: Tables, via: SessionPath): WriteResult<null> {
  const s = sessionEntry(t, via).session;
  return write(t, { op: "session.delete", agent_key: s.agent_key, key: s.key }, null);
}
