/**
 * The shared-parent fast path of the resolver (resolve.ts): a policy whose rules all read
 * members of one parent object is resolved by reading that parent once per context.
 */
import { literalGet, type MemberLoad, memberLoad, memberPath, present } from "../userfn/index.js";
import {
  type CompiledRule,
  type EqShape,
  eqHolds,
  partitionOfValue,
  type RuleExpressions,
  splitFor,
} from "./compiled-rule.js";
import { type Resolution, type ResolutionSlot, RoutingError } from "./resolution.js";
import type { Rule } from "./schema.js";

/**
 * The tenant-routing shape: every match is absent or `get(P) == L` / `get(P, D) == L`, every
 * weighted rule's partition_by is `get(P)` or `get(P, D)` (literals), and every P is a member
 * name under one parent object, such as `$.session.metadata.tenant`. Such a policy is resolved
 * by reading the parent object once, then one member per rule tested: the values the rules'
 * own readers would see, without walking the context again for each.
 */
export interface SharedParent {
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

export function sharedParent(
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

/**
 * resolve (out null) and resolveInto (out given) for the shared-parent shape: one read of the
 * parent, then for each rule one member and `===` (such matches never fail).
 */
export function resolveShared(
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
