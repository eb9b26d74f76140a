/**
 * checkPolicy: one check, one parse of each expression, one compiled resolver,
 * passed along. The parser is wrapped to count its calls, so a stage that parses again what
 * it was handed fails here.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";

const counter = vi.hoisted(() => ({ parses: 0 }));
vi.mock("../../src/userfn/parser.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/userfn/parser.js")>();
  return {
    ...real,
    parse: (source: string) => {
      counter.parses++;
      return real.parse(source);
    },
  };
});

const {
  checkPolicy,
  checkPolicyFile,
  compilePolicy,
  diffPolicies,
  isCheckedPolicy,
  PolicyValidationError,
  previewPolicy,
  routeSamples,
  validatePolicy,
} = await import("../../src/policy/index.js");

const doc = (weights: [number, number]) => ({
  key: "support",
  policy: {
    type: "routed",
    rules: [
      {
        match: "get('$.session.metadata.tenant') == 'eu'",
        targets: { type: "single", agent_key: "support-v2" },
      },
      {
        match: "get('$.session.metadata.tier', 'free') == 'gold'",
        targets: { type: "single", agent_key: "support-v1" },
      },
      {
        targets: {
          type: "weighted",
          partition_by: "get('$.session.metadata.user_id', '')",
          options: [
            { agent_key: "support-v1", weight: weights[0] },
            { agent_key: "support-v2", weight: weights[1] },
          ],
        },
      },
    ],
  },
});

const samples = [
  { name: "eu", context: { session: { metadata: { tenant: "eu" } } }, expect: "support-v2" },
  { name: "gold", context: { session: { metadata: { tier: "gold", user_id: "u1" } } }, expect: "support-v2" },
  { name: "user", context: { session: { metadata: { user_id: "u7" } } } },
];

beforeEach(() => {
  counter.parses = 0;
});

describe("checkPolicy", () => {
  it("parses each expression once; diff, preview and routeSamples parse nothing again", () => {
    const a = checkPolicy(doc([90, 10]));
    const b = checkPolicy(doc([80, 20]));
    if (!a.ok || !b.ok) throw new Error("expected valid policies");
    expect(counter.parses).toBe(6); // three expressions per version
    expect(a.policy.rules.map((r) => r.match?.normal ?? null)).toEqual([
      '(get("$.session.metadata.tenant") == "eu")',
      '(get("$.session.metadata.tier", "free") == "gold")',
      null,
    ]);
    expect(a.policy.agents).toEqual(["support-v2", "support-v1"]);

    const report = diffPolicies(a.policy, b.policy, samples, { keys: 1000 });
    const preview = previewPolicy(b.policy, samples, { syntheticKeys: 1000 });
    const routed = routeSamples(b.policy, samples);
    expect(counter.parses).toBe(6);

    // The same answers as from the documents, which are checked (and parsed) on the way in.
    expect(diffPolicies(doc([90, 10]) as never, doc([80, 20]) as never, samples, { keys: 1000 })).toEqual(
      report,
    );
    expect(previewPolicy(doc([80, 20]) as never, samples, { syntheticKeys: 1000 })).toEqual(preview);
    expect(counter.parses).toBe(15); // three documents checked on the way in
    expect(routed.map((r) => [r.name, r.resolution?.agent_key, r.missed])).toEqual([
      ["eu", "support-v2", false],
      ["gold", "support-v1", true],
      ["user", routed[2]!.resolution!.agent_key, false],
    ]);
    expect(preview.failures.filter((f) => f.startsWith("sample"))).toEqual([
      "sample gold: expected support-v2, got support-v1 (rule #2)",
    ]);
  });

  it("gives issues as data: a code, the path as parts, the API's message", () => {
    const bad = doc([0, 0]);
    bad.policy.rules[0]!.match = "get('$.a') ==";
    (bad.policy.rules[1] as Record<string, unknown>).extra = 1;
    const r = checkPolicy(bad);
    expect(r.ok).toBe(false);
    expect(r.issues.map(({ code, path }) => ({ code, path }))).toEqual([
      { code: "expression", path: ["policy", "rules", 0, "match"] },
      { code: "unknown_field", path: ["policy", "rules", 1, "extra"] },
      { code: "zero_weights", path: ["policy", "rules", 2, "targets", "options"] },
    ]);
    expect(r.issues[0]!.expression?.source).toBe("get('$.a') ==");
    // validatePolicy is the same issues with the path written out.
    expect(validatePolicy(bad).map((i) => i.path)).toEqual([
      "policy.rules[0].match",
      "policy.rules[1].extra",
      "policy.rules[2].targets.options",
    ]);
    expect(validatePolicy(bad).map((i) => i.message)).toEqual(r.issues.map((i) => i.message));
    expect(() => compilePolicy(bad)).toThrow(PolicyValidationError);
  });

  it("sorts issues by rule from their parts, document fields first", () => {
    const bad = { ...doc([1, 1]), name: 7 } as Record<string, unknown>;
    (bad.policy as { rules: unknown[] }).rules.push({ targets: { type: "single", agent_key: "x" } });
    const r = checkPolicy(bad);
    expect(r.issues.map((i) => i.path)).toEqual([["name"], ["policy", "rules", 3]]);
    expect(r.issues.map((i) => i.code)).toEqual(["invalid_value", "unreachable_rule"]);
  });

  it("a CheckedPolicy is only what checkPolicy made", () => {
    const r = checkPolicy(doc([1, 1]));
    if (!r.ok) throw new Error("valid");
    expect(isCheckedPolicy(r.policy)).toBe(true);
    expect(isCheckedPolicy({ ...r.policy })).toBe(false);
    expect(Object.isFrozen(r.policy)).toBe(true);
  });

  it("checkPolicyFile expands a canary block first; its issues carry the canary path", () => {
    const ok = checkPolicyFile({
      key: "support",
      canary: { from: "v1", to: "v2", partition_by: "get('$.session.key')", current: "canary-20" },
    });
    if (!ok.ok) throw new Error("valid");
    expect(ok.policy.document.policy.rules[0]!.targets).toMatchObject({
      options: [{ weight: 80 }, { weight: 20 }],
    });
    const bad = checkPolicyFile({ canary: { from: "v1", to: "v2", partition_by: "x", current: "nope" } });
    expect(bad.issues).toEqual([
      {
        code: "canary",
        path: ["canary", "current"],
        message:
          "canary.current: unknown stage 'nope'; the stages are baseline, canary-5, canary-20, canary-50, complete",
      },
    ]);
  });
});
