/** The rollout's record in the stack's tags: its encoding within a tag's 256 characters, and whether its holder lives. */
import { describe, expect, it } from "vitest";
import {
  decodeRecord,
  encodeRecord,
  holderState,
  pidAlive,
  type RolloutRecord,
  TAG_VALUE_MAX,
  verdictTag,
} from "../../src/rollout/record.js";

const T0 = Date.parse("2026-12-07T10:00:00Z");
const record = (over: Partial<RolloutRecord> = {}): RolloutRecord => ({
  run: "1234-mabc",
  by: "ci@runner-7",
  host: "runner-7",
  pid: 1234,
  since: new Date(T0).toISOString(),
  seen: new Date(T0 + 50_000).toISOString(),
  phase: "running",
  stage: "canary-20",
  ...over,
});

describe("the rollout record", () => {
  it("round-trips through a tag value, within 256 characters", () => {
    const r = record({ phase: "aborting", target: "baseline" });
    const text = encodeRecord(r);
    expect(text.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
    expect(decodeRecord(text)).toEqual(r);
    expect(() => encodeRecord(record({ stage: "s".repeat(200) }))).toThrow("over the 256 a stack tag holds");
  });

  it("anything else in the tag is no record", () => {
    for (const t of [
      undefined,
      "",
      "{",
      "null",
      '{"phase":"running"}',
      JSON.stringify({ ...record(), phase: "paused" }),
    ])
      expect(decodeRecord(t)).toBeUndefined();
  });

  it("a verdict is cut to a tag value", () => {
    expect(verdictTag("short")).toBe("short");
    const long = verdictTag("x".repeat(400));
    expect(long).toHaveLength(TAG_VALUE_MAX);
    expect(long.endsWith("…")).toBe(true);
  });

  it("the holder: live while seen recently (and, on this host, its process runs); an ended record holds nothing", () => {
    const here = (now: number, host = "other", alive = true) => ({
      now,
      host,
      pidAlive: () => alive,
      staleMs: 300_000,
    });
    expect(holderState(undefined, here(T0))).toBe("none");
    expect(holderState(record({ phase: "ended", outcome: "completed" }), here(T0))).toBe("none");
    expect(holderState(record(), here(T0 + 60_000))).toBe("live");
    expect(holderState(record(), here(T0 + 50_000 + 300_001))).toBe("dead");
    expect(holderState(record(), here(T0 + 60_000, "runner-7", false))).toBe("dead");
    expect(holderState(record(), here(T0 + 60_000, "runner-7", true))).toBe("live");
    expect(holderState(record({ seen: "garbage" }), here(T0))).toBe("dead");
    // A record of this very process is of an earlier run of it, which has ended.
    expect(holderState(record(), { ...here(T0 + 60_000, "runner-7", true), pid: 1234 })).toBe("dead");
  });

  it("pidAlive: this process lives, a pid past the system's limit does not", () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(2 ** 30)).toBe(false);
  });
});
