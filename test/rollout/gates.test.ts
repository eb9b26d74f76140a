import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CanaryStage, canaryPlan, type PlannedStage } from "../../src/policy/index.js";
import {
  type ApiTrace,
  describeGate,
  describeVerdict,
  evaluateGates,
  formatDuration,
  type GateTrace,
  gateTraceOf,
  gateTracesOf,
  initialCheckState,
  nearestRank,
  nextState,
  type Verdict,
} from "../../src/rollout/index.js";
import { traceSchema } from "../../src/wire/index.js";

const FROM = "support-v1";
const TO = "support-v2";
const T0 = Date.parse("2026-06-02T10:00:00Z");
const MIN = 60_000;

/** Typical gates: +1 pt and 5% on errors, p95 at most 1.2x, 200 traces, hold 30m, wait 10m. */
function stageOf(
  weights: readonly [number, number] = [95, 5],
  extra: Partial<CanaryStage> = {},
): PlannedStage {
  const plan = canaryPlan({
    from: FROM,
    to: TO,
    partitionBy: "get('$.session.key')",
    current: "s",
    hold: "30m",
    maxWait: "10m",
    gates: { minTraces: 200, errorRate: { maxIncreasePoints: 1, max: 5 }, p95Duration: { maxRatio: 1.2 } },
    stages: [{ name: "s", weights, ...extra }],
  });
  return plan.stages[0]!;
}

/** `n` traces of `agent` spread over the first `spanMs` of the window; the first `errors` fail. */
function traces(
  agent: string,
  n: number,
  opts: { errors?: number; durationMs?: (i: number) => number | null; spanMs?: number } = {},
): GateTrace[] {
  const span = opts.spanMs ?? 20 * MIN;
  return Array.from({ length: n }, (_, i) => ({
    agentKey: agent,
    ok: i >= (opts.errors ?? 0),
    durationMs: opts.durationMs ? opts.durationMs(i) : 800 + (i % 50) * 10,
    startedAt: T0 + Math.floor((i * span) / Math.max(n, 1)),
  }));
}

const at = (minutes: number) => ({ window: { start: T0, end: T0 + minutes * MIN } });
const input = (baseline: GateTrace[], canary: GateTrace[]) => ({
  baseline: { agentKey: FROM, traces: baseline },
  canary: { agentKey: TO, traces: canary },
});

describe("the verdicts on a canary stage", () => {
  it("a healthy canary passes once the hold is over, and holds before", () => {
    const data = input(traces(FROM, 4000, { errors: 40 }), traces(TO, 412, { errors: 4 }));
    const holding = evaluateGates(stageOf(), data, at(25));
    expect([holding.verdict, holding.waitingFor]).toEqual(["wait", "hold"]);
    const e = evaluateGates(stageOf(), data, at(30));
    expect(e.verdict).toBe("pass");
    expect(e.gates.map((g) => [g.gate, g.status])).toEqual([
      ["min_traces", "pass"],
      ["error_rate", "pass"],
      ["p95_duration", "pass"],
    ]);
    expect(e.canary).toEqual({
      agentKey: TO,
      traces: 412,
      errors: 4,
      errorRate: (4 / 412) * 100,
      durations: 412,
      p95Ms: 1270,
    });
    expect(describeVerdict(e)).toBe(
      "passed after 30m: 412 traces on support-v2 (limit at least 200); " +
        "error rate of support-v2 1.0% vs 1.0% on support-v1 over 412 traces (limits +1.0 pt, 5.0%); " +
        "p95 duration of support-v2 1.27 s vs 1.27 s on support-v1 over 412 traces (limit 1.2x)",
    );
    expect(describeVerdict(holding)).toMatch(/^holding 25m of 30m: 412 traces on support-v2/);
  });

  it("8% errors against 1% fails error_rate, on both limits", () => {
    const e = evaluateGates(
      stageOf(),
      input(traces(FROM, 4000, { errors: 40 }), traces(TO, 400, { errors: 32 })),
      at(30),
    );
    expect(e.verdict).toBe("fail");
    const gate = e.gates.find((g) => g.gate === "error_rate")!;
    expect(gate.limits).toEqual([
      { limit: "max_increase_points", value: 1, bound: 2, status: "fail" },
      { limit: "max", value: 5, bound: 5, status: "fail" },
    ]);
    expect(describeVerdict(e, "baseline")).toBe(
      "error rate of support-v2 8.0% vs 1.0% on support-v1 over 400 traces (limits +1.0 pt, 5.0%); reverted to baseline",
    );
  });

  it("the verdict line, exactly", () => {
    const stage = stageOf([80, 20], { gates: { errorRate: { maxIncreasePoints: 1, max: 10 } } });
    // 28 of 412 is 6.80%; 11 of 1000 is 1.1%.
    const e = evaluateGates(
      stage,
      input(traces(FROM, 1000, { errors: 11 }), traces(TO, 412, { errors: 28 })),
      at(31),
    );
    expect(e.verdict).toBe("fail");
    expect(describeGate(e, e.gates.find((g) => g.gate === "error_rate")!)).toBe(
      "error rate of support-v2 6.8% vs 1.1% on support-v1 over 412 traces (limit +1.0 pt)",
    );
    expect(describeVerdict(e, "canary-5")).toBe(
      "error rate of support-v2 6.8% vs 1.1% on support-v1 over 412 traces (limit +1.0 pt); reverted to canary-5",
    );
  });

  it("a canary twice as slow fails p95_duration", () => {
    const e = evaluateGates(
      stageOf(),
      input(traces(FROM, 4000, { durationMs: () => 1000 }), traces(TO, 400, { durationMs: () => 2000 })),
      at(30),
    );
    expect(e.verdict).toBe("fail");
    expect(e.gates.map((g) => g.status)).toEqual(["pass", "pass", "fail"]);
    expect(describeVerdict(e, "canary-5")).toBe(
      "p95 duration of support-v2 2.00 s vs 1.00 s on support-v1 over 400 traces (limit 1.2x); reverted to canary-5",
    );
  });

  it("too little traffic waits past the hold, then is inconclusive; never passes", () => {
    const data = input(traces(FROM, 4000), traces(TO, 37));
    const seen = [0, 10, 29, 30, 35, 39].map((m) => evaluateGates(stageOf(), data, at(m)));
    expect(seen.map((e) => [e.verdict, e.waitingFor])).toEqual([
      ["wait", "hold"],
      ["wait", "hold"],
      ["wait", "hold"],
      ["wait", "traces"],
      ["wait", "traces"],
      ["wait", "traces"],
    ]);
    expect(describeVerdict(seen[3]!)).toBe(
      "waiting 0s of max wait 10m for traces: 37 traces on support-v2, 200 needed",
    );
    expect(describeVerdict(seen[4]!)).toBe(
      "waiting 5m of max wait 10m for traces: 37 traces on support-v2, 200 needed",
    );
    const late = evaluateGates(stageOf(), data, at(40));
    expect(late.verdict).toBe("inconclusive");
    expect(describeVerdict(late, "canary-5")).toBe(
      "inconclusive after 40m (hold 30m + max wait 10m): 37 traces on support-v2, 200 needed; reverted to canary-5",
    );
  });

  it("a clearly bad canary fails before the hold is over (early abort)", () => {
    const e = evaluateGates(
      stageOf(),
      input(traces(FROM, 4000, { errors: 40 }), traces(TO, 250, { errors: 50, spanMs: 5 * MIN })),
      at(5),
    );
    expect(e.verdict).toBe("fail");
  });
});

describe("gate rules", () => {
  it("a comparison waits for the baseline's traces too, naming who is short", () => {
    const e = evaluateGates(stageOf([20, 80]), input(traces(FROM, 50), traces(TO, 800)), at(30));
    expect(e.verdict).toBe("wait");
    const gate = e.gates.find((g) => g.gate === "error_rate")!;
    expect(gate.limits.map((l) => [l.limit, l.status])).toEqual([
      ["max_increase_points", "wait"],
      ["max", "pass"],
    ]);
    expect(describeGate(e, gate)).toBe("error rate not judged yet: 50 traces on support-v1, 200 needed");
    expect(
      describeVerdict(evaluateGates(stageOf([20, 80]), input(traces(FROM, 50), traces(TO, 800)), at(40))),
    ).toBe("inconclusive after 40m (hold 30m + max wait 10m): 50 traces on support-v1, 200 needed");
  });

  it("p95 reads only traces with a duration", () => {
    const canary = traces(TO, 400, { durationMs: (i) => (i < 150 ? 900 : null) });
    const e = evaluateGates(stageOf(), input(traces(FROM, 4000), canary), at(35));
    expect(e.verdict).toBe("wait");
    expect(e.canary.durations).toBe(150);
    expect(describeVerdict(e)).toBe(
      "waiting 5m of max wait 10m for traces: 150 traces with a duration on support-v2, 200 needed",
    );
  });

  it("at a stage with no baseline traffic the comparisons are skipped and the absolute limits judge", () => {
    const stage = stageOf([0, 100]);
    const ok = evaluateGates(stage, input([], traces(TO, 400, { errors: 4 })), at(30));
    expect(ok.verdict).toBe("pass");
    expect(ok.gates.map((g) => [g.gate, g.status])).toEqual([
      ["min_traces", "pass"],
      ["error_rate", "pass"],
      ["p95_duration", "skipped"],
    ]);
    expect(describeVerdict(ok)).toBe(
      "passed after 30m: 400 traces on support-v2 (limit at least 200); error rate of support-v2 1.0% over 400 traces (limit 5.0%)",
    );
    expect(describeGate(ok, ok.gates[2]!)).toBe(
      "p95 duration not judged: no traffic to support-v1 at this stage",
    );
    const bad = evaluateGates(stage, input([], traces(TO, 400, { errors: 24 })), at(30));
    expect(describeVerdict(bad)).toBe("error rate of support-v2 6.0% over 400 traces (limit 5.0%)");
  });

  it("a p95 ceiling reads in ms or s", () => {
    const stage = stageOf([0, 100], { gates: { p95Duration: { max: "800ms" } } });
    const e = evaluateGates(stage, input([], traces(TO, 400, { durationMs: () => 950 })), at(30));
    expect(describeVerdict(e)).toBe("p95 duration of support-v2 950 ms over 400 traces (limit 800 ms)");
  });

  it("only traces of the agent inside [start, end) count", () => {
    const canary: GateTrace[] = [
      ...traces(TO, 200),
      { agentKey: TO, ok: false, durationMs: 1, startedAt: T0 - 1 },
      { agentKey: TO, ok: false, durationMs: 1, startedAt: T0 + 30 * MIN },
      { agentKey: FROM, ok: false, durationMs: 1, startedAt: T0 + MIN },
    ];
    const e = evaluateGates(stageOf(), input(traces(FROM, 4000), canary), at(30));
    expect([e.canary.traces, e.canary.errors, e.verdict]).toEqual([200, 0, "pass"]);
  });

  it("2% against 1% + 1 pt is within the limit (no float error)", () => {
    const stage = stageOf([50, 50], { gates: { errorRate: { maxIncreasePoints: 1 }, minTraces: 100 } });
    const e = evaluateGates(
      stage,
      input(traces(FROM, 100, { errors: 1 }), traces(TO, 300, { errors: 6 })),
      at(30),
    );
    expect(e.gates[1]!.status).toBe("pass");
    expect(e.verdict).toBe("pass");
  });

  it("an old stage (defaults only) judges traffic alone: 100 traces after 10m", () => {
    const stage = canaryPlan({ from: FROM, to: TO, partitionBy: "get('$.session.key')", current: "canary-5" })
      .stages[0]!;
    const canary = (n: number) => traces(TO, n, { spanMs: 5 * MIN });
    expect(evaluateGates(stage, input([], canary(99)), at(10)).verdict).toBe("wait");
    expect(evaluateGates(stage, input([], canary(100)), at(10)).verdict).toBe("pass");
    expect(evaluateGates(stage, input([], canary(99)), at(20)).verdict).toBe("inconclusive");
  });
});

describe("verdict properties", () => {
  const arbitraryTraces = (agent: string) =>
    fc.array(
      fc.record({
        agentKey: fc.constant(agent),
        ok: fc.boolean(),
        durationMs: fc.option(fc.integer({ min: 0, max: 10_000 }), { nil: null }),
        startedAt: fc.integer({ min: T0 - MIN, max: T0 + 60 * MIN }),
      }),
      { maxLength: 60 },
    );
  const arbitraryStage = fc
    .record({
      weights: fc.constantFrom([95, 5] as const, [50, 50] as const, [0, 100] as const),
      minTraces: fc.integer({ min: 1, max: 40 }),
      // A hold is at least 1 minute here: a hold of 0 is refused (nothing would be watched).
      holdMin: fc.integer({ min: 1, max: 30 }),
      waitMin: fc.integer({ min: 0, max: 30 }),
    })
    .map(({ weights, minTraces, holdMin, waitMin }) =>
      stageOf(weights, {
        hold: `${holdMin}m`,
        maxWait: `${waitMin}m`,
        gates: { minTraces, errorRate: { maxIncreasePoints: 1, max: 20 }, p95Duration: { maxRatio: 1.5 } },
      }),
    );

  it("never pass with fewer canary traces than min_traces, or before the hold; fail only on enough data", () => {
    fc.assert(
      fc.property(
        arbitraryStage,
        arbitraryTraces(FROM),
        arbitraryTraces(TO),
        fc.integer({ min: 0, max: 70 }),
        (stage, b, c, minutes) => {
          const e = evaluateGates(stage, input(b, c), at(minutes));
          const min = stage.gates.minTraces;
          if (e.verdict === "pass") {
            expect(e.canary.traces).toBeGreaterThanOrEqual(min);
            expect(e.elapsedMs).toBeGreaterThanOrEqual(stage.holdMs);
          }
          if (e.canary.traces < min) expect(["wait", "inconclusive"]).toContain(e.verdict);
          if (e.verdict === "fail") expect(e.canary.traces).toBeGreaterThanOrEqual(min);
          if (e.verdict === "inconclusive")
            expect(e.elapsedMs).toBeGreaterThanOrEqual(stage.holdMs + stage.maxWaitMs);
          expect(describeVerdict(e)).not.toMatch(/NaN|undefined|Infinity|\n/);
        },
      ),
    );
  });

  it("with no traces at all the verdict is wait, then inconclusive", () => {
    fc.assert(
      fc.property(arbitraryStage, fc.integer({ min: 0, max: 70 }), (stage, minutes) => {
        const e = evaluateGates(stage, input([], []), at(minutes));
        expect(e.verdict).toBe(minutes * MIN < stage.holdMs + stage.maxWaitMs ? "wait" : "inconclusive");
      }),
    );
  });
});

describe("nearest-rank percentile", () => {
  it.each<[number[], number, number | null]>([
    [[], 95, null],
    [[5], 95, 5],
    [Array.from({ length: 100 }, (_, i) => i + 1), 95, 95],
    [Array.from({ length: 20 }, (_, i) => i + 1), 95, 19],
    [Array.from({ length: 21 }, (_, i) => i + 1), 95, 20],
    [[3, 1, 2], 50, 2],
    [[3, 1, 2], 100, 3],
  ])("%j p%d = %j", (values, p, expected) => {
    expect(nearestRank(values, p)).toBe(expected);
  });

  it("is the smallest value with at least p% of the values at or below it", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 200 }), (values) => {
        const v = nearestRank(values, 95)!;
        expect(values).toContain(v);
        const atOrBelow = (x: number) => values.filter((y) => y <= x).length;
        expect(atOrBelow(v) * 100).toBeGreaterThanOrEqual(95 * values.length);
        for (const smaller of values.filter((y) => y < v)) {
          expect(atOrBelow(smaller) * 100).toBeLessThan(95 * values.length);
        }
      }),
    );
  });
});

describe("traces from the API (API.md 'Traces')", () => {
  // Every field API.md lists: {trace_id, agent_key, session_key, started_at, duration_ms, status, input_tokens, output_tokens}.
  const full: ApiTrace = {
    trace_id: "tr_1",
    agent_key: TO,
    session_key: "s1",
    started_at: "2026-06-02T10:05:00.250Z",
    duration_ms: 1234,
    status: "error",
    input_tokens: 10,
    output_tokens: 20,
  };

  it("maps the fields a gate reads", () => {
    expect(gateTraceOf(full)).toEqual({
      agentKey: TO,
      ok: false,
      durationMs: 1234,
      startedAt: Date.parse("2026-06-02T10:05:00.250Z"),
      sessionKey: "s1",
    });
    expect(gateTraceOf({ ...full, status: "ok" })?.ok).toBe(true);
    expect(gateTraceOf({ ...full, started_at: "2026-06-02T12:05:00+02:00" })?.startedAt).toBe(T0 + 5 * MIN);
  });

  it("only trace_id, started_at and status are sure: the rest may be null or absent", () => {
    const bare: ApiTrace = { trace_id: "tr_2", started_at: "2026-06-02T10:00:00Z", status: "ok" };
    expect(gateTraceOf(bare)).toBeUndefined();
    expect(gateTraceOf(bare, { agentKey: FROM })).toEqual({
      agentKey: FROM,
      ok: true,
      durationMs: null,
      startedAt: T0,
      sessionKey: null,
    });
    expect(gateTraceOf({ ...full, agent_key: null, duration_ms: null }, { agentKey: FROM })).toMatchObject({
      agentKey: FROM,
      durationMs: null,
    });
  });

  it("drops what a gate cannot use, and says how many", () => {
    const { traces: kept, dropped } = gateTracesOf([
      full,
      { ...full, status: "running" },
      { ...full, started_at: "yesterday" },
      { ...full, duration_ms: -5 },
    ]);
    expect(dropped).toBe(2);
    expect(kept.map((t) => t.durationMs)).toEqual([1234, null]);
  });

  it("the wire's parsed Trace is accepted as it is", () => {
    const parsed = traceSchema.parse({ ...full, alias_key: "support", error_type: "internal", extra: 1 });
    expect(gateTraceOf(parsed)).toEqual(gateTraceOf(full));
  });
});

describe("the check loop", () => {
  const run = (verdicts: Verdict[], maxFailedChecks: number) => {
    let state = initialCheckState({ maxFailedChecks });
    const decisions: string[] = [];
    for (const v of verdicts) {
      const step = nextState(state, v);
      state = step.state;
      decisions.push(step.abortedBy === null ? step.decision : `${step.decision}:${step.abortedBy}`);
    }
    return { decisions, state };
  };

  it("advances on pass, aborts on inconclusive, and on the Nth failure in a row", () => {
    expect(run(["wait", "wait", "pass"], 1).decisions).toEqual(["continue", "continue", "advance"]);
    expect(run(["fail"], 1).decisions).toEqual(["abort:fail"]);
    expect(run(["wait", "inconclusive"], 3).decisions).toEqual(["continue", "abort:inconclusive"]);
    expect(run(["fail", "wait", "fail", "fail"], 2)).toEqual({
      decisions: ["continue", "continue", "continue", "abort:fail"],
      state: { maxFailedChecks: 2, consecutiveFailures: 2, checks: 4 },
    });
  });

  it("aborts on a failure exactly when the last max_failed_checks verdicts all failed", () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom<Verdict>("fail", "wait"), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 5 }),
        (verdicts, max) => {
          const { decisions } = run(verdicts, max);
          decisions.forEach((d, i) => {
            const lastMax = verdicts.slice(Math.max(0, i - max + 1), i + 1);
            const expected = lastMax.length === max && lastMax.every((v) => v === "fail");
            // Before the first abort, a rollout stops checking.
            if (decisions.slice(0, i).every((x) => x === "continue"))
              expect(d === "abort:fail").toBe(expected);
          });
        },
      ),
    );
  });

  it("a rehearsal: checks every minute over growing traffic", () => {
    const rehearse = (canaryErrors: number, canaryPerMinute: number) => {
      const stage = stageOf([95, 5], { maxFailedChecks: 2 });
      let state = initialCheckState(stage);
      for (let m = 1; m <= 60; m++) {
        const base = traces(FROM, 200 * m, { errors: 2 * m, spanMs: m * MIN });
        const can = traces(TO, canaryPerMinute * m, {
          errors: Math.round(canaryErrors * canaryPerMinute * m),
          spanMs: m * MIN,
        });
        const e = evaluateGates(stage, input(base, can), at(m));
        const step = nextState(state, e.verdict);
        state = step.state;
        if (step.decision !== "continue") return `${step.decision} at ${m}m: ${describeVerdict(e)}`;
      }
      return "still checking";
    };
    expect(rehearse(0.01, 25)).toMatch(/^advance at 30m: passed after 30m: /);
    // 200 canary traces at 8m: the first failed check; the second in a row aborts.
    expect(rehearse(0.08, 25)).toBe(
      "abort at 9m: error rate of support-v2 8.0% vs 1.0% on support-v1 over 225 traces (limits +1.0 pt, 5.0%)",
    );
    expect(rehearse(0.01, 4)).toBe(
      "abort at 40m: inconclusive after 40m (hold 30m + max wait 10m): 160 traces on support-v2, 200 needed",
    );
  });
});

describe("formatDuration", () => {
  it.each([
    [0, "0s"],
    [500, "500ms"],
    [45_000, "45s"],
    [40 * MIN, "40m"],
    [90 * MIN, "1h30m"],
    [3_600_000 + 1_500, "1h2s"],
  ])("%d ms is %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
