/**
 * Aliases (API.md "Aliases"): create, patch, replace the policy, delete. A policy is checked
 * once, when written (ROUTING.md §4 with the API's exact messages, and the agents it names
 * must exist); the checked policy is kept with the alias and routes its sessions.
 */
import { type CheckedPolicy, checkPolicy, formatPath, type Policy } from "../../policy/index.js";
import { type Alias, patchAliasBodySchema } from "../../wire/index.js";
import { conflict, type FieldIssue, invalid } from "../errors.js";
import { parseWith } from "../validation.js";
import { getAlias } from "./reads.js";
import type { WriteResult } from "./records.js";
import type { Tables } from "./tables.js";
import { namedFields, requireObject, write } from "./write.js";

/**
 * Checks an alias document against ROUTING.md §4 and the agents that exist; returns the
 * checked policy. Throws a 400 whose messages are checkPolicy's (exact API messages), each
 * path written out here, at the HTTP edge.
 */
function checkAliasDocument(
  t: Tables,
  doc: Record<string, unknown>,
  extra: FieldIssue[] = [],
): CheckedPolicy {
  const checked = checkPolicy(doc);
  const issues = [...extra, ...checked.issues.map((i) => ({ path: formatPath(i.path), message: i.message }))];
  if (!checked.ok || issues.length > 0) throw invalid(issues);
  const policy = checked.policy;
  const unknown = policy.agents.filter((k) => !t.agents.has(k));
  if (unknown.length > 0) {
    const message = `Alias references unknown agent(s): [${unknown.join(", ")}]`;
    const where: FieldIssue[] = [];
    const reported = new Set<string>();
    policy.document.policy.rules.forEach((rule, i) => {
      const tg = rule.targets;
      const refs =
        tg.type === "single"
          ? [{ key: tg.agent_key, path: `policy.rules[${i}].targets.agent_key` }]
          : tg.options.map((o, j) => ({
              key: o.agent_key,
              path: `policy.rules[${i}].targets.options[${j}].agent_key`,
            }));
      for (const r of refs) {
        if (t.agents.has(r.key) || reported.has(r.key)) continue;
        reported.add(r.key);
        where.push({ path: r.path, message: `${r.path}: unknown agent '${r.key}'` });
      }
    });
    throw invalid(where, [message]);
  }
  return policy;
}

export function createAlias(t: Tables, body: unknown): WriteResult<Alias> {
  const doc = requireObject(body);
  const missing: FieldIssue[] = [];
  if (doc.key === undefined) missing.push({ path: "key", message: "key: is required" });
  if (doc.name === undefined) missing.push({ path: "name", message: "name: is required" });
  const compiled = checkAliasDocument(t, doc, missing);
  const key = doc.key as string;
  if (t.aliases.has(key)) throw conflict(`Alias '${key}' already exists`);
  const alias: Alias = {
    key,
    name: doc.name as string,
    description: (doc.description as string | undefined) ?? "",
    policy: doc.policy as Policy,
    enabled: (doc.enabled as boolean | undefined) ?? true,
    metadata: (doc.metadata as Record<string, unknown> | undefined) ?? {},
    created_at: t.now(),
  };
  return write(t, { op: "alias.put", alias }, alias, compiled);
}

export function patchAlias(t: Tables, key: string, body: unknown): WriteResult<Alias> {
  const b = parseWith(patchAliasBodySchema, requireObject(body));
  const old = getAlias(t, key);
  const alias: Alias = { ...old, ...namedFields(b), updated_at: t.now() };
  return write(t, { op: "alias.put", alias }, alias, t.aliases.get(key)!.checked);
}

/** `PUT …/policy`: the body holds `policy` and nothing else. */
export function replacePolicy(t: Tables, key: string, body: unknown): WriteResult<Alias> {
  const b = requireObject(body);
  const old = getAlias(t, key);
  const extra: FieldIssue[] = Object.keys(b)
    .filter((k) => k !== "policy")
    .map((k) => ({ path: k, message: `${k}: unknown field '${k}'` }));
  const compiled = checkAliasDocument(t, { key: old.key, name: old.name, policy: b.policy }, extra);
  const alias: Alias = { ...old, policy: b.policy as Policy, updated_at: t.now() };
  return write(t, { op: "alias.put", alias }, alias, compiled);
}

export function deleteAlias(t: Tables, key: string): WriteResult<null> {
  getAlias(t, key);
  return write(t, { op: "alias.delete", key }, null);
}
