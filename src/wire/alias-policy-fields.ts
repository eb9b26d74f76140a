/**
 * The fields of an AliasPolicy (the policy of an alias managed elsewhere), declared once in
 * the shape of the alias field table (alias-fields.ts), whose `policy` and `samples` it
 * shares. The Pulumi schema shows its inputs; the Terraform schema shows every field, the
 * outputs too (Terraform keeps in state only what its schema names, and destroy needs
 * `previousPolicy`).
 */
import { ALIAS_FIELDS, type AliasFieldSpec } from "./alias-fields.js";

/** What an AliasPolicy is, in one sentence (every door's documentation of the resource). */
export const ALIAS_POLICY_DOC =
  "The policy of an alias managed elsewhere; create replaces it, delete puts back the policy it replaced.";

/** The names of the fields (typed once, so declarations do not spell out the shared fields' zod schemas). */
export type AliasPolicyFieldName = "aliasKey" | "policy" | "samples" | "previousPolicy" | "updatedAt";

export const ALIAS_POLICY_FIELDS: Readonly<Record<AliasPolicyFieldName, AliasFieldSpec>> = {
  aliasKey: {
    kind: "key",
    update: "replace",
    required: true,
    diff: true,
    doc: "The key of the alias (managed elsewhere) whose policy this resource owns. Changing it replaces the resource.",
  },
  policy: ALIAS_FIELDS.policy,
  samples: ALIAS_FIELDS.samples,
  previousPolicy: {
    kind: "policy",
    update: "output",
    required: false,
    diff: false,
    doc: "The policy the alias had before this resource took it over; destroying the resource puts it back.",
  },
  updatedAt: ALIAS_FIELDS.updatedAt,
};

/** Every field, as `[name, spec]` (typed as the common spec). */
export const aliasPolicyFields = (): [AliasPolicyFieldName, AliasFieldSpec][] =>
  Object.entries(ALIAS_POLICY_FIELDS) as [AliasPolicyFieldName, AliasFieldSpec][];
