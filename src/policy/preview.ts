/**
 * Preview: what a policy does to traffic before it is deployed. Resolves sample contexts
 * (checking expected agents), counts matches per rule, and measures each weighted rule's
 * realised split over synthetic partition keys against the requested weights.
 */
import { asChecked, type PolicyInput } from "./check.js";
import { compileSide, shares, sweep } from "./key-sweep.js";
import { SIMULATION_KEYS } from "./limits.js";
import type { Resolution } from "./resolution.js";
import { ruleSide } from "./rule-pairs.js";
import { missDetail, routeSamples, type Sample } from "./samples.js";

export interface PreviewOptions {
  /** Synthetic partition keys per weighted rule (default 100,000). */
  syntheticKeys?: number;
  /** Allowed gap between realised and requested share, in percentage points (default 0.5). */
  tolerancePoints?: number;
}

export interface SampleOutcome {
  name: string;
  /** The resolution, or the exact routing error message. */
  result: Resolution | { error: string };
  expect?: string;
  /** False when `expect` was given and differs, or when routing failed. */
  ok: boolean;
}

/** One agent's part of a weighted rule's traffic; shares are fractions in [0, 1], as in the diff. */
export interface SplitShare {
  agent_key: string;
  weight: number;
  /** weight / sum of weights. */
  requested: number;
  /** Share of the synthetic keys that went to this agent. */
  realised: number;
}

export interface RuleReport {
  rule: number;
  match: string | null;
  target: "single" | "weighted";
  agent_key?: string;
  partition_by?: string;
  /** How many samples this rule resolved. */
  samples: number;
  /** `tolerance` is in percentage points (0.5: realised within ±0.005 of requested). */
  split?: { keys: number; tolerance: number; within_tolerance: boolean; shares: SplitShare[] };
}

/**
 * The version of the report's JSON form (`preview --json`). 2: shares are fractions in [0, 1]
 * like the diff's (version 1, which had no `report_version`, gave them in percent).
 */
export const PREVIEW_REPORT_VERSION = 2;

export interface PreviewReport {
  report_version: typeof PREVIEW_REPORT_VERSION;
  alias: string | null;
  ok: boolean;
  rules: RuleReport[];
  samples: SampleOutcome[];
  failures: string[];
}

/** Previews a policy: a CheckedPolicy, or a document checked here (PolicyValidationError). */
export function previewPolicy(
  input: PolicyInput,
  samples: readonly Sample[],
  options: PreviewOptions = {},
): PreviewReport {
  const keys = options.syntheticKeys ?? SIMULATION_KEYS.default;
  const tolerance = options.tolerancePoints ?? 0.5;
  const policy = asChecked(input);
  const aliasKey = policy.document.key ?? null;
  const rules: RuleReport[] = policy.rules.map((r) => {
    const base = { rule: r.number, match: r.rule.match ?? null, samples: 0 };
    const t = r.rule.targets;
    if (t.type === "single") return { ...base, target: "single" as const, agent_key: t.agent_key };
    return { ...base, target: "weighted" as const, partition_by: t.partition_by! };
  });

  const failures: string[] = [];
  const outcomes = routeSamples(policy, samples).map((routed): SampleOutcome => {
    const { name, sample, resolution, error } = routed;
    if (resolution !== null) rules[resolution.rule - 1]!.samples++;
    else failures.push(`sample ${name}: ${error!.message}`);
    if (routed.missed) failures.push(`sample ${name}: ${missDetail(routed)}`);
    return {
      name,
      result: resolution ?? { error: error!.message },
      ...(sample.expect !== undefined ? { expect: sample.expect } : {}),
      ok: resolution !== null && !routed.missed,
    };
  });

  for (const r of policy.rules) {
    if (r.rule.targets.type !== "weighted" || aliasKey === null) continue;
    const side = ruleSide(r);
    const split = shares(side, sweep(compileSide(side, aliasKey), null, keys, false), keys, true)!;
    const within = split.every((s) => Math.abs(s.realised - s.requested) * 100 <= tolerance);
    if (!within)
      failures.push(`rule #${r.number}: realised split is off the weights by more than ${tolerance} points`);
    rules[r.number - 1]!.split = { keys, tolerance, within_tolerance: within, shares: split };
  }

  return {
    report_version: PREVIEW_REPORT_VERSION,
    alias: aliasKey,
    ok: failures.length === 0,
    rules,
    samples: outcomes,
    failures,
  };
}
