/**
 * The names of the policy document's properties at the plugin door. The package schema names
 * them by Pulumi's convention, in camelCase (`agentKey`, `partitionBy`), so the generated SDKs
 * say `AgentKey` in Go, `agent_key` in Python and `agentKey` in YAML; the core and the API
 * name them in snake_case (`agent_key`). Both sets of names come from the one table of the
 * document's types (policy/document-types.ts): `pulumiName` of each API name. The door turns
 * values and property paths one way on the way in and back on the way out, by the type of
 * each property, so a routing context (`samples[].context`, free-form JSON) is never renamed.
 * On the way in, the API's names are kept as they are: state written before the rename reads
 * the same.
 */
import { DOCUMENT_TYPES, type DocType, type DocTypeName, documentType } from "../policy/index.js";
import { aliasFields, aliasPolicyFields, camelCase, type FieldKind } from "../wire/index.js";

/** `agent_key` -> `agentKey`. */
export const pulumiName: (apiName: string) => string = camelCase;

/** Each type's API name by its Pulumi name. */
const API_NAMES: Readonly<Record<DocTypeName, Readonly<Record<string, string>>>> = Object.fromEntries(
  (Object.keys(DOCUMENT_TYPES) as DocTypeName[]).map((t) => [
    t,
    Object.fromEntries(Object.keys(documentType(t).properties).map((p) => [pulumiName(p), p])),
  ]),
) as Record<DocTypeName, Record<string, string>>;

/** The way a value goes: into the core (`api`) or out to the engine (`pulumi`). */
export type Direction = "api" | "pulumi";

/** A property's name the other way, and its type when the table has it. */
function step(t: DocTypeName, key: string, to: Direction): { name: string; type?: DocType } {
  const api = to === "api" ? (API_NAMES[t][key] ?? key) : key;
  const p = documentType(t).properties[api];
  if (p === undefined) return { name: key };
  return { name: to === "api" ? api : pulumiName(api), type: p.type };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A value of type `t` with its properties' names turned `to` one side. */
export function renameValue(v: unknown, t: DocType, to: Direction): unknown {
  if (t.kind === "list") return Array.isArray(v) ? v.map((x) => renameValue(x, t.of, to)) : v;
  if (t.kind !== "ref" || !isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const s = step(t.name, k, to);
    out[s.name] = s.type ? renameValue(x, s.type, to) : x;
  }
  return out;
}

/** The document type of each top-level property of a set (a resource's, a function's). */
export type PropertyTypes = Readonly<Record<string, DocType>>;

/** Properties with their document-typed values renamed `to` one side; others as they are. */
export function renameProps(props: Record<string, unknown>, types: PropertyTypes, to: Direction) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) out[k] = types[k] ? renameValue(v, types[k]!, to) : v;
  return out;
}

/** A property path (`["policy", "rules", 0, "targets", "agentKey"]`) renamed `to` one side. */
export function renamePath(
  path: readonly (string | number)[],
  types: PropertyTypes,
  to: Direction,
): (string | number)[] {
  const out: (string | number)[] = [];
  let t: DocType | undefined;
  path.forEach((seg, i) => {
    if (i === 0) {
      t = typeof seg === "string" ? types[seg] : undefined;
      out.push(seg);
    } else if (t?.kind === "list" && typeof seg === "number") {
      t = t.of;
      out.push(seg);
    } else if (t?.kind === "ref" && typeof seg === "string") {
      const s = step(t.name, seg, to);
      t = s.type;
      out.push(s.name);
    } else {
      t = undefined;
      out.push(seg);
    }
  });
  return out;
}

/** `policy.rules[0].targets["odd key"]` as its segments. */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g))
    out.push(m[1] ?? (m[2] !== undefined ? Number(m[2]) : (JSON.parse(m[3]!) as string)));
  return out;
}

/** Segments as a property path string, Pulumi's way (`a.b`, `a[0]`, `a["odd key"]`). */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/** The document type a field of this kind holds, if any. */
const KIND_TYPES: Partial<Record<FieldKind, DocType>> = {
  policy: { kind: "ref", name: "Policy" },
  samples: { kind: "list", of: { kind: "ref", name: "Sample" } },
};

const fieldTypes = (fields: Iterable<[string, { kind: FieldKind }]>): PropertyTypes =>
  Object.fromEntries(
    [...fields].flatMap(([name, f]) => (KIND_TYPES[f.kind] ? [[name, KIND_TYPES[f.kind]!]] : [])),
  );

/** The document-typed properties of each resource, from the field tables. */
export const ALIAS_TYPES: PropertyTypes = fieldTypes(aliasFields());
export const ALIAS_POLICY_TYPES: PropertyTypes = fieldTypes(aliasPolicyFields());
