/**
 * Rule pairing for the diff: which old rule each new rule is (by identical match, then
 * identical target, then position), and what changed between the two. Works on checked
 * rules, so each match is compared by its normal form, computed once by checkPolicy.
 */
import { canonicalJson } from "../userfn/index.js";
import type { CheckedRule } from "./check.js";
import type { RuleChangeKind, RuleSide } from "./diff-types.js";

export interface Pair {
  old: number | null;
  new: number | null;
  /** Crosses another pair: the rule's order relative to another rule changed. */
  moved: boolean;
}

/**
 * Pairs old and new rules, in three passes: (1) identical normalized match (a catch-all pairs
 * with a catch-all); (2) identical target, keeping the pairs in order; (3) the same position,
 * keeping the pairs in order. Whatever is left is removed (old) or added (new).
 */
export function pairRules(oldRules: readonly CheckedRule[], newRules: readonly CheckedRule[]): Pair[] {
  const oldOf = new Array<number>(newRules.length).fill(-1);
  const newOf = new Array<number>(oldRules.length).fill(-1);
  const link = (i: number, j: number) => {
    oldOf[j] = i;
    newOf[i] = j;
  };
  const inOrder = (i: number, j: number) => oldOf.every((a, b) => a < 0 || a < i === b < j);
  // Each rule's keys once (not once per comparison): pairing stays linear in string work.
  const oldMatch = oldRules.map(matchKey);
  const oldTarget = oldRules.map(targetKey);

  newRules.forEach((n, j) => {
    const k = matchKey(n);
    const i = oldMatch.findIndex((m, i) => newOf[i]! < 0 && m === k);
    if (i >= 0) link(i, j);
  });
  newRules.forEach((n, j) => {
    if (oldOf[j]! >= 0) return;
    const k = targetKey(n);
    const i = oldTarget.findIndex((t, i) => newOf[i]! < 0 && t === k && inOrder(i, j));
    if (i >= 0) link(i, j);
  });
  newRules.forEach((_, j) => {
    if (oldOf[j]! >= 0 || j >= oldRules.length || newOf[j]! >= 0 || !inOrder(j, j)) return;
    link(j, j);
  });

  const pairs: Pair[] = [];
  oldOf.forEach((i, j) => {
    if (i < 0) pairs.push({ old: null, new: j, moved: false });
    else pairs.push({ old: i, new: j, moved: oldOf.some((a, b) => a >= 0 && a < i !== b < j) });
  });
  newOf.forEach((j, i) => {
    if (j < 0) pairs.push({ old: i, new: null, moved: false });
  });
  return pairs;
}

/** New rules in order; each removed rule right after the rule that preceded it in the old version. */
export function orderForReport(pairs: readonly Pair[]): Pair[] {
  const removed = pairs.filter((p) => p.new === null).sort((a, b) => a.old! - b.old!);
  const present = pairs.filter((p) => p.new !== null).sort((a, b) => a.new! - b.new!);
  const out: Pair[] = [];
  let r = 0;
  for (const p of present) {
    while (r < removed.length && p.old !== null && removed[r]!.old! < p.old) out.push(removed[r++]!);
    out.push(p);
  }
  return out.concat(removed.slice(r));
}

/** A rule as the report shows it. */
export function ruleSide(checked: CheckedRule): RuleSide {
  const r = checked.rule;
  const base = { rule: checked.number, match: r.match ?? null };
  const t = r.targets;
  if (t.type === "single") return { ...base, target: "single", agent_key: t.agent_key };
  return {
    ...base,
    target: "weighted",
    partition_by: t.partition_by!,
    options: t.options.map((o) => ({ agent_key: o.agent_key, weight: o.weight })),
  };
}

/** Options of a side; a single target is one option of weight 1. */
export function optionsOf(s: RuleSide): { agent_key: string; weight: number }[] {
  return s.options ?? [{ agent_key: s.agent_key!, weight: 1 }];
}

function weightOf(s: RuleSide, agent: string): number {
  return optionsOf(s).find((o) => o.agent_key === agent)?.weight ?? 0;
}

/** What changed between two paired rules (`ca`, `cb`), as kinds and one line of detail each. */
export function compareRules(
  ca: CheckedRule,
  cb: CheckedRule,
  moved: boolean,
): { changes: RuleChangeKind[]; details: string[] } {
  const a = ruleSide(ca);
  const b = ruleSide(cb);
  const changes: RuleChangeKind[] = [];
  const details: string[] = [];
  if (moved) {
    changes.push("moved");
    details.push(`order: was rule #${a.rule}, now rule #${b.rule}, in another place relative to other rules`);
  }
  if (matchKey(ca) !== matchKey(cb)) {
    changes.push("match");
    details.push(`match: ${a.match ?? "(catch-all)"} → ${b.match ?? "(catch-all)"}`);
  }
  if (a.target !== b.target) {
    changes.push("target_type");
    details.push(`target: ${describeTarget(a)} → ${describeTarget(b)}`);
    return { changes, details };
  }
  if (a.target === "single") {
    if (a.agent_key !== b.agent_key) {
      changes.push("agent");
      details.push(`agent: ${a.agent_key} → ${b.agent_key}`);
    }
    return { changes, details };
  }
  if (ca.partitionBy?.normal !== cb.partitionBy?.normal) {
    changes.push("partition_by");
    details.push(`partition_by: ${a.partition_by} → ${b.partition_by}`);
  }
  const ao = a.options!;
  const bo = b.options!;
  const added = bo.filter((o) => !ao.some((x) => x.agent_key === o.agent_key));
  const removed = ao.filter((o) => !bo.some((x) => x.agent_key === o.agent_key));
  if (added.length > 0 || removed.length > 0) {
    changes.push("options");
    details.push(
      `options: ${[
        ...added.map((o) => `+ ${o.agent_key} (weight ${o.weight})`),
        ...removed.map((o) => `- ${o.agent_key} (weight ${o.weight})`),
      ].join(", ")}`,
    );
  }
  const common = bo.filter((o) => ao.some((x) => x.agent_key === o.agent_key));
  const reweighted = common.filter((o) => weightOf(a, o.agent_key) !== o.weight);
  if (reweighted.length > 0) {
    changes.push("weights");
    details.push(
      `weights: ${reweighted.map((o) => `${o.agent_key} ${weightOf(a, o.agent_key)} → ${o.weight}`).join(", ")}`,
    );
  }
  const orderA = ao.filter((o) => bo.some((x) => x.agent_key === o.agent_key)).map((o) => o.agent_key);
  if (orderA.join("\n") !== common.map((o) => o.agent_key).join("\n")) {
    changes.push("option_order");
    details.push("options reordered (moves nobody)");
  }
  return { changes, details };
}

/** `single support-v2` or `weighted on get(...): support-v1 90, support-v2 10`. */
export function describeTarget(s: RuleSide): string {
  if (s.target === "single") return `single ${s.agent_key}`;
  return `weighted on ${s.partition_by}: ${s.options!.map((o) => `${o.agent_key} ${o.weight}`).join(", ")}`;
}

/**
 * Rendezvous hashing moves a key from X directly to Y only when Y's weight relative to X's
 * rose (ROUTING.md §6: a key at X beats Y before and loses to Y after, so w'Y/w'X > wY/wX).
 * A move against that is `non_monotone`; it means the hash inputs changed (alias key,
 * partition value) rather than the weights. An absent agent has weight 0.
 */
export function ratioRose(a: RuleSide, b: RuleSide, from: string, to: string): boolean {
  return weightOf(b, to) * weightOf(a, from) > weightOf(a, to) * weightOf(b, from);
}

/** The pairing key of a match: its normal form, `""` for a catch-all. */
const matchKey = (r: CheckedRule): string => r.match?.normal ?? "";
/** The pairing key of a target: its canonical JSON. */
const targetKey = (r: CheckedRule): string => canonicalJson(r.rule.targets);
