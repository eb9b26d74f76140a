/**
 * `/v2/agent_analytics/traces` (API.md "Traces", **rev.**): the traces of the inputs the
 * emulator's agents answered, newest first, with the API's filters and paging; and one trace
 * by id (404 when unknown or evicted).
 */
import type { FastifyInstance } from "fastify";
import { instantOf, traceListQuerySchema } from "../../../wire/index.js";
import type { TraceFilter } from "../../state/trace-log.js";
import { parseWith } from "../../validation.js";
import { type ApiContext, serve } from "./context.js";
import { listBody, pageRequest } from "./lists.js";

/**
 * The first whole millisecond at or after an instant (trace times are whole milliseconds):
 * `instantOf` cuts the digits past the millisecond, so a bound of `…:03.0000001Z` would
 * otherwise take in the trace of `…:03.000Z`, which is before it.
 */
function ceilMs(ts: string): number {
  const ms = instantOf(ts)!;
  const sub = /\.\d{3}(\d+)/.exec(ts)?.[1];
  return sub !== undefined && /[1-9]/.test(sub) ? ms + 1 : ms;
}

export function registerTraceRoutes(app: FastifyInstance, ctx: ApiContext): void {
  serve(app, "traces.list", (req, res) => {
    const q = parseWith(traceListQuerySchema, req.query);
    const filter: TraceFilter = {
      agentKey: q.agent_key,
      sessionKey: q.session_key,
      status: q.status,
      errorType: q.error_type,
      fromMs: q.started_after === undefined ? undefined : ceilMs(q.started_after),
      beforeMs: q.started_before === undefined ? undefined : ceilMs(q.started_before),
      minDurationMs: q.min_duration_ms,
      maxDurationMs: q.max_duration_ms,
    };
    res.send(listBody("traces", "traces", ctx.store().listTraces(filter, pageRequest("traces", q))));
  });
  serve(app, "traces.get", (req, res) => {
    res.send(ctx.store().getTrace(req.params.trace_id ?? ""));
  });
}
