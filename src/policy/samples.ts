/**
 * Sample contexts with optional expected agents: `[{name?, context, expect?}]`. The same
 * shape serves `agent-alias preview --samples`, `diff --samples` and the resources' `samples`.
 */
import { z } from "zod";
import { fillAgent, type RoutingContext } from "./context.js";
import { describeZodIssues } from "./issues.js";
import type { AliasDocument } from "./schema.js";
import { formatPath, type ValidationIssue } from "./validate.js";

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
