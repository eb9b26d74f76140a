/**
 * Validation of alias documents (ROUTING.md §4). Returns data, never throws for bad input:
 * a list of `{path, message}` items, empty when the document is valid. Paths use 0-based
 * indexes (`policy.rules[1].match`); messages number rules from 1 (`rule #2: match: …`).
 * Messages that the API documents are matched exactly.
 */
import type { z } from "zod";
import { diagnose, type SourceRange } from "../userfn/index.js";
import { describeZodIssues, type PathPart } from "./issues.js";
import { aliasDocumentSchema } from "./schema.js";

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

export function isExpressionIssue(i: ValidationIssue): i is ExpressionIssue {
  return typeof (i as { source?: unknown }).source === "string";
}

/** `["policy","rules",1,"match"]` -> `policy.rules[1].match`. */
export function formatPath(parts: readonly PathPart[]): string {
  let out = "";
  for (const p of parts) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out;
}

/** Prefixes a message about a rule with `rule #N: field:` (the field relative to the rule). */
function withRule(parts: readonly PathPart[], detail: string): string {
  if (parts[0] === "policy" && parts[1] === "rules" && typeof parts[2] === "number") {
    const field = formatPath(parts.slice(3));
    return `rule #${parts[2] + 1}: ${field === "" ? "" : `${field}: `}${detail}`;
  }
  const field = formatPath(parts);
  return field === "" ? detail : `${field}: ${detail}`;
}

function fromZod(error: z.ZodError, input: unknown): ValidationIssue[] {
  return describeZodIssues(error, input).map(({ parts, detail }) => ({
    path: formatPath(parts),
    message: withRule(parts, detail),
  }));
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function expressionIssues(source: unknown, parts: PathPart[], field: string): ValidationIssue[] {
  if (typeof source !== "string") return [];
  return diagnose(source).map((e) => {
    const item = { path: formatPath(parts), message: withRule(parts.slice(0, 3), `${field}: ${e.message}`) };
    Object.defineProperty(item, "source", { value: source, enumerable: false });
    Object.defineProperty(item, "range", { value: e.range, enumerable: false });
    return item;
  });
}

/** Checks of ROUTING.md §4 beyond the shape: expressions, reachability, weights. */
function ruleIssues(rules: readonly unknown[]): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  let catchAllSeen = false;
  let unreachableReported = false;
  rules.forEach((rule, i) => {
    if (!isObject(rule)) return;
    const at = ["policy", "rules", i];
    const hasMatch = rule.match !== undefined && rule.match !== null;
    if (catchAllSeen && !unreachableReported) {
      out.push({
        path: formatPath(at),
        message: `rule #${i + 1} follows a catch-all rule and is unreachable`,
      });
      unreachableReported = true;
    }
    if (!hasMatch) catchAllSeen = true;
    out.push(...expressionIssues(rule.match, [...at, "match"], "match"));
    const t = rule.targets;
    if (!isObject(t) || t.type !== "weighted") return;
    if (t.partition_by === undefined || t.partition_by === null) {
      out.push({
        path: formatPath([...at, "targets", "partition_by"]),
        message: "partition_by is required.",
      });
    } else {
      out.push(...expressionIssues(t.partition_by, [...at, "targets", "partition_by"], "partition_by"));
    }
    if (!Array.isArray(t.options) || t.options.length === 0) return;
    const seen = new Map<string, number>();
    let anyPositive = false;
    let allNumbers = true;
    t.options.forEach((o, j) => {
      if (!isObject(o)) return;
      if (typeof o.weight === "number" && o.weight > 0) anyPositive = true;
      if (typeof o.weight !== "number") allNumbers = false;
      if (typeof o.agent_key !== "string") return;
      const first = seen.get(o.agent_key);
      if (first === undefined) {
        seen.set(o.agent_key, j);
      } else {
        const p = [...at, "targets", "options", j, "agent_key"];
        out.push({
          path: formatPath(p),
          message: withRule(
            p,
            `agent '${o.agent_key}' appears twice in this target (first at options[${first}])`,
          ),
        });
      }
    });
    if (!anyPositive && allNumbers) {
      const p = [...at, "targets", "options"];
      out.push({
        path: formatPath(p),
        message: withRule(p, "all weights are 0; at least one option needs a weight above 0"),
      });
    }
  });
  return out;
}

/** Sort key: top-level fields first, then by rule, keeping the discovery order within a rule. */
function ruleOrder(path: string): number {
  const m = /^policy\.rules\[(\d+)\]/.exec(path);
  return m ? Number(m[1]) : -1;
}

/**
 * Validates an alias document (ROUTING.md §1, §4) offline. Returns every problem found,
 * as `{path, message}`, or an empty array when the document is valid.
 */
export function validatePolicy(doc: unknown): ValidationIssue[] {
  const parsed = aliasDocumentSchema.safeParse(doc);
  const issues: ValidationIssue[] = parsed.success ? [] : fromZod(parsed.error, doc);
  const rules =
    isObject(doc) && isObject(doc.policy) && Array.isArray(doc.policy.rules) ? doc.policy.rules : [];
  issues.push(...ruleIssues(rules));
  return issues
    .map((issue, n) => ({ issue, n, r: ruleOrder(issue.path) }))
    .sort((a, b) => a.r - b.r || a.n - b.n)
    .map(({ issue }) => issue);
}
