/** Agents (API.md "Agents"): only the fields routing needs. */
import { z } from "zod";
import {
  answered,
  keySchema,
  listAnswerSchema,
  metadataSchema,
  nameSchema,
  timestampSchema,
} from "./common.js";

/**
 * An agent as the API answers it. `description` and `metadata` may be `null` or absent
 * (read as `""` and `{}`); the real API's other fields (`model`, `tool_configurations`, …)
 * are dropped. `updated_at` appears after the first PATCH. The emulator stores `enabled` but
 * does not gate sessions on it *(ours)*.
 */
export const agentSchema = z.object({
  key: keySchema,
  name: z.string(),
  description: answered.text(),
  metadata: answered.metadata(),
  enabled: z.boolean(),
  created_at: timestampSchema,
  updated_at: answered.timestamp(),
});

/** `POST /v2/agents`. A missing key is generated as `agt_` + slugged name + 4 hex *(ours)*. */
export const createAgentBodySchema = z.strictObject({
  key: keySchema.optional(),
  name: nameSchema,
  description: z.string().optional(),
  metadata: metadataSchema.optional(),
  enabled: z.boolean().optional(),
});

/** `PATCH /v2/agents/{agent_key}`: replaces the fields it names (metadata whole). */
export const patchAgentBodySchema = z.strictObject({
  name: nameSchema.optional(),
  description: z.string().optional(),
  metadata: metadataSchema.optional(),
  enabled: z.boolean().optional(),
});

/** `GET /v2/agents`. */
export const agentListSchema = listAnswerSchema("agents", agentSchema);

export type Agent = z.infer<typeof agentSchema>;
export type CreateAgentBody = z.input<typeof createAgentBodySchema>;
export type PatchAgentBody = z.input<typeof patchAgentBodySchema>;
export type AgentList = z.infer<typeof agentListSchema>;
