/**
 * The status and steering records in the stack's tags, pure: each fits a tag's 256 characters
 * whatever the names, reads back as written, and a command acts once, for its run only; the
 * status in words, and the live view that redraws it on a terminal.
 */
import { describe, expect, it } from "vitest";
import { liveView } from "../../src/cli/live.js";
import { nextState } from "../../src/rollout/checks.js";
import { TAG_VALUE_MAX } from "../../src/rollout/record.js";
import { decodeStatus, encodeStatus, type RolloutStatusSnapshot } from "../../src/rollout/status.js";
import { snapshotLines, statusLines } from "../../src/rollout/status-view.js";
import {
  decodeCommand,
  encodeCommand,
  initialSteering,
  nextStage,
  type SteerCommand,
  steer,
} from "../../src/rollout/steering.js";
import { steeredStep } from "../../src/rollout/watch.js";

const T0 = Date.parse("2026-12-07T12:00:00Z");

const snapshot = (over: Partial<RolloutStatusSnapshot> = {}): RolloutStatusSnapshot => ({
  run: "r1-abc",
  stage: "canary-20",
  weights: [80, 20],
  since: T0,
  at: T0 + 45_000,
  holdMs: 60_000,
  checks: 4,
  verdict: "wait",
  paused: false,
  next: "canary-50",
  acked: null,
  agents: [
    { agent: "support-v1", traces: 1200, errorRate: 1.2, p95Ms: 850 },
    { agent: "support-v2", traces: 310, errorRate: null, p95Ms: 910 },
  ],
  gates: [
    { gate: "min_traces", canary: 310, bound: 100, status: "pass" },
    { gate: "error_rate", canary: 1.9, bound: 2.2, status: "pass" },
    { gate: "p95_duration", canary: 910, bound: 1700, status: "pass" },
  ],
  ...over,
});

describe("the status tag", () => {
  it("reads back as written, to the second; the command acted on to the millisecond", () => {
    expect(decodeStatus(encodeStatus(snapshot()))).toEqual(snapshot());
    const acked = snapshot({ acked: T0 + 1234 });
    expect(decodeStatus(encodeStatus(acked))!.acked).toBe(T0 + 1234);
  });

  it("fits 256 characters with the longest names: names cut shorter, every gate kept", () => {
    const long = "x".repeat(64);
    const s = snapshot({
      stage: long,
      next: long,
      agents: [
        { agent: `a-${long}`, traces: 123456789, errorRate: 12.345678, p95Ms: 123456.7 },
        { agent: `b-${long}`, traces: 123456789, errorRate: 99.99, p95Ms: 999999.9 },
      ],
    });
    const text = encodeStatus(s);
    expect(text.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
    const back = decodeStatus(text)!;
    expect(long.startsWith(back.stage) && back.stage.length >= 8).toBe(true);
    expect(back.agents[0]!.agent).toBe(`a-${long}`.slice(0, back.stage.length));
    expect(back.agents[1]!.errorRate).toBe(99.99);
    expect(back.gates).toEqual(s.gates);
  });

  it("is not read from anything else", () => {
    for (const text of [
      undefined,
      "",
      "{",
      "[]",
      '{"r":1}',
      '{"r":"x","s":"y","w":[1],"t":1,"a":1,"h":1,"n":1}',
    ])
      expect(decodeStatus(text)).toBeUndefined();
  });
});

describe("the command tag and what a command does", () => {
  const cmd = (over: Partial<SteerCommand>): SteerCommand => ({
    verb: "pause",
    by: "ana@ci",
    at: T0,
    run: "r1-abc",
    ...over,
  });

  it("reads back as written; a long reason is cut to fit", () => {
    const c = cmd({ verb: "promote", force: true, reason: "ok" });
    expect(decodeCommand(encodeCommand(c))).toEqual({ ...c, force: true });
    const long = encodeCommand(cmd({ reason: "r".repeat(500) }));
    expect(long.length).toBeLessThanOrEqual(TAG_VALUE_MAX);
    expect(decodeCommand(long)!.reason).toMatch(/^r+…$/);
  });

  it("acts once, for its run only; resume clears a pause; a new stage drops a pending promote", () => {
    const s0 = initialSteering();
    const paused = steer(s0, cmd({}), "r1-abc")!;
    expect(paused.paused?.by).toBe("ana@ci");
    expect(steer(paused, cmd({}), "r1-abc")).toBeNull(); // the same command again
    expect(steer(s0, cmd({ run: "another" }), "r1-abc")).toBeNull();
    expect(steer(s0, undefined, "r1-abc")).toBeNull();
    const resumed = steer(paused, cmd({ verb: "resume", at: T0 + 1 }), "r1-abc")!;
    expect(resumed.paused).toBeNull();
    expect(steer(resumed, cmd({ verb: "pause", at: T0 }), "r1-abc")).toBeNull(); // older than the last handled
    const promoted = steer(resumed, cmd({ verb: "promote", at: T0 + 2 }), "r1-abc")!;
    expect(promoted.promote).not.toBeNull();
    expect(nextStage(promoted).promote).toBeNull();
    expect(steer(promoted, cmd({ verb: "abort", at: T0 + 3, reason: "x" }), "r1-abc")!.abort?.reason).toBe(
      "x",
    );
  });
});

describe("the status in words", () => {
  it("says the stage, the hold left, each agent, each gate against its bound, and the next step", () => {
    const lines = snapshotLines(snapshot(), T0 + 50_000);
    expect(lines).toEqual([
      "stage canary-20 (80/20) since 2026-12-07T12:00:00Z (50 s), hold 1 min, 10 s left",
      "4 checks, last at 2026-12-07T12:00:45Z: wait",
      "support-v1: 1200 traces, error rate 1.20%, p95 850 ms",
      "support-v2: 310 traces, error rate n/a, p95 910 ms",
      "gate min_traces 310 >= 100: pass",
      "gate error_rate 1.90% <= 2.20%: pass",
      "gate p95_duration 910 ms <= 1700 ms: pass",
      "next: canary-50 once the hold is over (10 s left) and every gate passes",
    ]);
    expect(snapshotLines(snapshot({ paused: true }), T0).at(-1)).toMatch(/^next: paused: stays at canary-20/);
  });

  it("a stack with no rollout, an ended one, and a runner that is gone", () => {
    const view = { holder: "none" as const, status: undefined, command: undefined, verdict: undefined };
    expect(statusLines({ ...view, record: undefined }, "dev", T0)).toEqual([
      "no rollout has run on stack dev",
    ]);
    const record = {
      run: "r1-abc",
      by: "ana@ci",
      pid: 7,
      since: T0,
      seen: T0,
      key: "k",
      phase: "ended" as const,
      stage: "complete",
      outcome: "aborted" as const,
    };
    expect(statusLines({ ...view, record, verdict: "error rate 9% > 5%" }, "dev", T0)).toEqual([
      "stack dev: the last rollout ended: aborted at complete (ana@ci, pid 7, started 2026-12-07T12:00:00Z, last seen 0 ms ago)",
      "  verdict: error rate 9% > 5%",
    ]);
    const gone = statusLines(
      { ...view, holder: "dead", record: { ...record, phase: "running" } },
      "dev",
      T0 + 600_000,
    );
    expect(gone[0]).toMatch(/rollout running, but its runner is gone \(not seen for 10 min\) at complete/);
  });
});

describe("the live view of a running rollout", () => {
  it("on a terminal: lines scroll above a panel redrawn in place; off one: the lines alone", () => {
    let tty = "";
    const live = liveView({ isTTY: true, write: (t: string) => (tty += t) }, () => T0 + 50_000);
    live.line("rollout: canary-20: deployed");
    live.status(snapshot());
    const panel = snapshotLines(snapshot(), T0 + 50_000);
    expect(tty).toBe(
      `rollout: canary-20: deployed\n${["─".repeat(40), ...panel].map((l) => `${l}\n`).join("")}`,
    );
    tty = "";
    live.line("rollout: canary-20: wait");
    // Up over the panel's lines, clear, the new line, the panel again.
    expect(tty.startsWith(`\x1b[${panel.length + 1}A\x1b[J`)).toBe(true);
    expect(tty).toContain("rollout: canary-20: wait\n─");
    let plain = "";
    const log = liveView({ write: (t: string) => (plain += t) });
    log.line("rollout: canary-20: wait");
    log.status(snapshot());
    expect(plain).toBe("rollout: canary-20: wait\n");
  });
});

describe("what steering does to a check's decision", () => {
  const state = { maxFailedChecks: 2, consecutiveFailures: 0, checks: 3 };
  const cmd = (verb: SteerCommand["verb"], force = false): SteerCommand => ({
    verb,
    by: "ana@ci",
    at: T0,
    run: "r",
    force,
  });
  type Verdict = "pass" | "wait" | "fail" | "inconclusive";
  const decide = (verdict: Verdict, steering: ReturnType<typeof initialSteering>) =>
    steeredStep(nextState(state, verdict), verdict, steering);
  const none = initialSteering();

  it("none: the check's own decision", () => {
    expect(decide("pass", none).step.decision).toBe("advance");
    expect(decide("wait", none).step.decision).toBe("continue");
  });

  it("paused: a pass or an inconclusive wait holds; a failing gate still aborts", () => {
    const paused = { ...none, paused: cmd("pause") };
    expect(decide("pass", paused)).toMatchObject({
      step: { decision: "continue" },
      note: "held: pause by ana@ci",
    });
    expect(decide("inconclusive", paused).step).toMatchObject({ decision: "continue", abortedBy: null });
    const failing = steeredStep(nextState({ ...state, consecutiveFailures: 1 }, "fail"), "fail", paused);
    expect(failing.step).toMatchObject({ decision: "abort", abortedBy: "fail" });
  });

  it("promote: a pass is said to be early; forced, any check that does not fail passes", () => {
    expect(decide("pass", { ...none, promote: cmd("promote") }).note).toBe("passed early: promote by ana@ci");
    expect(decide("wait", { ...none, promote: cmd("promote") }).step.decision).toBe("continue");
    const forced = { ...none, promote: cmd("promote", true) };
    expect(decide("wait", forced)).toMatchObject({
      step: { decision: "advance" },
      note: "passed: promote (forced) by ana@ci",
    });
    expect(decide("fail", forced).step.decision).toBe("continue"); // one failure of two allowed
  });
});
