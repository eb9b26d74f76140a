/**
 * Wire pieces shared by every resource of the API (API.md "Conventions"): metadata,
 * timestamps, the error body, list cursors. Request schemas are strict (an unknown field is
 * a 400 naming it); response schemas strip unknown fields, since clients ignore them.
 */
import { z } from "zod";
import { keySchema, nameSchema } from "../policy/schema.js";

export { keySchema, nameSchema };

/** ISO-8601 UTC with milliseconds, as the API writes it: `2026-06-02T10:35:00.000Z`. */
export const timestampSchema = z.iso.datetime({ offset: false, precision: 3 });

/** Free-form JSON object attached to agents, aliases and sessions. `{}` when not given. */
export const metadataSchema = z.record(z.string(), z.unknown());

/** List bounds (API.md): `?limit=1..100`, 10 when not given. */
export const LIST_LIMIT = Object.freeze({ min: 1, max: 100, default: 10 });

/** `metadata` of a list response: `page_key` is the next cursor, absent on the last page. */
export const listMetadataSchema = z.object({ page_key: z.string().optional() });

/** Query of every list call. Values arrive as strings; `limit` is an integer 1..100. */
export const listQuerySchema = z.strictObject({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, { error: `must be an integer from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}` })
    .transform(Number)
    .refine((n) => n >= LIST_LIMIT.min && n <= LIST_LIMIT.max, {
      error: `must be an integer from ${LIST_LIMIT.min} to ${LIST_LIMIT.max}`,
    })
    .optional(),
  page_key: z.string().min(1, { error: "must not be empty" }).optional(),
});

/**
 * Every error answer: `messages` (at least one), the `request_id` to quote in a report,
 * `field_errors` on a 400 (keyed by the path of the field, e.g. `policy.rules[1].match`),
 * and `id` (the key that was not found) on a 404.
 */
export const errorBodySchema = z.object({
  messages: z.array(z.string()),
  request_id: z.string(),
  field_errors: z.record(z.string(), z.string()).optional(),
  id: z.string().optional(),
});

export type ErrorBody = z.infer<typeof errorBodySchema>;
export type ListMetadata = z.infer<typeof listMetadataSchema>;
export type ListQuery = z.input<typeof listQuerySchema>;
export type Metadata = z.infer<typeof metadataSchema>;
