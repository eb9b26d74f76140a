/**
 * The arguments of `canaryPolicy` (canary.ts), declared once for the doors that offer it as
 * a function: the Pulumi schema's `canaryPolicy` inputs (by the TypeScript names) and the
 * Terraform function `canary_policy`, which takes a policy file's `canary:` block (by its
 * `yaml` names). A test holds the table to `CanarySpec` and to the block's schema.
 */
import type { DocType } from "./document-types.js";

export interface CanaryArgument {
  /** The name in a policy file's `canary:` block (snake_case, like the policy). */
  readonly yaml: string;
  readonly type: DocType;
  readonly required: boolean;
  readonly doc: string;
}

const str = { kind: "string" } as const;

export const CANARY_ARGUMENTS = {
  from: {
    yaml: "from",
    type: str,
    required: true,
    doc: "The agent traffic moves away from (the stable one).",
  },
  to: { yaml: "to", type: str, required: true, doc: "The agent traffic moves to (the new version)." },
  partitionBy: {
    yaml: "partition_by",
    type: str,
    required: true,
    doc: "The UserFn expression users are hashed on, e.g. get('$.session.metadata.user_id', '').",
  },
  current: {
    yaml: "current",
    type: str,
    required: true,
    doc: "The name of the stage in force (e.g. from stack config).",
  },
  stages: {
    yaml: "stages",
    type: { kind: "list", of: { kind: "ref", name: "CanaryStage" } },
    required: false,
    doc: "The stage table (default: baseline, canary-5, canary-20, canary-50, complete).",
  },
  match: {
    yaml: "match",
    type: str,
    required: false,
    doc: "Canary only the sessions this UserFn expression matches.",
  },
  others: {
    yaml: "others",
    type: str,
    required: false,
    doc: "Where the sessions `match` leaves out go (default: `from`).",
  },
  before: {
    yaml: "before",
    type: { kind: "list", of: { kind: "ref", name: "Rule" } },
    required: false,
    doc: "Rules placed before the canary rule.",
  },
} as const satisfies Record<string, CanaryArgument>;

/** What `canaryPolicy` gives, in one paragraph (every door's documentation of it). */
export const CANARY_POLICY_DOC =
  "The policy of a canary rollout at its current stage: `before` rules, then a weighted rule from `from` to `to` at the stage's weights (sticky: each step moves users only from `from` to `to`); with `match`, only matching sessions are in the canary and the others go to `others`. The default stages are baseline (100/0: where an aborted rollout reverts to), canary-5 (95/5), canary-20, canary-50 and complete (0/100).";

/** The arguments as `[name, spec]`, in order. */
export const canaryArguments = (): [keyof typeof CANARY_ARGUMENTS, CanaryArgument][] =>
  Object.entries(CANARY_ARGUMENTS) as [keyof typeof CANARY_ARGUMENTS, CanaryArgument][];
