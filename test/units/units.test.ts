/**
 * The leaf of measures (src/units): the policy grammar's durations read and written back, the
 * single-quantity grammar of command lines (the same answers as the emulator's copy, which is
 * to be switched to it), and the nearest-rank percentile.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDurationMs as emulatorParseDurationMs } from "../../src/emulator/units.js";
import { formatDuration, nearestRank, parseDuration, parseDurationMs } from "../../src/units/index.js";

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
  const inputs = [
    "120ms",
    "1.5s",
    "2m",
    "2min",
    "1h",
    " 3 s ",
    "10",
    "0.5",
    "1e3",
    "-1s",
    "1.s",
    "s",
    "",
    "2 h",
  ];
  it.each(inputs)("%j reads as the emulator's copy reads it", (raw) => {
    for (const bare of ["ms", "s"] as const)
      expect(parseDurationMs(raw, bare)).toBe(emulatorParseDurationMs(raw, bare));
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
