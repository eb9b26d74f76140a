/**
 * One wording for schema problems, wherever input is validated (policy documents, samples,
 * canary blocks, API request bodies): each zod issue becomes a path and a short detail
 * (`is required`, `must be a string, got a number`, `unknown field 'x'`).
 */
import type { z } from "zod";
import { didYouMean, type SourceRange } from "../userfn/index.js";

export type PathPart = string | number;

/** A validation problem as users see it: `{path, message}` with the path written out. */
export interface ValidationIssue {
  /** Where the fault is, e.g. `policy.rules[1].targets.options[0].weight`. */
  readonly path: string;
  readonly message: string;
}

/**
 * An issue inside an expression also carries, as non-enumerable properties (so JSON output
 * and equality checks see only `{path, message}`), the expression and the faulty range,
 * for rendering a caret under the source.
 */
export interface ExpressionIssue extends ValidationIssue {
  readonly source: string;
  readonly range: SourceRange;
}

/** What kind of shape problem an issue is: a field the schema does not know, one missing, or a bad value. */
export type IssueKind = "unknown_field" | "required" | "invalid_value";

export interface IssueDetail {
  /** Path of the faulty field, `prefix` included. */
  readonly parts: PathPart[];
  readonly detail: string;
  readonly kind: IssueKind;
}

/** `["policy","rules",1,"match"]` -> `policy.rules[1].match`: how a path is written at the edges. */
export function formatPath(parts: readonly PathPart[]): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** A JSON object (not null, not an array): the one test of the policy layer and those above it. */
export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** `null`, `an array`, `an object`, `a string`, … */
export function describeValue(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

function article(expected: string): string {
  if (expected === "record") return "an object";
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function valueAt(input: unknown, parts: readonly PropertyKey[]): unknown {
  let v = input;
  for (const p of parts) {
    if (v === null || typeof v !== "object" || typeof p === "symbol" || !Object.hasOwn(v, p))
      return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** What this module reads of a zod schema's definition (zod 4's `_zod.def`). */
interface SchemaDef {
  type: string;
  shape?: Record<string, unknown>;
  element?: unknown;
  options?: unknown[];
  innerType?: unknown;
  in?: unknown;
  valueType?: unknown;
}

const defOf = (schema: unknown): SchemaDef | undefined =>
  (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;

/**
 * The field names an object of `schema` may have at `path` (the object itself, not a field
 * of it), given the input there: through arrays, records, wrappers and unions (every
 * option's names). Empty when the schema does not say.
 */
export function fieldNamesAt(schema: unknown, path: readonly PropertyKey[]): string[] {
  let here: unknown[] = [schema];
  const unwrap = (s: unknown): unknown[] => {
    const def = defOf(s);
    if (def === undefined) return [];
    if (def.innerType !== undefined) return unwrap(def.innerType);
    if (def.type === "pipe") return unwrap(def.in);
    if (def.type === "union") return (def.options ?? []).flatMap(unwrap);
    return [s];
  };
  for (const step of path) {
    here = here.flatMap(unwrap).flatMap((s) => {
      const def = defOf(s)!;
      if (def.type === "array" && typeof step === "number") return [def.element];
      if (def.type === "record") return [def.valueType];
      if (def.type === "object" && typeof step === "string" && def.shape && Object.hasOwn(def.shape, step))
        return [def.shape[step]];
      return [];
    });
  }
  return [
    ...new Set(
      here
        .flatMap(unwrap)
        .flatMap((s) => (defOf(s)?.type === "object" ? Object.keys(defOf(s)?.shape ?? {}) : [])),
    ),
  ];
}

/**
 * Describes the issues of a failed parse of `input`, each path prefixed with `prefix`. With
 * the `schema` that failed, an unknown field names the known ones nearest it (`unknown field
 * 'agnet_key'; did you mean 'agent_key'?`).
 */
export function describeZodIssues(
  error: z.ZodError,
  input: unknown,
  prefix: readonly PathPart[] = [],
  schema?: z.ZodType,
): IssueDetail[] {
  return error.issues.flatMap((issue): IssueDetail[] => {
    const own = issue.path.filter((p): p is PathPart => typeof p !== "symbol");
    const parts = [...prefix, ...own];
    if (issue.code === "unrecognized_keys") {
      const known = schema === undefined ? [] : fieldNamesAt(schema, issue.path);
      return issue.keys.map((key) => {
        const hint = didYouMean(key, known);
        return {
          parts: [...parts, key],
          detail: hint === "" ? `unknown field '${key}'` : `unknown field '${key}'; ${hint}`,
          kind: "unknown_field" as const,
        };
      });
    }
    let detail = issue.message;
    let kind: IssueKind = "invalid_value";
    if (issue.code === "invalid_type" && detail.startsWith("Invalid input")) {
      const actual = valueAt(input, issue.path);
      const missing = actual === undefined && issue.path.length > 0;
      if (missing) kind = "required";
      detail = missing
        ? "is required"
        : `must be ${article(issue.expected)}, got ${describeValue(actual === undefined ? input : actual)}`;
    } else if (issue.code === "invalid_value" && detail.startsWith("Invalid input")) {
      detail = `must be ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}`;
    }
    return [{ parts, detail, kind }];
  });
}
