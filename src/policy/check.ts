/**
 * One checked policy, passed along. `checkPolicy(doc)` validates an alias document once
 * (ROUTING.md §1, §4), parses each expression once and compiles the resolver once, and
 * returns either the issues or a `CheckedPolicy` that holds all three. The CLI, preview,
 * diff, review, the emulator and the provider take that value; nothing downstream validates
 * or parses again what it was handed.
 *
 * Issues are data: `{code, path, message}` with `path` as parts (`["policy","rules",1,"match"]`),
 * formatted only where they leave the program (CLI output, the provider's check failures, the
 * emulator's `field_errors`). Messages the API documents are matched exactly; they number
 * rules from 1 (`rule #2: match: …`) while paths index from 0.
 */
import {
  check as checkTree,
  compileCheckedTree,
  type Evaluator,
  isConstantlyFalse,
  isUserFnError,
  type Node,
  parse,
  printExpression,
  type SourceRange,
  type UserFnError,
} from "../userfn/index.js";
import { expandCanary } from "./canary-documents.js";
import type { RuleExpressions } from "./compiled-rule.js";
import {
  describeZodIssues,
  formatPath,
  type IssueKind,
  isRecord,
  type PathPart,
  type ValidationIssue,
} from "./issues.js";
import type { CompiledPolicy } from "./resolution.js";
import { type CompileOptions, compileResolver } from "./resolve.js";
import { type AliasDocument, aliasDocumentSchema, type Policy, type Rule } from "./schema.js";

/** What is wrong, as a code a program can branch on (the message says it to a person). */
export type PolicyIssueCode =
  /** Shape: a field the document may not have, one it lacks, or a value of the wrong type or range. */
  | IssueKind
  /** A `match` or `partition_by` that does not parse or does not type-check. */
  | "expression"
  /** A rule after a catch-all (only the first such rule is reported). */
  | "unreachable_rule"
  /** An agent named twice in one weighted target. */
  | "duplicate_agent"
  /** Every option of a weighted target has weight 0. */
  | "zero_weights"
  /** A problem of a `canary:` block (checkPolicyFile). */
  | "canary"
  /** Agents an API does not know (checked against one: `validate --api`). */
  | "unknown_agents";

export interface PolicyIssue {
  readonly code: PolicyIssueCode;
  /** Where the fault is, as parts: `["policy", "rules", 1, "targets", "options", 0, "weight"]`. */
  readonly path: readonly PathPart[];
  /** The API's words, e.g. `rule #2: targets.options[0].weight: …`. */
  readonly message: string;
  /** For an `expression` issue: the source and the faulty range, to draw a caret under it. */
  readonly expression?: { readonly source: string; readonly range: SourceRange };
}

/** An expression of the policy, parsed once. */
export interface CheckedExpression {
  readonly source: string;
  readonly tree: Node;
  /** Its structure without its spelling (userfn's `printExpression`): equal for equal meaning. */
  readonly normal: string;
}

export interface CheckedRule {
  /** 1-based, as messages number rules. */
  readonly number: number;
  readonly rule: Rule;
  /** Null for a catch-all. */
  readonly match: CheckedExpression | null;
  /** Null for a single target. */
  readonly partitionBy: CheckedExpression | null;
  /** The match reads nothing from the session or the clock and is false or null. */
  readonly constantlyFalse: boolean;
}

/** A valid alias document with its parsed expressions and its compiled resolver. */
export interface CheckedPolicy {
  readonly document: AliasDocument;
  readonly rules: readonly CheckedRule[];
  /** The agents the policy names, in order of first use (as the API reports unknown ones). */
  readonly agents: readonly string[];
  readonly resolver: CompiledPolicy;
}

export type PolicyCheck =
  | { readonly ok: true; readonly policy: CheckedPolicy; readonly issues: readonly [] }
  | { readonly ok: false; readonly issues: readonly PolicyIssue[] };

/** A PolicyIssue as `{path, message}` (validatePolicy's form; an expression's source and range non-enumerable). */
export function validationIssue(issue: PolicyIssue): ValidationIssue {
  const item = { path: formatPath(issue.path), message: issue.message };
  if (issue.expression !== undefined) {
    Object.defineProperty(item, "source", { value: issue.expression.source, enumerable: false });
    Object.defineProperty(item, "range", { value: issue.expression.range, enumerable: false });
  }
  return item;
}

/**
 * Thrown by `compilePolicy` (and the functions that take a document) for an invalid one:
 * `issues` as validatePolicy gives them, `policyIssues` as checkPolicy does.
 */
export class PolicyValidationError extends Error {
  override readonly name = "PolicyValidationError";
  readonly code = "invalid_policy" as const;
  readonly issues: readonly ValidationIssue[];
  constructor(readonly policyIssues: readonly PolicyIssue[]) {
    const issues = policyIssues.map(validationIssue);
    super(`invalid policy:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`);
    this.issues = issues;
  }
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

/** Parses and type-checks one expression: its tree, or its issues. */
function expression(
  source: string,
  parts: PathPart[],
  field: "match" | "partition_by",
  out: PolicyIssue[],
): Node | null {
  let problems: UserFnError[];
  let tree: Node | null = null;
  try {
    tree = parse(source);
    problems = checkTree(tree, source);
  } catch (e) {
    if (!isUserFnError(e)) throw e;
    problems = [e];
  }
  for (const e of problems) {
    out.push({
      code: "expression",
      path: parts,
      message: withRule(parts.slice(0, 3), `${field}: ${e.message}`),
      expression: { source, range: e.range },
    });
  }
  return problems.length === 0 ? tree : null;
}

/** What validation learnt of each rule: its parsed expressions (null where absent or faulty). */
interface ParsedRule {
  match: Node | null;
  partitionBy: Node | null;
}

/** Checks of ROUTING.md §4 beyond the shape: expressions, reachability, weights. */
function ruleIssues(rules: readonly unknown[], out: PolicyIssue[]): ParsedRule[] {
  let catchAllSeen = false;
  let unreachableReported = false;
  return rules.map((rule, i): ParsedRule => {
    const parsed: ParsedRule = { match: null, partitionBy: null };
    if (!isRecord(rule)) return parsed;
    const at = ["policy", "rules", i];
    const hasMatch = rule.match !== undefined && rule.match !== null;
    if (catchAllSeen && !unreachableReported) {
      out.push({
        code: "unreachable_rule",
        path: at,
        message: `rule #${i + 1} follows a catch-all rule and is unreachable`,
      });
      unreachableReported = true;
    }
    if (!hasMatch) catchAllSeen = true;
    if (typeof rule.match === "string") parsed.match = expression(rule.match, [...at, "match"], "match", out);
    const t = rule.targets;
    if (!isRecord(t) || t.type !== "weighted") return parsed;
    const partitionAt = [...at, "targets", "partition_by"];
    if (t.partition_by === undefined || t.partition_by === null) {
      out.push({ code: "required", path: partitionAt, message: "partition_by is required." });
    } else if (typeof t.partition_by === "string") {
      parsed.partitionBy = expression(t.partition_by, partitionAt, "partition_by", out);
    }
    if (!Array.isArray(t.options) || t.options.length === 0) return parsed;
    const seen = new Map<string, number>();
    let anyPositive = false;
    let allNumbers = true;
    t.options.forEach((o, j) => {
      if (!isRecord(o)) return;
      if (typeof o.weight === "number" && o.weight > 0) anyPositive = true;
      if (typeof o.weight !== "number") allNumbers = false;
      if (typeof o.agent_key !== "string") return;
      const first = seen.get(o.agent_key);
      if (first === undefined) {
        seen.set(o.agent_key, j);
        return;
      }
      const p = [...at, "targets", "options", j, "agent_key"];
      out.push({
        code: "duplicate_agent",
        path: p,
        message: withRule(
          p,
          `agent '${o.agent_key}' appears twice in this target (first at options[${first}])`,
        ),
      });
    });
    if (!anyPositive && allNumbers) {
      const p = [...at, "targets", "options"];
      out.push({
        code: "zero_weights",
        path: p,
        message: withRule(p, "all weights are 0; at least one option needs a weight above 0"),
      });
    }
    return parsed;
  });
}

/** The rule an issue is about (-1 for document fields): issues are listed by rule. */
function ruleOf(issue: PolicyIssue): number {
  const [a, b, n] = issue.path;
  return a === "policy" && b === "rules" && typeof n === "number" ? n : -1;
}

/**
 * Every problem of an alias document, top-level fields first, then by rule (in the order
 * found within a rule), with each rule's parsed expressions. Never throws for bad input.
 */
export function policyIssues(doc: unknown): { issues: PolicyIssue[]; parsed: ParsedRule[] } {
  const shape = aliasDocumentSchema.safeParse(doc);
  const found: PolicyIssue[] = shape.success
    ? []
    : describeZodIssues(shape.error, doc, [], aliasDocumentSchema).map(({ parts, detail, kind }) => ({
        code: kind,
        path: parts,
        message: withRule(parts, detail),
      }));
  const rules =
    isRecord(doc) && isRecord(doc.policy) && Array.isArray(doc.policy.rules) ? doc.policy.rules : [];
  const parsed = ruleIssues(rules, found);
  const issues = found
    .map((issue, n) => ({ issue, n, r: ruleOf(issue) }))
    .sort((a, b) => a.r - b.r || a.n - b.n)
    .map(({ issue }) => issue);
  return { issues, parsed };
}

/** Agents a policy names, in order of first use. */
export function agentsOf(policy: Policy): string[] {
  const keys = new Set<string>();
  for (const rule of policy.rules) {
    const t = rule.targets;
    if (t.type === "single") keys.add(t.agent_key);
    else for (const o of t.options) keys.add(o.agent_key);
  }
  return [...keys];
}

/** The values checkPolicy made: a CheckedPolicy cannot be put together by hand. */
const checkedPolicies = new WeakSet<CheckedPolicy>();

/** Whether `v` is a CheckedPolicy made by checkPolicy. */
export function isCheckedPolicy(v: unknown): v is CheckedPolicy {
  return typeof v === "object" && v !== null && checkedPolicies.has(v as CheckedPolicy);
}

const checkedExpression = (source: string, tree: Node): CheckedExpression => ({
  source,
  tree,
  normal: printExpression(tree),
});

/**
 * Checks an alias document: its issues, or the CheckedPolicy (document, parsed expressions,
 * compiled resolver). `options` tune the resolver (benchmarks only).
 */
export function checkPolicy(doc: unknown, options: CompileOptions = {}): PolicyCheck {
  const { issues, parsed } = policyIssues(doc);
  if (issues.length > 0) return { ok: false, issues };
  const document = doc as AliasDocument;
  const compiled: RuleExpressions[] = [];
  const rules = document.policy.rules.map((rule, i): CheckedRule => {
    const p = parsed[i]!;
    const match = p.match === null ? null : checkedExpression(rule.match as string, p.match);
    const t = rule.targets;
    const partitionBy =
      t.type === "weighted" && p.partitionBy !== null
        ? checkedExpression(t.partition_by!, p.partitionBy)
        : null;
    const matchFn = match && compileCheckedTree(match.tree, match.source);
    compiled.push({
      match: matchFn,
      matchTree: match?.tree ?? null,
      partitionBy: partitionBy && compileCheckedTree(partitionBy.tree, partitionBy.source),
      partitionTree: partitionBy?.tree ?? null,
    });
    return Object.freeze({
      number: i + 1,
      rule,
      match,
      partitionBy,
      constantlyFalse: match !== null && isConstantlyFalse(match.tree, matchFn as Evaluator),
    });
  });
  const resolver = compileResolver(document, compiled, options);
  const policy: CheckedPolicy = Object.freeze({
    document,
    rules: Object.freeze(rules),
    agents: Object.freeze(agentsOf(document.policy)),
    resolver,
  });
  checkedPolicies.add(policy);
  return { ok: true, policy, issues: [] };
}

/** checkPolicy, throwing PolicyValidationError for an invalid document. */
export function checkedOrThrow(doc: unknown, options?: CompileOptions): CheckedPolicy {
  const r = checkPolicy(doc, options);
  if (!r.ok) throw new PolicyValidationError(r.issues);
  return r.policy;
}

/** A document or a CheckedPolicy, as the functions that take a policy accept it. */
export type PolicyInput = AliasDocument | CheckedPolicy;

/** The CheckedPolicy of an input: as given when it is one, else checked (PolicyValidationError). */
export function asChecked(input: PolicyInput): CheckedPolicy {
  return isCheckedPolicy(input) ? input : checkedOrThrow(input);
}

/**
 * Compiles a valid alias document to its resolver. Throws PolicyValidationError (with
 * `issues`) when the document has problems. `checkPolicy` gives the issues as data, and the
 * parsed expressions with the resolver.
 */
export function compilePolicy(doc: unknown, options: CompileOptions = {}): CompiledPolicy {
  return checkedOrThrow(doc, options).resolver;
}

/**
 * A policy file's document, checked: a `canary:` block is expanded into its policy first
 * (its problems reported with paths like `canary.current`), then the document is checked.
 * `document` is what was checked (the expanded document when there was a canary block).
 */
export function checkPolicyFile(raw: unknown): PolicyCheck & { readonly document: unknown } {
  const expanded = expandCanary(raw);
  if (expanded.issues.length > 0) {
    return {
      ok: false,
      document: raw,
      issues: expanded.issues.map((i) => ({ code: "canary" as const, path: i.parts, message: i.message })),
    };
  }
  return { ...checkPolicy(expanded.doc), document: expanded.doc };
}
