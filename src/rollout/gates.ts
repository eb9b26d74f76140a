/**
 * The verdict on a canary stage from the traces of its window (issue 16), pure: no clock, no
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
import type { PlannedStage } from "../policy/index.js";
import { type GateTrace, nearestRank } from "./traces.js";

export type Verdict = "pass" | "fail" | "wait" | "inconclusive";
export type GateName = "min_traces" | "error_rate" | "p95_duration";
/** The YAML names of the limits (`error_rate.max` and `p95_duration.max` are both `max`). */
export type LimitName = "min_traces" | "max_increase_points" | "max" | "max_ratio";
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

/** An agent's figures over the window. */
export interface AgentFigures {
  readonly agentKey: string;
  readonly traces: number;
  readonly errors: number;
  /** Percent of traces in `error`; null with no traces. */
  readonly errorRate: number | null;
  /** Traces with a duration (what p95 is over). */
  readonly durations: number;
  /** Nearest-rank 95th percentile of `duration_ms`; null with no durations. */
  readonly p95Ms: number | null;
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
  /** min_traces first, then error_rate and p95_duration when the stage sets them. */
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

interface Side {
  readonly figures: AgentFigures;
  readonly n: number;
  readonly value: number | null;
}

/**
 * One comparison gate: each limit either reads the canary alone (an absolute bound) or the
 * canary against the baseline (a bound derived from the baseline's figure).
 */
function comparisonGate(
  gate: GateName,
  samples: "traces" | "durations",
  canary: Side,
  baseline: Side,
  minTraces: number,
  baselineTraffic: boolean,
  limits: readonly {
    limit: LimitName;
    value: number;
    bound: (baseline: number) => number;
    relative: boolean;
  }[],
): GateResult {
  const shortOf = (s: Side): Shortfall[] =>
    s.n >= minTraces ? [] : [{ agentKey: s.figures.agentKey, samples, have: s.n, need: minTraces }];
  const short = new Map<string, Shortfall>();
  const results = limits.map((l): LimitResult => {
    if (l.relative && !baselineTraffic)
      return { limit: l.limit, value: l.value, bound: null, status: "skipped" };
    const missing = [...shortOf(canary), ...(l.relative ? shortOf(baseline) : [])];
    for (const m of missing) short.set(m.agentKey, m);
    if (missing.length > 0) return { limit: l.limit, value: l.value, bound: null, status: "wait" };
    const bound = l.bound(baseline.value!);
    return {
      limit: l.limit,
      value: l.value,
      bound,
      status: canary.value! <= bound + EPSILON ? "pass" : "fail",
    };
  });
  return {
    gate,
    status: combine(results.map((r) => r.status)),
    canary: canary.value,
    baseline: baseline.value,
    samples: { canary: canary.n, baseline: baseline.n },
    limits: results,
    short: [...short.values()],
  };
}

/**
 * The verdict on `stage` from the traces of its window (rules in the module header). Pure;
 * never throws for any traces (a trace outside the window or of another agent is not counted).
 */
export function evaluateGates(stage: PlannedStage, input: GateInput, options: GateOptions): GateEvaluation {
  const { window } = options;
  const canary = figuresOf(input.canary, window);
  const baseline = figuresOf(input.baseline, window);
  const { minTraces, errorRate, p95Duration } = stage.gates;
  const baselineTraffic = stage.weights[0] > 0;

  const gates: GateResult[] = [];
  const enough = canary.traces >= minTraces;
  gates.push({
    gate: "min_traces",
    status: enough ? "pass" : "wait",
    canary: canary.traces,
    baseline: baseline.traces,
    samples: { canary: canary.traces, baseline: baseline.traces },
    limits: [{ limit: "min_traces", value: minTraces, bound: null, status: enough ? "pass" : "wait" }],
    short: enough
      ? []
      : [{ agentKey: canary.agentKey, samples: "traces", have: canary.traces, need: minTraces }],
  });
  if (errorRate !== undefined) {
    const limits = [];
    if (errorRate.maxIncreasePoints !== undefined) {
      const p = errorRate.maxIncreasePoints;
      limits.push({
        limit: "max_increase_points" as const,
        value: p,
        bound: (b: number) => b + p,
        relative: true,
      });
    }
    if (errorRate.max !== undefined) {
      const max = errorRate.max;
      limits.push({ limit: "max" as const, value: max, bound: () => max, relative: false });
    }
    gates.push(
      comparisonGate(
        "error_rate",
        "traces",
        { figures: canary, n: canary.traces, value: canary.errorRate },
        { figures: baseline, n: baseline.traces, value: baseline.errorRate },
        minTraces,
        baselineTraffic,
        limits,
      ),
    );
  }
  if (p95Duration !== undefined) {
    const limits = [];
    if (p95Duration.maxRatio !== undefined) {
      const r = p95Duration.maxRatio;
      limits.push({ limit: "max_ratio" as const, value: r, bound: (b: number) => b * r, relative: true });
    }
    if (p95Duration.maxMs !== undefined) {
      const max = p95Duration.maxMs;
      limits.push({ limit: "max" as const, value: max, bound: () => max, relative: false });
    }
    gates.push(
      comparisonGate(
        "p95_duration",
        "durations",
        { figures: canary, n: canary.durations, value: canary.p95Ms },
        { figures: baseline, n: baseline.durations, value: baseline.p95Ms },
        minTraces,
        baselineTraffic,
        limits,
      ),
    );
  }

  const elapsedMs = Math.max(0, window.end - window.start);
  const statuses = gates.map((g) => g.status);
  let verdict: Verdict;
  let waitingFor: GateEvaluation["waitingFor"] = null;
  if (statuses.includes("fail")) verdict = "fail";
  else if (statuses.includes("wait")) {
    const waitUntil = options.waitUntil ?? window.start + stage.holdMs + stage.maxWaitMs;
    verdict = window.end < waitUntil ? "wait" : "inconclusive";
    if (verdict === "wait") waitingFor = elapsedMs < stage.holdMs ? "hold" : "traces";
  } else if (elapsedMs < stage.holdMs) {
    verdict = "wait";
    waitingFor = "hold";
  } else verdict = "pass";

  return {
    stage: stage.name,
    verdict,
    waitingFor,
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

/** `40m`, `1h30m`, `45s`, `500ms`, `0s`: a duration as a policy writes it (to the second from 1s). */
export function formatDuration(ms: number): string {
  if (ms < 1000) return ms <= 0 ? "0s" : `${Math.round(ms)}ms`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h > 0 ? `${h}h` : ""}${m > 0 ? `${m}m` : ""}${s > 0 ? `${s}s` : ""}`;
}

/** One decimal when that is exact (`1.0`, `0.5`), else the number as written (`0.25`). */
function limitNumber(v: number): string {
  const fixed = v.toFixed(1);
  return Number(fixed) === v ? fixed : String(v);
}
const percent = (v: number | null) => (v === null ? "n/a" : `${v.toFixed(1)}%`);
const millis = (v: number | null) =>
  v === null ? "n/a" : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`;

function limitText(gate: GateName, l: LimitResult): string {
  switch (l.limit) {
    case "min_traces":
      return `at least ${l.value}`;
    case "max_increase_points":
      return `+${limitNumber(l.value)} pt`;
    case "max_ratio":
      return `${l.value}x`;
    case "max":
      return gate === "error_rate" ? `${limitNumber(l.value)}%` : millis(l.value);
  }
}

function shortText(short: readonly Shortfall[]): string {
  const need = Math.max(...short.map((s) => s.need));
  const list = short.map(
    (s) => `${s.have} ${s.samples === "durations" ? "traces with a duration" : "traces"} on ${s.agentKey}`,
  );
  return `${list.join(" and ")}, ${need} needed`;
}

const LABEL: Readonly<Record<GateName, string>> = {
  min_traces: "traces",
  error_rate: "error rate",
  p95_duration: "p95 duration",
};

/**
 * One gate in words, e.g. `error rate of support-v2 6.8% vs 1.1% on support-v1 over 412 traces
 * (limit +1.0 pt)`. A failed gate names the limits it failed; a passed one, those it judged.
 * "over N traces" counts the canary's samples.
 */
export function describeGate(evaluation: GateEvaluation, gate: GateResult): string {
  const to = evaluation.canary.agentKey;
  const from = evaluation.baseline.agentKey;
  if (gate.status === "skipped") return `${LABEL[gate.gate]} not judged: no traffic to ${from} at this stage`;
  if (gate.status === "wait") {
    return gate.gate === "min_traces"
      ? shortText(gate.short)
      : `${LABEL[gate.gate]} not judged yet: ${shortText(gate.short)}`;
  }
  const shown = gate.limits.filter((l) => l.status === (gate.status === "fail" ? "fail" : "pass"));
  const limits = `${shown.length === 1 ? "limit" : "limits"} ${shown.map((l) => limitText(gate.gate, l)).join(", ")}`;
  if (gate.gate === "min_traces") return `${gate.samples.canary} traces on ${to} (${limits})`;
  const figure = gate.gate === "error_rate" ? percent : millis;
  const versus = gate.baseline === null ? "" : ` vs ${figure(gate.baseline)} on ${from}`;
  return `${LABEL[gate.gate]} of ${to} ${figure(gate.canary)}${versus} over ${gate.samples.canary} traces (${limits})`;
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
