/**
 * A document's `canary:` block (a policy file's, or the emulator's seed's): checked with YAML
 * paths, then expanded into `policy:` or planned for the rollout command.
 */
import { CHECK_FIELDS, fromYaml } from "./canary-fields.js";
import { type CanaryPlan, planOf } from "./canary-plan.js";
import { canaryPolicy } from "./canary-policy.js";
import { type CanaryIssue, type CanarySpec, formatted } from "./canary-stages.js";
import { canaryBlockSchema, canaryIssues } from "./canary-validate.js";
import type { ValidationIssue } from "./issues.js";
import { describeZodIssues, formatPath } from "./issues.js";
import type { Rule } from "./schema.js";

type ParsedBlock =
  | { readonly spec: CanarySpec; readonly rest: Record<string, unknown>; readonly issues: readonly [] }
  | { readonly spec?: undefined; readonly issues: CanaryIssue[] };

/** The spec of a document's `canary:` block (checked), or its issues with YAML paths. */
function parseBlock(doc: object & { canary: unknown }): ParsedBlock {
  const { canary, ...rest } = doc as { canary: unknown; policy?: unknown };
  if (rest.policy !== undefined) {
    return { issues: [{ parts: ["canary"], message: "canary: give either `canary` or `policy`, not both" }] };
  }
  const parsed = canaryBlockSchema.safeParse(canary);
  if (!parsed.success) {
    return {
      issues: describeZodIssues(parsed.error, canary, ["canary"], canaryBlockSchema).map(
        ({ parts, detail }) => ({
          parts,
          message: `${formatPath(parts)}: ${detail}`,
        }),
      ),
    };
  }
  const c = parsed.data;
  const spec = {
    ...fromYaml(CHECK_FIELDS, c),
    from: c.from,
    to: c.to,
    partitionBy: c.partition_by,
    current: c.current,
    stages: c.stages?.map((s) => ({ ...fromYaml(CHECK_FIELDS, s), name: s.name, weights: s.weights })),
    match: c.match,
    others: c.others,
    before: c.before as Rule[] | undefined,
  } as CanarySpec;
  const issues = canaryIssues(spec, "canary", "yaml");
  return issues.length > 0 ? { issues } : { spec, rest, issues: [] };
}

/**
 * Expands a document's `canary:` block into `policy:`. Returns the document unchanged when
 * it has no `canary`, the expanded document, or the issues (paths like `canary.current`).
 */
export function expandCanaryDocument(doc: unknown): { doc: unknown; issues: ValidationIssue[] } {
  const expanded = expandCanary(doc);
  return { doc: expanded.doc, issues: formatted(expanded.issues) };
}

/** expandCanaryDocument, with the issues' paths as parts (checkPolicyFile). */
export function expandCanary(doc: unknown): { doc: unknown; issues: CanaryIssue[] } {
  if (typeof doc !== "object" || doc === null || !("canary" in doc)) return { doc, issues: [] };
  const block = parseBlock(doc);
  if (block.spec === undefined) return { doc, issues: block.issues };
  return { doc: { ...block.rest, policy: canaryPolicy(block.spec) }, issues: [] };
}

/**
 * The plan of a document's `canary:` block (as a policy file holds it), or its issues with
 * YAML paths (`canary.stages[1].gates.error_rate.max`). A document without `canary` is an issue.
 */
export function canaryPlanOfDocument(
  doc: unknown,
): { ok: true; plan: CanaryPlan } | { ok: false; issues: ValidationIssue[] } {
  if (typeof doc !== "object" || doc === null || !("canary" in doc)) {
    return { ok: false, issues: [{ path: "canary", message: "canary: is required" }] };
  }
  const block = parseBlock(doc);
  if (block.spec === undefined) return { ok: false, issues: formatted(block.issues) };
  return { ok: true, plan: planOf(block.spec) };
}
