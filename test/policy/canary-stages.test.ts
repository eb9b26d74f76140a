import { describe, expect, it } from "vitest";
import {
  CanaryError,
  canaryPolicy,
  compilePolicy,
  DEFAULT_STAGES,
  expandCanaryDocument,
  validateCanary,
  validatePolicy,
} from "../../src/policy/index.js";
import { cli } from "../helpers/cli.js";

const spec = {
  from: "v1",
  to: "v2",
  partitionBy: "get('$.session.metadata.user_id', '')",
  current: "canary-20",
};

describe("canary stages", () => {
  it("default stages are 100/0 (baseline), 95/5, 80/20, 50/50, 0/100", () => {
    expect(DEFAULT_STAGES.map((s) => [s.name, ...s.weights])).toEqual([
      ["baseline", 100, 0],
      ["canary-5", 95, 5],
      ["canary-20", 80, 20],
      ["canary-50", 50, 50],
      ["complete", 0, 100],
    ]);
  });

  it("the current stage becomes a valid weighted policy", () => {
    const policy = canaryPolicy(spec);
    expect(policy).toEqual({
      type: "routed",
      rules: [
        {
          targets: {
            type: "weighted",
            partition_by: spec.partitionBy,
            options: [
              { agent_key: "v1", weight: 80 },
              { agent_key: "v2", weight: 20 },
            ],
          },
        },
      ],
    });
    expect(validatePolicy({ key: "a", policy })).toEqual([]);
  });

  it("inside one rule: canary one tenant, route the others directly, after pinned rules", () => {
    const policy = canaryPolicy({
      ...spec,
      match: "get('$.session.metadata.tenant') == 'eu'",
      others: "v1",
      before: [
        { match: "get('$.session.metadata.tier') == 'gold'", targets: { type: "single", agent_key: "v1" } },
      ],
    });
    expect(policy.rules.map((r) => [r.match ?? null, r.targets.type])).toEqual([
      ["get('$.session.metadata.tier') == 'gold'", "single"],
      ["get('$.session.metadata.tenant') == 'eu'", "weighted"],
      [null, "single"],
    ]);
    const p = compilePolicy({ key: "a", policy });
    expect(p.resolve({ session: { metadata: { tenant: "us" } } }).agent_key).toBe("v1");
    expect(p.resolve({ session: { metadata: { tenant: "eu", tier: "gold" } } }).rule).toBe(1);
  });

  it("moving a stage on moves users only from the old agent to the new", () => {
    const stages = DEFAULT_STAGES.map((s) =>
      compilePolicy({ key: "support", policy: canaryPolicy({ ...spec, current: s.name }) }),
    );
    const users = Array.from({ length: 20_000 }, (_, i) => ({ session: { metadata: { user_id: `u${i}` } } }));
    for (let k = 1; k < stages.length; k++) {
      for (const u of users) {
        const before = stages[k - 1]!.resolve(u).agent_key;
        const after = stages[k]!.resolve(u).agent_key;
        if (before !== after) expect([before, after]).toEqual(["v1", "v2"]);
      }
    }
  });

  it("validates: unique stage names, integer weights, a known current stage", () => {
    const bad = {
      ...spec,
      current: "canary-99",
      stages: [
        { name: "a", weights: [90, 10] as const },
        { name: "a", weights: [1.5, 0] as const },
        { name: "z", weights: [0, 0] as const },
      ],
    };
    expect(validateCanary(bad).map((i) => i.message)).toEqual([
      "canary.stages[1].name: duplicate stage name 'a' (first at stages[0])",
      "canary.stages[1].weights[0]: weight must be an integer >= 0, got 1.5",
      "canary.stages[2].weights: stage 'z' has both weights 0",
      "canary.current: unknown stage 'canary-99'; the stages are a, z",
    ]);
    expect(() => canaryPolicy(bad)).toThrow(CanaryError);
  });

  it("a YAML `canary:` block expands into `policy:`; problems name the field", () => {
    const doc = {
      key: "s",
      canary: { from: "v1", to: "v2", partition_by: "get('$.session.key')", current: "canary-50" },
    };
    const { doc: expanded, issues } = expandCanaryDocument(doc);
    expect(issues).toEqual([]);
    expect(
      (expanded as { policy: { rules: { targets: { options: unknown } }[] } }).policy.rules[0]!.targets
        .options,
    ).toEqual([
      { agent_key: "v1", weight: 50 },
      { agent_key: "v2", weight: 50 },
    ]);
    expect(
      expandCanaryDocument({ key: "s", canary: { ...doc.canary, current: "nope" } }).issues.map(
        (i) => i.path,
      ),
    ).toEqual(["canary.current"]);
    expect(
      expandCanaryDocument({ key: "s", canary: { ...doc.canary, partiton_by: "x" } }).issues.map(
        (i) => i.path,
      ),
    ).toContain("canary.partiton_by");
    expect(expandCanaryDocument({ key: "s", canary: doc.canary, policy: {} }).issues).toEqual([
      { path: "canary", message: "canary: give either `canary` or `policy`, not both" },
    ]);
  });

  it("the CLI reads canary files", async () => {
    const v = await cli(["validate", "examples/policies/support-canary.yaml", "--json"]);
    expect(JSON.parse(v.stdout)).toEqual({ valid: true, errors: [] });
    const p = await cli(["preview", "examples/policies/support-canary.yaml", "--keys", "20000", "--json"]);
    expect(JSON.parse(p.stdout).rules[0].split.shares.map((s: { requested: number }) => s.requested)).toEqual(
      [0.8, 0.2],
    );
  });
});
