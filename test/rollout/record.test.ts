/** The rollout's record in the stack's tags: its encoding within a tag's 256 characters, and whether its holder lives. */
import { describe, expect, it } from "vitest";
import { CANARY_LIMITS } from "../../src/policy/index.js";
import {
  BY_MAX,
  decodeRecord,
  encodeRecord,
  holderName,
  holderState,
  pidAlive,
  type RolloutRecord,
  rolloutKey,
  TAG_VALUE_MAX,
  verdictTag,
} from "../../src/rollout/record.js";

const T0 = Date.parse("2026-12-07T10:00:00Z");
const record = (over: Partial<RolloutRecord> = {}): RolloutRecord => ({
  run: "ya-mabcdefg",
  by: "ci@runner-7",
  pid: 1234,
  since: T0,
  seen: T0 + 50_000,
  key: rolloutKey("support", "support-v1", "support-v2"),
  phase: "running",
  stage: "canary-20",
  ...over,
});

describe("the rollout record", () => {
  it("round-trips through a tag value", () => {
    const r = record({ phase: "aborting", target: "baseline" });
    expect(decodeRecord(encodeRecord(r))).toEqual(r);
    expect(() => encodeRecord(record({ stage: "s".repeat(200) }))).toThrow("over the 256 a stack tag holds");
  });

  it("fits a tag at the worst: a long host name (cut), the longest stage names, a large pid, each phase", () => {
    const by = holderName("runner-user", "ip-10-0-1-25.us-west-2.compute.internal.example.org");
    expect(by).toHaveLength(BY_MAX);
    const name = "s".repeat(CANARY_LIMITS.maxStageName);
    for (const over of [
      { phase: "running" as const },
      { phase: "aborting" as const, target: name },
      { phase: "ended" as const, outcome: "interrupted" as const },
    ]) {
      const r = record({ by, pid: 4_194_304, run: "2ipzk-mgxd9k2z", stage: name, ...over });
      expect(encodeRecord(r).length).toBeLessThanOrEqual(TAG_VALUE_MAX);
      expect(decodeRecord(encodeRecord(r))).toEqual(r);
    }
    // A rollout's fingerprint: its alias and agents, not its stage table.
    expect(rolloutKey("support", "v1", "v2")).toMatch(/^[0-9a-f]{8}$/);
    expect(rolloutKey("support", "v2", "v3")).not.toBe(rolloutKey("support", "v1", "v2"));
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
    // A host name cut short may be another host's: judged by when it was last seen, like another host.
    const cut = record({ by: holderName("ci", "r".repeat(60)) });
    expect(holderState(cut, here(T0 + 60_000, "r".repeat(60), false))).toBe("live");
    expect(holderState(record(), here(T0 + 60_000, "runner-7", false))).toBe("dead");
    expect(holderState(record(), here(T0 + 60_000, "runner-7", true))).toBe("live");
    expect(holderState(record({ seen: Number.NaN }), here(T0))).toBe("dead");
    // A record of this very process is of an earlier run of it, which has ended.
    expect(holderState(record(), { ...here(T0 + 60_000, "runner-7", true), pid: 1234 })).toBe("dead");
  });

  it("pidAlive: this process lives, a pid past the system's limit does not", () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(2 ** 30)).toBe(false);
  });
});
