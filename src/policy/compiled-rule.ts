/**
 * One rule of a policy, compiled for the resolver (resolve.ts): its match, with the
 * `get(P) == L` shape tested by one read, its single answer or its weighted split; and the
 * steps every path of the resolver shares (a partition's string, a split per alias key, the
 * API's wording of evaluation errors).
 */
import {
  canonicalJson,
  compilePathReader,
  type Evaluator,
  type equalityWithLiteral,
  isUserFnError,
  type Node,
  ValueDepthError,
} from "../userfn/index.js";
import { type Resolution, RoutingError, type RulePart } from "./resolution.js";
import type { Rule } from "./schema.js";
import { type CompiledSplit, compileSplit } from "./split.js";

/** A rule's expressions, parsed and compiled once by checkPolicy (check.ts). */
export interface RuleExpressions {
  readonly match: Evaluator | null;
  readonly matchTree: Node | null;
  readonly partitionBy: Evaluator | null;
  readonly partitionTree: Node | null;
}

/** A rule ready to resolve: its tests, its single answer or its options and split(s). */
export interface CompiledRule {
  readonly number: number;
  readonly match: Evaluator | null;
  /**
   * For a match `get(P) == L` or `get(P, D) == L` (literals): the reader of P, so the rule is
   * tested by one read and `===` (such a match never fails), with `hitWhenNull` = (D === L).
   */
  readonly eqRead: Evaluator | null;
  readonly eqValue: unknown;
  readonly eqHitWhenNull: boolean;
  readonly single: Readonly<Resolution> | null;
  readonly partitionBy: Evaluator | null;
  readonly options: readonly { agent_key: string; weight: number }[];
  split: CompiledSplit | null;
  splits: Map<string, CompiledSplit> | null;
}

/** A match of the form `get(P) == L` or `get(P, D) == L` (userfn's equalityWithLiteral). */
export type EqShape = NonNullable<ReturnType<typeof equalityWithLiteral>>;

/**
 * Whether such a match holds, given the value `v` read at P (null when missing): `v` is the
 * literal, or it is missing and the default D equals the literal (`hitWhenNull`).
 */
export const eqHolds = (v: unknown, literal: unknown, hitWhenNull: boolean): boolean =>
  v === literal || (v === null && hitWhenNull);

/** Compiles rule `i` of a valid document (its expressions already compiled, `eq` its match's shape). */
export function compileRule(
  rule: Rule,
  i: number,
  exprs: RuleExpressions,
  eq: EqShape | null,
  aliasKey: string | undefined,
): CompiledRule {
  const t = rule.targets;
  const number = i + 1;
  const test = {
    match: exprs.match,
    eqRead: eq ? compilePathReader(eq.path) : null,
    eqValue: eq?.value,
    eqHitWhenNull: eq !== null && eq.fallback === eq.value,
  };
  if (t.type === "single") {
    const single = Object.freeze({ agent_key: t.agent_key, rule: number, target: "single" as const });
    return { number, ...test, single, partitionBy: null, options: [], split: null, splits: null };
  }
  const options = t.options.map((o) => ({ agent_key: o.agent_key, weight: o.weight }));
  return {
    number,
    ...test,
    single: null,
    partitionBy: exprs.partitionBy,
    options,
    split: aliasKey === undefined ? null : compileSplit(aliasKey, options),
    splits: aliasKey === undefined ? new Map() : null,
  };
}

export function evaluationError(rule: number, field: RulePart, e: unknown): never {
  if (isUserFnError(e))
    throw new RoutingError("evaluation_error", `rule #${rule}: ${field}: ${e.message}`, rule, field);
  throw e;
}

/** partitionString, with a value too deep to hash (or cyclic) as the rule's evaluation error. */
export function partitionOfValue(v: unknown, rule: number): string {
  try {
    return partitionString(v);
  } catch (e) {
    if (e instanceof ValueDepthError)
      throw new RoutingError(
        "evaluation_error",
        `rule #${rule}: partition_by: ${e.message}`,
        rule,
        "partition_by",
      );
    throw e;
  }
}

/** Turns a partition_by value into the string that is hashed (ROUTING.md §5 step 4). */
export function partitionString(v: unknown): string {
  return typeof v === "string" ? v : canonicalJson(v);
}

/** The split of a weighted rule: the document's, else one per `agent.key` of the context. */
export function splitFor(rule: CompiledRule, context: unknown): CompiledSplit {
  if (rule.split) return rule.split;
  const key = (context as { agent?: { key?: unknown } } | null)?.agent?.key;
  if (typeof key !== "string" || key === "") {
    throw new RoutingError(
      "no_alias_key",
      "the alias key is unknown: give `key` in the policy document or `agent.key` in the context",
      rule.number,
    );
  }
  let s = rule.splits!.get(key);
  if (!s) rule.splits!.set(key, (s = compileSplit(key, rule.options)));
  return s;
}
