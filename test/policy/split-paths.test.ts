/**
 * compileSplit takes shortcuts (src/policy/split.ts): a two-option pass, blocks shared by
 * options of one alignment, ASCII read straight from the string, and a table logarithm that
 * settles most comparisons. Each must give exactly ROUTING.md §6's answer; these tests aim
 * random inputs at each path and compare with the formula computed the plain way.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { murmur3, type WeightedOption } from "../../src/policy/index.js";
import { APPROX_ERROR, approxNegLn, compileSplit } from "../../src/policy/split.js";

/** ROUTING.md §6 to the letter, with the whole string hashed by the streaming murmur3. */
function reference(alias: string, options: readonly WeightedOption[], partition: string): number {
  let best = -1;
  let bestScore = -1;
  options.forEach((o, i) => {
    if (o.weight <= 0) return;
    const score = o.weight / -Math.log((murmur3(`${alias}\n${o.agent_key}\n${partition}`) + 0.5) / 2 ** 32);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  return best;
}

const weight = fc.oneof(
  fc.integer({ min: 1, max: 3 }),
  fc.integer({ min: 0, max: 1000 }),
  fc.constantFrom(1, 1_000_000, 2 ** 40),
);
/** ASCII of every code 0..127, NUL and newline included, 0 to 80 units, and past 1,024. */
const asciiPartition = fc.oneof(
  {
    arbitrary: fc.string({
      unit: fc.integer({ min: 0, max: 127 }).map((c) => String.fromCharCode(c)),
      maxLength: 80,
    }),
    weight: 8,
  },
  { arbitrary: fc.integer({ min: 1000, max: 1100 }).map((n) => "u".repeat(n)), weight: 1 },
);
/** ASCII with one non-ASCII unit somewhere (start, middle, end; lone surrogates too). */
const mixedPartition = fc
  .tuple(
    asciiPartition,
    fc.integer({ min: 0, max: 0xffff }).filter((c) => c >= 0x80),
    fc.nat(),
  )
  .map(([s, c, at]) => {
    const i = s.length === 0 ? 0 : at % (s.length + 1);
    return s.slice(0, i) + String.fromCharCode(c) + s.slice(i);
  });
const partition = fc.oneof(asciiPartition, mixedPartition);

describe("weighted split shortcuts agree with the formula", () => {
  it("two options with agent keys of one length (the one-pass path)", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z0-9-]{0,12}$/),
        fc.stringMatching(/^[a-z-]{1,8}$/),
        weight,
        weight,
        partition,
        (alias, stem, w1, w2, p) => {
          const options = [
            { agent_key: `${stem}-a`, weight: w1 },
            { agent_key: `${stem}-b`, weight: w2 },
          ];
          expect(compileSplit(alias, options).pick(p)).toBe(reference(alias, options, p));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it("any number of options, keys of mixed lengths (shared blocks per alignment)", () => {
    const opts = fc
      .uniqueArray(fc.stringMatching(/^[a-z0-9-]{1,11}$/), { minLength: 1, maxLength: 7 })
      .chain((keys) =>
        fc.tuple(fc.constant(keys), fc.array(weight, { minLength: keys.length, maxLength: keys.length })),
      )
      .map(([keys, ws]) => keys.map((agent_key, i) => ({ agent_key, weight: ws[i]! })));
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9-]{0,12}$/), opts, partition, (alias, options, p) => {
        expect(compileSplit(alias, options).pick(p)).toBe(reference(alias, options, p));
      }),
      { numRuns: 20_000 },
    );
  });

  it("every partition length 0..40 at every prefix alignment", () => {
    for (let a = 0; a < 4; a++) {
      const alias = "x".repeat(a); // prefix length = a + keys + 2
      const pair = [
        { agent_key: "v1", weight: 90 },
        { agent_key: "v2", weight: 10 },
      ];
      const three = [...pair, { agent_key: "canary", weight: 5 }];
      for (let n = 0; n <= 40; n++) {
        for (const seed of [0, 1, 2]) {
          const p = Array.from({ length: n }, (_, i) =>
            String.fromCharCode(33 + ((i * 31 + seed * 7 + n) % 90)),
          ).join("");
          for (const options of [pair, three]) {
            expect(compileSplit(alias, options).pick(p), `${a}/${n}/${p}`).toBe(reference(alias, options, p));
          }
        }
      }
    }
  });

  it("the table logarithm is within its stated error everywhere it is used", () => {
    const exact = (h: number) => -Math.log((h + 0.5) / 2 ** 32);
    const edges = [1, 2, 3, 1023, 1024, 1025, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1];
    for (let e = 1; e < 32; e++) edges.push(2 ** e - 1, 2 ** e, 2 ** e + 1);
    let worst = 0;
    for (const h of edges) worst = Math.max(worst, Math.abs(approxNegLn(h) - exact(h)));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 32 - 1 }), (h) => {
        const err = Math.abs(approxNegLn(h) - exact(h));
        worst = Math.max(worst, err);
        expect(err).toBeLessThan(APPROX_ERROR / 4);
      }),
      { numRuns: 100_000 },
    );
    expect(worst).toBeLessThan(APPROX_ERROR / 4);
    // A bound this loose would let a broken table through: it must be doing real work.
    expect(worst).toBeGreaterThan(0);
  });
});
