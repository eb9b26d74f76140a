import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  CanaryError,
  type CanarySpec,
  canaryPlan,
  canaryPlanOfDocument,
  canaryPolicy,
  DEFAULT_CHECKS,
  expandCanaryDocument,
  parseDuration,
  validateCanary,
} from "../../src/policy/index.js";
import { cli, tempFiles } from "../helpers/cli.js";

const spec: CanarySpec = {
  from: "v1",
  to: "v2",
  partitionBy: "get('$.session.metadata.user_id', '')",
  current: "canary-20",
};
const block = { from: "v1", to: "v2", partition_by: "get('$.session.key')", current: "canary-5" };
const readExample = (name: string): unknown =>
  parseYaml(readFileSync(new URL(`../../examples/policies/${name}`, import.meta.url), "utf8"));
const issuesOf = (canary: Record<string, unknown>) => expandCanaryDocument({ key: "s", canary }).issues;

describe("canary durations", () => {
  it.each([
    ["30m", 1_800_000],
    ["45s", 45_000],
    ["2h", 7_200_000],
    ["1h30m", 5_400_000],
    ["1m30s", 90_000],
    ["500ms", 500],
    ["1s500ms", 1500],
    ["0s", 0],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "30", "1.5h", "30 m", "m30", "30min", "1d", "30s1m", "1h1h", "-5s", " 30m"])(
    "'%s' is not a duration",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe("canary plan: defaults and overrides", () => {
  it("an old spec (no holds or gates) plans every stage with the defaults", () => {
    expect(DEFAULT_CHECKS).toEqual({ hold: "10m", maxFailedChecks: 1, minTraces: 100 });
    const plan = canaryPlan(spec);
    expect(plan.from).toBe("v1");
    expect(plan.to).toBe("v2");
    expect(plan.current).toBe("canary-20");
    // The default table's baseline sends the canary nothing: not judged, where an abort reverts to.
    expect(plan.baseline).toBe("baseline");
    expect(plan.stages).toEqual(
      [
        ["baseline", [100, 0]],
        ["canary-5", [95, 5]],
        ["canary-20", [80, 20]],
        ["canary-50", [50, 50]],
        ["complete", [0, 100]],
      ].map(([name, weights], index) => ({
        name,
        index,
        weights,
        holdMs: 600_000,
        maxWaitMs: 600_000,
        maxFailedChecks: 1,
        gates: { minTraces: 100 },
        watched: index > 0,
      })),
    );
    expect(Object.isFrozen(plan.stages[0]!.gates)).toBe(true);
  });

  it("a stage's field wins over the spec's; a stage's gate replaces the default gate whole", () => {
    const plan = canaryPlan({
      ...spec,
      hold: "30m",
      maxFailedChecks: 2,
      gates: { minTraces: 200, errorRate: { maxIncreasePoints: 1, max: 5 }, p95Duration: { maxRatio: 1.2 } },
      stages: [
        { name: "off", weights: [100, 0] },
        { name: "canary-5", weights: [95, 5], hold: "1h", maxWait: "5m" },
        { name: "canary-20", weights: [80, 20], gates: { minTraces: 500, errorRate: { max: 10 } } },
        { name: "complete", weights: [0, 100], maxFailedChecks: 3, gates: { p95Duration: { max: "2s" } } },
      ],
    });
    expect(plan.baseline).toBe("off");
    expect(
      plan.stages.map((s) => [s.name, s.holdMs, s.maxWaitMs, s.maxFailedChecks, s.gates, s.watched]),
    ).toEqual([
      [
        "off",
        1_800_000,
        1_800_000,
        2,
        { minTraces: 200, errorRate: { maxIncreasePoints: 1, max: 5 }, p95Duration: { maxRatio: 1.2 } },
        false,
      ],
      [
        "canary-5",
        3_600_000,
        300_000,
        2,
        { minTraces: 200, errorRate: { maxIncreasePoints: 1, max: 5 }, p95Duration: { maxRatio: 1.2 } },
        true,
      ],
      // max_wait defaults to the stage's own hold; error_rate is replaced, not merged.
      [
        "canary-20",
        1_800_000,
        1_800_000,
        2,
        { minTraces: 500, errorRate: { max: 10 }, p95Duration: { maxRatio: 1.2 } },
        true,
      ],
      [
        "complete",
        1_800_000,
        1_800_000,
        3,
        { minTraces: 200, errorRate: { maxIncreasePoints: 1, max: 5 }, p95Duration: { maxMs: 2000 } },
        true,
      ],
    ]);
  });

  it("the check fields never change the policy", () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            hold: fc.constantFrom("30s", "10m", "2h", "1h30m"),
            maxWait: fc.constantFrom("0s", "5m"),
            maxFailedChecks: fc.integer({ min: 1, max: 100 }),
            gates: fc.record(
              {
                minTraces: fc.integer({ min: 1, max: 1_000_000 }),
                errorRate: fc.record(
                  {
                    maxIncreasePoints: fc.double({ min: 0, max: 100, noNaN: true }),
                    max: fc.integer({ min: 0, max: 100 }),
                  },
                  { requiredKeys: ["max"] },
                ),
                p95Duration: fc.record({ maxRatio: fc.double({ min: 0.01, max: 1000, noNaN: true }) }),
              },
              { requiredKeys: [] },
            ),
          },
          { requiredKeys: [] },
        ),
        fc.constantFrom("canary-5", "canary-20", "canary-50", "complete"),
        (checks, current) => {
          const plain = { ...spec, current };
          const stages = [
            { name: "canary-5", weights: [95, 5] as const, ...checks },
            { name: "canary-20", weights: [80, 20] as const },
            { name: "canary-50", weights: [50, 50] as const, ...checks },
            { name: "complete", weights: [0, 100] as const },
          ];
          expect(canaryPolicy({ ...plain, ...checks, stages })).toEqual(canaryPolicy(plain));
          expect(validateCanary({ ...plain, ...checks, stages })).toEqual([]);
        },
      ),
    );
  });
});

describe("canary check fields: validation (YAML paths)", () => {
  it.each<[string, Record<string, unknown>, { path: string; message: string }[]]>([
    [
      "a percent out of range, in a stage",
      {
        stages: [
          { name: "a", weights: [95, 5] },
          { name: "canary-5", weights: [90, 10], gates: { error_rate: { max: 150 } } },
        ],
      },
      [
        {
          path: "canary.stages[1].gates.error_rate.max",
          message: "canary.stages[1].gates.error_rate.max: must be a number from 0 to 100, got 150",
        },
      ],
    ],
    [
      "a percent written as text",
      { gates: { error_rate: { max_increase_points: "1%" } } },
      [
        {
          path: "canary.gates.error_rate.max_increase_points",
          message: "canary.gates.error_rate.max_increase_points: must be a number from 0 to 100, got '1%'",
        },
      ],
    ],
    [
      "a hold without a unit",
      { hold: 30 },
      [{ path: "canary.hold", message: "canary.hold: must be a duration like 30m, 45s or 2h, got 30" }],
    ],
    [
      "a hold of 0s (as hold: 0 is refused: nothing would be watched)",
      { hold: "0s" },
      [
        {
          path: "canary.hold",
          message: "canary.hold: must be a duration longer than 0 (30m, 45s, 2h), got '0s'",
        },
      ],
    ],
    [
      "a p95 limit of 0ms",
      { gates: { p95_duration: { max: "0ms" } } },
      [
        {
          path: "canary.gates.p95_duration.max",
          message:
            "canary.gates.p95_duration.max: must be a duration longer than 0 (30m, 45s, 2h), got '0ms'",
        },
      ],
    ],
    [
      "a hold over the limit",
      { hold: "200h" },
      [{ path: "canary.hold", message: "canary.hold: must be a duration of at most 168h, got '200h'" }],
    ],
    [
      "a fractional max_wait",
      { max_wait: "1.5h" },
      [
        {
          path: "canary.max_wait",
          message: "canary.max_wait: must be a duration like 30m, 45s or 2h, got '1.5h'",
        },
      ],
    ],
    [
      "a null hold",
      { hold: null },
      [{ path: "canary.hold", message: "canary.hold: must be a duration like 30m, 45s or 2h, got null" }],
    ],
    [
      "min_traces 0",
      { gates: { min_traces: 0 } },
      [
        {
          path: "canary.gates.min_traces",
          message: "canary.gates.min_traces: must be an integer from 1 to 1000000, got 0",
        },
      ],
    ],
    [
      "max_failed_checks not an integer",
      { max_failed_checks: 1.5 },
      [
        {
          path: "canary.max_failed_checks",
          message: "canary.max_failed_checks: must be an integer from 1 to 100, got 1.5",
        },
      ],
    ],
    [
      "a ratio of 0",
      { gates: { p95_duration: { max_ratio: 0 } } },
      [
        {
          path: "canary.gates.p95_duration.max_ratio",
          message:
            "canary.gates.p95_duration.max_ratio: must be a number greater than 0 and at most 1000, got 0",
        },
      ],
    ],
    [
      "a p95 max that is not a duration",
      { stages: [{ name: "canary-5", weights: [95, 5], gates: { p95_duration: { max: "fast" } } }] },
      [
        {
          path: "canary.stages[0].gates.p95_duration.max",
          message:
            "canary.stages[0].gates.p95_duration.max: must be a duration like 30m, 45s or 2h, got 'fast'",
        },
      ],
    ],
    [
      "a gate without a limit",
      { gates: { error_rate: {} } },
      [
        {
          path: "canary.gates.error_rate",
          message: "canary.gates.error_rate: must set max_increase_points or max",
        },
      ],
    ],
    [
      "a misspelt limit",
      { gates: { error_rate: { max_increase_point: 1 } } },
      [
        {
          path: "canary.gates.error_rate.max_increase_point",
          message:
            "canary.gates.error_rate.max_increase_point: unknown field 'max_increase_point'; did you mean 'max_increase_points'?",
        },
      ],
    ],
    [
      "a misspelt gate, in a stage",
      { stages: [{ name: "canary-5", weights: [95, 5], gates: { p99_duration: { max: "1s" } } }] },
      [
        {
          path: "canary.stages[0].gates.p99_duration",
          message:
            "canary.stages[0].gates.p99_duration: unknown field 'p99_duration'; did you mean 'p95_duration'?",
        },
      ],
    ],
    [
      "gates that are not an object",
      { gates: 5 },
      [{ path: "canary.gates", message: "canary.gates: must be an object, got a number" }],
    ],
  ])("%s", (_, fields, expected) => {
    expect(issuesOf({ ...block, ...fields })).toEqual(expected);
  });

  it("every problem is reported, stages first, then the defaults", () => {
    expect(
      issuesOf({
        ...block,
        hold: "soon",
        stages: [{ name: "canary-5", weights: [95, 5], hold: "1d", gates: { min_traces: -1 } }],
      }).map((i) => i.path),
    ).toEqual(["canary.stages[0].hold", "canary.stages[0].gates.min_traces", "canary.hold"]);
  });

  it("the plan of a document: YAML names in, plan out; problems with YAML paths", () => {
    const ok = canaryPlanOfDocument({
      key: "s",
      canary: { ...block, hold: "45s", gates: { min_traces: 20 } },
    });
    expect(ok.ok && ok.plan.stages.map((s) => [s.holdMs, s.gates.minTraces])).toEqual([
      [45_000, 20],
      [45_000, 20],
      [45_000, 20],
      [45_000, 20],
      [45_000, 20],
    ]);
    expect(canaryPlanOfDocument({ key: "s", canary: { ...block, max_wait: "later" } })).toEqual({
      ok: false,
      issues: [
        {
          path: "canary.max_wait",
          message: "canary.max_wait: must be a duration like 30m, 45s or 2h, got 'later'",
        },
      ],
    });
    expect(canaryPlanOfDocument({ key: "s", policy: {} })).toEqual({
      ok: false,
      issues: [{ path: "canary", message: "canary: is required" }],
    });
  });
});

describe("canary check fields: validation (TypeScript names)", () => {
  it("validateCanary writes the TypeScript names; canaryPlan and canaryPolicy throw", () => {
    const bad: CanarySpec = {
      ...spec,
      gates: { errorRate: {} },
      stages: [
        { name: "canary-5", weights: [95, 5] },
        { name: "canary-20", weights: [80, 20], maxWait: "1w", gates: { errorRate: { max: 150 } } },
      ],
    };
    const expected = [
      "canary.stages[1].maxWait: must be a duration like 30m, 45s or 2h, got '1w'",
      "canary.stages[1].gates.errorRate.max: must be a number from 0 to 100, got 150",
      "canary.gates.errorRate: must set maxIncreasePoints or max",
    ];
    expect(validateCanary(bad).map((i) => i.message)).toEqual(expected);
    expect(validateCanary(bad).map((i) => i.path)).toEqual([
      "canary.stages[1].maxWait",
      "canary.stages[1].gates.errorRate.max",
      "canary.gates.errorRate",
    ]);
    expect(() => canaryPlan(bad)).toThrow(CanaryError);
    expect(() => canaryPolicy(bad)).toThrow(expected.join("\n"));
    // As the plugin's Invoke calls it: paths from the top.
    expect(validateCanary(bad, "")[0]!.path).toBe("stages[1].maxWait");
  });

  it("JavaScript input that TypeScript would refuse is still caught", () => {
    const js = {
      ...spec,
      gates: { errorRate: { max: 5, maxIncrease: 1 } },
      hold: 30,
    } as unknown as CanarySpec;
    expect(validateCanary(js).map((i) => i.message)).toEqual([
      "canary.hold: must be a duration like 30m, 45s or 2h, got 30",
      "canary.gates.errorRate.maxIncrease: unknown field 'maxIncrease'",
    ]);
  });
});

describe("canary documents", () => {
  it("an old canary file expands exactly as before", () => {
    const { doc, issues } = expandCanaryDocument(readExample("support-canary.yaml"));
    expect(issues).toEqual([]);
    expect(doc).toEqual({
      key: "support",
      name: "Customer Support",
      policy: {
        type: "routed",
        rules: [
          {
            targets: {
              type: "weighted",
              partition_by: "get('$.session.metadata.user_id', get('$.session.key'))",
              options: [
                { agent_key: "support-v1", weight: 80 },
                { agent_key: "support-v2", weight: 20 },
              ],
            },
          },
        ],
      },
    });
  });

  it("support-rollout.yaml: its policy is the stage's split; its plan holds the gates", () => {
    const raw = readExample("support-rollout.yaml") as { canary: Record<string, unknown> };
    const { doc, issues } = expandCanaryDocument(raw);
    expect(issues).toEqual([]);
    expect((doc as { policy: unknown }).policy).toEqual(
      canaryPolicy({
        from: "support-v1",
        to: "support-v2",
        partitionBy: "get('$.session.metadata.user_id', get('$.session.key'))",
        current: "canary-5",
        stages: [{ name: "canary-5", weights: [95, 5] }],
      }),
    );
    const planned = canaryPlanOfDocument(raw);
    if (!planned.ok) throw new Error(JSON.stringify(planned.issues));
    const gates = {
      minTraces: 200,
      errorRate: { maxIncreasePoints: 1, max: 5 },
      p95Duration: { maxRatio: 1.2 },
    };
    expect(planned.plan.baseline).toBe("baseline");
    expect(
      planned.plan.stages.map((s) => [
        s.name,
        s.holdMs / 60_000,
        s.maxWaitMs / 60_000,
        s.maxFailedChecks,
        s.gates,
      ]),
    ).toEqual([
      ["baseline", 30, 15, 2, gates],
      ["canary-5", 60, 15, 2, gates],
      ["canary-20", 30, 15, 2, gates],
      ["canary-50", 30, 15, 2, { ...gates, minTraces: 500 }],
      ["complete", 30, 15, 2, { ...gates, p95Duration: { maxMs: 3000 } }],
    ]);
  });

  it("agent-alias validate accepts support-rollout.yaml and names a bad gate by its path", async () => {
    const ok = await cli(["validate", "examples/policies/support-rollout.yaml", "--json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ valid: true, errors: [] });

    const text = readFileSync(
      new URL("../../examples/policies/support-rollout.yaml", import.meta.url),
      "utf8",
    );
    const dir = tempFiles({ "bad.yaml": text.replace("max: 5 }", "max: 500 }") });
    const bad = await cli(["validate", `${dir}/bad.yaml`, "--json"]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toEqual({
      valid: false,
      errors: [
        {
          path: "canary.gates.error_rate.max",
          message: "canary.gates.error_rate.max: must be a number from 0 to 100, got 500",
        },
      ],
    });
  });
});
