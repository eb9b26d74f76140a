/**
 * A canary's check fields (`hold`, `max_wait`, `max_failed_checks`, `gates`), declared once:
 * their TypeScript and YAML names and how each value is validated. One table gives the YAML
 * schema of the `canary:` block, the YAML -> spec renaming and the validation of both doors
 * (YAML documents and TypeScript specs); the gates' fields come from the gate table.
 */
import { z } from "zod";
import { MS, parseDuration } from "../units/index.js";
import { type CanaryGates, canaryGates, gateLimits, type LeafKind, MIN_TRACES_GATE } from "./canary-gates.js";
import type { CanaryChecks } from "./canary-stages.js";
import { describeValue, isRecord, type PathPart } from "./issues.js";
import { CANARY_LIMITS } from "./limits.js";

export type { LeafKind };

/** `duration` may be 0 (`max_wait: 0s`: no waiting past the hold); `period` may not (a hold, a p95 limit). */

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

/** Whether a value of this kind is written as a duration (and planned in ms). */
export const isDurationKind = (kind: LeafKind): boolean => kind === "duration" || kind === "period";

const GATE_FIELDS = Object.fromEntries([
  ["minTraces", { yaml: MIN_TRACES_GATE.yaml, kind: MIN_TRACES_GATE.kind }],
  ...canaryGates().map(([key, gate]) => [
    key,
    {
      yaml: gate.yaml,
      needsOne: true,
      fields: Object.fromEntries(gateLimits(gate).map(([name, l]) => [name, { yaml: l.yaml, kind: l.kind }])),
    },
  ]),
]) as Readonly<Record<keyof CanaryGates, Field>>;

export const CHECK_FIELDS: Readonly<Record<keyof CanaryChecks, Field>> = {
  hold: { yaml: "hold", kind: "period" },
  maxWait: { yaml: "max_wait", kind: "duration" },
  maxFailedChecks: { yaml: "max_failed_checks", kind: "checks" },
  gates: { yaml: "gates", fields: GATE_FIELDS },
};

/** How paths are written: the TypeScript names (`errorRate`) or the YAML ones (`error_rate`). */
export type CanaryNaming = "ts" | "yaml";

/** The zod shape of some fields under their YAML names (leaves are checked by `fieldIssues`). */
export function zodShape(fields: Readonly<Record<string, Field>>): Record<string, z.ZodType> {
  return Object.fromEntries(
    Object.values(fields).map((f) => [
      f.yaml,
      // Leaves are checked by leafProblem (the same rule for YAML and TypeScript input).
      isGroup(f) ? z.strictObject(zodShape(f.fields)).optional() : z.unknown().optional(),
    ]),
  );
}

/** The fields of a YAML value under their TypeScript names. */
export function fromYaml(fields: Readonly<Record<string, Field>>, value: Record<string, unknown>) {
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
        ? `must be a duration of at most ${L.maxDurationMs / MS.hour}h, got ${shown(v)}`
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

/** Reports one problem at `parts` (relative to the spec). */
export type Add = (parts: PathPart[], detail: string) => void;

/** The problems of some fields of `value` (TypeScript names), at `at`, named as `naming` writes them. */
export function fieldIssues(
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
