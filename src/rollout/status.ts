/**
 * Where a running rollout is, published where every machine that can run `pulumi up` on the
 * stack reads it: a stack tag (`STATUS_TAG`) beside the rollout's record (record.ts), written
 * after each check. Why a tag: the backend keeps it for every reader of the stack (a CI runner,
 * a laptop, Pulumi Cloud's console), it needs no credential beyond the stack's, writing it is
 * not an update (no lock, no entry in the stack's history) and no `pulumi up` of the program
 * can change it; alias metadata would need the API's write role to read status and be
 * rewritten by every `up` of the program. What it holds: the stage and its weights, since
 * when, the hold, the checks so far and the last verdict, each agent's figures, each gate's
 * figure, bound and status, whether the rollout is paused and the last command it acted on.
 *
 * Pure: the snapshot, its encoding in a tag value's 256 characters (names cut, gates dropped
 * from the end if it still does not fit) and its decoding.
 */
import { canaryGates, MIN_TRACES_GATE } from "../policy/index.js";
import type { CheckStatus, GateEvaluation, Verdict } from "./gates.js";
import { TAG_VALUE_MAX } from "./record.js";

/** The stack tag holding the status. */
export const STATUS_TAG = "agent-alias:rollout-status";

/** An agent's figures at the last check. */
export interface AgentStatus {
  readonly agent: string;
  readonly traces: number;
  /** Percent of traces in error; null with none. */
  readonly errorRate: number | null;
  readonly p95Ms: number | null;
}

/** A gate at the last check: the canary's figure, the most it may be (or the least, for min_traces), its status. */
export interface GateStatus {
  readonly gate: string;
  readonly canary: number | null;
  readonly bound: number | null;
  readonly status: CheckStatus;
}

export interface RolloutStatusSnapshot {
  /** The run (record.ts `run`) that wrote it. */
  readonly run: string;
  readonly stage: string;
  readonly weights: readonly [number, number];
  /** When the stage took effect, and when this was written (ms since the epoch, to the second). */
  readonly since: number;
  readonly at: number;
  readonly holdMs: number;
  readonly checks: number;
  /** The last check's verdict; null before the first. */
  readonly verdict: Verdict | null;
  readonly paused: boolean;
  /** The stage after this one, if any. */
  readonly next: string | null;
  /** `from`, then `to`. */
  readonly agents: readonly AgentStatus[];
  readonly gates: readonly GateStatus[];
  /** The time (ms, exact) of the last steering command the rollout acted on, if any. */
  readonly acked: number | null;
}

/** The longest agent or stage name the tag keeps (the rest is cut). */
const NAME_MAX = 32;
/** Each gate and each gate status by a short code: its place in these lists. */
const GATE_CODES: readonly string[] = [MIN_TRACES_GATE.yaml, ...canaryGates().map(([, g]) => g.yaml)];
const STATUS_CODES: readonly CheckStatus[] = ["pass", "fail", "wait", "skipped"];
const round = (n: number | null, digits: number) =>
  n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits;
const sec = (ms: number) => Math.floor(ms / 1000);

/** The snapshot after a check with `evaluation` (figures and gates), or before the first (no evaluation). */
export function statusOf(
  base: Omit<RolloutStatusSnapshot, "agents" | "gates" | "verdict">,
  from: string,
  to: string,
  evaluation: GateEvaluation | null,
): RolloutStatusSnapshot {
  const agent = (key: string, f: GateEvaluation["baseline"] | undefined): AgentStatus => ({
    agent: key,
    traces: f?.traces ?? 0,
    errorRate: f?.errorRate ?? null,
    p95Ms: f?.p95Ms ?? null,
  });
  const gates: GateStatus[] = (evaluation?.gates ?? []).map((g) => {
    // min_traces: the least the figure must be (its value); any other gate: the lowest bound it sets.
    const bounds =
      g.gate === MIN_TRACES_GATE.yaml
        ? g.limits.map((l) => l.value)
        : g.limits.map((l) => l.bound).filter((b): b is number => b !== null);
    return {
      gate: g.gate,
      canary: g.canary,
      bound: bounds.length === 0 ? null : Math.min(...bounds),
      status: g.status,
    };
  });
  return {
    ...base,
    verdict: evaluation?.verdict ?? null,
    agents: [agent(from, evaluation?.baseline), agent(to, evaluation?.canary)],
    gates,
  };
}

/**
 * The snapshot as a tag value: at most TAG_VALUE_MAX characters. What does not fit goes, in
 * this order: names are cut shorter (32, 16, 8 characters), then gates go from the end.
 */
export function encodeStatus(s: RolloutStatusSnapshot): string {
  const short = (gates: readonly GateStatus[], cut: number) => ({
    r: s.run,
    s: s.stage.slice(0, cut),
    w: s.weights,
    t: sec(s.since),
    a: sec(s.at),
    h: sec(s.holdMs),
    n: s.checks,
    v: s.verdict,
    p: s.paused ? 1 : 0,
    x: s.next?.slice(0, cut) ?? null,
    // To the millisecond: a command is known by its time (steering.ts).
    k: s.acked,
    ag: s.agents.map((a) => [a.agent.slice(0, cut), a.traces, round(a.errorRate, 2), round(a.p95Ms, 0)]),
    g: gates.map((g) => [
      GATE_CODES.indexOf(g.gate),
      round(g.canary, 2),
      round(g.bound, 2),
      STATUS_CODES.indexOf(g.status),
    ]),
  });
  for (let n = s.gates.length; n >= 0; n--)
    for (const cut of [NAME_MAX, 16, 8]) {
      const text = JSON.stringify(short(s.gates.slice(0, n), cut));
      if (text.length <= TAG_VALUE_MAX) return text;
    }
  throw new Error(`the rollout status does not fit a stack tag's ${TAG_VALUE_MAX} characters`);
}

const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
const numOrNull = (v: unknown) => (isNum(v) ? v : null);
const VERDICTS: readonly string[] = ["pass", "fail", "wait", "inconclusive"];

/** A tag value as a snapshot; undefined when it is not one. */
export function decodeStatus(text: string | undefined): RolloutStatusSnapshot | undefined {
  if (!text) return undefined;
  let o: Record<string, unknown>;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
    o = v as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const w = o.w;
  if (
    typeof o.r !== "string" ||
    typeof o.s !== "string" ||
    !Array.isArray(w) ||
    w.length !== 2 ||
    !w.every(isNum) ||
    ![o.t, o.a, o.h, o.n].every(isNum)
  )
    return undefined;
  const agents = (Array.isArray(o.ag) ? o.ag : []).flatMap((a): AgentStatus[] =>
    Array.isArray(a) && typeof a[0] === "string" && isNum(a[1])
      ? [{ agent: a[0], traces: a[1], errorRate: numOrNull(a[2]), p95Ms: numOrNull(a[3]) }]
      : [],
  );
  const gates = (Array.isArray(o.g) ? o.g : []).flatMap((g): GateStatus[] =>
    Array.isArray(g) && GATE_CODES[g[0] as number] !== undefined && STATUS_CODES[g[3] as number] !== undefined
      ? [
          {
            gate: GATE_CODES[g[0] as number]!,
            canary: numOrNull(g[1]),
            bound: numOrNull(g[2]),
            status: STATUS_CODES[g[3] as number]!,
          },
        ]
      : [],
  );
  return {
    run: o.r,
    stage: o.s,
    weights: [w[0] as number, w[1] as number],
    since: (o.t as number) * 1000,
    at: (o.a as number) * 1000,
    holdMs: (o.h as number) * 1000,
    checks: o.n as number,
    verdict: VERDICTS.includes(o.v as string) ? (o.v as Verdict) : null,
    paused: o.p === 1,
    next: typeof o.x === "string" ? o.x : null,
    acked: isNum(o.k) ? o.k : null,
    agents,
    gates,
  };
}
