import { describe, expect, it } from "vitest";
import {
  compilePolicy,
  fillAgent,
  partitionString,
  pickWeighted,
  type RoutingContext,
  validatePolicy,
} from "../../src/policy/index.js";
import { loadVectors, type ResolveVectors, type SplitVectors } from "../helpers/vectors.js";

describe("resolve vectors (spec/vectors/resolve.json)", () => {
  for (const c of loadVectors<ResolveVectors>("resolve").cases) {
    if ("invalid" in c) {
      it(`${c.name}: invalid with the API's message`, () => {
        expect(validatePolicy(c.alias).map((i) => i.message)).toContain(c.invalid);
        expect(() => compilePolicy(c.alias)).toThrow(c.invalid);
      });
      continue;
    }
    it(c.name, () => {
      const policy = compilePolicy(c.alias);
      const context = fillAgent(c.alias as { key: string }, c.context as RoutingContext);
      if ("error" in c.expect) {
        expect(() => policy.resolve(context)).toThrow(c.expect.error as string);
        try {
          policy.resolve(context);
        } catch (e) {
          expect((e as Error).message).toBe(c.expect.error);
        }
        return;
      }
      const { partition: _partition, ...got } = policy.resolve(context);
      expect(got).toEqual(c.expect);
    });
  }
});

describe("split vectors (spec/vectors/split.json)", () => {
  const cases = loadVectors<SplitVectors>("split");
  it("has cases for two aliases", () => {
    expect(new Set(cases.map((c) => c.alias_key)).size).toBe(2);
  });
  it.each(cases.map((c, i) => [i, c] as const))("case %i", (_i, c) => {
    expect(partitionString(c.partition_value)).toBe(c.partition_string);
    expect(pickWeighted(c.alias_key, c.options, c.partition_string)).toBe(c.agent_key);
  });
  it("the resolver gives the same agent as the vector through a weighted rule", () => {
    for (const c of cases) {
      const policy = compilePolicy({
        key: c.alias_key,
        policy: {
          type: "routed",
          rules: [
            {
              targets: { type: "weighted", partition_by: "get('$.session.metadata.p')", options: c.options },
            },
          ],
        },
      });
      const r = policy.resolve({ session: { metadata: { p: c.partition_value } } });
      expect(r.agent_key).toBe(c.agent_key);
      expect(r.partition).toBe(c.partition_string);
    }
  });
});
