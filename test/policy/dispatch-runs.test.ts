import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";

// Runs of `get(P) == literal` rules are resolved by one read and one map lookup. The answer
// must be the one trying the rules in order gives, whatever the mix of rules and values.
const PATHS = ["$.session.metadata.tenant", "$.session.metadata.tier", "$.agent.key"];
const LITERALS = ["'eu'", "'us'", "'gold'", "1", "2", "true", "false", "''"];
const VALUES = ["eu", "us", "gold", "", 1, 2, true, false, null, "EU", [1], { a: 1 }, 1.5];

const eqRule = fc.record({
  path: fc.constantFrom(...PATHS),
  lit: fc.constantFrom(...LITERALS),
  flip: fc.boolean(),
  agent: fc.constantFrom("a", "b", "c", "d"),
});
const otherRule = fc.constantFrom(
  { match: "get('$.session.metadata.tenant', 'x') == 'eu'", targets: { type: "single", agent_key: "o1" } },
  { match: "get('$.session.metadata.tenant') != 'us'", targets: { type: "single", agent_key: "o2" } },
  { match: "get('$.session.metadata.tier') == null", targets: { type: "single", agent_key: "o3" } },
);

const policyArb = fc
  .array(fc.oneof({ weight: 4, arbitrary: eqRule }, { weight: 1, arbitrary: otherRule }), {
    minLength: 1,
    maxLength: 24,
  })
  .chain((rules) => fc.tuple(fc.constant(rules), fc.boolean()))
  .map(([rules, catchAll]) => {
    const compiled = rules.map((r) =>
      "path" in r
        ? {
            match: r.flip ? `${r.lit} == get('${r.path}')` : `get('${r.path}') == ${r.lit}`,
            targets: { type: "single", agent_key: r.agent },
          }
        : r,
    );
    if (catchAll) compiled.push({ targets: { type: "single", agent_key: "fallback" } } as never);
    return { key: "k", policy: { type: "routed", rules: compiled } };
  });

const contextArb = fc.record({
  session: fc.record({
    metadata: fc.record(
      { tenant: fc.constantFrom(...VALUES), tier: fc.constantFrom(...VALUES) },
      { requiredKeys: [] },
    ),
  }),
  agent: fc.record({ key: fc.constantFrom(...VALUES) }, { requiredKeys: [] }),
});

function outcome(p: ReturnType<typeof compilePolicy>, ctx: unknown): unknown {
  try {
    return p.resolve(ctx);
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe("runs of get(P) == literal rules", () => {
  it("resolve exactly as trying the rules in order", () => {
    fc.assert(
      fc.property(policyArb, fc.array(contextArb, { minLength: 1, maxLength: 20 }), (doc, contexts) => {
        const fused = compilePolicy(doc);
        const plain = compilePolicy(doc, { fuseRuns: false });
        for (const ctx of contexts) expect(outcome(fused, ctx)).toEqual(outcome(plain, ctx));
      }),
      { numRuns: 3000 },
    );
  });

  it("the first of duplicate literals wins, and a missing value falls past the run", () => {
    const rule = (lit: string, agent: string) => ({
      match: `get('$.t') == '${lit}'`,
      targets: { type: "single", agent_key: agent },
    });
    const p = compilePolicy({
      key: "k",
      policy: {
        type: "routed",
        rules: [
          rule("a", "first"),
          rule("b", "x"),
          rule("a", "second"),
          rule("c", "y"),
          { targets: { type: "single", agent_key: "rest" } },
        ],
      },
    });
    expect(p.resolve({ t: "a" })).toEqual({ agent_key: "first", rule: 1, target: "single" });
    expect(p.resolve({ t: "c" })).toEqual({ agent_key: "y", rule: 4, target: "single" });
    expect(p.resolve({})).toEqual({ agent_key: "rest", rule: 5, target: "single" });
    expect(p.resolve({ t: 1 })).toEqual({ agent_key: "rest", rule: 5, target: "single" });
  });
});
