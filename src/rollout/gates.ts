/**
 * The verdict on a canary stage from the traces of its window, pure: no clock, no
 * I/O. The caller lists the traces of both agents since the stage took effect and says when
 * the check runs; `evaluateGates` says `pass`, `fail`, `wait` or `inconclusive`, with every
 * figure it judged by, and `describeVerdict` says why in one line.
 *
 * Rules (each gate limit is judged only on enough data):
 * - Each limit reads the canary's samples, and the baseline's when it compares against it
 *   (`max_increase_points`, `max_ratio`). It is judged only when every agent it reads has at
 *   least `min_traces` samples (traces; for p95, traces with a duration); otherwise it waits.
 *   A comparing limit at a stage that sends the baseline nothing (`weights[0] == 0`) is skipped.
 * - `fail` when any judged limit fails, even before the hold is over (an early abort).
 * - Otherwise, while any limit waits for samples: `wait` until hold + max_wait, then
 *   `inconclusive`. Never `pass` on too little data: `min_traces` is always a gate.
 * - Otherwise `wait` until the hold is over, then `pass`.
 * Comparisons allow 1e-9 of float error, so `2% <= 1% + 1 pt` holds.
 */
import {
  canaryGates,
  type GateFigures,
  type GateName,
  type GateSpec,
  gateLimits,
  type LimitName,
  MIN_TRACES_GATE,
  type PlannedStage,
} from "../policy/index.js";
import { formatDuration, nearestRank } from "../units/index.js";
import type { GateTrace } from "./traces.js";

export type { GateName, LimitName };
export { formatDuration };
export type Verdict = "pass" | "fail" | "wait" | "inconclusive";
/** `skipped`: nothing to judge at this stage (a comparison with a baseline that has no traffic). */
export type CheckStatus = "pass" | "fail" | "wait" | "skipped";

/** The traces of one agent; those outside the window or of another agent are not counted. */
export interface GateSample {
  readonly agentKey: string;
  readonly traces: readonly GateTrace[];
}

export interface GateInput {
  /** The `from` agent. */
  readonly baseline: GateSample;
  /** The `to` agent. */
  readonly canary: GateSample;
}

export interface GateOptions {
  /**
   * ms since the epoch: `start` when the stage took effect, `end` when the check runs. A trace
   * counts when `start <= started_at < end`, as the API's `started_after`/`started_before` read.
   */
  readonly window: { readonly start: number; readonly end: number };
  /**
   * ms since the epoch: until then, too few traces is `wait`, after it `inconclusive`. Default
   * `window.start + hold + max_wait`; a resumed stage is given at least `max_wait` from the resume.
   */
  readonly waitUntil?: number | undefined;
}

/** An agent's figures over the window (what the gate table's figures read). */
export interface AgentFigures extends GateFigures {
  readonly agentKey: string;
}

export interface LimitResult {
  readonly limit: LimitName;
  /** As written: traces, points, percent, a ratio, or ms. */
  readonly value: number;
  /** The most the canary's figure may be under this limit (baseline + points, ratio x baseline p95); null when not judged. */
  readonly bound: number | null;
  readonly status: CheckStatus;
}

/** An agent whose samples are short of `min_traces`. */
export interface Shortfall {
  readonly agentKey: string;
  readonly samples: "traces" | "durations";
  readonly have: number;
  readonly need: number;
}

export interface GateResult {
  readonly gate: GateName;
  readonly status: CheckStatus;
  /** The canary's figure: traces (min_traces), error rate in percent, or p95 in ms; null without samples. */
  readonly canary: number | null;
  readonly baseline: number | null;
  /** How many samples each figure is over. */
  readonly samples: { readonly canary: number; readonly baseline: number };
  readonly limits: readonly LimitResult[];
  /** What a waiting gate waits for. */
  readonly short: readonly Shortfall[];
}

export interface GateEvaluation {
  readonly stage: string;
  readonly verdict: Verdict;
  /** For `wait`: the hold is not over, or it is and the samples are short. */
  readonly waitingFor: "hold" | "traces" | null;
  readonly window: { readonly start: number; readonly end: number };
  readonly elapsedMs: number;
  readonly holdMs: number;
  readonly maxWaitMs: number;
  readonly baseline: AgentFigures;
  readonly canary: AgentFigures;
  /** min_traces first, then each gate of the table (error_rate, p95_duration) the stage sets. */
  readonly gates: readonly GateResult[];
}

const EPSILON = 1e-9;

function figuresOf(sample: GateSample, window: GateOptions["window"]) {
  let traces = 0;
  let errors = 0;
  const durations: number[] = [];
  for (const t of sample.traces) {
    if (t.agentKey !== sample.agentKey || !(t.startedAt >= window.start && t.startedAt < window.end))
      continue;
    traces++;
    if (!t.ok) errors++;
    if (t.durationMs !== null) durations.push(t.durationMs);
  }
  const figures: AgentFigures = {
    agentKey: sample.agentKey,
    traces,
    errors,
    errorRate: traces === 0 ? null : (errors / traces) * 100,
    durations: durations.length,
    p95Ms: nearestRank(durations, 95),
  };
  return figures;
}

function combine(statuses: readonly CheckStatus[]): CheckStatus {
  for (const s of ["fail", "wait", "pass"] as const) if (statuses.includes(s)) return s;
  return "skipped";
}

/** One limit as judged: its value and the bound it sets from the baseline's figure. */
interface JudgedLimit {
  readonly limit: LimitName;
  readonly value: number;
  readonly bound: (baseline: number) => number;
  readonly relative: boolean;
}

/** The limits of `gate` the stage sets, in table order. */
function judgedLimits(gate: GateSpec, planned: Readonly<Record<string, number | undefined>>): JudgedLimit[] {
  const out: JudgedLimit[] = [];
  for (const [, l] of gateLimits(gate)) {
    const value = planned[l.planned];
    if (value === undefined) continue;
    out.push({
      limit: l.yaml as LimitName,
      value,
      bound: (baseline) => l.bound(value, baseline),
      relative: l.relative,
    });
  }
  return out;
}

/**
 * One comparison gate: each limit either reads the canary alone (an absolute bound) or the
 * canary against the baseline (a bound derived from the baseline's figure).
 */
function comparisonGate(
  gate: GateSpec,
  canary: AgentFigures,
  baseline: AgentFigures,
  minTraces: number,
  baselineTraffic: boolean,
  limits: readonly JudgedLimit[],
): GateResult {
  const samples = gate.samples;
  const shortOf = (f: AgentFigures): Shortfall[] =>
    f[samples] >= minTraces ? [] : [{ agentKey: f.agentKey, samples, have: f[samples], need: minTraces }];
  const canaryValue = gate.figure(canary);
  const baselineValue = gate.figure(baseline);
  const short = new Map<string, Shortfall>();
  const results = limits.map((l): LimitResult => {
    if (l.relative && !baselineTraffic)
      return { limit: l.limit, value: l.value, bound: null, status: "skipped" };
    const missing = [...shortOf(canary), ...(l.relative ? shortOf(baseline) : [])];
    for (const m of missing) short.set(m.agentKey, m);
    if (missing.length > 0) return { limit: l.limit, value: l.value, bound: null, status: "wait" };
    const bound = l.bound(baselineValue!);
    return {
      limit: l.limit,
      value: l.value,
      bound,
      status: canaryValue! <= bound + EPSILON ? "pass" : "fail",
    };
  });
  return {
    gate: gate.yaml as GateName,
    status: combine(results.map((r) => r.status)),
    canary: canaryValue,
    baseline: baselineValue,
    samples: { canary: canary[samples], baseline: baseline[samples] },
    limits: results,
    short: [...short.values()],
  };
}

/** The gate every stage has: enough traces on the canary. */
function minTracesGate(canary: AgentFigures, baseline: AgentFigures, minTraces: number): GateResult {
  const enough = canary.traces >= minTraces;
  return {
    gate: MIN_TRACES_GATE.yaml,
    status: enough ? "pass" : "wait",
    canary: canary.traces,
    baseline: baseline.traces,
    samples: { canary: canary.traces, baseline: baseline.traces },
    limits: [
      { limit: MIN_TRACES_GATE.yaml, value: minTraces, bound: null, status: enough ? "pass" : "wait" },
    ],
    short: enough
      ? []
      : [{ agentKey: canary.agentKey, samples: "traces", have: canary.traces, need: minTraces }],
  };
}

/** The verdict of the gates' statuses at the window's end (rules in the module header). */
function verdictOf(
  stage: PlannedStage,
  gates: readonly GateResult[],
  options: GateOptions,
  elapsedMs: number,
): { verdict: Verdict; waitingFor: GateEvaluation["waitingFor"] } {
  const { window } = options;
  const statuses = gates.map((g) => g.status);
  if (statuses.includes("fail")) return { verdict: "fail", waitingFor: null };
  if (statuses.includes("wait")) {
    const waitUntil = options.waitUntil ?? window.start + stage.holdMs + stage.maxWaitMs;
    if (window.end >= waitUntil) return { verdict: "inconclusive", waitingFor: null };
    return { verdict: "wait", waitingFor: elapsedMs < stage.holdMs ? "hold" : "traces" };
  }
  if (elapsedMs < stage.holdMs) return { verdict: "wait", waitingFor: "hold" };
  return { verdict: "pass", waitingFor: null };
}

/**
 * The verdict on `stage` from the traces of its window (rules in the module header). Pure;
 * never throws for any traces (a trace outside the window or of another agent is not counted).
 */
export function evaluateGates(stage: PlannedStage, input: GateInput, options: GateOptions): GateEvaluation {
  const { window } = options;
  const canary = figuresOf(input.canary, window);
  const baseline = figuresOf(input.baseline, window);
  const { minTraces } = stage.gates;
  const baselineTraffic = stage.weights[0] > 0;
  const gates: GateResult[] = [minTracesGate(canary, baseline, minTraces)];
  for (const [key, gate] of canaryGates()) {
    const planned = stage.gates[key];
    if (planned === undefined) continue;
    const limits = judgedLimits(gate, planned as Readonly<Record<string, number | undefined>>);
    gates.push(comparisonGate(gate, canary, baseline, minTraces, baselineTraffic, limits));
  }
  const elapsedMs = Math.max(0, window.end - window.start);
  return {
    stage: stage.name,
    ...verdictOf(stage, gates, options, elapsedMs),
    window: { start: window.start, end: window.end },
    elapsedMs,
    holdMs: stage.holdMs,
    maxWaitMs: stage.maxWaitMs,
    baseline,
    canary,
    gates,
  };
}

// ---- messages --------------------------------------------------------------------------------

/** Each comparison gate of the table by its YAML name. */
const BY_NAME: ReadonlyMap<string, GateSpec> = new Map(canaryGates().map(([, g]) => [g.yaml, g]));

const labelOf = (gate: GateName): string => BY_NAME.get(gate)?.label ?? MIN_TRACES_GATE.label;

/** A limit in words, as its gate's table entry writes it (`+1.0 pt`, `at least 100`). */
function limitText(gate: GateName, l: LimitResult): string {
  const spec = BY_NAME.get(gate);
  if (spec === undefined) return MIN_TRACES_GATE.text(l.value);
  return gateLimits(spec)
    .find(([, s]) => s.yaml === l.limit)![1]
    .text(l.value);
}

function shortText(short: readonly Shortfall[]): string {
  const need = Math.max(...short.map((s) => s.need));
  const list = short.map(
    (s) => `${s.have} ${s.samples === "durations" ? "traces with a duration" : "traces"} on ${s.agentKey}`,
  );
  return `${list.join(" and ")}, ${need} needed`;
}

/**
 * One gate in words, e.g. `error rate of support-v2 6.8% vs 1.1% on support-v1 over 412 traces
 * (limit +1.0 pt)`. A failed gate names the limits it failed; a passed one, those it judged.
 * "over N traces" counts the canary's samples.
 */
export function describeGate(evaluation: GateEvaluation, gate: GateResult): string {
  const to = evaluation.canary.agentKey;
  const from = evaluation.baseline.agentKey;
  const label = labelOf(gate.gate);
  if (gate.status === "skipped") return `${label} not judged: no traffic to ${from} at this stage`;
  const spec = BY_NAME.get(gate.gate);
  if (gate.status === "wait")
    return spec === undefined ? shortText(gate.short) : `${label} not judged yet: ${shortText(gate.short)}`;
  const shown = gate.limits.filter((l) => l.status === (gate.status === "fail" ? "fail" : "pass"));
  const limits = `${shown.length === 1 ? "limit" : "limits"} ${shown.map((l) => limitText(gate.gate, l)).join(", ")}`;
  if (spec === undefined) return `${gate.samples.canary} traces on ${to} (${limits})`;
  const versus = gate.baseline === null ? "" : ` vs ${spec.shown(gate.baseline)} on ${from}`;
  return `${label} of ${to} ${spec.shown(gate.canary)}${versus} over ${gate.samples.canary} traces (${limits})`;
}

/**
 * The verdict in one line. `fail`: the failed gates, as describeGate gives them, joined by `; `
 * (`error rate of support-v2 6.8% vs 1.1% on support-v1 over 412 traces (limit +1.0 pt)`);
 * `inconclusive`: `inconclusive after 40m (hold 30m + max wait 10m): 37 traces on support-v2,
 * 200 needed`; `pass`: `passed after 30m: …`; `wait`: `holding 12m of 30m: …` or `waiting 5m of
 * max wait 10m for traces: …`. With `revertedTo`, `; reverted to <stage>` follows.
 */
export function describeVerdict(evaluation: GateEvaluation, revertedTo?: string): string {
  const e = evaluation;
  const judged = e.gates.filter((g) => g.status !== "skipped");
  const all = () => judged.map((g) => describeGate(e, g)).join("; ");
  // Each agent once: too few traces implies too few durations, so that one is not repeated.
  const short = () => {
    const all = e.gates.flatMap((g) => g.short);
    const byAgent = new Map<string, Shortfall>();
    for (const s of all) {
      if (s.samples === "durations" && all.some((t) => t.agentKey === s.agentKey && t.samples === "traces"))
        continue;
      byAgent.set(s.agentKey, s);
    }
    return shortText([...byAgent.values()]);
  };
  let line: string;
  switch (e.verdict) {
    case "fail":
      line = e.gates
        .filter((g) => g.status === "fail")
        .map((g) => describeGate(e, g))
        .join("; ");
      break;
    case "inconclusive":
      line = `inconclusive after ${formatDuration(e.elapsedMs)} (hold ${formatDuration(e.holdMs)} + max wait ${formatDuration(e.maxWaitMs)}): ${short()}`;
      break;
    case "pass":
      line = `passed after ${formatDuration(e.elapsedMs)}: ${all()}`;
      break;
    case "wait":
      line =
        e.waitingFor === "hold"
          ? `holding ${formatDuration(e.elapsedMs)} of ${formatDuration(e.holdMs)}: ${all()}`
          : `waiting ${formatDuration(e.elapsedMs - e.holdMs)} of max wait ${formatDuration(e.maxWaitMs)} for traces: ${short()}`;
      break;
  }
  return revertedTo === undefined ? line : `${line}; reverted to ${revertedTo}`;
}
