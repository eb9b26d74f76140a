/**
 * Sessions (API.md "Sessions"). A session created through an alias carries the agent the
 * policy resolved and the alias key; one created through an agent has `alias_key: null`.
 */
import { z } from "zod";
import { keySchema, listMetadataSchema, metadataSchema, nameSchema, timestampSchema } from "./common.js";

export const sessionSchema = z.object({
  key: keySchema,
  name: z.string(),
  description: z.string(),
  agent_key: keySchema,
  alias_key: keySchema.nullable(),
  metadata: metadataSchema,
  enabled: z.boolean(),
  created_at: timestampSchema,
});

/**
 * `POST /v2/agent_aliases/{alias_key}/sessions` and `POST /v2/agents/{agent_key}/sessions`.
 * A missing key is generated before routing as `ase_` + slugged name + `_` + 4 hex; a missing
 * name defaults to the key *(ours)*.
 */
export const createSessionBodySchema = z.strictObject({
  key: keySchema.optional(),
  name: nameSchema.optional(),
  description: z.string().optional(),
  metadata: metadataSchema.optional(),
});

export const sessionListSchema = z.object({
  sessions: z.array(sessionSchema),
  metadata: listMetadataSchema,
});

export type Session = z.infer<typeof sessionSchema>;
export type CreateSessionBody = z.input<typeof createSessionBodySchema>;
export type SessionList = z.infer<typeof sessionListSchema>;
