/**
 * Resolution (ROUTING.md §5): the first rule whose `match` is true (or that has none) wins;
 * a single target names its agent, a weighted target picks by rendezvous hashing on the
 * `partition_by` value. Policies are compiled once; resolving allocates nothing for a single
 * target and one result object for a weighted one (`resolveInto` allocates nothing at all).
 */
import { compilePathReader, type Evaluator, equalityWithLiteral, typeOf } from "../userfn/index.js";
import {
  type CompiledRule,
  compileRule,
  type EqShape,
  eqHolds,
  evaluationError,
  partitionOfValue,
  type RuleExpressions,
  splitFor,
} from "./compiled-rule.js";
import { type CompiledPolicy, type Resolution, type ResolutionSlot, RoutingError } from "./resolution.js";
import type { AliasDocument } from "./schema.js";
import { resolveShared, sharedParent } from "./shared-parent.js";

export interface CompileOptions {
  /** Resolve runs of `get(P) == literal` rules by lookup (default true; off only to compare). */
  fuseRuns?: boolean;
  /** Resolve the shared-parent shape by one read of the parent (default true; off only to compare). */
  shareParent?: boolean;
}

/** A run of consecutive rules `get(P) == literal` on one path P, resolved by one read and one lookup. */
interface DispatchRun {
  /** Index just past the run. */
  readonly end: number;
  readonly read: Evaluator;
  /** Literal value -> index of the first rule of the run that tests for it. */
  readonly table: Map<unknown, number>;
}

/** Runs shorter than this are left to the rules themselves. */
const MIN_RUN = 3;

/**
 * Finds runs of rules of the form `get(P) == literal` on the same path. Such a rule matches
 * exactly when the value at P is `===` its literal and can never fail, so the first rule of
 * the run whose literal equals the value read once is the rule that wins: the same answer
 * as trying them in order, for the cost of one read and one map lookup (tenant routing).
 */
function dispatchRuns(eqShapes: readonly (EqShape | null)[]): (DispatchRun | undefined)[] {
  // A default would change the lookup: only `get(P) == L` joins a run.
  const shapes = eqShapes.map((shape) => (shape?.fallback === null ? shape : null));
  const runs: (DispatchRun | undefined)[] = new Array(shapes.length);
  for (let i = 0; i < shapes.length; ) {
    const first = shapes[i];
    let end = i + 1;
    while (first && end < shapes.length && shapes[end]?.path === first.path) end++;
    if (first && end - i >= MIN_RUN) {
      const table = new Map<unknown, number>();
      for (let k = i; k < end; k++) if (!table.has(shapes[k]!.value)) table.set(shapes[k]!.value, k);
      runs[i] = { end, read: compilePathReader(first.path), table };
    }
    i = end;
  }
  return runs;
}

/**
 * The resolver of a valid alias document whose expressions are already parsed and compiled
 * (one entry of `exprs` per rule). checkPolicy calls it; `compilePolicy` is the public way in.
 */
export function compileResolver(
  alias: AliasDocument,
  exprs: readonly RuleExpressions[],
  options: CompileOptions = {},
): CompiledPolicy {
  const aliasKey = alias.key;
  // Each match's `get(P) == L` shape, for the rule, dispatch runs and the shared parent.
  const eqShapes = exprs.map((e) => (e.matchTree === null ? null : equalityWithLiteral(e.matchTree)));
  const rules = alias.policy.rules.map((rule, i) =>
    compileRule(rule, i, exprs[i]!, eqShapes[i] ?? null, aliasKey),
  );
  const runs = options.fuseRuns === false ? [] : dispatchRuns(eqShapes);
  // Dispatch runs already read once for many rules; the shared parent is for the others.
  const shared =
    options.shareParent === false || runs.some(Boolean)
      ? null
      : sharedParent(alias.policy.rules, exprs, eqShapes, rules);

  return {
    aliasKey,
    ruleCount: rules.length,
    resolve(context) {
      if (shared) return resolveShared(shared, context, null) as Resolution;
      const r = findRule(rules, runs, context);
      if (r.single) return r.single;
      const partition = partitionOf(r, context);
      const index = splitFor(r, context).pick(partition);
      return { agent_key: r.options[index]!.agent_key, rule: r.number, target: "weighted", partition };
    },
    resolveInto(context, out) {
      if (shared) return resolveShared(shared, context, out) as ResolutionSlot;
      const r = findRule(rules, runs, context);
      out.rule = r.number;
      if (r.single) {
        out.agent_key = r.single.agent_key;
        out.target = "single";
        out.partition = undefined;
        return out;
      }
      const partition = partitionOf(r, context);
      out.agent_key = r.options[splitFor(r, context).pick(partition)]!.agent_key;
      out.target = "weighted";
      out.partition = partition;
      return out;
    },
  };
}

/** Finds the winning rule, trying dispatch runs by lookup; throws RoutingError when none matches. */
function findRule(
  rules: readonly CompiledRule[],
  runs: readonly (DispatchRun | undefined)[],
  context: unknown,
): CompiledRule {
  for (let i = 0; i < rules.length; i++) {
    const run = runs[i];
    if (run !== undefined) {
      const hit = run.table.get(run.read(context));
      if (hit !== undefined) return rules[hit]!;
      i = run.end - 1;
      continue;
    }
    const r = rules[i]!;
    if (r.eqRead !== null) {
      const v = r.eqRead(context);
      if (eqHolds(v, r.eqValue, r.eqHitWhenNull)) return r;
      continue;
    }
    if (r.match === null) return r;
    let v: unknown;
    try {
      v = r.match(context);
    } catch (e) {
      evaluationError(r.number, "match", e);
    }
    if (v === true) return r;
    if (v !== false && v !== null) {
      throw new RoutingError(
        "evaluation_error",
        `rule #${r.number}: match: must evaluate to a boolean or null, got ${typeOf(v)}`,
        r.number,
        "match",
      );
    }
  }
  throw new RoutingError("no_match", "no rule matched and no catch-all rule was provided");
}

/** Evaluates a weighted rule's partition_by into the string that is hashed. */
function partitionOf(r: CompiledRule, context: unknown): string {
  let v: unknown;
  try {
    v = r.partitionBy!(context);
  } catch (e) {
    evaluationError(r.number, "partition_by", e);
  }
  if (v === null)
    throw new RoutingError("null_partition", "partition_by evaluated to null", r.number, "partition_by");
  return partitionOfValue(v, r.number);
}
