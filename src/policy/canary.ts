/**
 * Declarative canary stages: a stage table (default 95/5 -> 80/20 -> 50/50 -> 0/100) and the
 * current stage become a routing policy, so moving a rollout on is a one-line change (a
 * Pulumi config value, or the `current:` field of a YAML file). The split is sticky
 * (rendezvous hashing): each step moves users only from the old agent to the new one.
 */
import { z } from "zod";
import { describeZodIssues, formatPath, type PathPart } from "./issues.js";
import type { Policy, Rule } from "./schema.js";
import type { ValidationIssue } from "./validate.js";

/** A problem of a canary block: its path as parts, and the message (which names the path). */
export interface CanaryIssue {
  readonly parts: readonly PathPart[];
  readonly message: string;
}

const formatted = (issues: readonly CanaryIssue[]): ValidationIssue[] =>
  issues.map((i) => ({ path: formatPath(i.parts), message: i.message }));

export interface CanaryStage {
  name: string;
  /** Weights of [from, to], integers >= 0, not both 0. */
  weights: readonly [number, number];
}

export const DEFAULT_STAGES: readonly CanaryStage[] = Object.freeze([
  { name: "canary-5", weights: [95, 5] as const },
  { name: "canary-20", weights: [80, 20] as const },
  { name: "canary-50", weights: [50, 50] as const },
  { name: "complete", weights: [0, 100] as const },
]);

export interface CanarySpec {
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

const stageSchema = z.strictObject({
  name: z.string({ error: "must be a string" }).min(1, { error: "must not be empty" }),
  weights: z.tuple(
    [
      z.number().int({ error: "must be an integer >= 0" }).min(0, { error: "must be an integer >= 0" }),
      z.number().int({ error: "must be an integer >= 0" }).min(0, { error: "must be an integer >= 0" }),
    ],
    { error: "must be [from weight, to weight]" },
  ),
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
});

/** Problems of a canary spec, as `{path, message}` (paths relative to `prefix`). */
export function validateCanary(spec: CanarySpec, prefix = "canary"): ValidationIssue[] {
  return formatted(canaryIssues(spec, prefix));
}

function canaryIssues(spec: CanarySpec, prefix: string): CanaryIssue[] {
  const issues: CanaryIssue[] = [];
  const add = (parts: PathPart[], detail: string) =>
    issues.push({ parts: [prefix, ...parts], message: `${formatPath([prefix, ...parts])}: ${detail}` });
  const stages = spec.stages ?? DEFAULT_STAGES;
  const seen = new Map<string, number>();
  stages.forEach((s, i) => {
    const first = seen.get(s.name);
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
  });
  if (!seen.has(spec.current)) {
    add(["current"], `unknown stage '${spec.current}'; the stages are ${[...seen.keys()].join(", ")}`);
  }
  if (spec.from === spec.to) add(["to"], `must differ from 'from' (${spec.from})`);
  return issues;
}

/** Thrown by canaryPolicy for an invalid spec; `issues` name the fields. */
export class CanaryError extends Error {
  override readonly name = "CanaryError";
  readonly code = "invalid_canary" as const;
  constructor(readonly issues: readonly ValidationIssue[]) {
    super(issues.map((i) => i.message).join("\n"));
  }
}

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
 * `others` (default `from`) follows. Throws CanaryError for an invalid spec.
 */
export function canaryPolicy(spec: CanarySpec): Policy {
  const rules: Rule[] = [...(spec.before ?? []), canaryRule(spec)];
  if (spec.match !== undefined)
    rules.push({ targets: { type: "single", agent_key: spec.others ?? spec.from } });
  return { type: "routed", rules };
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
  const { canary, ...rest } = doc as { canary: unknown; policy?: unknown };
  if (rest.policy !== undefined) {
    return {
      doc,
      issues: [{ parts: ["canary"], message: "canary: give either `canary` or `policy`, not both" }],
    };
  }
  const parsed = canaryBlockSchema.safeParse(canary);
  if (!parsed.success) {
    return {
      doc,
      issues: describeZodIssues(parsed.error, canary, ["canary"]).map(({ parts, detail }) => ({
        parts,
        message: `${formatPath(parts)}: ${detail}`,
      })),
    };
  }
  const c = parsed.data;
  const spec: CanarySpec = {
    from: c.from,
    to: c.to,
    partitionBy: c.partition_by,
    current: c.current,
    stages: c.stages?.map((s) => ({ name: s.name, weights: s.weights })),
    match: c.match,
    others: c.others,
    before: c.before as Rule[] | undefined,
  };
  const issues = canaryIssues(spec, "canary");
  if (issues.length > 0) return { doc, issues };
  return { doc: { ...rest, policy: canaryPolicy(spec) }, issues: [] };
}
