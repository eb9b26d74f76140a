import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { murmur3, murmur3Bytes } from "../../src/policy/index.js";

describe("MurmurHash3 x86_32", () => {
  // Reference values of the canonical implementation (SMHasher's MurmurHash3_x86_32).
  it.each([
    ["", 0, 0],
    ["", 1, 0x514e28b7],
    ["", 0xffffffff, 0x81f16f39],
    ["test", 0, 0xba6bd213],
    ["Hello, world!", 0, 0xc0363e43],
    ["Hello, world!", 1234, 0xfaf6cdb3],
    ["The quick brown fox jumps over the lazy dog", 0, 0x2e4ff723],
    ["a", 0, 0x3c2569b2],
    ["ab", 0, 0x9bbfd75f],
    ["abc", 0, 0xb3dd93fa],
    ["abcd", 0, 0x43ed676a],
  ])("murmur3(%j, %i) = %i", (s, seed, expected) => {
    expect(murmur3(s, seed)).toBe(expected);
    expect(murmur3Bytes(new TextEncoder().encode(s), seed)).toBe(expected);
  });

  it("hashes strings as their UTF-8 bytes (TextEncoder), including astral and lone surrogates", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.integer({ min: 0, max: 0xffffffff }), (s, seed) => {
        expect(murmur3(s, seed)).toBe(murmur3Bytes(new TextEncoder().encode(s), seed));
      }),
      { numRuns: 2000 },
    );
    for (const s of ["Zoë", "日本語", "😀", "\ud800", "a\udc00b", "\ud83d\ude00\ud83d"]) {
      expect(murmur3(s)).toBe(murmur3Bytes(new TextEncoder().encode(s)));
    }
  });
});

describe("resuming a hash over pre-encoded bytes", () => {
  it("equals hashing the whole string, for every prefix alignment", async () => {
    const { encodeScratch, feedUtf8, initialState, resumeHash, scratchBytes } = await import(
      "../../src/policy/murmur3.js"
    );
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 40 }),
        fc.string({ unit: "binary", maxLength: 200 }),
        (prefix, rest) => {
          const st = initialState(0);
          feedUtf8(st, prefix);
          const n = encodeScratch(rest);
          expect(resumeHash(st.h, st.k, st.n, st.len, scratchBytes(), n)).toBe(murmur3(prefix + rest));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("partitions longer than the shared buffer", () => {
  it("encode and hash like short ones", async () => {
    const { encodeScratch, scratchBytes } = await import("../../src/policy/murmur3.js");
    const long = `${"user-😀-Zoë-".repeat(300)}end`;
    const n = encodeScratch(long);
    expect(Buffer.from(scratchBytes().subarray(0, n))).toEqual(Buffer.from(new TextEncoder().encode(long)));
    const options = [
      { agent_key: "a", weight: 3 },
      { agent_key: "b", weight: 1 },
    ];
    const { compileSplit } = await import("../../src/policy/index.js");
    const expected = options
      .map((o, i) => ({
        i,
        s: o.weight / -Math.log((murmur3(`k\n${o.agent_key}\n${long}`) + 0.5) / 2 ** 32),
      }))
      .reduce((a, b) => (b.s > a.s ? b : a)).i;
    expect(compileSplit("k", options).pick(long)).toBe(expected);
    // The shared buffer is used again afterwards.
    expect(encodeScratch("abc")).toBe(3);
  });
});
