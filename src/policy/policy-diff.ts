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
 */
import { canonicalJson, compileExpression, type Node, parse } from "../userfn/index.js";
import { feedUtf8, initialState, resumeHash } from "./murmur3.js";
import { syntheticKey } from "./preview.js";
import { type CompiledPolicy, compilePolicy, type Resolution, RoutingError } from "./resolve.js";
import { type Sample, sampleContext, sampleLabel } from "./samples.js";
import type { AliasDocument, Rule } from "./schema.js";
import { compileSplit } from "./split.js";

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

const DOCUMENT_FIELDS = ["key", "name", "description", "enabled", "metadata"] as const;

/**
 * Compares two versions of an alias document. `oldDoc` null means the policy is new
 * (everything added), `newDoc` null that it was deleted. Both documents must be valid
 * (`validatePolicy`); throws PolicyValidationError otherwise, and a RangeError for bad options.
 */
export function diffPolicies(
  oldDoc: AliasDocument | null,
  newDoc: AliasDocument | null,
  samples: readonly Sample[] = [],
  options: DiffOptions = {},
): PolicyDiff {
  if (oldDoc === null && newDoc === null) throw new RangeError("diffPolicies: give at least one document");
  const keys = options.keys ?? 100_000;
  if (!Number.isInteger(keys) || keys < 1 || keys > 10_000_000) {
    throw new RangeError(`diffPolicies: keys must be a whole number from 1 to 10000000; got ${keys}`);
  }
  const oldCompiled = oldDoc === null ? null : compilePolicy(oldDoc);
  const newCompiled = newDoc === null ? null : compilePolicy(newDoc);
  const oldRules = oldDoc?.policy.rules ?? [];
  const newRules = newDoc?.policy.rules ?? [];

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
    const oldSide = o === null ? null : ruleSide(o, p.old!);
    const newSide = n === null ? null : ruleSide(n, p.new!);
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
    const { changes, details } = compareRules(oldSide, newSide, p.moved);
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
  newRules.forEach((r, j) => {
    if (r.match === undefined || r.match === null) return;
    const norm = normalizeExpression(r.match);
    const first = seen.get(norm);
    if (first !== undefined) {
      warnings.push({
        code: "shadowed",
        rule: j + 1,
        message: `rule #${j + 1} repeats the match of rule #${first} and can never win`,
      });
    } else {
      seen.set(norm, j + 1);
      if (isConstantlyFalse(r.match)) {
        warnings.push({
          code: "unreachable",
          rule: j + 1,
          message: `rule #${j + 1}: match is false for every session`,
        });
      }
    }
  });

  // Samples under both versions.
  const reached = new Array<number>(newRules.length).fill(0);
  const sampleChanges: SampleChange[] = [];
  samples.forEach((sample, i) => {
    const name = sampleLabel(sample, i);
    const before = oldDoc === null ? null : route(oldCompiled!, oldDoc, sample);
    const after = newDoc === null ? null : route(newCompiled!, newDoc, sample);
    if (after !== null && "agent_key" in after) reached[after.rule - 1]!++;
    if (after !== null && "error" in after) {
      warnings.push({ code: "routing_error", message: `sample ${name}: ${after.error}` });
    }
    if (
      after !== null &&
      "agent_key" in after &&
      sample.expect !== undefined &&
      after.agent_key !== sample.expect
    ) {
      warnings.push({
        code: "expectation_failed",
        rule: after.rule,
        message: `sample ${name}: expected ${sample.expect}, got ${after.agent_key} (rule #${after.rule})`,
      });
    }
    const from = before !== null && "agent_key" in before ? before : null;
    const to = after !== null && "agent_key" in after ? after : null;
    const fromError = before !== null && "error" in before ? before.error : undefined;
    const toError = after !== null && "error" in after ? after.error : undefined;
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

// ---------------------------------------------------------------------------------------------
// Pairing rules.

interface Pair {
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
function pairRules(oldRules: readonly Rule[], newRules: readonly Rule[]): Pair[] {
  const oldOf = new Array<number>(newRules.length).fill(-1);
  const newOf = new Array<number>(oldRules.length).fill(-1);
  const link = (i: number, j: number) => {
    oldOf[j] = i;
    newOf[i] = j;
  };
  const inOrder = (i: number, j: number) => oldOf.every((a, b) => a < 0 || a < i === b < j);
  const matchKey = (r: Rule) =>
    r.match === undefined || r.match === null ? "" : normalizeExpression(r.match);
  const targetKey = (r: Rule) => canonicalJson(r.targets);

  newRules.forEach((n, j) => {
    const k = matchKey(n);
    const i = oldRules.findIndex((o, i) => newOf[i]! < 0 && matchKey(o) === k);
    if (i >= 0) link(i, j);
  });
  newRules.forEach((n, j) => {
    if (oldOf[j]! >= 0) return;
    const k = targetKey(n);
    const i = oldRules.findIndex((o, i) => newOf[i]! < 0 && targetKey(o) === k && inOrder(i, j));
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
function orderForReport(pairs: readonly Pair[]): Pair[] {
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

// ---------------------------------------------------------------------------------------------
// Comparing paired rules.

function ruleSide(r: Rule, index: number): RuleSide {
  const base = { rule: index + 1, match: r.match ?? null };
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
function optionsOf(s: RuleSide): { agent_key: string; weight: number }[] {
  return s.options ?? [{ agent_key: s.agent_key!, weight: 1 }];
}

function weightOf(s: RuleSide, agent: string): number {
  return optionsOf(s).find((o) => o.agent_key === agent)?.weight ?? 0;
}

function compareRules(
  a: RuleSide,
  b: RuleSide,
  moved: boolean,
): { changes: RuleChangeKind[]; details: string[] } {
  const changes: RuleChangeKind[] = [];
  const details: string[] = [];
  if (moved) {
    changes.push("moved");
    details.push(`order: was rule #${a.rule}, now rule #${b.rule}, in another place relative to other rules`);
  }
  const ma = a.match === null ? "" : normalizeExpression(a.match);
  const mb = b.match === null ? "" : normalizeExpression(b.match);
  if (ma !== mb) {
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
  if (normalizeExpression(a.partition_by!) !== normalizeExpression(b.partition_by!)) {
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
function ratioRose(a: RuleSide, b: RuleSide, from: string, to: string): boolean {
  return weightOf(b, to) * weightOf(a, from) > weightOf(a, to) * weightOf(b, from);
}

// ---------------------------------------------------------------------------------------------
// Counting moves over synthetic keys.

interface Side {
  /** Agents in option order (a single target: one agent). */
  agents: readonly string[];
  /** The target's options; null for a single target (always agent 0). */
  options: readonly { agent_key: string; weight: number }[] | null;
  salt: string;
}

function compileSide(s: RuleSide, salt: string): Side {
  const options = optionsOf(s);
  return { agents: options.map((o) => o.agent_key), options: s.target === "weighted" ? options : null, salt };
}

/** Counts by (old option, new option): `counts[i * newAgents + j]`; a missing side has one row/column. */
interface Counts {
  oldAgents: readonly string[];
  newAgents: readonly string[];
  cells: Float64Array;
}

/**
 * Splits `keys` synthetic partition keys (`syntheticKey(0..keys-1)`) by both sides and counts
 * them by (old agent, new agent). Per key: two picks, allocating nothing (see
 * `compileSyntheticSplit`). With `repartitioned` the new side hashes the partition of another
 * synthetic user (`syntheticKey(keys + k)`), modelling a session whose partition value
 * changed: its new agent is independent of its old one.
 */
function sweep(a: Side | null, b: Side | null, keys: number, repartitioned: boolean): Counts {
  const oldAgents = a?.agents ?? [""];
  const newAgents = b?.agents ?? [""];
  const width = newAgents.length;
  const cells = new Float64Array(oldAgents.length * width);
  const oa = a?.options ?? null;
  const ob = b?.options ?? null;
  if (oa === null && ob === null) {
    cells[0] = keys;
    return { oldAgents, newAgents, cells };
  }
  if (!SYNTHETIC_FAST) {
    // syntheticKey no longer has the prefix + decimal shape: hash the key strings.
    const sa = oa === null ? null : compileSplit(a!.salt, oa);
    const sb = ob === null ? null : compileSplit(b!.salt, ob);
    const offset = repartitioned ? keys : 0;
    for (let k = 0; k < keys; k++) {
      const i = sa === null ? 0 : sa.pick(syntheticKey(k));
      const j = sb === null ? 0 : sb.pick(syntheticKey(offset + k));
      cells[i * width + j]!++;
    }
    return { oldAgents, newAgents, cells };
  }
  // One hash and one logarithm per distinct (salt, agent) per key: when both sides hash the
  // same partition, an agent present on both sides is hashed once and only the weights differ.
  const ha = new SyntheticHasher();
  const hb = repartitioned ? new SyntheticHasher() : ha;
  const pa = oa === null ? null : ha.add(a!.salt, oa);
  const pb = ob === null ? null : hb.add(b!.salt, ob);
  const da = new Digits(0);
  const db = repartitioned ? new Digits(keys) : da;
  for (let k = 0; k < keys; k++) {
    ha.hash(da.bytes, da.length);
    if (hb !== ha) hb.hash(db.bytes, db.length);
    const i = pa === null ? 0 : ha.pick(pa);
    const j = pb === null ? 0 : hb.pick(pb);
    cells[i * width + j]!++;
    da.next();
    if (db !== da) db.next();
  }
  return { oldAgents, newAgents, cells };
}

/** `syntheticKey(i)` is this prefix followed by `i` in decimal; checked below, else the slow path. */
const SYNTHETIC_PREFIX = syntheticKey(0).slice(0, -1);
const SYNTHETIC_FAST = [0, 9, 10, 99_999, 9_876_543].every(
  (i) => syntheticKey(i) === `${SYNTHETIC_PREFIX}${i}`,
);

/**
 * A non-negative integer as ASCII decimal digits in a byte buffer, incremented in place so
 * the sweep writes no strings. Exported for tests.
 */
export class Digits {
  readonly bytes = new Uint8Array(24);
  length = 0;
  constructor(start: number) {
    const s = String(start);
    for (let i = 0; i < s.length; i++) this.bytes[i] = s.charCodeAt(i);
    this.length = s.length;
  }
  next(): void {
    const b = this.bytes;
    let i = this.length - 1;
    while (i >= 0 && b[i] === 57) b[i--] = 48;
    if (i >= 0) {
      b[i]!++;
      return;
    }
    b.copyWithin(1, 0, this.length);
    b[0] = 49;
    this.length++;
  }
}

/** The live options of one target, as indexes into a SyntheticHasher's entries. */
interface HashedOptions {
  /** Entry of each live option (weight > 0), in option order. */
  entries: Int32Array;
  weights: Float64Array;
  /** Index of each live option in the target's options. */
  indexes: Int32Array;
}

/**
 * Hashes synthetic keys for a set of (salt, agent) entries: each entry keeps the murmur3 state
 * after `salt + "\n" + agent + "\n" + SYNTHETIC_PREFIX`, so a key costs only its digits.
 * `hash` fills `-ln(u)` per entry; `pick` then applies ROUTING.md §6 (highest weight / -ln(u),
 * the earlier option on a tie, weight 0 never wins) exactly as split.ts does.
 */
class SyntheticHasher {
  private readonly ids = new Map<string, number>();
  private prefix = new Int32Array(0);
  private logs = new Float64Array(0);

  add(salt: string, options: readonly { agent_key: string; weight: number }[]): HashedOptions {
    const live = options.map((o, index) => ({ o, index })).filter(({ o }) => o.weight > 0);
    const entries = new Int32Array(live.length);
    live.forEach(({ o }, i) => {
      const id = `${salt}\n${o.agent_key}\n`;
      let e = this.ids.get(id);
      if (e === undefined) {
        e = this.ids.size;
        this.ids.set(id, e);
        const st = initialState(0);
        feedUtf8(st, id + SYNTHETIC_PREFIX);
        const prefix = new Int32Array((e + 1) * 4);
        prefix.set(this.prefix);
        prefix.set([st.h, st.k, st.n, st.len], e * 4);
        this.prefix = prefix;
        this.logs = new Float64Array(e + 1);
      }
      entries[i] = e;
    });
    return {
      entries,
      weights: Float64Array.from(live, ({ o }) => o.weight),
      indexes: Int32Array.from(live, ({ index }) => index),
    };
  }

  /** Hashes the synthetic key whose decimal digits are `digits[0..length)` for every entry. */
  hash(digits: Uint8Array, length: number): void {
    const p = this.prefix;
    const logs = this.logs;
    for (let e = 0; e < logs.length; e++) {
      const o = e * 4;
      const h = resumeHash(p[o]!, p[o + 1]!, p[o + 2]!, p[o + 3]!, digits, length);
      logs[e] = -Math.log((h + 0.5) / 4294967296);
    }
  }

  /** The chosen option (index into the target's options) for the last hashed key, or -1. */
  pick(t: HashedOptions): number {
    const logs = this.logs;
    let best = -1;
    let bestScore = -1;
    for (let i = 0; i < t.entries.length; i++) {
      const score = t.weights[i]! / logs[t.entries[i]!]!;
      if (score > bestScore) {
        bestScore = score;
        best = t.indexes[i]!;
      }
    }
    return best;
  }
}

/**
 * `compileSplit(salt, options).pick(syntheticKey(n))` for `n` given as decimal digits, by the
 * sweep's hashing. Exported so a test can check it against split.ts.
 */
export function compileSyntheticSplit(
  salt: string,
  options: readonly { agent_key: string; weight: number }[],
): { pick(digits: Uint8Array, length: number): number } {
  const hasher = new SyntheticHasher();
  const t = hasher.add(salt, options);
  return {
    pick(digits, length) {
      hasher.hash(digits, length);
      return hasher.pick(t);
    },
  };
}

function shares(side: RuleSide | null, counts: Counts, keys: number, byOld: boolean): AgentShare[] | null {
  if (side === null) return null;
  const options = optionsOf(side);
  const total = options.reduce((s, o) => s + o.weight, 0);
  const width = counts.newAgents.length;
  const rows = counts.oldAgents.length;
  return options.map((o, x) => {
    let n = 0;
    if (byOld) for (let j = 0; j < width; j++) n += counts.cells[x * width + j]!;
    else for (let i = 0; i < rows; i++) n += counts.cells[i * width + x]!;
    return {
      agent_key: o.agent_key,
      weight: o.weight,
      requested: round(o.weight / total),
      realised: n / keys,
    };
  });
}

function splitDiff(a: RuleSide | null, b: RuleSide | null, counts: Counts, keys: number): SplitDiff {
  let moved: number | null = null;
  if (a !== null && b !== null) {
    let n = 0;
    counts.oldAgents.forEach((from, i) => {
      counts.newAgents.forEach((to, j) => {
        if (from !== to) n += counts.cells[i * counts.newAgents.length + j]!;
      });
    });
    moved = n / keys;
  }
  return {
    rule: b?.rule ?? null,
    old_rule: a?.rule ?? null,
    keys,
    before: shares(a, counts, keys, true),
    after: shares(b, counts, keys, false),
    moved,
  };
}

/** The (from, to) cells with from != to and a count, largest first (ties: old option order, then new). */
function movesOf(counts: Counts, keys: number, a: RuleSide, b: RuleSide): Transition[] {
  const out: Transition[] = [];
  counts.oldAgents.forEach((from, i) => {
    counts.newAgents.forEach((to, j) => {
      const n = counts.cells[i * counts.newAgents.length + j]!;
      if (from !== to && n > 0)
        out.push({ rule: b.rule, old_rule: a.rule, from, to, share: n / keys, keys: n });
    });
  });
  return out.sort((x, y) => y.keys - x.keys);
}

// ---------------------------------------------------------------------------------------------
// Samples and expressions.

function route(compiled: CompiledPolicy, doc: AliasDocument, sample: Sample): Resolution | { error: string } {
  try {
    return compiled.resolve(sampleContext(doc, sample));
  } catch (e) {
    if (e instanceof RoutingError) return { error: e.message };
    throw e;
  }
}

/**
 * An expression's structure without its spelling: whitespace, parentheses, `and`/`&&`,
 * `or`/`||` and quoting do not matter. Text that does not parse is compared as written.
 */
export function normalizeExpression(source: string): string {
  try {
    return print(parse(source));
  } catch {
    return source.trim();
  }
}

function print(n: Node): string {
  switch (n.kind) {
    case "literal":
      return JSON.stringify(n.value);
    case "unary":
      return `${n.op}(${print(n.operand)})`;
    case "binary":
      return `(${print(n.left)} ${n.op} ${print(n.right)})`;
    case "and":
      return `(${print(n.left)} && ${print(n.right)})`;
    case "or":
      return `(${print(n.left)} || ${print(n.right)})`;
    case "if":
      return `if(${print(n.cond)}, ${print(n.then)}, ${print(n.otherwise)})`;
    case "call":
      return `${n.name}(${n.args.map(print).join(", ")})`;
  }
}

/** A match that reads nothing from the session or the clock and is false or null. */
function isConstantlyFalse(source: string): boolean {
  let tree: Node;
  try {
    tree = parse(source);
  } catch {
    return false;
  }
  if (readsInput(tree)) return false;
  try {
    const v = compileExpression(source)({});
    return v === false || v === null;
  } catch {
    return false;
  }
}

function readsInput(n: Node): boolean {
  switch (n.kind) {
    case "literal":
      return false;
    case "unary":
      return readsInput(n.operand);
    case "binary":
    case "and":
    case "or":
      return readsInput(n.left) || readsInput(n.right);
    case "if":
      return readsInput(n.cond) || readsInput(n.then) || readsInput(n.otherwise);
    case "call":
      return n.name === "get" || n.name === "now" || n.args.some(readsInput);
  }
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
const percent = (share: number) => `${(share * 100).toFixed(2)}%`;
