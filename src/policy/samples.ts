/**
 * Sample contexts with optional expected agents: `[{name?, context, expect?}]`. The same
 * shape serves `agent-alias preview --samples`, `diff --samples` and the resources' `samples`,
 * and `routeSamples` routes them for all four (preview, diff, the provider's check, the
 * resources' log lines): one place that says "expected X, got Y".
 */
import { z } from "zod";
import type { CheckedPolicy } from "./check.js";
import { fillAgent, type RoutingContext } from "./context.js";
import { describeZodIssues, formatPath } from "./issues.js";
import { type Resolution, RoutingError } from "./resolve.js";
import type { AliasDocument } from "./schema.js";
import type { ValidationIssue } from "./validate.js";

export const sampleSchema = z.strictObject({
  name: z.string().optional(),
  context: z.record(z.string(), z.unknown()),
  expect: z.string().optional(),
});

export type Sample = z.infer<typeof sampleSchema>;

/** A file may hold a list of samples or `{samples: [...]}`. */
export const samplesFileSchema = z.union([
  z.array(sampleSchema),
  z.strictObject({ samples: z.array(sampleSchema) }),
]);

/** Validates samples; returns the list or `{path, message}` issues (paths like `samples[2].expect`). */
export function parseSamples(data: unknown): { samples: Sample[]; issues: ValidationIssue[] } {
  const list = Array.isArray(data) ? data : (data as { samples?: unknown } | null)?.samples;
  if (!Array.isArray(list)) {
    return {
      samples: [],
      issues: [{ path: "samples", message: "samples: must be a list of {name?, context, expect?}" }],
    };
  }
  const samples: Sample[] = [];
  const issues: ValidationIssue[] = [];
  list.forEach((item, i) => {
    const r = sampleSchema.safeParse(item);
    if (r.success) {
      samples.push(r.data);
      return;
    }
    for (const { parts, detail } of describeZodIssues(r.error, item, ["samples", i])) {
      const path = formatPath(parts);
      issues.push({ path, message: `${path}: ${detail}` });
    }
  });
  return { samples, issues };
}

/** The label of a sample in reports: its name, else `#N` (1-based). */
export function sampleLabel(sample: Sample, index: number): string {
  return sample.name ?? `#${index + 1}`;
}

/** The context a sample is resolved with: `agent` filled from the alias when missing. */
export function sampleContext(doc: AliasDocument, sample: Sample): RoutingContext {
  return fillAgent(doc, sample.context as RoutingContext);
}

/** The alias fields a sample's `agent` is filled from when the context has none. */
export type SampleAlias = Pick<AliasDocument, "key" | "name" | "description" | "metadata">;

/** Where one sample went under a policy. */
export interface RoutedSample {
  /** 0-based position in the samples. */
  readonly index: number;
  /** `sampleLabel`: its name, else `#N`. */
  readonly name: string;
  readonly sample: Sample;
  /** Null when it could not be routed (see `error`). */
  readonly resolution: Resolution | null;
  /** The routing error (the API's exact message), when it could not be routed. */
  readonly error?: RoutingError;
  /** `expect` was given and another agent was chosen. */
  readonly missed: boolean;
}

/**
 * Routes each sample with the checked policy's resolver, `agent` filled from `alias` (by
 * default the policy's own document). Routing errors are data; anything else is thrown.
 */
export function routeSamples(
  policy: CheckedPolicy,
  samples: readonly Sample[],
  alias: SampleAlias = policy.document,
): RoutedSample[] {
  return samples.map((sample, index) => {
    const name = sampleLabel(sample, index);
    try {
      const resolution = policy.resolver.resolve(fillAgent(alias, sample.context as RoutingContext));
      const missed = sample.expect !== undefined && resolution.agent_key !== sample.expect;
      return { index, name, sample, resolution, missed };
    } catch (e) {
      if (!(e instanceof RoutingError)) throw e;
      return { index, name, sample, resolution: null, error: e, missed: false };
    }
  });
}

/** `expected support-v1, got support-v2 (rule #3)`, for a sample that missed its `expect`. */
export function missDetail(r: RoutedSample): string {
  return `expected ${r.sample.expect}, got ${r.resolution?.agent_key} (rule #${r.resolution?.rule})`;
}

/**
 * One line saying where a sample went, as every door logs it: `sample 'eu' -> support-v2
 * (rule #1)`, with the hashed partition for a weighted target, the miss of an `expect`, or
 * the routing error.
 */
export function routeLine(r: RoutedSample): string {
  if (r.resolution === null) return `sample '${r.name}' -> error: ${r.error?.message}`;
  const { agent_key, rule, partition } = r.resolution;
  const split = partition !== undefined ? `, weighted on ${JSON.stringify(partition)}` : "";
  const miss = r.missed ? ` (expected ${r.sample.expect})` : "";
  return `sample '${r.name}' -> ${agent_key} (rule #${rule}${split})${miss}`;
}

/** A synthetic partition key; deterministic so reports are reproducible. */
export function syntheticKey(i: number): string {
  return `synthetic-user-${i}`;
}
