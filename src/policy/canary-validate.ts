/**
 * Validation of a canary: the YAML schema of a document's `canary:` block (zod, snake_case like
 * the policy) and the checks both doors share (stage names and weights, `current`, `from` and
 * `to`, and the check fields of canary-fields.ts), with paths named as each door writes them.
 */
import { z } from "zod";
import { type Add, type CanaryNaming, CHECK_FIELDS, fieldIssues, zodShape } from "./canary-fields.js";
import { type CanaryIssue, type CanarySpec, DEFAULT_STAGES, formatted } from "./canary-stages.js";
import type { ValidationIssue } from "./issues.js";
import { formatPath } from "./issues.js";
import { CANARY_LIMITS } from "./limits.js";

const weightSchema = z
  .number()
  .int({ error: "must be an integer >= 0" })
  .min(0, { error: "must be an integer >= 0" });

const stageSchema = z.strictObject({
  name: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }),
  weights: z.tuple([weightSchema, weightSchema], { error: "must be [from weight, to weight]" }),
  ...zodShape(CHECK_FIELDS),
});

/** The `canary:` block of a YAML/JSON alias document (snake_case like the policy). */
export const canaryBlockSchema = z.strictObject({
  from: z.string({ error: "is required" }),
  to: z.string({ error: "is required" }),
  partition_by: z.string({ error: "is required" }),
  current: z.string({ error: "is required" }),
  stages: z.array(stageSchema).min(1, { error: "at least one stage is required" }).optional(),
  match: z.string().optional(),
  others: z.string().optional(),
  before: z.array(z.unknown()).optional(),
  ...zodShape(CHECK_FIELDS),
});

/**
 * Problems of a canary spec, as `{path, message}` (paths relative to `prefix`, field names as
 * `naming` writes them: `canary.stages[1].gates.errorRate.max` by default).
 */
export function validateCanary(
  spec: CanarySpec,
  prefix = "canary",
  naming: CanaryNaming = "ts",
): ValidationIssue[] {
  return formatted(canaryIssues(spec, prefix, naming));
}

/** validateCanary with the paths as parts. */
export function canaryIssues(spec: CanarySpec, prefix: string, naming: CanaryNaming): CanaryIssue[] {
  const issues: CanaryIssue[] = [];
  const add: Add = (parts, detail) =>
    issues.push({ parts: [prefix, ...parts], message: `${formatPath([prefix, ...parts])}: ${detail}` });
  const stages = spec.stages ?? DEFAULT_STAGES;
  const seen = new Map<string, number>();
  stages.forEach((s, i) => {
    const first = seen.get(s.name);
    if (typeof s.name === "string" && s.name.length > CANARY_LIMITS.maxStageName)
      add(
        ["stages", i, "name"],
        `a stage name is at most ${CANARY_LIMITS.maxStageName} characters, got ${s.name.length}`,
      );
    if (first !== undefined) {
      add(["stages", i, "name"], `duplicate stage name '${s.name}' (first at stages[${first}])`);
    } else seen.set(s.name, i);
    s.weights.forEach((w, j) => {
      if (!Number.isInteger(w) || w < 0) {
        add(["stages", i, "weights", j], `weight must be an integer >= 0, got ${w}`);
      }
    });
    if (s.weights[0] === 0 && s.weights[1] === 0) {
      add(["stages", i, "weights"], `stage '${s.name}' has both weights 0`);
    }
    fieldIssues(CHECK_FIELDS, s as unknown as Record<string, unknown>, ["stages", i], naming, add);
  });
  if (!seen.has(spec.current)) {
    add(["current"], `unknown stage '${spec.current}'; the stages are ${[...seen.keys()].join(", ")}`);
  }
  if (spec.from === spec.to) add(["to"], `must differ from 'from' (${spec.from})`);
  fieldIssues(CHECK_FIELDS, spec as unknown as Record<string, unknown>, [], naming, add);
  return issues;
}
