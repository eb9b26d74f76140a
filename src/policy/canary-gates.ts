/**
 * The gates of a canary stage, declared once: for each gate its YAML name, its limits (each
 * with how it is validated, the planned field it resolves to, whether it reads the baseline,
 * the bound it sets and how a verdict and a dry run write it), the figure it judges and how
 * the report shows it. The canary validation and the YAML schema (canary-fields.ts), the plan
 * (canary-plan.ts), the evaluation and its messages (rollout/gates.ts), the dry run's stage
 * lines (rollout/runner.ts) and the Markdown report (rollout/report.ts) all read this table.
 * `min_traces` is the gate every stage has: the samples every other gate needs.
 */
import { formatDuration } from "../units/index.js";

/** How a leaf of a gate is written and checked (canary-fields.ts reads it). */
export type LeafKind = "duration" | "period" | "percent" | "ratio" | "traces" | "checks";

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

/** A stage's gates with the defaults applied. Limits not set are absent (not judged). */
export interface PlannedGates {
  readonly minTraces: number;
  readonly errorRate?: { readonly maxIncreasePoints?: number; readonly max?: number };
  readonly p95Duration?: { readonly maxRatio?: number; readonly maxMs?: number };
}

/** The gates that compare figures (every gate but `minTraces`), by their TypeScript name. */
export type GateKey = Exclude<keyof CanaryGates, "minTraces">;

/** An agent's figures over a stage's window: what the gates judge. */
export interface GateFigures {
  readonly traces: number;
  readonly errors: number;
  /** Percent of traces in `error`; null with no traces. */
  readonly errorRate: number | null;
  /** Traces with a duration (what p95 is over). */
  readonly durations: number;
  /** Nearest-rank 95th percentile of `duration_ms`; null with no durations. */
  readonly p95Ms: number | null;
}

/** One limit of a gate. */
export interface GateLimitSpec<P extends string = string> {
  /** Its YAML name (also the name a result carries). */
  readonly yaml: string;
  /** How its value is validated (a duration is planned in ms). */
  readonly kind: LeafKind;
  /** The field of the planned gate that holds its resolved value. */
  readonly planned: P;
  /** Compares the canary with the baseline: skipped at a stage that sends the baseline nothing. */
  readonly relative: boolean;
  /** The most the canary's figure may be, given the limit's planned value and the baseline's figure. */
  readonly bound: (value: number, baseline: number) => number;
  /** The limit in a verdict: `+1.0 pt`, `2.00 s`. */
  readonly text: (value: number) => string;
  /** The limit in a dry run's stage line: `error rate +1 pt`. */
  readonly plan: (value: number) => string;
}

/** One gate: its limits (in the order they are judged and shown) and its figure. */
export interface GateSpec<L extends string = string, P extends string = string> {
  readonly yaml: string;
  /** Its name in words: `error rate`. */
  readonly label: string;
  /** Which count its samples are (`traces`, or `durations`: traces with a duration). */
  readonly samples: "traces" | "durations";
  /** The figure it judges. */
  readonly figure: (f: GateFigures) => number | null;
  /** The figure in a verdict: `6.8%`, `1.20 s`, `n/a` without one. */
  readonly shown: (v: number | null) => string;
  readonly limits: { readonly [K in L]: GateLimitSpec<P> };
  /** The report's column of each agent's figure: its header, its JSON field, its cell. */
  readonly report: {
    readonly column: string;
    readonly json: string;
    readonly cell: (v: number | null) => string;
  };
}

/** One decimal when that is exact (`1.0`, `0.5`), else the number as written (`0.25`). */
function limitNumber(v: number): string {
  const fixed = v.toFixed(1);
  return Number(fixed) === v ? fixed : String(v);
}
const percent = (v: number | null) => (v === null ? "n/a" : `${v.toFixed(1)}%`);
const millis = (v: number | null) =>
  v === null ? "n/a" : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;

type Planned<K extends GateKey> = Extract<keyof NonNullable<PlannedGates[K]>, string>;
type Spec<K extends GateKey> = GateSpec<Extract<keyof NonNullable<CanaryGates[K]>, string>, Planned<K>>;

/** The gates, in the order they are judged and reported. */
export const CANARY_GATES = {
  errorRate: {
    yaml: "error_rate",
    label: "error rate",
    samples: "traces",
    figure: (f) => f.errorRate,
    shown: percent,
    limits: {
      maxIncreasePoints: {
        yaml: "max_increase_points",
        kind: "percent",
        planned: "maxIncreasePoints",
        relative: true,
        bound: (points, baseline) => baseline + points,
        text: (v) => `+${limitNumber(v)} pt`,
        plan: (v) => `error rate +${v} pt`,
      },
      max: {
        yaml: "max",
        kind: "percent",
        planned: "max",
        relative: false,
        bound: (max) => max,
        text: (v) => `${limitNumber(v)}%`,
        plan: (v) => `error rate <= ${v}%`,
      },
    },
    report: { column: "errors", json: "error_rate", cell: percent },
  },
  p95Duration: {
    yaml: "p95_duration",
    label: "p95 duration",
    samples: "durations",
    figure: (f) => f.p95Ms,
    shown: millis,
    limits: {
      maxRatio: {
        yaml: "max_ratio",
        kind: "ratio",
        planned: "maxRatio",
        relative: true,
        bound: (ratio, baseline) => baseline * ratio,
        text: (v) => `${v}x`,
        plan: (v) => `p95 <= ${v}x`,
      },
      max: {
        yaml: "max",
        kind: "period",
        planned: "maxMs",
        relative: false,
        bound: (maxMs) => maxMs,
        text: millis,
        plan: (v) => `p95 <= ${formatDuration(v)}`,
      },
    },
    report: { column: "p95", json: "p95_ms", cell: (v) => (v === null ? "n/a" : `${Math.round(v)} ms`) },
  },
} as const satisfies { readonly [K in GateKey]: Spec<K> };

/** The gate every stage has: enough traces on the canary before any verdict. */
export const MIN_TRACES_GATE = Object.freeze({
  yaml: "min_traces",
  label: "traces",
  kind: "traces",
  text: (v: number) => `at least ${v}`,
  plan: (v: number) => `min_traces ${v}`,
} as const);

/** The YAML names of the gates: `min_traces`, then the table's. */
export type GateName = typeof MIN_TRACES_GATE.yaml | (typeof CANARY_GATES)[GateKey]["yaml"];

/** The YAML names of the limits (`error_rate.max` and `p95_duration.max` are both `max`). */
export type LimitName = typeof MIN_TRACES_GATE.yaml | { [K in GateKey]: LimitYaml<K> }[GateKey];
type LimitsOf<K extends GateKey> = (typeof CANARY_GATES)[K]["limits"];
type LimitYaml<K extends GateKey> = {
  [L in keyof LimitsOf<K>]: LimitsOf<K>[L] extends { readonly yaml: infer Y } ? Y : never;
}[keyof LimitsOf<K>];

/** The JSON fields of an agent's figures in the report, one per gate. */
export type GateJsonField = (typeof CANARY_GATES)[GateKey]["report"]["json"];

/** The gates as `[key, spec]`, in table order. */
export const canaryGates = (): [GateKey, GateSpec][] => Object.entries(CANARY_GATES) as [GateKey, GateSpec][];

/** A gate's limits as `[name, spec]`, in table order. */
export const gateLimits = (gate: GateSpec): [string, GateLimitSpec][] => Object.entries(gate.limits);
