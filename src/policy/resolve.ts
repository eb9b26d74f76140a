/**
 * Resolution (ROUTING.md §5): the first rule whose `match` is true (or that has none) wins;
 * a single target names its agent, a weighted target picks by rendezvous hashing on the
 * `partition_by` value. Policies are compiled once; resolving allocates nothing for a single
 * target and one result object for a weighted one (`resolveInto` allocates nothing at all).
 */
import {
  canonicalJson,
  compilePathReader,
  type Evaluator,
  equalityWithLiteral,
  isUserFnError,
  literalGet,
  type MemberLoad,
  memberLoad,
  memberPath,
  type Node,
  present,
  typeOf,
  ValueDepthError,
} from "../userfn/index.js";
import type { AliasDocument, Rule } from "./schema.js";
import { type CompiledSplit, compileSplit } from "./split.js";

export type TargetType = "single" | "weighted";

/** Why a session could not be routed. The message is exactly the API's. */
export type RoutingErrorCode =
  /** No rule matched and there was no catch-all (`no rule matched and no catch-all rule was provided`). */
  | "no_match"
  /** A weighted target's partition_by evaluated to null (`partition_by evaluated to null`). */
  | "null_partition"
  /** An expression failed during evaluation (`rule #1: match: cannot compare string with number`). */
  | "evaluation_error"
  /** The document has no `key` and the context no `agent.key`, so there is no hash salt. */
  | "no_alias_key";

/** The part of a rule a routing error is about. */
export type RulePart = "match" | "partition_by";

export class RoutingError extends Error {
  override readonly name = "RoutingError";
  constructor(
    readonly code: RoutingErrorCode,
    message: string,
    /** The 1-based rule the error is about, when there is one. */
    readonly rule?: number,
    /** The part of that rule, when the error is about one (a field, not a message to parse). */
    readonly part?: RulePart,
  ) {
    super(message);
  }
}

/** A routing decision, enough to replay it offline (ROUTING.md §5). */
export interface Resolution {
  agent_key: string;
  /** 1-based number of the rule that matched. */
  rule: number;
  target: TargetType;
  /** The partition string that was hashed (weighted targets only). */
  partition?: string;
}

/** A reusable, mutable result slot for `resolveInto`. */
export interface ResolutionSlot {
  agent_key: string;
  rule: number;
  target: TargetType;
  /** The partition string; undefined for a single target. */
  partition: string | undefined;
}

export interface CompiledPolicy {
  /** The alias key used as the hash salt, when the document has one. */
  readonly aliasKey: string | undefined;
  readonly ruleCount: number;
  /** Resolves one routing context. Throws a RoutingError with the API's exact message. */
  resolve(context: unknown): Resolution;
  /** Like `resolve`, writing into `out` instead of allocating; returns `out`. */
  resolveInto(context: unknown, out: ResolutionSlot): ResolutionSlot;
}

export function newSlot(): ResolutionSlot {
  return { agent_key: "", rule: 0, target: "single", partition: undefined };
}

interface CompiledRule {
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

function evaluationError(rule: number, field: RulePart, e: unknown): never {
  if (isUserFnError(e))
    throw new RoutingError("evaluation_error", `rule #${rule}: ${field}: ${e.message}`, rule, field);
  throw e;
}

/** partitionString, with a value too deep to hash (or cyclic) as the rule's evaluation error. */
function partitionOfValue(v: unknown, rule: number): string {
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

/** A run of consecutive rules `get(P) == literal` on one path P, resolved by one read and one lookup. */
interface DispatchRun {
  /** Index just past the run. */
  readonly end: number;
  readonly read: Evaluator;
  /** Literal value -> index of the first rule of the run that tests for it. */
  readonly table: Map<unknown, number>;
}

/** A match of the form `get(P) == L` or `get(P, D) == L` (userfn's equalityWithLiteral). */
type EqShape = NonNullable<ReturnType<typeof equalityWithLiteral>>;

/**
 * Whether such a match holds, given the value `v` read at P (null when missing): `v` is the
 * literal, or it is missing and the default D equals the literal (`hitWhenNull`).
 */
const eqHolds = (v: unknown, literal: unknown, hitWhenNull: boolean): boolean =>
  v === literal || (v === null && hitWhenNull);

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

export interface CompileOptions {
  /** Resolve runs of `get(P) == literal` rules by lookup (default true; off only to compare). */
  fuseRuns?: boolean;
  /** Resolve the shared-parent shape by one read of the parent (default true; off only to compare). */
  shareParent?: boolean;
}

/**
 * The tenant-routing shape: every match is absent or `get(P) == L` / `get(P, D) == L`, every
 * weighted rule's partition_by is `get(P)` or `get(P, D)` (literals), and every P is a member
 * name under one parent object, such as `$.session.metadata.tenant`. Such a policy is resolved
 * by reading the parent object once, then one member per rule tested: the values the rules'
 * own readers would see, without walking the context again for each.
 */
interface SharedParent {
  readonly parent: (context: unknown) => Record<string, unknown> | null;
  /** One per rule, in order. */
  readonly steps: readonly SharedStep[];
}

/**
 * A rule of the shared-parent shape, with what resolving it reads kept in one object: the
 * resolver loads one record per rule instead of one field from each of several arrays.
 */
interface SharedStep {
  readonly rule: CompiledRule;
  /** The member the match reads (null: the rule has no match), and its load (userfn's member.ts). */
  readonly matchKey: string | null;
  readonly matchLoad: MemberLoad;
  readonly eqValue: unknown;
  readonly eqHitWhenNull: boolean;
  readonly single: Readonly<Resolution> | null;
  /** The member partition_by reads (null: not a weighted rule), its load and literal default. */
  readonly partitionKey: string | null;
  readonly partitionLoad: MemberLoad;
  readonly partitionFallback: unknown;
}

function sharedParent(
  docRules: readonly Rule[],
  exprs: readonly RuleExpressions[],
  eqShapes: readonly (EqShape | null)[],
  rules: readonly CompiledRule[],
): SharedParent | null {
  let id: string | undefined;
  let parent: SharedParent["parent"] | undefined;
  const member = (path: string): string | null => {
    const m = memberPath(path);
    if (m === null) return null;
    if (id === undefined) {
      id = m.parentId;
      parent = m.parent;
    }
    return m.parentId === id ? m.key : null;
  };
  const steps: SharedStep[] = [];
  for (const [i, rule] of docRules.entries()) {
    let matchKey: string | null = null;
    if (typeof rule.match === "string") {
      const eq = eqShapes[i];
      matchKey = eq ? member(eq.path) : null;
      if (matchKey === null) return null;
    }
    let partitionKey: string | null = null;
    let partitionFallback: unknown = null;
    if (rule.targets.type === "weighted") {
      const got = literalGet(exprs[i]!.partitionTree!);
      partitionKey = got ? member(got.path) : null;
      if (partitionKey === null) return null;
      partitionFallback = got!.fallback;
    }
    const r = rules[i]!;
    steps.push({
      rule: r,
      matchKey,
      matchLoad: memberLoad(matchKey),
      eqValue: r.eqValue,
      eqHitWhenNull: r.eqHitWhenNull,
      single: r.single,
      partitionKey,
      partitionLoad: memberLoad(partitionKey),
      partitionFallback,
    });
  }
  return parent === undefined ? null : { parent, steps };
}

/** A rule's expressions, parsed and compiled once by checkPolicy (check.ts). */
export interface RuleExpressions {
  readonly match: Evaluator | null;
  readonly matchTree: Node | null;
  readonly partitionBy: Evaluator | null;
  readonly partitionTree: Node | null;
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
  const rules: CompiledRule[] = alias.policy.rules.map((rule, i) => {
    const t = rule.targets;
    const number = i + 1;
    const match = exprs[i]!.match;
    const eq = eqShapes[i] ?? null;
    const test = {
      match,
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
      partitionBy: exprs[i]!.partitionBy,
      options,
      split: aliasKey === undefined ? null : compileSplit(aliasKey, options),
      splits: aliasKey === undefined ? new Map() : null,
    };
  });

  const runs = options.fuseRuns === false ? [] : dispatchRuns(eqShapes);
  // Dispatch runs already read once for many rules; the shared parent is for the others.
  const shared =
    options.shareParent === false || runs.some(Boolean)
      ? null
      : sharedParent(alias.policy.rules, exprs, eqShapes, rules);

  /**
   * resolve (out null) and resolveInto (out given) for the shared-parent shape: one read of the
   * parent, then for each rule one member and `===` (such matches never fail).
   */
  function resolveShared(
    sp: SharedParent,
    context: unknown,
    out: ResolutionSlot | null,
  ): Resolution | ResolutionSlot {
    const p = sp.parent(context);
    const steps = sp.steps;
    for (let i = 0; i < steps.length; i++) {
      const st = steps[i]!;
      const key = st.matchKey;
      if (key !== null) {
        const v = present(p === null ? undefined : st.matchLoad(p, key));
        if (!eqHolds(v, st.eqValue, st.eqHitWhenNull)) continue;
      }
      const r = st.rule;
      const single = st.single;
      if (single !== null) {
        if (out === null) return single;
        out.agent_key = single.agent_key;
        out.rule = r.number;
        out.target = "single";
        out.partition = undefined;
        return out;
      }
      const raw = present(p === null ? undefined : st.partitionLoad(p, st.partitionKey!));
      const v = raw === null ? st.partitionFallback : raw;
      if (v === null)
        throw new RoutingError("null_partition", "partition_by evaluated to null", r.number, "partition_by");
      const partition = partitionOfValue(v, r.number);
      const agent_key = r.options[splitFor(r, context).pick(partition)]!.agent_key;
      if (out === null) return { agent_key, rule: r.number, target: "weighted", partition };
      out.agent_key = agent_key;
      out.rule = r.number;
      out.target = "weighted";
      out.partition = partition;
      return out;
    }
    throw new RoutingError("no_match", "no rule matched and no catch-all rule was provided");
  }

  function splitFor(rule: CompiledRule, context: unknown): CompiledSplit {
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

  /** Finds the winning rule; throws RoutingError when none matches. */
  function findRule(context: unknown): CompiledRule {
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

  /** Evaluates a weighted rule's partition; returns [agent index, partition string]. */
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

  return {
    aliasKey,
    ruleCount: rules.length,
    resolve(context) {
      if (shared) return resolveShared(shared, context, null) as Resolution;
      const r = findRule(context);
      if (r.single) return r.single;
      const partition = partitionOf(r, context);
      const index = splitFor(r, context).pick(partition);
      return { agent_key: r.options[index]!.agent_key, rule: r.number, target: "weighted", partition };
    },
    resolveInto(context, out) {
      if (shared) return resolveShared(shared, context, out) as ResolutionSlot;
      const r = findRule(context);
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
