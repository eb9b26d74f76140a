/**
 * The schema's names inside a policy, and the API's. A Pulumi schema names properties in
 * camelCase, and every SDK derives its own from them (Go `AgentKey`, Python `agent_key`,
 * YAML `agentKey`); the API and the policy files write `agent_key` and `partition_by`. The
 * plugin speaks the schema's names to the engine and the API's to the provider core, and
 * this module is the one place that translates, at the plugin's edge (resources.ts and
 * functions.ts), so secrets, state and detailed diffs all carry the schema's names.
 *
 * Only the keys of a policy's targets and weighted options are renamed, found by their place
 * in the document: free-form maps (`metadata`, a sample's `context`) keep their keys whatever
 * they are. An input may also use the API's name (a policy pasted from a policy file, state
 * written before this translation); it is read as the same property.
 */
import { isRecord } from "../policy/index.js";
import type { Props } from "./struct.js";

/** Schema name -> the API's name, for the keys of a target and of a weighted option. */
const SCHEMA_TO_API: Readonly<Record<string, string>> = {
  agentKey: "agent_key",
  partitionBy: "partition_by",
};
const API_TO_SCHEMA: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SCHEMA_TO_API).map(([schema, api]) => [api, schema]),
);

type Names = Readonly<Record<string, string>>;

/** An object with its keys renamed; a key named in both forms keeps the target form's value. */
function renamed(value: unknown, names: Names): unknown {
  if (!isRecord(value)) return value;
  const out: Props = {};
  for (const [k, v] of Object.entries(value)) if (!(k in names)) out[k] = v;
  for (const [k, v] of Object.entries(value)) {
    const to = names[k];
    if (to !== undefined && !(to in value)) out[to] = v;
  }
  return out;
}

function target(value: unknown, names: Names): unknown {
  const t = renamed(value, names);
  if (isRecord(t) && Array.isArray(t.options)) t.options = t.options.map((o) => renamed(o, names));
  return t;
}

function rules(value: unknown, names: Names): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((r) => (isRecord(r) && "targets" in r ? { ...r, targets: target(r.targets, names) } : r));
}

function policy(value: unknown, names: Names): unknown {
  return isRecord(value) && "rules" in value ? { ...value, rules: rules(value.rules, names) } : value;
}

/** The properties that hold a policy (Alias, AliasPolicy, their state) or a list of rules (canaryPolicy). */
const POLICIES = ["policy", "previousPolicy"] as const;
const RULE_LISTS = ["before"] as const;

function translate(props: Props, names: Names): Props {
  const out: Props = { ...props };
  for (const p of POLICIES) if (p in out) out[p] = policy(out[p], names);
  for (const p of RULE_LISTS) if (p in out) out[p] = rules(out[p], names);
  return out;
}

/** Properties in the schema's names, as the provider core reads them (the API's names). */
export const toApiNames = (props: Props): Props => translate(props, SCHEMA_TO_API);

/** Properties from the provider core, in the schema's names. */
export const toSchemaNames = (props: Props): Props => translate(props, API_TO_SCHEMA);

/**
 * A property path of the core (`policy.rules[1].targets.agent_key`) in the schema's names
 * (`policy.rules[1].targets.agentKey`), for check failures and detailed diffs. Only paths into
 * a policy or a rule list are renamed.
 */
export function schemaPath(path: string): string {
  const root = path.split(/[.[]/, 1)[0]!;
  if (!(POLICIES as readonly string[]).includes(root) && !(RULE_LISTS as readonly string[]).includes(root))
    return path;
  return path
    .split(".")
    .map((part) => API_TO_SCHEMA[part] ?? part)
    .join(".");
}
