/**
 * Sessions (API.md "Sessions"). A session created through an alias carries the agent the
 * policy resolved and the alias key; one created through an agent has `alias_key: null`.
 */
import { z } from "zod";
import {
  answered,
  keySchema,
  listAnswerSchema,
  listQuerySchema,
  metadataSchema,
  nameSchema,
  timestampSchema,
} from "./common.js";

/** Bounds of a session's secrets (API.md "Sessions", **rev.**). */
export const SESSION_SECRETS = Object.freeze({
  namePattern: /^[A-Za-z0-9_-]+$/,
  maxValueLength: 4096,
  /** How every secret value is answered: values are write-only. */
  mask: "****",
});

/**
 * A session as the API answers it (API.md **rev.**). `description`, `metadata`, `alias_key`
 * and `current_step_name` may be `null` or absent: they read as `""`, `{}`, `null` and
 * absent. `status` (`unstarted`, `running`, `stopped`, maybe more later) is kept as any
 * string; `tti_minutes` and the masked `secrets` may be absent. Fields the API adds are
 * dropped. The emulator sends the full form, `secrets` included (`{}` when none).
 */
export const sessionSchema = z.object({
  key: keySchema,
  name: z.string(),
  description: answered.text(),
  agent_key: keySchema,
  alias_key: answered.key(),
  metadata: answered.metadata(),
  enabled: z.boolean(),
  status: z.string().optional(),
  tti_minutes: z.number().optional(),
  current_step_name: z
    .string()
    .nullish()
    .transform((v) => v ?? undefined)
    .optional(),
  secrets: z
    .record(z.string(), z.string())
    .nullish()
    .transform((v) => v ?? undefined)
    .optional(),
  created_at: timestampSchema,
});

const secretName = z.string().regex(SESSION_SECRETS.namePattern, {
  error: "must be a secret name: letters, digits, '_' and '-'",
});
const secretValueRule = `must be 1 to ${SESSION_SECRETS.maxValueLength} characters`;
const secretValue = z
  .string()
  .min(1, { error: secretValueRule })
  .max(SESSION_SECRETS.maxValueLength, { error: secretValueRule });
/** The record's own issues: a bad name is reported at its path (`secrets.bad name`). */
const secretsError = (issue: { code?: string }): string | undefined =>
  issue.code === "invalid_key" ? "is not a valid secret name (letters, digits, '_' and '-')" : undefined;

/** Minutes of inactivity after which the session is deleted; 0 = never. */
const ttiMinutesSchema = z
  .number()
  .int({ error: "must be a whole number of minutes (0: never expires)" })
  .min(0, { error: "must be 0 or more (0: never expires)" });

/**
 * `POST /v2/agent_aliases/{alias_key}/sessions` and `POST /v2/agents/{agent_key}/sessions`.
 * A missing key is generated before routing as `ase_` + slugged name + `_` + 4 hex; a missing
 * name defaults to the key *(ours)*. `enabled` defaults to true and `tti_minutes` to 0; the
 * server applies the defaults, not the schema, so a parsed body holds only what was sent.
 */
export const createSessionBodySchema = z.strictObject({
  key: keySchema.optional(),
  name: nameSchema.optional(),
  description: z.string().optional(),
  metadata: metadataSchema.optional(),
  enabled: z.boolean().optional(),
  tti_minutes: ttiMinutesSchema.optional(),
  secrets: z.record(secretName, secretValue, { error: secretsError }).optional(),
});

/**
 * `PATCH` on either session path: replaces the fields it names (metadata whole); `secrets`
 * are merged by name, and a secret set to `null` is removed.
 */
export const patchSessionBodySchema = z.strictObject({
  name: nameSchema.optional(),
  description: z.string().optional(),
  metadata: metadataSchema.optional(),
  enabled: z.boolean().optional(),
  tti_minutes: ttiMinutesSchema.optional(),
  secrets: z.record(secretName, secretValue.nullable(), { error: secretsError }).optional(),
});

export const sessionListSchema = listAnswerSchema("sessions", sessionSchema);

/** Query of a session list: the list query and `filter`, a regular expression over name and description. */
export const sessionListQuerySchema = listQuerySchema.extend({
  filter: z.string().optional(),
});

export type Session = z.infer<typeof sessionSchema>;
export type CreateSessionBody = z.input<typeof createSessionBodySchema>;
export type PatchSessionBody = z.input<typeof patchSessionBodySchema>;
export type SessionList = z.infer<typeof sessionListSchema>;
export type SessionListQuery = z.input<typeof sessionListQuerySchema>;
