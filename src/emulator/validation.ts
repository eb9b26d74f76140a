/**
 * Request validation: turns bad input into a 400 whose messages and `field_errors` name the
 * field, in the same `path: detail` form as the resolver's `validatePolicy`.
 */
import type { z } from "zod";
import { describeZodIssues, formatPath, isRecord, KEY_PATTERN, type PathPart } from "../policy/index.js";
import { KEY_RULE } from "../policy/schema.js";
import { type FieldIssue, invalid, invalidField } from "./errors.js";

function label(path: string): string {
  return path === "" ? "body" : path;
}

/** zod issues -> field issues; `input` is what was parsed (zod does not keep it). */
export function zodIssues(error: z.ZodError, input: unknown, prefix: readonly PathPart[] = []): FieldIssue[] {
  return describeZodIssues(error, input, prefix).map(({ parts, detail }) => {
    const path = label(formatPath(parts));
    return { path, message: `${path}: ${detail}` };
  });
}

/** Parses `input` with a (strict) request schema; throws a 400 naming each bad field. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: readonly PathPart[] = [],
): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw invalid(zodIssues(r.error, input, prefix));
}

/** A path parameter must be a key (`^[0-9a-zA-Z_-]+$`, 1..50 characters); 400 naming it otherwise. */
export function checkKeyParam(name: string, value: string): string {
  if (value.length === 0 || value.length > 50 || !KEY_PATTERN.test(value)) {
    throw invalidField(name, `must be ${KEY_RULE}`);
  }
  return value;
}

/** `checkJsonTree` (policy/documents.ts): `__proto__` keys and nesting past the API's limit. */
export { checkJsonTree } from "../policy/documents.js";

const SESSION_FIELDS = new Set(["key", "name", "description", "metadata"]);

/**
 * The hot path of session creation: returns `body` when it is a valid create-session body
 * (`createSessionBodySchema` in the wire types), else undefined, and then the caller lets zod
 * find and word the errors. It may only ever accept what the schema accepts; a property test
 * holds it to that.
 */
export function fastSessionBody(
  body: unknown,
): { key?: string; name?: string; description?: string; metadata?: Record<string, unknown> } | undefined {
  if (!isRecord(body)) return undefined;
  for (const k of Object.keys(body)) if (!SESSION_FIELDS.has(k)) return undefined;
  const { key, name, description, metadata } = body;
  if (key !== undefined && !(typeof key === "string" && key.length <= 50 && KEY_PATTERN.test(key)))
    return undefined;
  if (name !== undefined && !(typeof name === "string" && name.length >= 1 && name.length <= 100))
    return undefined;
  if (description !== undefined && typeof description !== "string") return undefined;
  if (metadata !== undefined && !isRecord(metadata)) return undefined;
  return body as ReturnType<typeof fastSessionBody>;
}
