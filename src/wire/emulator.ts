/**
 * What the emulator adds under `/_emulator` (API.md "What the emulator adds"): health,
 * usage statistics, memory and fault injection, and who may call each. Outside the
 * Vectara-shaped API.
 */
import { z } from "zod";
import { OPERATIONS, ROLES, type Role } from "./roles.js";

/** A call of the emulator's own: the roles that may make it (none: no credential needed) and its 403's words. */
export interface ControlSpec {
  readonly method: "GET" | "PUT";
  readonly path: string;
  /** A query parameter that makes a call of this path this control (`gc=true`). */
  readonly query?: readonly [string, string];
  /** Undefined: public (no credential read at all). */
  readonly roles: readonly Role[] | undefined;
  readonly refusal: string;
}

/**
 * The emulator's own calls, declared once: reading is open to every accepted credential
 * (any role), changing what every caller meets (faults) or forcing a full GC needs `owner`,
 * so a viewer's key or an agent_user's token cannot break the emulator for everyone. The
 * emulator's hook reads this table; its route table test holds every `/_emulator` route to it.
 */
export const EMULATOR_CONTROLS = Object.freeze({
  health: { method: "GET", path: "/_emulator/health", roles: undefined, refusal: "" },
  stats: { method: "GET", path: "/_emulator/stats", roles: ROLES, refusal: "reading usage statistics" },
  memory: {
    method: "GET",
    path: "/_emulator/memory",
    roles: ROLES,
    refusal: "reading the emulator's memory",
  },
  "memory.gc": {
    method: "GET",
    path: "/_emulator/memory",
    query: ["gc", "true"],
    roles: ["owner"],
    refusal: "forcing a garbage collection",
  },
  "faults.get": { method: "GET", path: "/_emulator/faults", roles: ROLES, refusal: "reading the faults" },
  "faults.put": {
    method: "PUT",
    path: "/_emulator/faults",
    roles: ["owner"],
    refusal: "changing the faults",
  },
} as const satisfies Record<string, ControlSpec>);

export type EmulatorControl = keyof typeof EMULATOR_CONTROLS;

/**
 * The control a request to `/_emulator/...` is a call of, by method, path and query (`gc=true`
 * asks for `memory.gc`); undefined for anything else (then a 404 once authenticated).
 */
export function controlOf(method: string, path: string, query: URLSearchParams): EmulatorControl | undefined {
  const m = method === "HEAD" ? "GET" : method;
  const matching = (Object.entries(EMULATOR_CONTROLS) as [EmulatorControl, ControlSpec][]).filter(
    ([, c]) =>
      c.method === m && c.path === path && (c.query === undefined || query.get(c.query[0]) === c.query[1]),
  );
  // The most specific: one that names a query wins over the plain path.
  return (matching.find(([, c]) => c.query !== undefined) ?? matching[0])?.[0];
}

/** `GET /_emulator/health` -> 200 `{status: "ok"}`; needs no API key. */
export const healthSchema = z.object({ status: z.literal("ok") });

const countsSchema = z.record(z.string(), z.number());

/**
 * Usage of one alias since it was created: sessions created through it, per resolved agent
 * and per rule (keyed by the 1-based rule number as a string), and the creations that failed
 * with a routing error. `sessions` equals the sum of `agents` and the sum of `rules[*].sessions`.
 * Counts are of creations: deleting a session does not lower them.
 */
export const aliasStatsSchema = z.object({
  sessions: z.number(),
  routing_errors: z.number(),
  agents: countsSchema,
  rules: z.record(z.string(), z.object({ sessions: z.number(), agents: countsSchema })),
});

/**
 * `GET /_emulator/stats`:
 * ```json
 * { "aliases": { "support": { "sessions": 100, "routing_errors": 0,
 *                "agents": { "support-v1": 90, "support-v2": 10 },
 *                "rules": { "1": { "sessions": 100, "agents": { "support-v1": 90, "support-v2": 10 } } } } },
 *   "sessions": { "created": 102, "through_aliases": 100, "direct": 2, "stored": 101, "evicted": 0, "max_sessions": 10000 },
 *   "faults": { "calls": 0, "status": 0, "reset": 0, "latency": 0 } }
 * ```
 * `faults.calls` counts the API calls the faults drew for (those of `operations`, when set).
 * Alias entries disappear with their alias. Counts survive a restart with `--data`, except
 * `routing_errors` and `faults`, which are not writes.
 */
export const emulatorStatsSchema = z.object({
  aliases: z.record(z.string(), aliasStatsSchema),
  sessions: z.object({
    created: z.number(),
    through_aliases: z.number(),
    direct: z.number(),
    /** Sessions stored now (created and neither deleted nor evicted). */
    stored: z.number(),
    /** Oldest sessions dropped to stay within the emulator's `maxSessions`. */
    evicted: z.number(),
    /** The emulator's limit on stored sessions (0: none). */
    max_sessions: z.number(),
  }),
  faults: z.object({ calls: z.number(), status: z.number(), reset: z.number(), latency: z.number() }),
});

/** Longest latency a fault configuration may add, in milliseconds. */
export const MAX_FAULT_LATENCY_MS = 60_000;

const share = z
  .number({ error: "must be a number from 0 to 1" })
  .min(0, { error: "must be a number from 0 to 1" })
  .max(1, { error: "must be a number from 0 to 1" });
const nonNegativeInt = z
  .number({ error: "must be an integer >= 0" })
  .int({ error: "must be an integer >= 0" })
  .min(0, { error: "must be an integer >= 0" });

/**
 * Fault injection, applied to API calls (never to `/_emulator/*`), before the call is
 * processed, so a faulted write never happens:
 * - `rate`: share of calls answered `status` (503 or 429) with `Retry-After: retry_after`;
 * - `reset`: share of calls whose connection is dropped without an answer;
 * - `latency_ms`: delay added to a `latency_rate` share of calls (all of them by default);
 * - `seed`: seeds the fault dice, so that a sequence of calls meets the same faults each run;
 * - `operations`: only these API operations meet faults (names of the operation table, e.g.
 *   `traces.list`, or a group, e.g. `traces` for every `traces.*`); null: every API call.
 *   Calls of other operations draw nothing, so a seed replays the same faults on these.
 */
export const faultConfigSchema = z.object({
  rate: share,
  status: z.union([z.literal(503), z.literal(429)], { error: "must be 503 or 429" }),
  retry_after: nonNegativeInt,
  reset: share,
  latency_ms: nonNegativeInt,
  latency_rate: share,
  seed: z.number().int().nullable(),
  operations: z.array(z.string()).nullable(),
});

/** Whether `name` (an operation, `traces.list`, or a group, `traces`) covers `operation`. */
export const coversOperation = (name: string, operation: string): boolean =>
  operation === name || operation.startsWith(`${name}.`);

/** Whether `name` is an API operation (`traces.list`) or a group of them (`traces`). */
export const isFaultOperation = (name: string): boolean =>
  Object.keys(OPERATIONS).some((op) => coversOperation(name, op));

/** The operation names and groups `operations` may hold, for messages. */
export const faultOperationNames = (): string[] => {
  const ops = Object.keys(OPERATIONS);
  return [...new Set(ops.map((op) => op.split(".")[0]!)), ...ops];
};

/** `PUT /_emulator/faults`: replaces the whole configuration; omitted fields take their defaults (no faults). */
export const faultConfigBodySchema = z
  .strictObject({
    rate: share.optional(),
    status: faultConfigSchema.shape.status.optional(),
    retry_after: nonNegativeInt.optional(),
    reset: share.optional(),
    latency_ms: nonNegativeInt
      .max(MAX_FAULT_LATENCY_MS, { error: `must be at most ${MAX_FAULT_LATENCY_MS}` })
      .optional(),
    latency_rate: share.optional(),
    seed: z.number().int({ error: "must be an integer" }).nullable().optional(),
    operations: z
      .array(
        z.string().refine(isFaultOperation, {
          error: (i) => `unknown operation '${String(i.input)}' (known: ${faultOperationNames().join(", ")})`,
        }),
        { error: 'must be a list of operation names, e.g. ["traces.list"]' },
      )
      .min(1, { error: "must name at least one operation (null: every API call)" })
      .nullable()
      .optional(),
  })
  .refine((c) => (c.rate ?? 0) + (c.reset ?? 0) <= 1, {
    error: "rate + reset must be at most 1",
    path: ["rate"],
  });

export type Health = z.infer<typeof healthSchema>;
export type AliasStats = z.infer<typeof aliasStatsSchema>;
export type EmulatorStats = z.infer<typeof emulatorStatsSchema>;
export type FaultConfig = z.infer<typeof faultConfigSchema>;
export type FaultConfigBody = z.input<typeof faultConfigBodySchema>;
