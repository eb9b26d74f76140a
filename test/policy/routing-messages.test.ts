import { describe, expect, it } from "vitest";
import { compilePolicy, newSlot, type RoutingErrorCode } from "../../src/policy/index.js";

function routingError(rules: unknown[], context: unknown, key: string | null = "support") {
  const policy = compilePolicy({ ...(key ? { key } : {}), policy: { type: "routed", rules } });
  try {
    policy.resolve(context);
  } catch (e) {
    return e as Error & { code: RoutingErrorCode; rule?: number };
  }
  throw new Error("expected a routing error");
}

const single = { type: "single", agent_key: "a" };

describe("routing messages (ROUTING.md §5)", () => {
  it("no rule matched", () => {
    const e = routingError([{ match: "false", targets: single }], {});
    expect(e.message).toBe("no rule matched and no catch-all rule was provided");
    expect(e.code).toBe("no_match");
  });

  it("partition_by evaluated to null", () => {
    const e = routingError(
      [
        {
          targets: {
            type: "weighted",
            partition_by: "get('$.nope')",
            options: [{ agent_key: "a", weight: 1 }],
          },
        },
      ],
      {},
    );
    expect(e.message).toBe("partition_by evaluated to null");
    expect(e.code).toBe("null_partition");
    expect(e.rule).toBe(1);
  });

  it("an evaluation error names the rule and the field (the spec's example)", () => {
    const e = routingError([{ match: "get('$.session.metadata.tier') < 3", targets: single }], {
      session: { metadata: { tier: "gold" } },
    });
    expect(e.message).toBe("rule #1: match: cannot compare string with number");
    expect(e.code).toBe("evaluation_error");
  });

  it("an evaluation error in partition_by names that field", () => {
    const e = routingError(
      [
        { match: "false", targets: single },
        { targets: { type: "weighted", partition_by: "abs('x')", options: [{ agent_key: "a", weight: 1 }] } },
      ],
      {},
    );
    expect(e.message).toBe("rule #2: partition_by: abs() expects a number, got string");
  });

  it("a match that is neither boolean nor null is an error", () => {
    const e = routingError([{ match: "get('$.x')", targets: single }], { x: "yes" });
    expect(e.message).toBe("rule #1: match: must evaluate to a boolean or null, got string");
  });

  it("a null match falls through like false", () => {
    const policy = compilePolicy({
      key: "k",
      policy: {
        type: "routed",
        rules: [{ match: "get('$.x')", targets: single }, { targets: { type: "single", agent_key: "b" } }],
      },
    });
    expect(policy.resolve({})).toEqual({ agent_key: "b", rule: 2, target: "single" });
  });

  it("without a key in the document, the alias key comes from the context's agent", () => {
    const rules = [
      {
        targets: {
          type: "weighted",
          partition_by: "get('$.p')",
          options: [
            { agent_key: "a", weight: 1 },
            { agent_key: "b", weight: 1 },
          ],
        },
      },
    ];
    const e = routingError(rules, { p: "x" }, null);
    expect(e.code).toBe("no_alias_key");
    const keyless = compilePolicy({ policy: { type: "routed", rules } });
    const keyed = compilePolicy({ key: "support", policy: { type: "routed", rules } });
    for (const p of ["u1", "u2", "u3", "u4", "u5"]) {
      expect(keyless.resolve({ p, agent: { key: "support" } })).toEqual(keyed.resolve({ p }));
    }
  });

  it("a weighted result names the partition; resolveInto writes the same into a reused slot", () => {
    const policy = compilePolicy({
      key: "support",
      policy: {
        type: "routed",
        rules: [
          { match: "get('$.t') == 'eu'", targets: single },
          {
            targets: {
              type: "weighted",
              partition_by: "get('$.n')",
              options: [
                { agent_key: "x", weight: 1 },
                { agent_key: "y", weight: 1 },
              ],
            },
          },
        ],
      },
    });
    const slot = newSlot();
    for (const ctx of [{ t: "eu" }, { n: 5 }, { n: { b: 1, a: 2 } }, { n: true }]) {
      const r = policy.resolve(ctx);
      expect(policy.resolveInto(ctx, slot)).toBe(slot);
      expect({ ...slot }).toEqual({ partition: undefined, ...r });
    }
    expect(policy.resolve({ n: { b: 1, a: 2 } }).partition).toBe('{"a":2,"b":1}');
  });
});
