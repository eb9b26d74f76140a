/**
 * Session events (API.md "Events"): enough to prove that a session reaches its agent. The
 * emulator's agents answer deterministically, naming themselves: `[support-v2] echo: hi`.
 */
import { z } from "zod";
import { keySchema, listAnswerSchema, timestampSchema } from "./common.js";

export const textMessageSchema = z.strictObject({
  type: z.literal("text"),
  content: z.string(),
});

/** Messages one input event may hold *(ours)*. */
export const MAX_EVENT_MESSAGES = 100;
/** Longest message text, in characters *(ours)*. */
export const MAX_MESSAGE_LENGTH = 100_000;

/** `POST …/sessions/{session_key}/events`. */
export const createEventBodySchema = z.strictObject({
  type: z.literal("input_message"),
  messages: z
    .array(
      textMessageSchema.extend({
        content: z
          .string()
          .max(MAX_MESSAGE_LENGTH, { error: `must be at most ${MAX_MESSAGE_LENGTH} characters` }),
      }),
    )
    .min(1, { error: "at least one message is required" })
    .max(MAX_EVENT_MESSAGES, { error: `at most ${MAX_EVENT_MESSAGES} messages in one event` }),
});

const eventBase = {
  /** `aev_…` */
  id: z.string(),
  session_key: keySchema,
  agent_key: keySchema,
  created_at: timestampSchema,
};

export const inputMessageEventSchema = z.object({
  ...eventBase,
  type: z.literal("input_message"),
  messages: z.array(z.object({ type: z.literal("text"), content: z.string() })),
});

export const agentOutputEventSchema = z.object({
  ...eventBase,
  type: z.literal("agent_output"),
  content: z.string(),
});

export const sessionEventSchema = z.discriminatedUnion("type", [
  inputMessageEventSchema,
  agentOutputEventSchema,
]);

/** 201 answer: the input event and the agent's answer, in that order. */
export const eventsCreatedSchema = z.object({
  session_key: keySchema,
  events: z.array(sessionEventSchema),
});

export const eventListSchema = listAnswerSchema("events", sessionEventSchema);

export type TextMessage = z.infer<typeof textMessageSchema>;
export type CreateEventBody = z.input<typeof createEventBodySchema>;
export type InputMessageEvent = z.infer<typeof inputMessageEventSchema>;
export type AgentOutputEvent = z.infer<typeof agentOutputEventSchema>;
export type SessionEvent = z.infer<typeof sessionEventSchema>;
export type EventsCreated = z.infer<typeof eventsCreatedSchema>;
export type EventList = z.infer<typeof eventListSchema>;
