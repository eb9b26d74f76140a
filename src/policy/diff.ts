/**
 * Policy diff (CLI.md `diff`): what changes between two versions of an alias policy: rules
 * paired and compared (rule-pairs.ts), the synthetic partition keys that change agent per
 * rule (key-sweep.ts), the samples whose route changes (samples.ts), and warnings
 * (`DiffWarningCode`). Pure; shares are fractions in [0, 1]. Throws only for a caller's
 * mistake (an invalid document, both documents missing, a bad `keys`), never for a policy's
 * routing errors, which are reported as data.
 */
import { canonicalJson } from "../userfn/index.js";
import { asChecked, type CheckedPolicy, type CheckedRule, type PolicyInput } from "./check.js";
import type {
  DiffOptions,
  DiffStatus,
  DiffWarning,
  PolicyDiff,
  RuleDiff,
  SampleChange,
  SplitDiff,
  Transition,
} from "./diff-types.js";
import { compileSide, movesOf, splitDiff, sweep } from "./key-sweep.js";
import { SIMULATION_KEYS } from "./limits.js";
import { compareRules, orderForReport, pairRules, ratioRose, ruleSide } from "./rule-pairs.js";
import { missDetail, routeSamples, type Sample } from "./samples.js";
import { type AliasDocument, aliasDocumentSchema } from "./schema.js";
import { percent } from "./shares.js";

/** The document's fields beside its policy (key, name, description, enabled, metadata), from its schema. */
const DOCUMENT_FIELDS = (Object.keys(aliasDocumentSchema.shape) as (keyof AliasDocument)[]).filter(
  (f): f is Exclude<keyof AliasDocument, "policy"> => f !== "policy",
);

/** The two versions, checked, with what every step of the comparison needs. */
interface Versions {
  oldPolicy: CheckedPolicy | null;
  newPolicy: CheckedPolicy | null;
  oldDoc: AliasDocument | null;
  newDoc: AliasDocument | null;
  oldRules: readonly CheckedRule[];
  newRules: readonly CheckedRule[];
  /** The hash salt of each side. */
  oldSalt: string;
  newSalt: string;
  saltChanged: boolean;
  /** Synthetic keys per rule. */
  keys: number;
}

/** What comparing the paired rules yields. */
interface RuleReport {
  rules: RuleDiff[];
  splits: SplitDiff[];
  transitions: Transition[];
  warnings: DiffWarning[];
}

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
  const v = versionsOf(oldInput, newInput, options);
  const { rules, splits, transitions, warnings } = compareRuleLists(v);
  warnings.push(...newVersionWarnings(v.newRules));
  const routed = compareSamples(v, samples);
  warnings.push(...routed.warnings);
  warnings.push(...unreachedBySamples(routed.reached, samples.length, warnings));
  warnings.sort((x, y) => (x.rule ?? Number.MAX_SAFE_INTEGER) - (y.rule ?? Number.MAX_SAFE_INTEGER));

  const { oldDoc, newDoc, keys } = v;
  const document = documentChanges(oldDoc, newDoc);
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
      samples_changed: routed.changes.length,
      max_moved: Math.max(0, ...splits.map((s) => s.moved ?? 0), ...transitions.map((t) => t.share)),
    },
    rules,
    splits,
    transitions,
    samples: routed.changes,
    warnings,
  };
}

/** Checks the options and both versions; throws RangeError or PolicyValidationError. */
function versionsOf(
  oldInput: PolicyInput | null,
  newInput: PolicyInput | null,
  options: DiffOptions,
): Versions {
  if (oldInput === null && newInput === null)
    throw new RangeError("diffPolicies: give at least one document");
  const keys = options.keys ?? SIMULATION_KEYS.default;
  const { min, max } = SIMULATION_KEYS;
  if (!Number.isInteger(keys) || keys < min || keys > max) {
    throw new RangeError(`diffPolicies: keys must be a whole number from ${min} to ${max}; got ${keys}`);
  }
  const oldPolicy = oldInput === null ? null : asChecked(oldInput);
  const newPolicy = newInput === null ? null : asChecked(newInput);
  const oldDoc = oldPolicy?.document ?? null;
  const newDoc = newPolicy?.document ?? null;
  // A file may omit `key` (the alias key then comes from the deployment); both versions then
  // belong to the same alias, so the other side's key, or a placeholder shared by both, gives
  // the right movement figures.
  const oldSalt = oldDoc?.key ?? newDoc?.key ?? "alias";
  const newSalt = newDoc?.key ?? oldDoc?.key ?? "alias";
  return {
    oldPolicy,
    newPolicy,
    oldDoc,
    newDoc,
    oldRules: oldPolicy?.rules ?? [],
    newRules: newPolicy?.rules ?? [],
    oldSalt,
    newSalt,
    saltChanged: oldDoc !== null && newDoc !== null && oldSalt !== newSalt,
    keys,
  };
}

/** Pairs the rules of both versions and compares each pair, in report order. */
function compareRuleLists(v: Versions): RuleReport {
  const out: RuleReport = { rules: [], splits: [], transitions: [], warnings: [] };
  for (const p of orderForReport(pairRules(v.oldRules, v.newRules))) {
    const o = p.old === null ? null : v.oldRules[p.old]!;
    const n = p.new === null ? null : v.newRules[p.new]!;
    if (o === null || n === null) unpairedRule(v, o, n, out);
    else pairedRule(v, o, n, p.moved, out);
  }
  return out;
}

/** A rule on one side only: added or removed, with its split when weighted. */
function unpairedRule(v: Versions, o: CheckedRule | null, n: CheckedRule | null, out: RuleReport): void {
  const oldSide = o === null ? null : ruleSide(o);
  const newSide = n === null ? null : ruleSide(n);
  out.rules.push({
    status: oldSide === null ? "added" : "removed",
    old: oldSide,
    new: newSide,
    changes: [],
    details: [],
  });
  if ((oldSide ?? newSide)!.target !== "weighted") return;
  const counts = sweep(
    oldSide === null ? null : compileSide(oldSide, v.oldSalt),
    newSide === null ? null : compileSide(newSide, v.newSalt),
    v.keys,
    false,
  );
  out.splits.push(splitDiff(oldSide, newSide, counts, v.keys));
}

/** A rule on both sides: what changed, and the keys that move between agents. */
function pairedRule(v: Versions, o: CheckedRule, n: CheckedRule, moved: boolean, out: RuleReport): void {
  const oldSide = ruleSide(o);
  const newSide = ruleSide(n);
  const { changes, details } = compareRules(o, n, moved);
  out.rules.push({
    status: changes.length > 0 ? "changed" : "unchanged",
    old: oldSide,
    new: newSide,
    changes,
    details,
  });
  const repartitioned = changes.includes("partition_by") && oldSide.target === "weighted";
  if (repartitioned) {
    out.warnings.push({
      code: "partition_changed",
      rule: newSide.rule,
      message: `rule #${newSide.rule}: partition_by changed from ${oldSide.partition_by} to ${newSide.partition_by}; every session whose partition value changes is split again at random (the figures assume all do)`,
    });
  }
  if (oldSide.target === "single" && newSide.target === "single") {
    if (oldSide.agent_key !== newSide.agent_key) {
      out.transitions.push({
        rule: newSide.rule,
        old_rule: oldSide.rule,
        from: oldSide.agent_key!,
        to: newSide.agent_key!,
        share: 1,
        keys: v.keys,
      });
    }
    return;
  }
  const counts = sweep(
    compileSide(oldSide, v.oldSalt),
    compileSide(newSide, v.newSalt),
    v.keys,
    repartitioned,
  );
  out.splits.push(splitDiff(oldSide, newSide, counts, v.keys));
  const moves = movesOf(counts, v.keys, oldSide, newSide);
  out.transitions.push(...moves);
  const against = moves.filter((m) => !ratioRose(oldSide, newSide, m.from, m.to));
  if (against.length === 0) return;
  const why = v.saltChanged
    ? "the alias key changed, which reshuffles every weighted rule"
    : repartitioned
      ? "partition_by changed"
      : "options were replaced or the hash inputs changed";
  out.warnings.push({
    code: "non_monotone",
    rule: newSide.rule,
    message: `rule #${newSide.rule}: keys move between agents whose relative weight did not rise (${why}): ${against
      .map((m) => `${m.from} → ${m.to} ${percent(m.share)}`)
      .join(", ")}`,
  });
}

/** Warnings about the new version on its own: repeated matches and constantly false ones. */
function newVersionWarnings(newRules: readonly CheckedRule[]): DiffWarning[] {
  const warnings: DiffWarning[] = [];
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
  return warnings;
}

/**
 * Routes the samples under both versions: those whose agent or error changes, the warnings
 * about the new version, and how many samples reach each new rule.
 */
function compareSamples(
  v: Versions,
  samples: readonly Sample[],
): { changes: SampleChange[]; warnings: DiffWarning[]; reached: number[] } {
  const reached = new Array<number>(v.newRules.length).fill(0);
  const changes: SampleChange[] = [];
  const warnings: DiffWarning[] = [];
  const before = v.oldPolicy === null ? null : routeSamples(v.oldPolicy, samples);
  const after = v.newPolicy === null ? null : routeSamples(v.newPolicy, samples);
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
    changes.push({
      sample: name,
      from: from?.agent_key ?? null,
      to: to?.agent_key ?? null,
      from_rule: from?.rule ?? null,
      to_rule: to?.rule ?? null,
      ...(fromError !== undefined ? { from_error: fromError } : {}),
      ...(toError !== undefined ? { to_error: toError } : {}),
    });
  });
  return { changes, warnings, reached };
}

/** With samples: each new rule that none reaches, unless already warned shadowed or unreachable. */
function unreachedBySamples(
  reached: readonly number[],
  samples: number,
  warnings: readonly DiffWarning[],
): DiffWarning[] {
  if (samples === 0) return [];
  return reached.flatMap((count, j): DiffWarning[] => {
    const known = warnings.some(
      (w) => w.rule === j + 1 && (w.code === "shadowed" || w.code === "unreachable"),
    );
    if (count > 0 || known) return [];
    return [
      {
        code: "unreachable",
        rule: j + 1,
        message: `rule #${j + 1} is reached by none of the ${samples} sample(s)`,
      },
    ];
  });
}

/** The document fields that differ between two versions present on both sides. */
function documentChanges(oldDoc: AliasDocument | null, newDoc: AliasDocument | null): PolicyDiff["document"] {
  if (oldDoc === null || newDoc === null) return [];
  return DOCUMENT_FIELDS.flatMap((field) => {
    const a = oldDoc[field];
    const b = newDoc[field];
    return canonicalJson(a ?? null) === canonicalJson(b ?? null)
      ? []
      : [{ field, old: a ?? null, new: b ?? null }];
  });
}
