import { describe, expect, it } from "vitest";
import {
  type AliasDocument,
  diffPolicies,
  normalizeExpression,
  PolicyValidationError,
  type Rule,
  type Transition,
} from "../../src/policy/index.js";

const USER = "get('$.session.metadata.user_id', '')";
const TENANT_EU = "get('$.session.metadata.tenant') == 'eu'";

const doc = (rules: Rule[], key = "support"): AliasDocument => ({ key, policy: { type: "routed", rules } });
const weighted = (options: [string, number][], partition_by = USER): Rule => ({
  targets: {
    type: "weighted",
    partition_by,
    options: options.map(([agent_key, weight]) => ({ agent_key, weight })),
  },
});
const single = (agent_key: string, match?: string): Rule => ({
  ...(match !== undefined ? { match } : {}),
  targets: { type: "single", agent_key },
});

/** Share moved from -> to in rule `rule` (0 when absent). */
const moved = (ts: Transition[], from: string, to: string, rule = 1) =>
  ts.filter((t) => t.rule === rule && t.from === from && t.to === to).reduce((s, t) => s + t.share, 0);

// 0.5 percentage points, as a fraction.
const POINT_5 = 0.005;

describe("transitions against analytic answers", () => {
  it("95/5 -> 80/20 moves 15% from the old agent to the new and none back", () => {
    const r = diffPolicies(
      doc([
        weighted([
          ["v1", 95],
          ["v2", 5],
        ]),
      ]),
      doc([
        weighted([
          ["v1", 80],
          ["v2", 20],
        ]),
      ]),
    );
    expect(moved(r.transitions, "v1", "v2")).toBeCloseTo(0.15, 2);
    expect(Math.abs(moved(r.transitions, "v1", "v2") - 0.15)).toBeLessThanOrEqual(POINT_5);
    expect(moved(r.transitions, "v2", "v1")).toBe(0);
    expect(r.transitions).toHaveLength(1);
    expect(r.transitions[0]).toMatchObject({
      rule: 1,
      old_rule: 1,
      from: "v1",
      to: "v2",
      keys: 100_000 * r.transitions[0]!.share,
    });
    expect(r.splits[0]!.moved).toBe(r.transitions[0]!.share);
    expect(r.warnings).toEqual([]);
    expect(r.rules[0]).toMatchObject({
      status: "changed",
      changes: ["weights"],
      details: ["weights: v1 95 → 80, v2 5 → 20"],
    });
  });

  it("adding a 10% option to 50/50 takes 5% from each and moves none between the old ones", () => {
    const r = diffPolicies(
      doc([
        weighted([
          ["a", 50],
          ["b", 50],
        ]),
      ]),
      doc([
        weighted([
          ["a", 45],
          ["b", 45],
          ["c", 10],
        ]),
      ]),
    );
    expect(Math.abs(moved(r.transitions, "a", "c") - 0.05)).toBeLessThanOrEqual(POINT_5);
    expect(Math.abs(moved(r.transitions, "b", "c") - 0.05)).toBeLessThanOrEqual(POINT_5);
    expect(moved(r.transitions, "a", "b")).toBe(0);
    expect(moved(r.transitions, "b", "a")).toBe(0);
    expect(r.transitions.map((t) => t.to)).toEqual(["c", "c"]);
    expect(r.warnings).toEqual([]);
    expect(r.rules[0]!.changes).toEqual(["options", "weights"]);
  });

  it("adding an option without touching the old weights (50/50 + 11) also moves only into it", () => {
    const r = diffPolicies(
      doc([
        weighted([
          ["a", 50],
          ["b", 50],
        ]),
      ]),
      doc([
        weighted([
          ["a", 50],
          ["b", 50],
          ["c", 11],
        ]),
      ]),
    );
    // 11 / 111 ~ 9.9% into c, half from each.
    expect(Math.abs(moved(r.transitions, "a", "c") + moved(r.transitions, "b", "c") - 11 / 111)).toBeLessThan(
      POINT_5,
    );
    expect(moved(r.transitions, "a", "b") + moved(r.transitions, "b", "a")).toBe(0);
    expect(r.rules[0]!.changes).toEqual(["options"]);
  });

  it("reordering options moves nobody", () => {
    const r = diffPolicies(
      doc([
        weighted([
          ["a", 70],
          ["b", 20],
          ["c", 10],
        ]),
      ]),
      doc([
        weighted([
          ["c", 10],
          ["a", 70],
          ["b", 20],
        ]),
      ]),
    );
    expect(r.transitions).toEqual([]);
    expect(r.splits[0]!.moved).toBe(0);
    expect(r.rules[0]).toMatchObject({ status: "changed", changes: ["option_order"] });
    expect(r.warnings).toEqual([]);
  });

  it("scaling every weight moves nobody", () => {
    const r = diffPolicies(
      doc([
        weighted([
          ["a", 9],
          ["b", 1],
        ]),
      ]),
      doc([
        weighted([
          ["a", 90],
          ["b", 10],
        ]),
      ]),
    );
    expect(r.transitions).toEqual([]);
  });

  it("realised shares before and after follow the weights", () => {
    const r = diffPolicies(
      doc([
        weighted([
          ["v1", 95],
          ["v2", 5],
        ]),
      ]),
      doc([
        weighted([
          ["v1", 80],
          ["v2", 20],
        ]),
      ]),
    );
    const s = r.splits[0]!;
    expect(s.before!.map((x) => x.requested)).toEqual([0.95, 0.05]);
    expect(s.after!.map((x) => x.requested)).toEqual([0.8, 0.2]);
    for (const x of [...s.before!, ...s.after!])
      expect(Math.abs(x.realised - x.requested)).toBeLessThan(POINT_5);
  });

  it("single -> weighted sends the new agents' shares away from the single agent", () => {
    const r = diffPolicies(
      doc([single("v1")]),
      doc([
        weighted([
          ["v1", 90],
          ["v2", 10],
        ]),
      ]),
    );
    expect(Math.abs(moved(r.transitions, "v1", "v2") - 0.1)).toBeLessThanOrEqual(POINT_5);
    expect(r.transitions).toHaveLength(1);
    expect(r.rules[0]!.changes).toEqual(["target_type"]);
    expect(r.splits[0]!.before).toEqual([{ agent_key: "v1", weight: 1, requested: 1, realised: 1 }]);
    expect(r.warnings).toEqual([]);
  });

  it("weighted -> single moves every other agent's keys to it", () => {
    const r = diffPolicies(
      doc([
        weighted([
          ["v1", 70],
          ["v2", 30],
        ]),
      ]),
      doc([single("v2")]),
    );
    expect(Math.abs(moved(r.transitions, "v1", "v2") - 0.7)).toBeLessThanOrEqual(POINT_5);
    expect(r.transitions).toHaveLength(1);
  });

  it("single -> single with another agent moves the whole rule", () => {
    const r = diffPolicies(doc([single("v1")]), doc([single("v2")]));
    expect(r.transitions).toEqual([{ rule: 1, old_rule: 1, from: "v1", to: "v2", share: 1, keys: 100_000 }]);
    expect(r.summary.max_moved).toBe(1);
  });

  it("--keys sets the number of synthetic keys, and the figures are reproducible", () => {
    const a = diffPolicies(
      doc([
        weighted([
          ["v1", 95],
          ["v2", 5],
        ]),
      ]),
      doc([
        weighted([
          ["v1", 80],
          ["v2", 20],
        ]),
      ]),
      [],
      {
        keys: 1000,
      },
    );
    const b = diffPolicies(
      doc([
        weighted([
          ["v1", 95],
          ["v2", 5],
        ]),
      ]),
      doc([
        weighted([
          ["v1", 80],
          ["v2", 20],
        ]),
      ]),
      [],
      {
        keys: 1000,
      },
    );
    expect(a.keys).toBe(1000);
    expect(a.transitions[0]!.keys).toBe(Math.round(a.transitions[0]!.share * 1000));
    expect(a).toEqual(b);
    expect(() => diffPolicies(doc([single("a")]), null, [], { keys: 0 })).toThrow(RangeError);
  });
});

describe("non_monotone", () => {
  it("fires when the alias key changes: keys move between agents whose weights did not", () => {
    const r = diffPolicies(
      doc(
        [
          weighted([
            ["v1", 50],
            ["v2", 50],
          ]),
        ],
        "support",
      ),
      doc(
        [
          weighted([
            ["v1", 50],
            ["v2", 50],
          ]),
        ],
        "support-2",
      ),
    );
    // Independent halves: ~25% each way.
    expect(Math.abs(moved(r.transitions, "v1", "v2") - 0.25)).toBeLessThan(0.01);
    expect(Math.abs(moved(r.transitions, "v2", "v1") - 0.25)).toBeLessThan(0.01);
    expect(r.warnings.map((w) => [w.code, w.rule])).toEqual([["non_monotone", 1]]);
    expect(r.warnings[0]!.message).toMatch(/^rule #1: keys move between agents .* \(the alias key changed/);
    expect(r.document).toEqual([{ field: "key", old: "support", new: "support-2" }]);
  });

  it("fires when partition_by changes (sessions re-split at random), with partition_changed", () => {
    const r = diffPolicies(
      doc([
        weighted([
          ["v1", 80],
          ["v2", 20],
        ]),
      ]),
      doc([
        weighted(
          [
            ["v1", 80],
            ["v2", 20],
          ],
          "get('$.session.key')",
        ),
      ]),
    );
    expect(Math.abs(moved(r.transitions, "v1", "v2") - 0.8 * 0.2)).toBeLessThan(0.01);
    expect(r.warnings.map((w) => w.code)).toEqual(["partition_changed", "non_monotone"]);
  });

  it("does not fire for a canary shift, an added option or a replaced option", () => {
    for (const [a, b] of [
      [
        [
          ["v1", 95],
          ["v2", 5],
        ],
        [
          ["v1", 50],
          ["v2", 50],
        ],
      ],
      [
        [
          ["v1", 90],
          ["v2", 10],
        ],
        [
          ["v1", 90],
          ["v3", 10],
        ],
      ],
      [
        [
          ["v1", 50],
          ["v2", 30],
          ["v3", 20],
        ],
        [
          ["v1", 40],
          ["v2", 40],
          ["v3", 20],
        ],
      ],
    ] as [string, number][][][]) {
      const r = diffPolicies(doc([weighted(a!)]), doc([weighted(b!)]));
      expect(r.transitions.length).toBeGreaterThan(0);
      expect(r.warnings).toEqual([]);
    }
  });
});

describe("rule pairing", () => {
  const base = [
    single("v2", TENANT_EU),
    single("v1", "get('$.session.metadata.tier') == 'gold'"),
    weighted([
      ["v1", 90],
      ["v2", 10],
    ]),
  ];

  it("an inserted rule is added; the rest are unchanged though renumbered", () => {
    const r = diffPolicies(doc(base), doc([single("v3", "get('$.session.metadata.beta') == true"), ...base]));
    expect(r.rules.map((x) => [x.status, x.old?.rule ?? null, x.new?.rule ?? null])).toEqual([
      ["added", null, 1],
      ["unchanged", 1, 2],
      ["unchanged", 2, 3],
      ["unchanged", 3, 4],
    ]);
    expect(r.transitions).toEqual([]);
    expect(r.summary).toMatchObject({ rules_added: 1, rules_unchanged: 3 });
  });

  it("a removed rule is listed where it was", () => {
    const r = diffPolicies(doc(base), doc([base[0]!, base[2]!]));
    expect(r.rules.map((x) => [x.status, x.old?.rule ?? null, x.new?.rule ?? null])).toEqual([
      ["unchanged", 1, 1],
      ["removed", 2, null],
      ["unchanged", 3, 2],
    ]);
  });

  it("a changed match pairs by identical target, else by position", () => {
    const edited = diffPolicies(
      doc(base),
      doc([single("v2", "get('$.session.metadata.tenant') == 'de'"), base[1]!, base[2]!]),
    );
    expect(edited.rules[0]).toMatchObject({
      status: "changed",
      changes: ["match"],
      details: ["match: get('$.session.metadata.tenant') == 'eu' → get('$.session.metadata.tenant') == 'de'"],
    });
    const both = diffPolicies(
      doc(base),
      doc([single("v9", "get('$.session.metadata.x') == 1"), base[1]!, base[2]!]),
    );
    expect(both.rules[0]).toMatchObject({ status: "changed", changes: ["match", "agent"] });
    expect(both.transitions).toEqual([
      { rule: 1, old_rule: 1, from: "v2", to: "v9", share: 1, keys: 100_000 },
    ]);
  });

  it("the spelling of a match does not matter", () => {
    const r = diffPolicies(
      doc([single("a", "get('$.a') == 1 && get('$.b') == 2"), single("b")]),
      doc([single("a", "(get('$.a')==1) and (get( '$.b' ) == 2)"), single("b")]),
    );
    expect(r.status).toBe("unchanged");
    expect(normalizeExpression("a(")).toBe("a(");
  });

  it("swapped rules are both moved", () => {
    const r = diffPolicies(doc(base), doc([base[1]!, base[0]!, base[2]!]));
    expect(r.rules.map((x) => [x.old?.rule, x.new?.rule, x.changes])).toEqual([
      [2, 1, ["moved"]],
      [1, 2, ["moved"]],
      [3, 3, []],
    ]);
  });
});

describe("samples, shadowed and unreachable", () => {
  const samples = [
    { name: "eu", context: { session: { key: "s1", metadata: { tenant: "eu", user_id: "u-1" } } } },
    {
      name: "us",
      context: { session: { key: "s2", metadata: { tenant: "us", user_id: "u-2" } } },
      expect: "v1",
    },
    { context: { session: { key: "s3", metadata: { tenant: "de" } } } },
  ];

  it("lists the samples whose agent changes, with both rules", () => {
    const r = diffPolicies(
      doc([single("v2", TENANT_EU), single("v1")]),
      doc([single("v3", TENANT_EU), single("v1", "get('$.session.metadata.tenant') == 'us'")]),
      samples,
    );
    expect(r.samples).toEqual([
      { sample: "eu", from: "v2", to: "v3", from_rule: 1, to_rule: 1 },
      {
        sample: "#3",
        from: "v1",
        to: null,
        from_rule: 2,
        to_rule: null,
        to_error: "no rule matched and no catch-all rule was provided",
      },
    ]);
    expect(r.warnings.map((w) => w.code)).toEqual(["routing_error"]);
    expect(r.summary).toMatchObject({ samples: 3, samples_changed: 2 });
  });

  it("shadowed: a rule repeating an earlier match; unreachable: reached by no sample", () => {
    const r = diffPolicies(
      doc([single("v2", TENANT_EU), single("v1")]),
      doc([
        single("v2", TENANT_EU),
        single("v3", "get('$.session.metadata.tenant')=='eu'"),
        single("v1", "get('$.session.metadata.tier') == 'gold'"),
        single("v1", "1 > 2"),
        single("v1"),
      ]),
      samples,
    );
    expect(r.warnings.map((w) => [w.code, w.rule])).toEqual([
      ["shadowed", 2],
      ["unreachable", 3],
      ["unreachable", 4],
    ]);
    expect(r.warnings[0]!.message).toBe("rule #2 repeats the match of rule #1 and can never win");
    expect(r.warnings[1]!.message).toBe("rule #3 is reached by none of the 3 sample(s)");
    expect(r.warnings[2]!.message).toBe("rule #4: match is false for every session");
  });

  it("without samples, unreachable only flags constant matches", () => {
    const r = diffPolicies(doc([single("v1")]), doc([single("v2", TENANT_EU), single("v1")]));
    expect(r.warnings).toEqual([]);
  });

  it("a failed expectation under the new version is a warning", () => {
    const r = diffPolicies(doc([single("v1")]), doc([single("v2")]), samples);
    expect(r.warnings).toContainEqual({
      code: "expectation_failed",
      rule: 1,
      message: "sample us: expected v1, got v2 (rule #1)",
    });
  });
});

describe("whole documents", () => {
  it("a new policy is all added; a deleted one all removed", () => {
    const d = doc([
      single("v2", TENANT_EU),
      weighted([
        ["v1", 90],
        ["v2", 10],
      ]),
    ]);
    const added = diffPolicies(null, d);
    expect(added.status).toBe("added");
    expect(added.rules.map((r) => r.status)).toEqual(["added", "added"]);
    expect(added.splits).toHaveLength(1);
    expect(added.splits[0]).toMatchObject({ rule: 2, old_rule: null, before: null, moved: null });
    expect(added.transitions).toEqual([]);
    const removed = diffPolicies(d, null);
    expect(removed.status).toBe("removed");
    expect(removed.rules.map((r) => r.status)).toEqual(["removed", "removed"]);
    expect(removed.splits[0]).toMatchObject({ rule: null, old_rule: 2, after: null });
  });

  it("the same document is unchanged", () => {
    const d = doc([
      single("v2", TENANT_EU),
      weighted([
        ["v1", 90],
        ["v2", 10],
      ]),
    ]);
    const r = diffPolicies(d, structuredClone(d));
    expect(r.status).toBe("unchanged");
    expect(r.transitions).toEqual([]);
    expect(r.splits[0]!.moved).toBe(0);
  });

  it("an invalid document throws PolicyValidationError", () => {
    expect(() => diffPolicies(doc([]), null)).toThrow(PolicyValidationError);
    expect(() => diffPolicies(null, null)).toThrow(RangeError);
  });
});
