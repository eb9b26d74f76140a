import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSplit, murmur3, pickWeighted, type WeightedOption } from "../../src/policy/index.js";

const agentKey = fc.stringMatching(/^[a-z0-9-]{1,12}$/);
/** 1..6 options with distinct agent keys and integer weights, at least one above 0. */
const optionsArb = fc
  .uniqueArray(agentKey, { minLength: 1, maxLength: 6 })
  .chain((keys) =>
    fc.tuple(
      fc.constant(keys),
      fc.array(fc.integer({ min: 0, max: 100 }), { minLength: keys.length, maxLength: keys.length }),
    ),
  )
  .filter(([, ws]) => ws.some((w) => w > 0))
  .map(([keys, ws]) => keys.map((agent_key, i) => ({ agent_key, weight: ws[i]! })));

const keys = (n: number, prefix = "user-") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function assign(alias: string, options: WeightedOption[], partitions: string[]): string[] {
  const split = compileSplit(alias, options);
  return partitions.map((p) => options[split.pick(p)]!.agent_key);
}

describe("weighted rendezvous split: properties", () => {
  it("is deterministic: the same alias, options and partition give the same agent", () => {
    fc.assert(
      fc.property(agentKey, optionsArb, fc.string(), (alias, options, partition) => {
        expect(pickWeighted(alias, options, partition)).toBe(pickWeighted(alias, options, partition));
        expect(compileSplit(alias, options).pick(partition)).toBe(
          compileSplit(alias, options).pick(partition),
        );
      }),
    );
  });

  it("never picks an option of weight 0", () => {
    fc.assert(
      fc.property(agentKey, optionsArb, fc.string(), (alias, options, partition) => {
        const picked = pickWeighted(alias, options, partition);
        expect(options.find((o) => o.agent_key === picked)!.weight).toBeGreaterThan(0);
      }),
    );
  });

  // The bound is statistical, not a fixed number of points: each key falls to an option with
  // probability p = weight / total, so over n keys its share has standard deviation
  // sqrt(p(1-p)/n). A fixed 0.5 points is 3.2 to 3.7 of those for shares near 50-75% at n =
  // 100,000, which random aliases do cross (alias "--07" with weights 95/34 is off by +0.51
  // points, 3.67 deviations). Six deviations is crossed by chance
  // about once in 500 million checks, while a biased pick (weights applied linearly instead of
  // through the logarithm, say) misses by tens of them. An option of weight 0 gets no key at all.
  it("is proportional: over 100,000 keys each option's share is within six standard deviations of its weight", () => {
    fc.assert(
      fc.property(agentKey, optionsArb, (alias, options) => {
        const n = 100_000;
        const counts = new Map<string, number>();
        for (const a of assign(alias, options, keys(n))) counts.set(a, (counts.get(a) ?? 0) + 1);
        const total = options.reduce((s, o) => s + o.weight, 0);
        for (const o of options) {
          const p = o.weight / total;
          const realised = (counts.get(o.agent_key) ?? 0) / n;
          expect(Math.abs(realised - p)).toBeLessThanOrEqual(6 * Math.sqrt((p * (1 - p)) / n));
        }
      }),
      {
        numRuns: 12,
        examples: [
          [
            "--07",
            [
              { agent_key: "p--1f-6-v", weight: 95 },
              { agent_key: "ob", weight: 34 },
            ],
          ],
        ],
      },
    );
  });

  it("the proportionality bound catches a biased pick", () => {
    // The same check on a pick that multiplies the hash by the weight (a plausible mistake):
    // 95/34 should give 73.6%, the biased pick gives about 86%, far outside six deviations.
    const n = 100_000;
    let first = 0;
    for (const p of keys(n)) {
      const a = 95 * (murmur3(`--07\np--1f-6-v\n${p}`) / 2 ** 32);
      const b = 34 * (murmur3(`--07\nob\n${p}`) / 2 ** 32);
      if (a >= b) first++;
    }
    const p = 95 / 129;
    expect(Math.abs(first / n - p)).toBeGreaterThan(6 * Math.sqrt((p * (1 - p)) / n));
  });

  it("is independent of option order", () => {
    fc.assert(
      fc.property(
        agentKey,
        optionsArb.chain((o) =>
          fc.tuple(fc.constant(o), fc.shuffledSubarray(o, { minLength: o.length, maxLength: o.length })),
        ),
        (alias, [options, shuffled]) => {
          const ps = keys(2000);
          expect(assign(alias, shuffled, ps)).toEqual(assign(alias, options, ps));
        },
      ),
      { numRuns: 40 },
    );
  });

  it("raising one weight moves keys only to that option; lowering it only away from it", () => {
    fc.assert(
      fc.property(
        agentKey,
        optionsArb,
        fc.nat(),
        fc.integer({ min: 1, max: 200 }),
        (alias, options, which, raise) => {
          const i = which % options.length;
          const raised = options.map((o, j) => (j === i ? { ...o, weight: o.weight + raise } : o));
          const ps = keys(5000);
          const before = assign(alias, options, ps);
          const after = assign(alias, raised, ps);
          const target = options[i]!.agent_key;
          before.forEach((b, k) => {
            if (after[k] !== b) expect(after[k]).toBe(target);
          });
          // Lowering is the same change read backwards: keys leave only `target`.
          before.forEach((b, k) => {
            if (after[k] !== b) expect(b).not.toBe(target);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("adding an option moves keys only into the new option", () => {
    fc.assert(
      fc.property(agentKey, optionsArb, fc.integer({ min: 1, max: 100 }), (alias, options, weight) => {
        const added = [...options, { agent_key: "new-agent-zz", weight }];
        const ps = keys(5000);
        const before = assign(alias, options, ps);
        const after = assign(alias, added, ps);
        before.forEach((b, k) => {
          if (after[k] !== b) expect(after[k]).toBe("new-agent-zz");
        });
      }),
      { numRuns: 40 },
    );
  });

  it("a 95/5 -> 80/20 canary shift moves ~15% of keys, all from the old agent to the new", () => {
    const ps = keys(100_000);
    const before = assign(
      "support",
      [
        { agent_key: "v1", weight: 95 },
        { agent_key: "v2", weight: 5 },
      ],
      ps,
    );
    const after = assign(
      "support",
      [
        { agent_key: "v1", weight: 80 },
        { agent_key: "v2", weight: 20 },
      ],
      ps,
    );
    let moved = 0;
    before.forEach((b, k) => {
      if (after[k] === b) return;
      moved++;
      expect([b, after[k]]).toEqual(["v1", "v2"]);
    });
    expect(Math.abs((100 * moved) / ps.length - 15)).toBeLessThanOrEqual(0.5);
  });

  it("is decorrelated across aliases: two 10% canaries pick different users", () => {
    const options = [
      { agent_key: "stable", weight: 90 },
      { agent_key: "canary", weight: 10 },
    ];
    const ps = keys(100_000);
    const a = assign("alias-a", options, ps);
    const b = assign("alias-b", options, ps);
    const both = a.filter((x, k) => x === "canary" && b[k] === "canary").length;
    // Independent picks overlap on ~1% of users; correlated ones would overlap on ~10%.
    expect((100 * both) / ps.length).toBeGreaterThan(0.5);
    expect((100 * both) / ps.length).toBeLessThan(1.5);
  });

  it("returns -1 when every weight is 0", () => {
    expect(compileSplit("a", [{ agent_key: "x", weight: 0 }]).pick("p")).toBe(-1);
  });
});

describe("weighted rendezvous split: the formula", () => {
  /** ROUTING.md §6 to the letter: every score computed, highest wins, earlier on a tie. */
  function reference(alias: string, options: WeightedOption[], partition: string): number {
    let best = -1;
    let bestScore = -1;
    options.forEach((o, i) => {
      if (o.weight <= 0) return;
      const h = murmur3(`${alias}\n${o.agent_key}\n${partition}`);
      const score = o.weight / -Math.log((h + 0.5) / 2 ** 32);
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    });
    return best;
  }

  it("pick equals the formula for any options and partition (shortcuts included)", () => {
    const weights = fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 1000 }));
    const opts = fc
      .uniqueArray(agentKey, { minLength: 1, maxLength: 8 })
      .chain((keys) =>
        fc.tuple(fc.constant(keys), fc.array(weights, { minLength: keys.length, maxLength: keys.length })),
      )
      .map(([keys, ws]) => keys.map((agent_key, i) => ({ agent_key, weight: ws[i]! })));
    fc.assert(
      fc.property(
        agentKey,
        opts,
        fc.string({ unit: "binary", maxLength: 60 }),
        (alias, options, partition) => {
          expect(compileSplit(alias, options).pick(partition)).toBe(reference(alias, options, partition));
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
