/**
 * Wire pieces shared by every resource of the API (API.md "Conventions"): metadata,
 * timestamps, the error body, list cursors. Request schemas are strict (an unknown field is
 * a 400 naming it); response schemas strip unknown fields, since clients ignore them.
 */
import { z } from "zod";
import { keySchema, nameSchema } from "../policy/schema.js";

export { keySchema, nameSchema };

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * The instant an RFC 3339 date-time names, in milliseconds since 1970 (digits past the
 * millisecond are cut), or undefined when `ts` is not one. Any number of fractional digits,
 * `Z` or an offset, lower-case `t`/`z`, and a leap second (`:60`) are accepted.
 */
export function instantOf(ts: string): number | undefined {
  const m = RFC3339.exec(ts);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, sign, oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  const last = new Date(Date.UTC(2000, month, 0));
  last.setUTCFullYear(Number(y), month, 0);
  const daysInMonth = last.getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return undefined;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return undefined;
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, "0"));
  const offset = sign === undefined ? 0 : (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  // Not Date.UTC, which reads years 0-99 as 1900-1999.
  const at = new Date(0);
  at.setUTCFullYear(Number(y), month - 1, day);
  at.setUTCHours(Number(h), Number(mi), Number(s), ms);
  return at.getTime() - offset;
}

/** True when two date-times name the same instant, however each is written. */
export function sameInstant(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const x = instantOf(a);
  return x !== undefined && x === instantOf(b);
}

/**
 * A date-time as the API answers it (API.md **rev.**): RFC 3339 with any number of
 * fractional digits (none included) and `Z` or an offset. Kept as the API wrote it; compare
 * with `sameInstant`. The emulator writes `2026-06-02T10:35:00.000Z`.
 */
export const timestampSchema = z
  .string()
  .refine((s) => instantOf(s) !== undefined, { error: "must be an RFC 3339 date-time" });

/** Free-form JSON object attached to agents, aliases and sessions. `{}` when not given. */
export const metadataSchema = z.record(z.string(), z.unknown());

/**
 * Fields the API may answer as `null` or leave out (API.md **rev.**), normalised here, at
 * the wire edge, to the one spelling of "none" that everything above it uses.
 */
export const answered = Object.freeze({
  /** A text: `null` or absent reads as `""`. */
  text: () =>
    z
      .string()
      .nullish()
      .transform((v) => v ?? ""),
  /** Metadata: `null` or absent reads as `{}`. */
  metadata: () => metadataSchema.nullish().transform((v): Metadata => v ?? {}),
  /** A date-time: `null` reads as absent. */
  timestamp: () =>
    timestampSchema
      .nullish()
      .transform((v) => v ?? undefined)
      .optional(),
  /** A key: `null` or absent reads as `null`. */
  key: () => keySchema.nullish().transform((v) => v ?? null),
});

/** List bounds (API.md): `?limit=1..100`, 10 when not given. */
export const LIST_LIMIT = Object.freeze({ min: 1, max: 100, default: 10 });

/** `metadata` of a list response: `page_key` is the next cursor, absent on the last page. */
export const listMetadataSchema = z.object({ page_key: z.string().optional() });

/** A list response: the page's items under `items` (the list key: `agents`, `aliases`, …) and `metadata`. */
export function listAnswerSchema<K extends string, T extends z.ZodType>(items: K, item: T) {
  const shape = { [items]: z.array(item), metadata: listMetadataSchema };
  return z.object(shape as { [P in K]: z.ZodArray<T> } & { metadata: typeof listMetadataSchema });
}

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
  /** Usually there, not always (API.md **rev.**). */
  request_id: z.string().optional(),
  field_errors: z.record(z.string(), z.string()).optional(),
  id: z.string().optional(),
});

export type ErrorBody = z.infer<typeof errorBodySchema>;
export type ListMetadata = z.infer<typeof listMetadataSchema>;
export type ListQuery = z.input<typeof listQuerySchema>;
export type Metadata = z.infer<typeof metadataSchema>;
