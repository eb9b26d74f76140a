/**
 * Traces (API.md "Traces", **rev.**): one per agent invocation, an input answered in a
 * session; what a rollout gate reads. `GET /v2/agent_analytics/traces` lists them newest
 * first, with filters; `GET /v2/agent_analytics/traces/{trace_id}` answers one.
 */
import { z } from "zod";
import {
  answered,
  instantOf,
  keySchema,
  listAnswerSchema,
  listQuerySchema,
  timestampSchema,
} from "./common.js";

/** The statuses a trace list filters by. An answer may carry another (kept as it is). */
export const TRACE_STATUSES = ["ok", "error"] as const;
export type TraceStatus = (typeof TRACE_STATUSES)[number];

/** The `error_type`s of API.md, in its order. An answer may carry another (kept as it is). */
export const TRACE_ERROR_TYPES = [
  "context_limit_exceeded",
  "step_transition_limit_exceeded",
  "actions_limit_reached",
  "llm_generation_error",
  "stream_error",
  "internal",
] as const;
export type TraceErrorType = (typeof TRACE_ERROR_TYPES)[number];

/** A count or a duration the API may leave out or send as `null`: reads as `null`. */
const maybeNumber = () =>
  z
    .number()
    .nonnegative()
    .nullish()
    .transform((v) => v ?? null);

/**
 * A trace as the API answers it (API.md **rev.**). `trace_id`, `started_at` and `status` are
 * always there; every other field may be `null` or absent and reads as `null`. `status` and
 * `error_type` are kept as any string (`ok`/`error` and TRACE_ERROR_TYPES are what the API
 * names today); `started_at` is kept as written (compare with `instantOf`). `error_type` and
 * `alias_key` are not in API.md's field list: the emulator sends them *(ours)*, `error_type`
 * being what the list filters by and `null` on a trace that did not fail. Fields the API adds
 * are dropped.
 */
export const traceSchema = z.object({
  trace_id: z.string().min(1),
  agent_key: answered.key(),
  session_key: answered.key(),
  alias_key: answered.key(),
  started_at: timestampSchema,
  duration_ms: maybeNumber(),
  status: z.string().min(1),
  error_type: z
    .string()
    .nullish()
    .transform((v) => v ?? null),
  input_tokens: maybeNumber(),
  output_tokens: maybeNumber(),
});

/** `GET /v2/agent_analytics/traces`. */
export const traceListSchema = listAnswerSchema("traces", traceSchema);

const timeRule = "must be an RFC 3339 date-time, e.g. 2026-06-02T10:35:00Z";
const dateTimeParam = z.string().refine((s) => instantOf(s) !== undefined, { error: timeRule });
const durationRule = "must be a number of milliseconds >= 0";
const durationParam = z
  .string()
  .regex(/^\d{1,15}(\.\d+)?$/, { error: durationRule })
  .transform(Number);

/**
 * Query of `GET /v2/agent_analytics/traces`: the list query (`limit` 1..100, `page_key`) and
 * the filters of API.md. Values arrive as strings. `started_after` is inclusive and
 * `started_before` exclusive, so consecutive windows neither overlap nor leave a gap *(ours)*;
 * the duration bounds are inclusive.
 */
export const traceListQuerySchema = listQuerySchema.extend({
  agent_key: keySchema.optional(),
  session_key: keySchema.optional(),
  status: z.enum(TRACE_STATUSES, { error: `must be one of ${TRACE_STATUSES.join(", ")}` }).optional(),
  error_type: z
    .enum(TRACE_ERROR_TYPES, { error: `must be one of ${TRACE_ERROR_TYPES.join(", ")}` })
    .optional(),
  started_after: dateTimeParam.optional(),
  started_before: dateTimeParam.optional(),
  min_duration_ms: durationParam.optional(),
  max_duration_ms: durationParam.optional(),
});

export type Trace = z.infer<typeof traceSchema>;
export type TraceList = z.infer<typeof traceListSchema>;
export type TraceListQuery = z.input<typeof traceListQuerySchema>;
