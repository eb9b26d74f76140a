/**
 * The diff's sweep hashes synthetic keys by their digits only (no strings); these tests pin it
 * to the production split (split.ts) so the figures are those the resolver would produce.
 */
import { describe, expect, it } from "vitest";
import { type AliasDocument, compileSplit, diffPolicies, syntheticKey } from "../../src/policy/index.js";
import { compileSyntheticSplit, Digits } from "../../src/policy/key-sweep.js";

const OPTION_SETS = [
  [
    ["support-v1", 95],
    ["support-v2", 5],
  ],
  [
    ["a", 1],
    ["b", 0],
    ["c", 3],
  ],
  [
    ["agent-é", 10],
    ["agent-😀", 10],
    ["x", 10],
    ["y", 70],
  ],
].map((set) =>
  set.map(([agent_key, weight]) => ({ agent_key: agent_key as string, weight: weight as number })),
);

describe("the sweep's hashing", () => {
  it("Digits counts like String(n), across carries", () => {
    for (const start of [0, 7, 95, 998, 99_990]) {
      const d = new Digits(start);
      for (let n = start; n < start + 1200; n++) {
        expect(new TextDecoder().decode(d.bytes.subarray(0, d.length))).toBe(String(n));
        d.next();
      }
    }
  });

  it("picks exactly what compileSplit picks for syntheticKey(n)", () => {
    for (const salt of ["support", "alias-ü", ""]) {
      for (const options of OPTION_SETS) {
        const reference = compileSplit(salt, options);
        const fast = compileSyntheticSplit(salt, options);
        for (const start of [0, 999_990, 9_999_000]) {
          const d = new Digits(start);
          for (let n = start; n < start + 2000; n++) {
            expect(fast.pick(d.bytes, d.length)).toBe(reference.pick(syntheticKey(n)));
            d.next();
          }
        }
      }
    }
  });

  it("diff transitions equal a count made with compileSplit and key strings", () => {
    const doc = (key: string, options: { agent_key: string; weight: number }[], partition_by: string) =>
      ({
        key,
        policy: { type: "routed", rules: [{ targets: { type: "weighted", partition_by, options } }] },
      }) as AliasDocument;
    const keys = 3000;
    const four = ["w", "x", "y", "support-v2"].map((agent_key, i) => ({ agent_key, weight: 10 * (i + 1) }));
    const cases: [AliasDocument, AliasDocument, boolean][] = [
      [doc("s", OPTION_SETS[0]!, "get('$.u')"), doc("s", four, "get('$.u')"), false],
      [doc("s", OPTION_SETS[1]!, "get('$.u')"), doc("t", OPTION_SETS[1]!, "get('$.u')"), false],
      [doc("s", four, "get('$.u')"), doc("s", OPTION_SETS[0]!, "get('$.v')"), true],
    ];
    for (const [a, b, repartitioned] of cases) {
      const ta = a.policy.rules[0]!.targets as { options: { agent_key: string; weight: number }[] };
      const tb = b.policy.rules[0]!.targets as { options: { agent_key: string; weight: number }[] };
      const sa = compileSplit(a.key!, ta.options);
      const sb = compileSplit(b.key!, tb.options);
      const expected = new Map<string, number>();
      for (let k = 0; k < keys; k++) {
        const from = ta.options[sa.pick(syntheticKey(k))]!.agent_key;
        const to = tb.options[sb.pick(syntheticKey(repartitioned ? keys + k : k))]!.agent_key;
        if (from !== to) expected.set(`${from} -> ${to}`, (expected.get(`${from} -> ${to}`) ?? 0) + 1);
      }
      const got = new Map(
        diffPolicies(a, b, [], { keys }).transitions.map((t) => [`${t.from} -> ${t.to}`, t.keys]),
      );
      expect(got).toEqual(expected);
    }
  });
});
