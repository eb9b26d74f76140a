/**
 * Declarative canary stages: a stage table (default 100/0 -> 95/5 -> 80/20 -> 50/50 -> 0/100) and the
 * current stage become a routing policy, so moving a rollout on is a one-line change (a
 * Pulumi config value, or the `current:` field of a YAML file). The split is sticky
 * (rendezvous hashing): each step moves users only from the old agent to the new one.
 *
 * A stage may also say how a rollout watches it (issue 16): `hold` (how long), `gates`
 * (limits on the canary's traces against the baseline's), `max_failed_checks` and `max_wait`,
 * per stage or as defaults for every stage. They never change the policy; `canaryPlan` resolves
 * them (defaults applied) for the rollout command, and src/rollout judges a stage by them.
 */
import { z } from "zod";
import { describeValue, describeZodIssues, formatPath, isRecord, type PathPart } from "./issues.js";
import { CANARY_LIMITS } from "./limits.js";
import type { Policy, Rule } from "./schema.js";
import type { ValidationIssue } from "./validate.js";

/** A problem of a canary block: its path as parts, and the message (which names the path). */
export interface CanaryIssue {
  readonly parts: readonly PathPart[];
  readonly message: string;
}

const formatted = (issues: readonly CanaryIssue[]): ValidationIssue[] =>
  issues.map((i) => ({ path: formatPath(i.parts), message: i.message }));

/** Error-rate limits, in percent of the traces that ended in `error` (0..100). */
export interface ErrorRateGate {
  /** The canary's rate may be at most this many points above the baseline's. */
  maxIncreasePoints?: number | undefined;
  /** The canary's rate may be at most this (an absolute ceiling). */
  max?: number | undefined;
}

/** Limits on the 95th percentile of `duration_ms` (nearest rank). */
export interface P95DurationGate {
  /** The canary's p95 may be at most this multiple of the baseline's (> 0). */
  maxRatio?: number | undefined;
  /** The canary's p95 may be at most this duration (`2s`, `800ms`). */
  max?: string | undefined;
}

/** What a stage is judged by. A stage's `errorRate` or `p95Duration` replaces the default's whole. */
export interface CanaryGates {
  /** Traces needed on each agent a limit reads before any verdict (default 100). */
  minTraces?: number | undefined;
  errorRate?: ErrorRateGate | undefined;
  p95Duration?: P95DurationGate | undefined;
}

/** How a rollout watches a stage; on the spec they are defaults, on a stage they override them. */
export interface CanaryChecks {
  /** How long the stage is watched before it may pass: `30m`, `45s`, `2h`, `1h30m` (default 10m). */
  hold?: string | undefined;
  /** How long past the hold the verdict may wait for enough traces before it is inconclusive (default: the hold). */
  maxWait?: string | undefined;
  /** Consecutive failed checks that abort the rollout (default 1). */
  maxFailedChecks?: number | undefined;
  gates?: CanaryGates | undefined;
}

export interface CanaryStage extends CanaryChecks {
  name: string;
  /** Weights of [from, to], integers >= 0, not both 0. */
  weights: readonly [number, number];
}

/**
 * The stage table when a canary gives none. `baseline` sends the canary nothing: where a
 * guarded rollout that fails its first stage reverts to (without it, an abort at canary-5
 * would have no earlier stage and leave 5% on the failing agent). It is not judged.
 */
export const DEFAULT_STAGES: readonly CanaryStage[] = Object.freeze([
  { name: "baseline", weights: [100, 0] as const },
  { name: "canary-5", weights: [95, 5] as const },
  { name: "canary-20", weights: [80, 20] as const },
  { name: "canary-50", weights: [50, 50] as const },
  { name: "complete", weights: [0, 100] as const },
]);

/** What a stage gets when neither it nor the spec says (`maxWait` defaults to the stage's hold). */
export const DEFAULT_CHECKS = Object.freeze({ hold: "10m", maxFailedChecks: 1, minTraces: 100 });

export interface CanarySpec extends CanaryChecks {
  /** The agent traffic moves away from (the stable one). */
  from: string;
  /** The agent traffic moves to (the new version). */
  to: string;
  /** The UserFn expression users are hashed on, e.g. `get('$.session.metadata.user_id', '')`. */
  partitionBy: string;
  /** The name of the stage in force. */
  current: string;
  /** The stage table; DEFAULT_STAGES when omitted. */
  stages?: readonly CanaryStage[] | undefined;
  /** Canary only the sessions this expression matches (e.g. one tenant) … */
  match?: string | undefined;
  /** … and route every other session to this agent (default: `from`). */
  others?: string | undefined;
  /** Rules placed before the canary rule (pins that must win whatever the stage). */
  before?: readonly Rule[] | undefined;
}

// ---- durations -------------------------------------------------------------------------------

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
const DURATION = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * Milliseconds of a duration written as integer parts in the order h, m, s, ms, each at most
 * once (`30m`, `45s`, `2h`, `1h30m`, `500ms`, `0s`); undefined for anything else (`30`,
 * `1.5h`, `30 m`, `m30`).
 */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (m === null || text === "") return undefined;
  const [, h, min, s, ms] = m;
  return (
    Number(h ?? 0) * UNIT_MS.h + Number(min ?? 0) * UNIT_MS.m + Number(s ?? 0) * UNIT_MS.s + Number(ms ?? 0)
  );
}

// ---- the check fields, declared once ---------------------------------------------------------
// One table gives the YAML schema, the YAML -> spec renaming and the validation of both doors.

/** `duration` may be 0 (`max_wait: 0s`: no waiting past the hold); `period` may not (a hold, a p95 limit). */
type LeafKind = "duration" | "period" | "percent" | "ratio" | "traces" | "checks";
interface Leaf {
  readonly yaml: string;
  readonly kind: LeafKind;
}
interface Group {
  readonly yaml: string;
  readonly fields: Readonly<Record<string, Field>>;
  /** A group that sets no field is an error (a gate without a limit). */
  readonly needsOne?: true;
}
type Field = Leaf | Group;
const isGroup = (f: Field): f is Group => "fields" in f;

const GATE_FIELDS: Readonly<Record<keyof CanaryGates, Field>> = {
  minTraces: { yaml: "min_traces", kind: "traces" },
  errorRate: {
    yaml: "error_rate",
    needsOne: true,
    fields: {
      maxIncreasePoints: { yaml: "max_increase_points", kind: "percent" },
      max: { yaml: "max", kind: "percent" },
    } satisfies Record<keyof ErrorRateGate, Leaf>,
  },
  p95Duration: {
    yaml: "p95_duration",
    needsOne: true,
    fields: {
      maxRatio: { yaml: "max_ratio", kind: "ratio" },
      max: { yaml: "max", kind: "period" },
    } satisfies Record<keyof P95DurationGate, Leaf>,
  },
};

const CHECK_FIELDS: Readonly<Record<keyof CanaryChecks, Field>> = {
  hold: { yaml: "hold", kind: "period" },
  maxWait: { yaml: "max_wait", kind: "duration" },
  maxFailedChecks: { yaml: "max_failed_checks", kind: "checks" },
  gates: { yaml: "gates", fields: GATE_FIELDS },
};

/** How paths are written: the TypeScript names (`errorRate`) or the YAML ones (`error_rate`). */
export type CanaryNaming = "ts" | "yaml";

function zodShape(fields: Readonly<Record<string, Field>>): Record<string, z.ZodType> {
  return Object.fromEntries(
    Object.values(fields).map((f) => [
      f.yaml,
      // Leaves are checked by leafProblem (the same rule for YAML and TypeScript input).
      isGroup(f) ? z.strictObject(zodShape(f.fields)).optional() : z.unknown().optional(),
    ]),
  );
}

function fromYaml(fields: Readonly<Record<string, Field>>, value: Record<string, unknown>) {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) {
    const v = value[f.yaml];
    if (v === undefined) continue;
    out[name] = isGroup(f) && isRecord(v) ? fromYaml(f.fields, v) : v;
  }
  return out;
}

const shown = (v: unknown): string =>
  typeof v === "string" ? `'${v}'` : typeof v === "number" ? String(v) : describeValue(v);

function leafProblem(kind: LeafKind, v: unknown): string | undefined {
  const L = CANARY_LIMITS;
  switch (kind) {
    case "duration":
    case "period": {
      const ms = typeof v === "string" ? parseDuration(v) : undefined;
      if (ms === undefined) return `must be a duration like 30m, 45s or 2h, got ${shown(v)}`;
      if (kind === "period" && ms === 0)
        return `must be a duration longer than 0 (30m, 45s, 2h), got ${shown(v)}`;
      return ms > L.maxDurationMs
        ? `must be a duration of at most ${L.maxDurationMs / UNIT_MS.h}h, got ${shown(v)}`
        : undefined;
    }
    case "percent":
      return typeof v === "number" && v >= 0 && v <= 100
        ? undefined
        : `must be a number from 0 to 100, got ${shown(v)}`;
    case "ratio":
      return typeof v === "number" && v > 0 && v <= L.maxRatio
        ? undefined
        : `must be a number greater than 0 and at most ${L.maxRatio}, got ${shown(v)}`;
    case "traces":
    case "checks": {
      const max = kind === "traces" ? L.maxMinTraces : L.maxFailedChecks;
      return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= max
        ? undefined
        : `must be an integer from 1 to ${max}, got ${shown(v)}`;
    }
  }
}

type Add = (parts: PathPart[], detail: string) => void;

function fieldIssues(
  fields: Readonly<Record<string, Field>>,
  value: Record<string, unknown>,
  at: PathPart[],
  naming: CanaryNaming,
  add: Add,
): void {
  const nameOf = (name: string, f: Field) => (naming === "yaml" ? f.yaml : name);
  for (const [name, f] of Object.entries(fields)) {
    const v = value[name];
    if (v === undefined) continue;
    const parts = [...at, nameOf(name, f)];
    if (!isGroup(f)) {
      const problem = leafProblem(f.kind, v);
      if (problem !== undefined) add(parts, problem);
      continue;
    }
    if (!isRecord(v)) {
      add(parts, `must be an object, got ${describeValue(v)}`);
      continue;
    }
    // TypeScript input reaches here unchecked by zod (JavaScript callers, the plugin's Invoke).
    for (const k of Object.keys(v))
      if (!Object.hasOwn(f.fields, k)) add([...parts, k], `unknown field '${k}'`);
    fieldIssues(f.fields, v, parts, naming, add);
    if (f.needsOne && Object.keys(f.fields).every((k) => v[k] === undefined)) {
      const names = Object.entries(f.fields).map(([k, g]) => nameOf(k, g));
      add(parts, `must set ${names.join(" or ")}`);
    }
  }
}

// ---- validation ------------------------------------------------------------------------------

const stageSchema = z.strictObject({
  name: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }),
  weights: z.tuple(
    [
      z.number().int({ error: "must be an integer >= 0" }).min(0, { error: "must be an integer >= 0" }),
      z.number().int({ error: "must be an integer >= 0" }).min(0, { error: "must be an integer >= 0" }),
    ],
    { error: "must be [from weight, to weight]" },
  ),
  ...zodShape(CHECK_FIELDS),
});

/** The `canary:` block of a YAML/JSON alias document (snake_case like the policy). */
export const canaryBlockSchema = z.strictObject({
  from: z.string({ error: "is required" }),
  to: z.string({ error: "is required" }),
  partition_by: z.string({ error: "is required" }),
  current: z.string({ error: "is required" }),
  stages: z.array(stageSchema).min(1, { error: "at least one stage is required" }).optional(),
  match: z.string().optional(),
  others: z.string().optional(),
  before: z.array(z.unknown()).optional(),
  ...zodShape(CHECK_FIELDS),
});

/**
 * Problems of a canary spec, as `{path, message}` (paths relative to `prefix`, field names as
 * `naming` writes them: `canary.stages[1].gates.errorRate.max` by default).
 */
export function validateCanary(
  spec: CanarySpec,
  prefix = "canary",
  naming: CanaryNaming = "ts",
): ValidationIssue[] {
  return formatted(canaryIssues(spec, prefix, naming));
}

function canaryIssues(spec: CanarySpec, prefix: string, naming: CanaryNaming): CanaryIssue[] {
  const issues: CanaryIssue[] = [];
  const add: Add = (parts, detail) =>
    issues.push({ parts: [prefix, ...parts], message: `${formatPath([prefix, ...parts])}: ${detail}` });
  const stages = spec.stages ?? DEFAULT_STAGES;
  const seen = new Map<string, number>();
  stages.forEach((s, i) => {
    const first = seen.get(s.name);
    if (typeof s.name === "string" && s.name.length > CANARY_LIMITS.maxStageName)
      add(
        ["stages", i, "name"],
        `a stage name is at most ${CANARY_LIMITS.maxStageName} characters, got ${s.name.length}`,
      );
    if (first !== undefined) {
      add(["stages", i, "name"], `duplicate stage name '${s.name}' (first at stages[${first}])`);
    } else seen.set(s.name, i);
    s.weights.forEach((w, j) => {
      if (!Number.isInteger(w) || w < 0) {
        add(["stages", i, "weights", j], `weight must be an integer >= 0, got ${w}`);
      }
    });
    if (s.weights[0] === 0 && s.weights[1] === 0) {
      add(["stages", i, "weights"], `stage '${s.name}' has both weights 0`);
    }
    fieldIssues(CHECK_FIELDS, s as unknown as Record<string, unknown>, ["stages", i], naming, add);
  });
  if (!seen.has(spec.current)) {
    add(["current"], `unknown stage '${spec.current}'; the stages are ${[...seen.keys()].join(", ")}`);
  }
  if (spec.from === spec.to) add(["to"], `must differ from 'from' (${spec.from})`);
  fieldIssues(CHECK_FIELDS, spec as unknown as Record<string, unknown>, [], naming, add);
  return issues;
}

/** Thrown by canaryPolicy and canaryPlan for an invalid spec; `issues` name the fields. */
export class CanaryError extends Error {
  override readonly name = "CanaryError";
  readonly code = "invalid_canary" as const;
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(issues.map((i) => i.message).join("\n"));
  }
}

// ---- the policy ------------------------------------------------------------------------------

/** The weighted rule of the current stage. Throws CanaryError for an invalid spec. */
export function canaryRule(spec: CanarySpec): Rule {
  const issues = validateCanary(spec);
  if (issues.length > 0) throw new CanaryError(issues);
  const stage = (spec.stages ?? DEFAULT_STAGES).find((s) => s.name === spec.current)!;
  const [fromWeight, toWeight] = stage.weights;
  return {
    ...(spec.match !== undefined ? { match: spec.match } : {}),
    targets: {
      type: "weighted",
      partition_by: spec.partitionBy,
      options: [
        { agent_key: spec.from, weight: fromWeight },
        { agent_key: spec.to, weight: toWeight },
      ],
    },
  };
}

/**
 * The whole policy: `before` rules, then the canary rule; with `match`, a catch-all to
 * `others` (default `from`) follows. Throws CanaryError for an invalid spec. The check fields
 * (`hold`, `gates`, …) do not enter the policy.
 */
export function canaryPolicy(spec: CanarySpec): Policy {
  const rules: Rule[] = [...(spec.before ?? []), canaryRule(spec)];
  if (spec.match !== undefined)
    rules.push({ targets: { type: "single", agent_key: spec.others ?? spec.from } });
  return { type: "routed", rules };
}

// ---- the plan --------------------------------------------------------------------------------

/** A stage's gates with the defaults applied. Limits not set are absent (not judged). */
export interface PlannedGates {
  readonly minTraces: number;
  readonly errorRate?: { readonly maxIncreasePoints?: number; readonly max?: number };
  readonly p95Duration?: { readonly maxRatio?: number; readonly maxMs?: number };
}

/** One stage as a rollout watches it. */
export interface PlannedStage {
  readonly name: string;
  /** Position in the stage table, from 0. */
  readonly index: number;
  readonly weights: readonly [number, number];
  readonly holdMs: number;
  readonly maxWaitMs: number;
  readonly maxFailedChecks: number;
  readonly gates: PlannedGates;
  /** The stage sends the canary traffic (`weights[1] > 0`); one that does not has nothing to judge. */
  readonly watched: boolean;
}

/** The checked stages of a canary, in order, for the rollout command. */
export interface CanaryPlan {
  readonly from: string;
  readonly to: string;
  readonly current: string;
  readonly stages: readonly PlannedStage[];
  /** The first stage that sends the canary nothing (somewhere to revert to from the first stage), if any. */
  readonly baseline: string | undefined;
  /** The policy of each stage, in table order (what the program deploys at that stage). */
  readonly policies: readonly Policy[];
  /** The 0-based index of the canary rule in each stage's policy (after the `before` rules). */
  readonly canaryRule: number;
  /** The canary rule's `match`, when the canary is limited to some sessions. */
  readonly match: string | undefined;
}

const msOf = (d: string): number => parseDuration(d)!;

function plannedStage(spec: CanarySpec, s: CanaryStage, index: number): PlannedStage {
  const holdMs = msOf(s.hold ?? spec.hold ?? DEFAULT_CHECKS.hold);
  const maxWait = s.maxWait ?? spec.maxWait;
  const errorRate = s.gates?.errorRate ?? spec.gates?.errorRate;
  const p95 = s.gates?.p95Duration ?? spec.gates?.p95Duration;
  const gates: PlannedGates = {
    minTraces: s.gates?.minTraces ?? spec.gates?.minTraces ?? DEFAULT_CHECKS.minTraces,
    ...(errorRate !== undefined
      ? {
          errorRate: Object.freeze({
            ...(errorRate.maxIncreasePoints !== undefined
              ? { maxIncreasePoints: errorRate.maxIncreasePoints }
              : {}),
            ...(errorRate.max !== undefined ? { max: errorRate.max } : {}),
          }),
        }
      : {}),
    ...(p95 !== undefined
      ? {
          p95Duration: Object.freeze({
            ...(p95.maxRatio !== undefined ? { maxRatio: p95.maxRatio } : {}),
            ...(p95.max !== undefined ? { maxMs: msOf(p95.max) } : {}),
          }),
        }
      : {}),
  };
  return Object.freeze({
    name: s.name,
    index,
    weights: Object.freeze([s.weights[0], s.weights[1]] as const),
    holdMs,
    maxWaitMs: maxWait === undefined ? holdMs : msOf(maxWait),
    maxFailedChecks: s.maxFailedChecks ?? spec.maxFailedChecks ?? DEFAULT_CHECKS.maxFailedChecks,
    gates: Object.freeze(gates),
    watched: s.weights[1] > 0,
  });
}

/**
 * Every stage with its hold and gates resolved: a stage's own field, else the spec's, else
 * DEFAULT_CHECKS (`maxWait`: the stage's hold). Frozen. Throws CanaryError for an invalid spec.
 */
export function canaryPlan(spec: CanarySpec): CanaryPlan {
  const issues = validateCanary(spec);
  if (issues.length > 0) throw new CanaryError(issues);
  return planOf(spec);
}

/** The plan of a spec already checked. */
function planOf(spec: CanarySpec): CanaryPlan {
  const stages = (spec.stages ?? DEFAULT_STAGES).map((s, i) => plannedStage(spec, s, i));
  return Object.freeze({
    from: spec.from,
    to: spec.to,
    current: spec.current,
    stages: Object.freeze(stages),
    baseline: stages.find((s) => !s.watched)?.name,
    policies: Object.freeze(stages.map((s) => canaryPolicy({ ...spec, current: s.name }))),
    canaryRule: spec.before?.length ?? 0,
    match: spec.match,
  });
}

// ---- documents -------------------------------------------------------------------------------

type ParsedBlock =
  | { readonly spec: CanarySpec; readonly rest: Record<string, unknown>; readonly issues: readonly [] }
  | { readonly spec?: undefined; readonly issues: CanaryIssue[] };

/** The spec of a document's `canary:` block (checked), or its issues with YAML paths. */
function parseBlock(doc: object & { canary: unknown }): ParsedBlock {
  const { canary, ...rest } = doc as { canary: unknown; policy?: unknown };
  if (rest.policy !== undefined) {
    return { issues: [{ parts: ["canary"], message: "canary: give either `canary` or `policy`, not both" }] };
  }
  const parsed = canaryBlockSchema.safeParse(canary);
  if (!parsed.success) {
    return {
      issues: describeZodIssues(parsed.error, canary, ["canary"], canaryBlockSchema).map(
        ({ parts, detail }) => ({
          parts,
          message: `${formatPath(parts)}: ${detail}`,
        }),
      ),
    };
  }
  const c = parsed.data;
  const spec = {
    ...fromYaml(CHECK_FIELDS, c),
    from: c.from,
    to: c.to,
    partitionBy: c.partition_by,
    current: c.current,
    stages: c.stages?.map((s) => ({ ...fromYaml(CHECK_FIELDS, s), name: s.name, weights: s.weights })),
    match: c.match,
    others: c.others,
    before: c.before as Rule[] | undefined,
  } as CanarySpec;
  const issues = canaryIssues(spec, "canary", "yaml");
  return issues.length > 0 ? { issues } : { spec, rest, issues: [] };
}

/**
 * Expands a document's `canary:` block into `policy:`. Returns the document unchanged when
 * it has no `canary`, the expanded document, or the issues (paths like `canary.current`).
 */
export function expandCanaryDocument(doc: unknown): { doc: unknown; issues: ValidationIssue[] } {
  const expanded = expandCanary(doc);
  return { doc: expanded.doc, issues: formatted(expanded.issues) };
}

/** expandCanaryDocument, with the issues' paths as parts (checkPolicyFile). */
export function expandCanary(doc: unknown): { doc: unknown; issues: CanaryIssue[] } {
  if (typeof doc !== "object" || doc === null || !("canary" in doc)) return { doc, issues: [] };
  const block = parseBlock(doc);
  if (block.spec === undefined) return { doc, issues: block.issues };
  return { doc: { ...block.rest, policy: canaryPolicy(block.spec) }, issues: [] };
}

/**
 * The plan of a document's `canary:` block (as a policy file holds it), or its issues with
 * YAML paths (`canary.stages[1].gates.error_rate.max`). A document without `canary` is an issue.
 */
export function canaryPlanOfDocument(
  doc: unknown,
): { ok: true; plan: CanaryPlan } | { ok: false; issues: ValidationIssue[] } {
  if (typeof doc !== "object" || doc === null || !("canary" in doc)) {
    return { ok: false, issues: [{ path: "canary", message: "canary: is required" }] };
  }
  const block = parseBlock(doc);
  if (block.spec === undefined) return { ok: false, issues: formatted(block.issues) };
  return { ok: true, plan: planOf(block.spec) };
}
