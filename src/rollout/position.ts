/**
 * Where an alias is in a stage table: the policy the API serves, mapped onto the plan's stages
 * (`stageOfPolicy`). Pure. A rollout starts from this, not from stack config or the file's
 * `current:`, so a re-run never moves users back to where config or the file say.
 *
 * Two policies are the same stage when they route every session alike: the same rules in the
 * same order, the same `match` (compared in normal form), and the same targets, where a weighted
 * target is its options' weights reduced to their proportions (95/5 is 19/1; order and
 * zero-weight options move nobody, ROUTING.md §6) and a weighted target with one agent left is a
 * single target to it. Fields the API adds are not read.
 */

import type { CanaryPlan, Policy, Rule } from "../policy/index.js";
import { normalizeExpression } from "../policy/index.js";

/** What a served policy is, as a stage of the plan. */
export type AliasPosition =
  /** The API has no such alias: nothing is routed, no user can move back. */
  | { readonly kind: "absent" }
  /** The served policy is stage `index`; `note` when it was matched by the rule below. */
  | { readonly kind: "stage"; readonly index: number; readonly note?: string }
  /**
   * The served policy is no stage of the table; `reason` says the first difference. `share`:
   * the share of the canary rule's sessions it sends to `to`, when only that rule's split differs
   * (so a move from it can be told forward or back).
   */
  | { readonly kind: "unmapped"; readonly reason: string; readonly share?: number };

/** A target as routing sees it: one agent, or agents with reduced weights and the partition. */
interface TargetShape {
  readonly agents: readonly (readonly [string, number])[];
  readonly partition: string | null;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function targetShape(rule: Rule): TargetShape {
  const t = rule.targets;
  if (t.type === "single") return { agents: [[t.agent_key, 1]], partition: null };
  const weights = new Map<string, number>();
  for (const o of t.options)
    if (o.weight > 0) weights.set(o.agent_key, (weights.get(o.agent_key) ?? 0) + o.weight);
  const entries = [...weights].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 1) return { agents: [[entries[0]![0], 1]], partition: null };
  const divisor = entries.reduce((g, [, w]) => gcd(g, w), 0) || 1;
  return {
    agents: entries.map(([k, w]) => [k, w / divisor] as const),
    partition: normalizeExpression(t.partition_by ?? ""),
  };
}

const sameTarget = (a: TargetShape, b: TargetShape) =>
  a.partition === b.partition &&
  a.agents.length === b.agents.length &&
  a.agents.every(([k, w], i) => b.agents[i]![0] === k && b.agents[i]![1] === w);

const matchOf = (rule: Rule) =>
  rule.match === undefined || rule.match === null ? null : normalizeExpression(rule.match);

const describeShape = (s: TargetShape) => {
  if (s.agents.length === 1) return `everything to ${s.agents[0]![0]}`;
  const total = s.agents.reduce((n, [, w]) => n + w, 0);
  return s.agents.map(([k, w]) => `${k} ${Math.round((w / total) * 1000) / 10}%`).join(", ");
};

/**
 * The first rule at which `served` and `wanted` route differently, described; undefined when they
 * route alike. `skip` is a rule index left out of the comparison (the canary rule's targets).
 */
function firstDifference(served: Policy, wanted: Policy, skip?: number): string | undefined {
  if (served.rules.length !== wanted.rules.length)
    return `it has ${served.rules.length} rule${served.rules.length === 1 ? "" : "s"}, the table's policies ${wanted.rules.length}`;
  for (let i = 0; i < wanted.rules.length; i++) {
    const [s, w] = [served.rules[i]!, wanted.rules[i]!];
    if (matchOf(s) !== matchOf(w))
      return `rule ${i + 1}'s match differs (${s.match ?? "none"} vs ${w.match ?? "none"})`;
    if (i === skip) continue;
    const [ss, ws] = [targetShape(s), targetShape(w)];
    if (!sameTarget(ss, ws))
      return `rule ${i + 1} sends ${describeShape(ss)}, the table ${describeShape(ws)}`;
  }
  return undefined;
}

/**
 * The stage of the plan whose policy routes like `served` (the first such stage), or why there
 * is none; `absent` when `served` is null (no alias). A served policy that sends the canary
 * rule's sessions all to `from`, when no stage does, is the first stage: starting there only
 * ever moves users from `from` to `to`.
 */
export function stageOfPolicy(plan: CanaryPlan, served: Policy | null): AliasPosition {
  if (served === null) return { kind: "absent" };
  const exact = plan.policies.findIndex((p) => firstDifference(served, p) === undefined);
  if (exact >= 0) return { kind: "stage", index: exact };
  const reference = plan.policies[0]!;
  const elsewhere = firstDifference(served, reference, plan.canaryRule);
  if (elsewhere !== undefined) return { kind: "unmapped", reason: elsewhere };
  const canary = targetShape(served.rules[plan.canaryRule]!);
  if (canary.agents.length === 1 && canary.agents[0]![0] === plan.from)
    return {
      kind: "stage",
      index: 0,
      note: `the alias sends every session of the canary rule to ${plan.from} and no stage does: the first stage is where it is`,
    };
  const shares = plan.stages.map((s) => `${s.name} ${s.weights[0]}/${s.weights[1]}`).join(", ");
  const reason = `rule ${plan.canaryRule + 1} sends ${describeShape(canary)}, which is no stage of the table (${shares})`;
  const share = shareOf(canary, plan);
  return share === undefined ? { kind: "unmapped", reason } : { kind: "unmapped", reason, share };
}

/** The share of a target's sessions on `to`, when its agents are `from` and `to` only. */
function shareOf(t: TargetShape, plan: CanaryPlan): number | undefined {
  if (!t.agents.every(([k]) => k === plan.from || k === plan.to)) return undefined;
  const total = t.agents.reduce((n, [, w]) => n + w, 0);
  return (t.agents.find(([k]) => k === plan.to)?.[1] ?? 0) / total;
}

/** True when two policies route every session alike (the stage comparison of this module). */
export function routesAlike(a: Policy, b: Policy): boolean {
  return firstDifference(a, b) === undefined;
}

/** The share of the canary rule's sessions a stage sends to `to`, in [0, 1]. */
export function canaryShare(weights: readonly [number, number]): number {
  const total = weights[0] + weights[1];
  return total === 0 ? 0 : weights[1] / total;
}
