/**
 * The policy document (ROUTING.md §1) as zod schemas. The same shape is the API's JSON body
 * and the YAML/JSON policy files. Unknown fields are rejected so that a typo such as
 * `partiton_by` fails validation instead of being ignored.
 */
import { z } from "zod";
import { KEY_PATTERN, KEY_RULE, POLICY_LIMITS } from "./limits.js";

export { KEY_PATTERN, KEY_RULE, POLICY_LIMITS };

export const keySchema = z
  .string()
  .min(1, { error: `must be ${KEY_RULE}` })
  .max(POLICY_LIMITS.keyLength, { error: `must be ${KEY_RULE}` })
  .regex(KEY_PATTERN, { error: `must be ${KEY_RULE}` });

export const nameSchema = z
  .string()
  .min(1, { error: "must not be empty" })
  .max(POLICY_LIMITS.nameLength, { error: `must be at most ${POLICY_LIMITS.nameLength} characters` });

const singleTargetShape = { type: z.literal("single"), agent_key: keySchema };

const weightedOptionShape = {
  agent_key: keySchema,
  weight: z
    .number({ error: "weight must be an integer >= 0" })
    .int({ error: "weight must be an integer >= 0" })
    .min(0, { error: "weight must be an integer >= 0" }),
};

const targetError = (issue: { code: string; input?: unknown }) =>
  issue.code === "invalid_union"
    ? `unknown target type ${JSON.stringify((issue.input as { type?: unknown } | undefined)?.type ?? null)}; expected 'single' or 'weighted'`
    : undefined;

const policyTypeSchema = z.literal("routed", {
  error: (i) => `unknown policy type ${JSON.stringify(i.input)}; the only type is 'routed'`,
});

export const singleTargetSchema = z.strictObject(singleTargetShape);

export const weightedOptionSchema = z.strictObject(weightedOptionShape);

export const weightedTargetSchema = z.strictObject({
  type: z.literal("weighted"),
  // Optional here so validation can report the API's exact `partition_by is required.`
  partition_by: z.string().optional(),
  options: z
    .array(weightedOptionSchema)
    .min(1, { error: "at least one option is required" })
    .max(POLICY_LIMITS.maxOptions, { error: `at most ${POLICY_LIMITS.maxOptions} options` }),
});

export const targetSchema = z.discriminatedUnion("type", [singleTargetSchema, weightedTargetSchema], {
  error: targetError,
});

export const ruleSchema = z.strictObject({
  match: z.string().nullable().optional(),
  targets: targetSchema,
});

export const policySchema = z.strictObject({
  type: policyTypeSchema,
  rules: z
    .array(ruleSchema)
    .min(1, { error: "at least one rule is required" })
    .max(POLICY_LIMITS.maxRules, { error: `at most ${POLICY_LIMITS.maxRules} rules` }),
});

/**
 * The policy as the API answers it (API.md "Conventions", **rev.**): the same document, but
 * fields the API may add at any depth (in the policy, a rule, a target, an option) are
 * dropped instead of failing, and a rule's `match: null` reads as no `match`, so nothing
 * above the wire edge sees them: they are never written back and never show as a diff.
 */
export const answeredPolicySchema = z.object({
  type: policyTypeSchema,
  rules: z
    .array(
      z
        .object({
          match: z.string().nullable().optional(),
          targets: z.discriminatedUnion(
            "type",
            [
              z.object(singleTargetShape),
              z.object({
                type: z.literal("weighted"),
                partition_by: z.string().optional(),
                options: z.array(z.object(weightedOptionShape)).min(1),
              }),
            ],
            { error: targetError },
          ),
        })
        .transform(
          ({ match, targets }): z.infer<typeof ruleSchema> =>
            match === null || match === undefined ? { targets } : { match, targets },
        ),
    )
    .min(1),
});

/**
 * An alias document as held by a policy file. `key` and `name` may be left out of a file
 * that holds only `policy:`; the API requires them (see `createAliasSchema` in the wire types).
 */
export const aliasDocumentSchema = z.strictObject({
  key: keySchema.optional(),
  name: nameSchema.optional(),
  description: z.string().optional(),
  enabled: z.boolean().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  policy: policySchema,
});

export type SingleTarget = z.infer<typeof singleTargetSchema>;
export type WeightedTarget = z.infer<typeof weightedTargetSchema>;
export type Target = z.infer<typeof targetSchema>;
export type Rule = z.infer<typeof ruleSchema>;
export type Policy = z.infer<typeof policySchema>;
export type AliasDocument = z.infer<typeof aliasDocumentSchema>;
