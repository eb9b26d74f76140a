/**
 * Policies whose every read is one member of one parent object (tenant routing:
 * `get('$.session.metadata.X') == L` matches, `get('$.session.metadata.Y', D)` partitions) are
 * resolved by reading the parent once (src/policy/resolve.ts, `sharedParent`). The answer, or
 * the error, must be exactly what evaluating the rules one by one gives, for any context.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { compilePolicy, newSlot, validatePolicy } from "../../src/policy/index.js";

const MEMBERS = ["tenant", "tier", "user_id", "constructor", "n"];
const LITERALS = ["'eu'", "'us'", "'gold'", "1", "true", "''", "null"];
const VALUES: unknown[] = ["eu", "us", "gold", "", 1, 2, true, false, null, [1], { a: 1 }, "user-7"];

const member = fc.constantFrom(...MEMBERS);
const match = fc.oneof(
  fc
    .record({ m: member, lit: fc.constantFrom(...LITERALS.filter((l) => l !== "null")), flip: fc.boolean() })
    .map(({ m, lit, flip }) =>
      flip ? `${lit} == get('$.session.metadata.${m}')` : `get('$.session.metadata.${m}') == ${lit}`,
    ),
  fc
    .record({ m: member, d: fc.constantFrom(...LITERALS), lit: fc.constantFrom("'eu'", "'gold'", "1") })
    .map(({ m, d, lit }) => `get('$.session.metadata.${m}', ${d}) == ${lit}`),
  // Off the shape: a rule reading elsewhere, or testing something else, turns the shortcut off.
  fc.constantFrom("get('$.session.key') == 'k1'", "get('$.session.metadata.tenant') != 'us'"),
);
const target = fc.oneof(
  fc.constantFrom("a", "b").map((agent_key) => ({ type: "single", agent_key })),
  fc.record({ m: member, d: fc.constantFrom("", ", ''", ", null", ", 'anon'", ", 7") }).map(({ m, d }) => ({
    type: "weighted",
    partition_by: `get('$.session.metadata.${m}'${d})`,
    options: [
      { agent_key: "v1", weight: 90 },
      { agent_key: "v2", weight: 10 },
    ],
  })),
);
const policy = fc
  .tuple(
    fc.array(fc.record({ match, targets: target }), { minLength: 0, maxLength: 6 }),
    fc.option(target, { nil: undefined }),
  )
  .filter(([rules, last]) => rules.length > 0 || last !== undefined)
  .map(([rules, last]) => ({
    key: "front",
    policy: { type: "routed", rules: last === undefined ? rules : [...rules, { targets: last }] },
  }))
  .filter((doc) => validatePolicy(doc).length === 0);

const metadata = fc.dictionary(member, fc.constantFrom(...VALUES), { maxKeys: 5 });
const context = fc.oneof(
  { weight: 8, arbitrary: metadata.map((m) => ({ session: { key: "k1", metadata: m } })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      {},
      null,
      { session: null },
      { session: { metadata: null } },
      { session: { metadata: [1, 2] } },
      { session: [] },
      { session: { metadata: "tenant" } },
    ),
  },
);

function outcome(run: () => unknown): unknown {
  try {
    return { ok: run() };
  } catch (e) {
    return {
      error: (e as Error).message,
      code: (e as { code?: string }).code,
      rule: (e as { rule?: number }).rule,
    };
  }
}

describe("shared-parent resolution", () => {
  it("answers exactly as the rules evaluated one by one, errors included", () => {
    fc.assert(
      fc.property(policy, fc.array(context, { minLength: 1, maxLength: 8 }), (doc, contexts) => {
        const fast = compilePolicy(doc);
        const plain = compilePolicy(doc, { shareParent: false, fuseRuns: false });
        const slot = newSlot();
        for (const c of contexts) {
          expect(outcome(() => fast.resolve(c))).toEqual(outcome(() => plain.resolve(c)));
          expect(outcome(() => ({ ...fast.resolveInto(c, slot) }))).toEqual(
            outcome(() => ({ partition: undefined, ...plain.resolve(c) })),
          );
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("takes the shortcut for the tenant-routing shape (and only then): same answers, fewer reads", () => {
    // A context whose reads are counted: the shortcut reads `session` and `metadata` once.
    let reads = 0;
    const counted = (metadata: Record<string, unknown>) => ({
      get session() {
        reads++;
        return { metadata };
      },
    });
    // The seed tenant policy as the examples ship it.
    const tenant = parseYaml(
      readFileSync(new URL("../../examples/policies/support.yaml", import.meta.url), "utf8"),
    );
    const fast = compilePolicy(tenant);
    const plain = compilePolicy(tenant, { shareParent: false });
    const ctx = counted({ tenant: "us", tier: "free", user_id: "u1" });
    reads = 0;
    const a = fast.resolve(ctx);
    expect(reads).toBe(1);
    reads = 0;
    expect(plain.resolve(ctx)).toEqual(a);
    expect(reads).toBe(3);
    // Off the shape (a match reading elsewhere): every rule reads for itself.
    const other = structuredClone(tenant);
    other.policy.rules[1]!.match = "get('$.session.metadata.tier', 'free') != 'gold'";
    reads = 0;
    compilePolicy(other).resolve(counted({ tenant: "us", tier: "gold", user_id: "u1" }));
    expect(reads).toBe(3);
  });
});
