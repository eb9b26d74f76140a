/** Agents (API.md "Agents"): create (a key generated from the name when none is given), patch, delete. */
import { type Agent, createAgentBodySchema, patchAgentBodySchema } from "../../wire/index.js";
import { conflict } from "../errors.js";
import { generateKey } from "../ids.js";
import { parseWith } from "../validation.js";
import { getAgent } from "./reads.js";
import type { WriteResult } from "./records.js";
import type { Tables } from "./tables.js";
import { namedFields, requireObject, write } from "./write.js";

export function createAgent(t: Tables, body: unknown): WriteResult<Agent> {
  const b = parseWith(createAgentBodySchema, requireObject(body));
  if (b.key !== undefined && t.agents.has(b.key)) throw conflict(`Agent '${b.key}' already exists`);
  const key = b.key ?? generateKey("agt", b.name, "agent", (k) => t.agents.has(k), t.agents.size);
  const agent: Agent = {
    key,
    name: b.name,
    description: b.description ?? "",
    metadata: b.metadata ?? {},
    enabled: b.enabled ?? true,
    created_at: t.now(),
  };
  return write(t, { op: "agent.put", agent }, agent);
}

export function patchAgent(t: Tables, key: string, body: unknown): WriteResult<Agent> {
  const b = parseWith(patchAgentBodySchema, requireObject(body));
  const old = getAgent(t, key);
  const agent: Agent = { ...old, ...namedFields(b), updated_at: t.now() };
  return write(t, { op: "agent.put", agent }, agent);
}

/** Refused (409) while an alias's policy names the agent. */
export function deleteAgent(t: Tables, key: string): WriteResult<null> {
  getAgent(t, key);
  const users = [...t.aliases.values()].filter((a) => a.checked.agents.includes(key)).map((a) => a.alias.key);
  if (users.length > 0) throw conflict(`Agent '${key}' is used by alias(es): [${users.join(", ")}]`);
  return write(t, { op: "agent.delete", key }, null);
}
