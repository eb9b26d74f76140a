/**
 * Policy diff (issue 6, CLI.md `diff`): what changes between two versions of an alias policy.
 *
 * - Rules are paired old <-> new, then reported as added, removed, changed or unchanged with
 *   what changed (match, target, weights, ...).
 * - Samples are resolved with both versions; those whose agent changes are listed.
 * - For each paired rule whose target can change agents, N synthetic partition keys
 *   (`syntheticKey(0..N-1)`, so figures are reproducible) are split by the old and the new
 *   target, and the keys that change agent are counted per (from, to) pair.
 * - Warnings: `non_monotone`, `unreachable`, `shadowed`, `partition_changed`,
 *   `expectation_failed`, `routing_error` (see `DiffWarningCode`).
 *
 * Pure: no I/O. Shares are fractions in [0, 1], never percentages. Throws only for a caller's
 * mistake (an invalid document, both documents missing, a bad `keys`), never for a policy's
 * routing errors, which are reported as data.
 *
 * The parts: rule-pairs.ts pairs and compares rules, key-sweep.ts counts the synthetic keys,
 * samples.ts routes the samples; this module puts the report together.
 */
import { canonicalJson } from "../userfn/index.js";
import { asChecked, type CheckedPolicy, type PolicyInput } from "./check.js";
import { compileSide, movesOf, splitDiff, sweep } from "./key-sweep.js";
import { SIMULATION_KEYS } from "./limits.js";
import { compareRules, orderForReport, pairRules, ratioRose, ruleSide } from "./rule-pairs.js";
import { missDetail, routeSamples, type Sample } from "./samples.js";
import { type AliasDocument, aliasDocumentSchema } from "./schema.js";
import { percent } from "./shares.js";

export interface DiffOptions {
  /** Synthetic partition keys per rule (default 100,000; 1 to 10,000,000). */
  keys?: number;
}

/** Of a whole document or of one rule. */
export type DiffStatus = "added" | "removed" | "changed" | "unchanged";

/** What changed in a paired rule, listed in this order. */
export type RuleChangeKind =
  /** Its order relative to another paired rule changed (a shift caused by inserting or removing rules is not a move). */
  | "moved"
  | "match"
  /** single <-> weighted. */
  | "target_type"
  /** The agent of a single target. */
  | "agent"
  | "partition_by"
  /** Options added or removed. */
  | "options"
  /** The weight of an option present on both sides. */
  | "weights"
  /** The same options in another order (moves nobody: ROUTING.md §6). */
  | "option_order";

export interface RuleSide {
  /** 1-based rule number in its version. */
  rule: number;
  /** The match expression as written; null for a catch-all. */
  match: string | null;
  target: "single" | "weighted";
  agent_key?: string;
  partition_by?: string;
  options?: { agent_key: string; weight: number }[];
}

export interface RuleDiff {
  status: DiffStatus;
  /** The rule in the old version; null when added. */
  old: RuleSide | null;
  /** The rule in the new version; null when removed. */
  new: RuleSide | null;
  /** Empty unless `status` is `changed`. */
  changes: RuleChangeKind[];
  /** One human-readable line per change, e.g. `weights: support-v1 95 → 80, support-v2 5 → 20`. */
  details: string[];
}

/** One agent's part of a rule's traffic. A single target counts as one option of weight 1. */
export interface AgentShare {
  agent_key: string;
  weight: number;
  /** weight / sum of weights. */
  requested: number;
  /** Share of the synthetic keys that went to this agent. */
  realised: number;
}

/** Before/after traffic of a rule with a weighted target on at least one side. */
export interface SplitDiff {
  /** New rule number; null when the rule was removed. */
  rule: number | null;
  /** Old rule number; null when the rule was added. */
  old_rule: number | null;
  keys: number;
  /** Null when the rule is absent in the old version. */
  before: AgentShare[] | null;
  /** Null when the rule is absent in the new version. */
  after: AgentShare[] | null;
  /** Share of the rule's keys that change agent; null unless the rule is on both sides. */
  moved: number | null;
}

/** Keys of one rule that move from one agent to another (`from` != `to`). */
export interface Transition {
  /** New rule number. */
  rule: number;
  /** Old rule number (differs from `rule` when rules were inserted, removed or moved). */
  old_rule: number;
  from: string;
  to: string;
  /** moved keys / all synthetic keys of the rule, in [0, 1]. */
  share: number;
  /** The count behind `share`. */
  keys: number;
}

export interface SampleChange {
  sample: string;
  /** Agent under the old version; null when it did not route (see `from_error`) or there is no old version. */
  from: string | null;
  to: string | null;
  from_rule: number | null;
  to_rule: number | null;
  from_error?: string;
  to_error?: string;
}

export type DiffWarningCode =
  /** Keys move from X to Y although Y's weight relative to X's did not rise (alias key or partition changed, options replaced). */
  | "non_monotone"
  /** A new rule that no sample reaches (only with samples), or whose match is constantly false. */
  | "unreachable"
  /** A new rule whose match repeats an earlier rule's: it can never win. */
  | "shadowed"
  /** A weighted rule's partition_by changed: sessions whose partition value changes are re-split. */
  | "partition_changed"
  /** A sample's `expect` does not hold under the new version. */
  | "expectation_failed"
  /** A sample does not route under the new version. */
  | "routing_error";

export interface DiffWarning {
  code: DiffWarningCode;
  message: string;
  /** New rule number the warning is about, when there is one. */
  rule?: number;
}

export interface PolicyDiff {
  /** The alias key of each version (null when absent, or no such version). */
  alias: { old: string | null; new: string | null };
  status: DiffStatus;
  /** Synthetic keys per rule. */
  keys: number;
  /** Document fields (key, name, description, enabled, metadata) that differ. */
  document: { field: string; old: unknown; new: unknown }[];
  summary: {
    rules_added: number;
    rules_removed: number;
    rules_changed: number;
    rules_unchanged: number;
    samples: number;
    samples_changed: number;
    /** The largest `moved` among the rules present in both versions. */
    max_moved: number;
  };
  rules: RuleDiff[];
  splits: SplitDiff[];
  transitions: Transition[];
  samples: SampleChange[];
  warnings: DiffWarning[];
}

/** The document's fields beside its policy (key, name, description, enabled, metadata), from its schema. */
const DOCUMENT_FIELDS = (Object.keys(aliasDocumentSchema.shape) as (keyof AliasDocument)[]).filter(
  (f): f is Exclude<keyof AliasDocument, "policy"> => f !== "policy",
);

/**
 * Compares two versions of an alias document. `oldDoc` null means the policy is new
 * (everything added), `newDoc` null that it was deleted. Each side is a CheckedPolicy
 * (checkPolicy) or a document, which is checked here (PolicyValidationError when invalid);
 * a RangeError for bad options.
 */
export function diffPolicies(
  oldInput: PolicyInput | null,
  newInput: PolicyInput | null,
  samples: readonly Sample[] = [],
  options: DiffOptions = {},
): PolicyDiff {
  if (oldInput === null && newInput === null)
    throw new RangeError("diffPolicies: give at least one document");
  const keys = options.keys ?? SIMULATION_KEYS.default;
  const { min, max } = SIMULATION_KEYS;
  if (!Number.isInteger(keys) || keys < min || keys > max) {
    throw new RangeError(`diffPolicies: keys must be a whole number from ${min} to ${max}; got ${keys}`);
  }
  const oldPolicy: CheckedPolicy | null = oldInput === null ? null : asChecked(oldInput);
  const newPolicy: CheckedPolicy | null = newInput === null ? null : asChecked(newInput);
  const oldDoc = oldPolicy?.document ?? null;
  const newDoc = newPolicy?.document ?? null;
  const oldRules = oldPolicy?.rules ?? [];
  const newRules = newPolicy?.rules ?? [];
  // The hash salt of each side. A file may omit `key` (the alias key then comes from the
  // deployment); both versions then belong to the same alias, so the other side's key, or a
  // placeholder shared by both, gives the right movement figures.
  const oldSalt = oldDoc?.key ?? newDoc?.key ?? "alias";
  const newSalt = newDoc?.key ?? oldDoc?.key ?? "alias";
  const saltChanged = oldDoc !== null && newDoc !== null && oldSalt !== newSalt;

  const pairs = pairRules(oldRules, newRules);
  const warnings: DiffWarning[] = [];
  const rules: RuleDiff[] = [];
  const splits: SplitDiff[] = [];
  const transitions: Transition[] = [];

  for (const p of orderForReport(pairs)) {
    const o = p.old === null ? null : oldRules[p.old]!;
    const n = p.new === null ? null : newRules[p.new]!;
    const oldSide = o === null ? null : ruleSide(o);
    const newSide = n === null ? null : ruleSide(n);
    if (oldSide === null || newSide === null) {
      rules.push({
        status: oldSide === null ? "added" : "removed",
        old: oldSide,
        new: newSide,
        changes: [],
        details: [],
      });
      const side = (oldSide ?? newSide)!;
      if (side.target === "weighted") {
        const counts = sweep(
          oldSide === null ? null : compileSide(oldSide, oldSalt),
          newSide === null ? null : compileSide(newSide, newSalt),
          keys,
          false,
        );
        splits.push(splitDiff(oldSide, newSide, counts, keys));
      }
      continue;
    }
    const { changes, details } = compareRules(o!, n!, p.moved);
    rules.push({
      status: changes.length > 0 ? "changed" : "unchanged",
      old: oldSide,
      new: newSide,
      changes,
      details,
    });

    const repartitioned = changes.includes("partition_by") && oldSide.target === "weighted";
    if (repartitioned) {
      warnings.push({
        code: "partition_changed",
        rule: newSide.rule,
        message: `rule #${newSide.rule}: partition_by changed from ${oldSide.partition_by} to ${newSide.partition_by}; every session whose partition value changes is split again at random (the figures assume all do)`,
      });
    }
    if (oldSide.target === "single" && newSide.target === "single") {
      if (oldSide.agent_key !== newSide.agent_key) {
        transitions.push({
          rule: newSide.rule,
          old_rule: oldSide.rule,
          from: oldSide.agent_key!,
          to: newSide.agent_key!,
          share: 1,
          keys,
        });
      }
      continue;
    }
    const a = compileSide(oldSide, oldSalt);
    const b = compileSide(newSide, newSalt);
    const counts = sweep(a, b, keys, repartitioned);
    splits.push(splitDiff(oldSide, newSide, counts, keys));
    const moves = movesOf(counts, keys, oldSide, newSide);
    transitions.push(...moves);
    const against = moves.filter((m) => !ratioRose(oldSide, newSide, m.from, m.to));
    if (against.length > 0) {
      const why = saltChanged
        ? "the alias key changed, which reshuffles every weighted rule"
        : repartitioned
          ? "partition_by changed"
          : "options were replaced or the hash inputs changed";
      warnings.push({
        code: "non_monotone",
        rule: newSide.rule,
        message: `rule #${newSide.rule}: keys move between agents whose relative weight did not rise (${why}): ${against
          .map((m) => `${m.from} → ${m.to} ${percent(m.share)}`)
          .join(", ")}`,
      });
    }
  }

  // Warnings about the new version on its own.
  const seen = new Map<string, number>();
  for (const r of newRules) {
    if (r.match === null) continue;
    const first = seen.get(r.match.normal);
    if (first !== undefined) {
      warnings.push({
        code: "shadowed",
        rule: r.number,
        message: `rule #${r.number} repeats the match of rule #${first} and can never win`,
      });
      continue;
    }
    seen.set(r.match.normal, r.number);
    if (r.constantlyFalse) {
      warnings.push({
        code: "unreachable",
        rule: r.number,
        message: `rule #${r.number}: match is false for every session`,
      });
    }
  }

  // Samples under both versions.
  const reached = new Array<number>(newRules.length).fill(0);
  const sampleChanges: SampleChange[] = [];
  const before = oldPolicy === null ? null : routeSamples(oldPolicy, samples);
  const after = newPolicy === null ? null : routeSamples(newPolicy, samples);
  samples.forEach((_, i) => {
    const b = before?.[i] ?? null;
    const a = after?.[i] ?? null;
    const name = (a ?? b)!.name;
    if (a?.resolution) reached[a.resolution.rule - 1]!++;
    if (a?.error !== undefined)
      warnings.push({ code: "routing_error", message: `sample ${name}: ${a.error.message}` });
    if (a?.missed) {
      warnings.push({
        code: "expectation_failed",
        rule: a.resolution!.rule,
        message: `sample ${name}: ${missDetail(a)}`,
      });
    }
    const from = b?.resolution ?? null;
    const to = a?.resolution ?? null;
    const fromError = b?.error?.message;
    const toError = a?.error?.message;
    if (from?.agent_key === to?.agent_key && fromError === toError) return;
    sampleChanges.push({
      sample: name,
      from: from?.agent_key ?? null,
      to: to?.agent_key ?? null,
      from_rule: from?.rule ?? null,
      to_rule: to?.rule ?? null,
      ...(fromError !== undefined ? { from_error: fromError } : {}),
      ...(toError !== undefined ? { to_error: toError } : {}),
    });
  });
  if (samples.length > 0) {
    reached.forEach((count, j) => {
      const known = warnings.some(
        (w) => w.rule === j + 1 && (w.code === "shadowed" || w.code === "unreachable"),
      );
      if (count > 0 || known) return;
      warnings.push({
        code: "unreachable",
        rule: j + 1,
        message: `rule #${j + 1} is reached by none of the ${samples.length} sample(s)`,
      });
    });
  }
  warnings.sort((x, y) => (x.rule ?? Number.MAX_SAFE_INTEGER) - (y.rule ?? Number.MAX_SAFE_INTEGER));

  const document = DOCUMENT_FIELDS.flatMap((field) => {
    if (oldDoc === null || newDoc === null) return [];
    const a = oldDoc[field];
    const b = newDoc[field];
    return canonicalJson(a ?? null) === canonicalJson(b ?? null)
      ? []
      : [{ field, old: a ?? null, new: b ?? null }];
  });
  const count = (s: DiffStatus) => rules.filter((r) => r.status === s).length;
  const changed = document.length > 0 || rules.some((r) => r.status !== "unchanged");
  return {
    alias: { old: oldDoc?.key ?? null, new: newDoc?.key ?? null },
    status: oldDoc === null ? "added" : newDoc === null ? "removed" : changed ? "changed" : "unchanged",
    keys,
    document,
    summary: {
      rules_added: count("added"),
      rules_removed: count("removed"),
      rules_changed: count("changed"),
      rules_unchanged: count("unchanged"),
      samples: samples.length,
      samples_changed: sampleChanges.length,
      max_moved: Math.max(0, ...splits.map((s) => s.moved ?? 0), ...transitions.map((t) => t.share)),
    },
    rules,
    splits,
    transitions,
    samples: sampleChanges,
    warnings,
  };
}
