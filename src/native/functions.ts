/**
 * The plugin's functions (Invoke) by token: `canaryPolicy`, the TypeScript `canaryPolicy`
 * (src/policy/canary.ts) for every language, so a stage table and a stage name from stack
 * config become the same policy whichever door they come through. Validation returns
 * failures by property name (the schema's names); nothing here calls the API. Rules in
 * `before` and the policy out are in the schema's names (names.ts), turned to the API's and
 * back.
 */
import {
  type CanarySpec,
  type CanaryStage,
  canaryArguments,
  canaryPolicy,
  isRecord,
  type Rule,
  validateCanary,
} from "../policy/index.js";
import type { CheckFailure } from "../provider/check.js";
import { renameProps, renameValue } from "./names.js";
import { CANARY_POLICY_TOKEN } from "./schema.js";
import type { Props } from "./struct.js";

export interface NativeFunction {
  /** The outputs, or the failures that stop them (then `outputs` is empty). */
  invoke(args: Props): { outputs: Props; failures: CheckFailure[] };
}

/** The type of `before` (a list of rules), from the canary arguments' table. */
const BEFORE = canaryArguments().find(([name]) => name === "before")![1].type;
const OUTPUTS = { policy: { kind: "ref", name: "Policy" } } as const;

/** The spec the arguments describe, or what is wrong with their shape. */
function canarySpecOf(args: Props): { spec: CanarySpec; failures: CheckFailure[] } {
  const failures: CheckFailure[] = [];
  const str = (name: string, required: boolean): string | undefined => {
    const v = args[name];
    if (v === undefined || v === null) {
      if (required) failures.push({ property: name, reason: `${name} is required` });
      return undefined;
    }
    if (typeof v !== "string") {
      failures.push({ property: name, reason: `${name} must be a string` });
      return undefined;
    }
    return v;
  };
  const spec: Record<string, unknown> = {
    from: str("from", true),
    to: str("to", true),
    partitionBy: str("partitionBy", true),
    current: str("current", true),
    match: str("match", false),
    others: str("others", false),
  };
  const stages = args.stages;
  if (stages !== undefined && stages !== null) {
    if (!Array.isArray(stages) || stages.length === 0)
      failures.push({ property: "stages", reason: "stages must be a list of at least one {name, weights}" });
    else {
      stages.forEach((s, i) => {
        const at = `stages[${i}]`;
        if (!isRecord(s) || typeof s.name !== "string" || s.name === "")
          failures.push({ property: `${at}.name`, reason: `${at}.name must be a non-empty string` });
        else if (
          !Array.isArray(s.weights) ||
          s.weights.length !== 2 ||
          !s.weights.every((w) => typeof w === "number")
        )
          failures.push({
            property: `${at}.weights`,
            reason: `${at}.weights must be [from weight, to weight]`,
          });
      });
      spec.stages = stages as CanaryStage[];
    }
  }
  const before = args.before;
  if (before !== undefined && before !== null) {
    if (!Array.isArray(before) || !before.every(isRecord))
      failures.push({ property: "before", reason: "before must be a list of rules" });
    else spec.before = renameValue(before, BEFORE, "api") as Rule[];
  }
  for (const [k, v] of Object.entries(spec)) if (v === undefined) delete spec[k];
  return { spec: spec as unknown as CanarySpec, failures };
}

const canary: NativeFunction = {
  invoke(args) {
    const { spec, failures } = canarySpecOf(args);
    if (failures.length > 0) return { outputs: {}, failures };
    // The canary's own rules (known stage, distinct agents, weights), paths from the top: `current`.
    const issues = validateCanary(spec, "");
    if (issues.length > 0)
      return { outputs: {}, failures: issues.map((i) => ({ property: i.path, reason: i.message })) };
    return { outputs: renameProps({ policy: canaryPolicy(spec) }, OUTPUTS, "pulumi"), failures: [] };
  },
};

/** The functions of the package, by token. */
export const FUNCTIONS: Readonly<Record<string, NativeFunction>> = {
  [CANARY_POLICY_TOKEN]: canary,
};
