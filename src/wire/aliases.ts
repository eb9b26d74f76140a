/**
 * Aliases (API.md "Aliases", ROUTING.md §1). The create body is the alias document of a
 * policy file with `key` and `name` required; the policy inside is `policySchema` of the
 * resolver, so the API and the offline tools accept exactly the same documents.
 */
import { z } from "zod";
import { aliasDocumentSchema, answeredPolicySchema, policySchema } from "../policy/index.js";
import { aliasAnswerShape, type FieldsUpdatedBy, fieldsUpdatedBy } from "./alias-fields.js";
import { keySchema, listAnswerSchema, listQuerySchema, nameSchema } from "./common.js";

export { answeredPolicySchema, policySchema };

/**
 * An alias as the API answers it, with its policy (API.md **rev.**). `key`, `name`, `policy`,
 * `enabled` and `created_at` are always there; `description` and `metadata` may be `null` or
 * absent and read as `""` and `{}`; `updated_at` may be `null` or absent and reads as absent.
 * Fields the API adds, at any depth, are dropped. The emulator sends the full form. The
 * shape comes from the field table (alias-fields.ts).
 */
export const aliasSchema = z.object(aliasAnswerShape());

/**
 * `POST /v2/agent_aliases`: the alias document of ROUTING.md §1 with `key` and `name`
 * required; `enabled` defaults to true, `metadata` to `{}`.
 */
export const createAliasBodySchema = aliasDocumentSchema.extend({ key: keySchema, name: nameSchema });

/**
 * `PATCH /v2/agent_aliases/{alias_key}`: the fields the table updates by PATCH
 * (`fieldsUpdatedBy("patch")`), each optional, with the document's own schema for it; the
 * policy changes only through `PUT …/policy`.
 */
export const patchAliasBodySchema = z.strictObject(
  Object.fromEntries(
    fieldsUpdatedBy("patch").map((name) => [name, aliasDocumentSchema.shape[name].optional()]),
  ) as { [K in FieldsUpdatedBy<"patch">]: z.ZodOptional<(typeof aliasDocumentSchema.shape)[K]> },
);

/** `PUT /v2/agent_aliases/{alias_key}/policy`: replaces the policy whole and atomically. */
export const replacePolicyBodySchema = z.strictObject({ policy: policySchema });

/** `GET /v2/agent_aliases` (API.md **rev.**: the list key is `aliases`). */
export const aliasListSchema = listAnswerSchema("aliases", aliasSchema);

/**
 * Query of `GET /v2/agent_aliases`: the list query plus `enabled` (`true`/`false`),
 * `aliased_agent_key` (aliases whose policy names that agent) and `filter` (a regular
 * expression over name and description).
 */
export const aliasListQuerySchema = listQuerySchema.extend({
  enabled: z.enum(["true", "false"], { error: "must be 'true' or 'false'" }).optional(),
  aliased_agent_key: keySchema.optional(),
  filter: z.string().optional(),
});

/**
 * The filters of an alias list (API.md "Lists"), for the doors that offer them (a test holds
 * this table to the query schema above): `kind` as in the field table.
 */
export const ALIAS_LIST_FILTERS = {
  enabled: { kind: "boolean", doc: "Only enabled (true) or only disabled (false) aliases." },
  aliased_agent_key: { kind: "key", doc: "Only aliases whose policy names this agent." },
  filter: { kind: "string", doc: "A regular expression over the alias's name and description." },
} as const satisfies Record<string, { kind: "boolean" | "key" | "string"; doc: string }>;

export type Alias = z.infer<typeof aliasSchema>;
export type CreateAliasBody = z.input<typeof createAliasBodySchema>;
export type PatchAliasBody = z.input<typeof patchAliasBodySchema>;
export type ReplacePolicyBody = z.input<typeof replacePolicyBodySchema>;
export type AliasList = z.infer<typeof aliasListSchema>;
export type AliasListQuery = z.input<typeof aliasListQuerySchema>;
