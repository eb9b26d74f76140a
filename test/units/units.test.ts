/**
 * The leaf of measures (src/units): the policy grammar's durations read and written back, the
 * single-quantity grammar of command lines and profiles, durations for people, rates, and the
 * nearest-rank percentile.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatDuration,
  formatMs,
  nearestRank,
  parseDuration,
  parseDurationMs,
  parseRate,
} from "../../src/units/index.js";

describe("parseDuration and formatDuration", () => {
  it.each([
    ["30m", 1_800_000],
    ["1h30m", 5_400_000],
    ["45s", 45_000],
    ["500ms", 500],
    ["0s", 0],
    ["1h2m3s4ms", 3_723_004],
  ])("%s is %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "30", "1.5h", "30 m", "m30", "1m1h", "1s1s"])("%j is not a duration", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it("writes back what it reads, to the second", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 7 * 24 * 3600 }), (seconds) => {
        expect(parseDuration(formatDuration(seconds * 1000))).toBe(seconds * 1000);
      }),
    );
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(250)).toBe("250ms");
  });
});

describe("parseDurationMs", () => {
  // [text, with bare "ms", with bare "s"]
  const cases: [string, number | undefined, number | undefined][] = [
    ["120ms", 120, 120],
    ["1.5s", 1500, 1500],
    ["2m", 120_000, 120_000],
    ["2min", 120_000, 120_000],
    ["1h", 3_600_000, 3_600_000],
    [" 3 s ", 3000, 3000],
    ["2 h", 7_200_000, 7_200_000],
    ["10", 10, 10_000],
    ["0.5", 0.5, 500],
    ["1e3", undefined, undefined],
    ["-1s", undefined, undefined],
    ["1.s", undefined, undefined],
    ["s", undefined, undefined],
    ["", undefined, undefined],
  ];
  it.each(cases)("%j reads as %j (bare ms) and %j (bare s)", (raw, ms, s) => {
    expect(parseDurationMs(raw, "ms")).toBe(ms);
    expect(parseDurationMs(raw, "s")).toBe(s);
  });
});

describe("formatMs and parseRate", () => {
  it("writes a duration for people", () => {
    expect([120, 1000, 1540, 60_000, 90_000].map(formatMs)).toEqual([
      "120 ms",
      "1 s",
      "1.5 s",
      "1 min",
      "1.5 min",
    ]);
  });
  it("reads a rate per second, and refuses none or zero", () => {
    expect(["50/s", "3000/m", "100/h", "7", "2 / min"].map(parseRate)).toEqual([
      50,
      50,
      100 / 3600,
      7,
      2 / 60,
    ]);
    expect(["0/s", "x", "", "-1/s", "5/d"].map(parseRate)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe("nearestRank", () => {
  it("is one of the values, at rank ceil(p * n / 100)", () => {
    expect(nearestRank([], 95)).toBeNull();
    expect(nearestRank([3, 1, 2], 50)).toBe(2);
    expect(nearestRank([5], 1)).toBe(5);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    // p * n / 100, not p / 100 * n (0.07 * 100 is 7.000000000000001, which would be rank 8).
    expect(nearestRank(hundred, 7)).toBe(7);
    expect(nearestRank(hundred, 95)).toBe(95);
    expect(nearestRank(hundred, 100)).toBe(100);
  });

  it("leaves its input as it was", () => {
    const values = [3, 1, 2];
    nearestRank(values, 95);
    expect(values).toEqual([3, 1, 2]);
  });

  it("at p95 gives what the rank ceil(0.95 * n) gives (the emulator's traffic report's formula)", () => {
    for (let n = 1; n <= 2000; n++) {
      const values = Array.from({ length: n }, (_, i) => i);
      expect(nearestRank(values, 95)).toBe(
        values[Math.min(n - 1, Math.max(0, Math.ceil((95 / 100) * n) - 1))],
      );
    }
  });
});
