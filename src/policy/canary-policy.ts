/**
 * A canary's routing policy at its current stage: `before` rules, then a weighted rule from
 * `from` to `to` at the stage's weights; with `match`, a catch-all to `others` follows. The
 * split is sticky (rendezvous hashing): each step moves users only from `from` to `to`.
 */
import { CanaryError, type CanarySpec, DEFAULT_STAGES } from "./canary-stages.js";
import { validateCanary } from "./canary-validate.js";
import type { Policy, Rule } from "./schema.js";

/** The weighted rule of the current stage. Throws CanaryError for an invalid spec. */
export function canaryRule(spec: CanarySpec): Rule {
  const issues = validateCanary(spec);
  if (issues.length > 0) throw new CanaryError(issues);
  const stage = (spec.stages ?? DEFAULT_STAGES).find((s) => s.name === spec.current)!;
  const [fromWeight, toWeight] = stage.weights;
  return {
    ...(spec.match !== undefined ? { match: spec.match } : {}),
    targets: {
      type: "weighted",
      partition_by: spec.partitionBy,
      options: [
        { agent_key: spec.from, weight: fromWeight },
        { agent_key: spec.to, weight: toWeight },
      ],
    },
  };
}

/**
 * The whole policy: `before` rules, then the canary rule; with `match`, a catch-all to
 * `others` (default `from`) follows. Throws CanaryError for an invalid spec. The check fields
 * (`hold`, `gates`, …) do not enter the policy.
 */
export function canaryPolicy(spec: CanarySpec): Policy {
  const rules: Rule[] = [...(spec.before ?? []), canaryRule(spec)];
  if (spec.match !== undefined)
    rules.push({ targets: { type: "single", agent_key: spec.others ?? spec.from } });
  return { type: "routed", rules };
}
