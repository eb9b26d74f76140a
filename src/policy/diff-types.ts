/**
 * The report of diffPolicies (diff.ts, CLI.md `diff`), apart from the code that builds it so
 * that its parts (rule-pairs.ts, key-sweep.ts) can name it. Shares are fractions in [0, 1].
 */
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
