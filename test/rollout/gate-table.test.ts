/**
 * The gate table (src/policy/canary-gates.ts) and every part that reads it: for each gate and
 * each of its limits, the YAML schema and both doors' validation, the plan, the evaluation, the
 * verdict's words, the dry run's stage line, and the report's figures and columns. A gate or a
 * limit that some part misses fails here.
 */
import { describe, expect, it } from "vitest";
import {
  CANARY_GATES,
  type CanarySpec,
  canaryGates,
  canaryPlan,
  canaryPlanOfDocument,
  type GateLimitSpec,
  gateLimits,
  MIN_TRACES_GATE,
  validateCanary,
} from "../../src/policy/index.js";
import { describeStage } from "../../src/rollout/dry-run.js";
import { describeGate, evaluateGates } from "../../src/rollout/gates.js";
import { rolloutMarkdown } from "../../src/rollout/report.js";
import type { RolloutResult } from "../../src/rollout/report-types.js";
import type { GateTrace } from "../../src/rollout/traces.js";
import { formatDuration, parseDuration } from "../../src/units/index.js";

/** A valid value of each kind, as written, and one the validation refuses. */
const VALUES: Record<GateLimitSpec["kind"], { good: string | number; bad: string | number }> = {
  percent: { good: 2, bad: 101 },
  ratio: { good: 1.5, bad: 0 },
  period: { good: "2s", bad: "0s" },
  duration: { good: "2s", bad: "2 s" },
  traces: { good: 10, bad: 0 },
  checks: { good: 1, bad: 0 },
};
/** The planned value of a limit's value: a duration in ms, a number as it is. */
const planned = (l: GateLimitSpec, v: string | number) =>
  l.kind === "period" || l.kind === "duration" ? parseDuration(v as string)! : (v as number);

const spec = (gates: Record<string, unknown>): CanarySpec => ({
  from: "v1",
  to: "v2",
  partitionBy: "get('$.session.key')",
  current: "s",
  hold: "1m",
  gates: { minTraces: 10, ...gates },
  stages: [{ name: "s", weights: [50, 50] }],
});
const doc = (gates: Record<string, unknown>) => ({
  key: "k",
  name: "n",
  canary: {
    from: "v1",
    to: "v2",
    partition_by: "get('$.session.key')",
    current: "s",
    gates,
    stages: [{ name: "s", weights: [50, 50] }],
  },
});

const T0 = Date.parse("2026-06-02T10:00:00Z");
/** 100 traces: the canary's half fail and take 10 s; the baseline's never fail and take 100 ms. */
const traces = (agentKey: string, bad: boolean): GateTrace[] =>
  Array.from({ length: 100 }, (_, i) => ({
    agentKey,
    ok: !(bad && i % 2 === 0),
    durationMs: bad ? 10_000 : 100,
    startedAt: T0 + i,
  }));

const cases = canaryGates().flatMap(([key, gate]) =>
  gateLimits(gate).map(([name, l]) => ({ key, gate, name, l })),
);

describe("the gate table", () => {
  it("has gates with limits, and distinct YAML names, labels and report columns", () => {
    const gates = canaryGates().map(([, g]) => g);
    expect(gates.length).toBeGreaterThan(0);
    for (const g of gates) expect(gateLimits(g).length).toBeGreaterThan(0);
    for (const pick of [
      (g: (typeof gates)[0]) => g.yaml,
      (g: (typeof gates)[0]) => g.label,
      (g: (typeof gates)[0]) => g.report.json,
    ])
      expect(new Set([MIN_TRACES_GATE.yaml, ...gates.map(pick)]).size).toBe(gates.length + 1);
    expect(Object.keys(CANARY_GATES)).toEqual(canaryGates().map(([k]) => k));
  });

  it.each(cases)("$key.$name: validated by both doors, with their names", ({ key, gate, name, l }) => {
    const { good, bad } = VALUES[l.kind];
    expect(validateCanary(spec({ [key]: { [name]: good } }))).toEqual([]);
    const ts = validateCanary(spec({ [key]: { [name]: bad } }));
    expect(ts.map((i) => i.path)).toEqual([`canary.gates.${key}.${name}`]);
    const ok = canaryPlanOfDocument(doc({ [gate.yaml]: { [l.yaml]: good } }));
    expect(ok.ok).toBe(true);
    const refused = canaryPlanOfDocument(doc({ [gate.yaml]: { [l.yaml]: bad } }));
    expect(refused.ok ? [] : refused.issues.map((i) => i.path)).toEqual([
      `canary.gates.${gate.yaml}.${l.yaml}`,
    ]);
    // An unknown limit of the gate is refused by the YAML schema.
    expect(canaryPlanOfDocument(doc({ [gate.yaml]: { nope: 1 } })).ok).toBe(false);
  });

  it.each(canaryGates())("%s: a gate that sets no limit is refused", (key) => {
    expect(validateCanary(spec({ [key]: {} })).map((i) => i.path)).toEqual([`canary.gates.${key}`]);
  });

  it.each(cases)(
    "$key.$name: planned into its field, a stage's gate replacing the spec's",
    ({ key, name, l }) => {
      const { good } = VALUES[l.kind];
      const plan = canaryPlan(spec({ [key]: { [name]: good } }));
      expect(plan.stages[0]!.gates[key]).toEqual({ [l.planned]: planned(l, good) });
      const other = gateLimits(CANARY_GATES[key]).find(([n]) => n !== name);
      if (other === undefined) return;
      const s = spec({ [key]: { [name]: good } });
      const own = { [other[0]]: VALUES[other[1].kind].good };
      const overridden = canaryPlan({
        ...s,
        stages: [{ name: "s", weights: [50, 50], gates: { [key]: own } }],
      });
      expect(overridden.stages[0]!.gates[key]).toEqual({
        [other[1].planned]: planned(other[1], VALUES[other[1].kind].good),
      });
    },
  );

  it.each(cases)(
    "$key.$name: evaluated, worded in the verdict and in the dry run",
    ({ key, gate, name, l }) => {
      const { good } = VALUES[l.kind];
      const stage = canaryPlan(spec({ [key]: { [name]: good } })).stages[0]!;
      const evaluation = evaluateGates(
        stage,
        {
          baseline: { agentKey: "v1", traces: traces("v1", false) },
          canary: { agentKey: "v2", traces: traces("v2", true) },
        },
        { window: { start: T0, end: T0 + 60_000 } },
      );
      expect(evaluation.gates.map((g) => g.gate)).toEqual([MIN_TRACES_GATE.yaml, gate.yaml]);
      const result = evaluation.gates[1]!;
      expect(result.limits).toEqual([
        expect.objectContaining({ limit: l.yaml, value: planned(l, good), status: "fail" }),
      ]);
      expect(result.canary).toBe(gate.figure(evaluation.canary));
      expect(evaluation.verdict).toBe("fail");
      const line = describeGate(evaluation, result);
      expect(line).toContain(gate.label);
      expect(line).toContain(l.text(planned(l, good)));
      expect(describeStage(stage)).toContain(l.plan(planned(l, good)));
      expect(describeStage(stage)).toContain(MIN_TRACES_GATE.plan(10));
    },
  );

  it("min_traces is worded as the table says", () => {
    const stage = canaryPlan(spec({})).stages[0]!;
    const e = evaluateGates(
      stage,
      {
        baseline: { agentKey: "v1", traces: traces("v1", false) },
        canary: { agentKey: "v2", traces: traces("v2", false) },
      },
      { window: { start: T0, end: T0 + 120_000 } },
    );
    expect(e.verdict).toBe("pass");
    expect(describeGate(e, e.gates[0]!)).toBe(`100 traces on v2 (limit ${MIN_TRACES_GATE.text(10)})`);
  });

  it("the report has each gate's figure per agent, and its column", () => {
    const figures = (agent: string) => ({
      agent_key: agent,
      traces: 10,
      errors: 1,
      ...Object.fromEntries(canaryGates().map(([, g], i) => [g.report.json, 1234 + i])),
    });
    const report = {
      status: "completed",
      exit_code: 0,
      message: "done",
      config_key: "canaryStage",
      alias_key: "k",
      from: "v1",
      to: "v2",
      initial_stage: null,
      initial_deployed: null,
      start_stage: "s",
      notes: [],
      final_stage: "s",
      deployed_stage: "s",
      reverted_to: null,
      stages: [
        {
          name: "s",
          index: 0,
          weights: [50, 50],
          watched: true,
          hold_ms: 60_000,
          max_wait_ms: 60_000,
          window: { start: "2026-06-02T10:00:00.000Z", end: "2026-06-02T10:01:00.000Z" },
          resumed: false,
          outcome: "passed",
          checks: [
            {
              at: "2026-06-02T10:01:00.000Z",
              elapsed_ms: 60_000,
              verdict: "pass",
              message: "ok",
              baseline: figures("v1"),
              canary: figures("v2"),
            },
          ],
          verdict: "passed",
        },
      ],
    } as unknown as RolloutResult;
    const md = rolloutMarkdown(report);
    // The second table: a row per agent, a column per gate (its label), each gate's cell.
    const table = md.split("\n\n").find((p) => p.startsWith("| Stage | Agent |"))!;
    const [header, rule, v1, v2] = table.split("\n");
    expect(header).toBe(
      `| Stage | Agent | Traces | ${canaryGates()
        .map(([, g]) => g.label)
        .join(" | ")} |`,
    );
    canaryGates().forEach(([, g], i) => {
      expect(v1).toContain(`| ${g.report.cell(1234 + i)} |`);
      expect(v2).toContain(`| ${g.report.cell(1234 + i)} |`);
    });
    expect(v1).toMatch(/^\| s \| v1 \|/);
    expect(v2).toMatch(/^\| {2}\| v2 \|/);
    expect(rule!.split("|").length).toBe(header!.split("|").length);
    // And a chart per gate of the table, by its label.
    for (const [, g] of canaryGates()) expect(md).toContain(`title "${g.label} per check`);
  });
});

describe("durations in the table's words", () => {
  it("a p95 `max` is planned in ms and worded back as written", () => {
    expect(CANARY_GATES.p95Duration.limits.max.plan(parseDuration("1m30s")!)).toBe(
      `p95 <= ${formatDuration(90_000)}`,
    );
  });
});
