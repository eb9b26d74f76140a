/**
 * Preview: what a policy does to traffic before it is deployed. Resolves sample contexts
 * (checking expected agents), counts matches per rule, and measures each weighted rule's
 * realised split over synthetic partition keys against the requested weights.
 */
import { type CompiledPolicy, compilePolicy, type Resolution, RoutingError } from "./resolve.js";
import { type Sample, sampleContext, sampleLabel } from "./samples.js";
import type { AliasDocument } from "./schema.js";
import { compileSplit } from "./split.js";

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

export interface SplitShare {
  agent_key: string;
  weight: number;
  /** Requested share in percent (weight / sum of weights). */
  requested: number;
  /** Realised share in percent over the synthetic keys. */
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
  split?: { keys: number; tolerance: number; within_tolerance: boolean; shares: SplitShare[] };
}

export interface PreviewReport {
  alias: string | null;
  ok: boolean;
  rules: RuleReport[];
  samples: SampleOutcome[];
  failures: string[];
}

/** A synthetic partition key; deterministic so reports are reproducible. */
export function syntheticKey(i: number): string {
  return `synthetic-user-${i}`;
}

export function previewPolicy(
  doc: AliasDocument,
  samples: readonly Sample[],
  options: PreviewOptions = {},
): PreviewReport {
  const keys = options.syntheticKeys ?? 100_000;
  const tolerance = options.tolerancePoints ?? 0.5;
  const compiled: CompiledPolicy = compilePolicy(doc);
  const rules: RuleReport[] = doc.policy.rules.map((r, i) => {
    const base = { rule: i + 1, match: r.match ?? null, samples: 0 };
    const t = r.targets;
    if (t.type === "single") return { ...base, target: "single" as const, agent_key: t.agent_key };
    return { ...base, target: "weighted" as const, partition_by: t.partition_by! };
  });

  const failures: string[] = [];
  const outcomes = samples.map((sample, i): SampleOutcome => {
    const name = sampleLabel(sample, i);
    let result: Resolution | { error: string };
    try {
      result = compiled.resolve(sampleContext(doc, sample));
      rules[result.rule - 1]!.samples++;
    } catch (e) {
      if (!(e instanceof RoutingError)) throw e;
      result = { error: e.message };
    }
    let ok = !("error" in result);
    if (!ok) failures.push(`sample ${name}: ${(result as { error: string }).error}`);
    if (sample.expect !== undefined && "agent_key" in result && result.agent_key !== sample.expect) {
      ok = false;
      failures.push(
        `sample ${name}: expected ${sample.expect}, got ${result.agent_key} (rule #${result.rule})`,
      );
    }
    return { name, result, ...(sample.expect !== undefined ? { expect: sample.expect } : {}), ok };
  });

  const aliasKey = doc.key ?? null;
  doc.policy.rules.forEach((r, i) => {
    const t = r.targets;
    if (t.type !== "weighted" || aliasKey === null) return;
    const split = compileSplit(aliasKey, t.options);
    const counts = new Array<number>(t.options.length).fill(0);
    for (let k = 0; k < keys; k++) {
      const picked = split.pick(syntheticKey(k));
      counts[picked] = counts[picked]! + 1;
    }
    const total = t.options.reduce((s, o) => s + o.weight, 0);
    const shares = t.options.map((o, j) => ({
      agent_key: o.agent_key,
      weight: o.weight,
      requested: round((100 * o.weight) / total),
      realised: round((100 * counts[j]!) / keys),
    }));
    const within = shares.every((s) => Math.abs(s.realised - s.requested) <= tolerance);
    if (!within)
      failures.push(`rule #${i + 1}: realised split is off the weights by more than ${tolerance} points`);
    rules[i]!.split = { keys, tolerance, within_tolerance: within, shares };
  });

  return { alias: aliasKey, ok: failures.length === 0, rules, samples: outcomes, failures };
}

const round = (x: number) => Math.round(x * 1000) / 1000;
