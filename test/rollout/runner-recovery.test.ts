/**
 * The rollout never moves users backwards without consent, recovers forward to safety, and
 * judges the canary on its own traffic: runRollout in a simulated world (helpers/rollout-world.ts:
 * a stack whose up makes the API serve its stage, an API that routes each session by the policy
 * it serves, a clock that moves when the rollout sleeps). The same runs on the real CLI and
 * emulator are in rollout-start, rollout-recovery and rollout-cohort.
 */
import { describe, expect, it } from "vitest";
import { canaryPlan } from "../../src/policy/index.js";
import {
  decodeRecord,
  encodeRecord,
  ROLLOUT_TAG,
  rolloutKey,
  VERDICT_TAG,
} from "../../src/rollout/record.js";
import { runRollout } from "../../src/rollout/runner.js";
import { type Outcome, World, type WorldOptions } from "../helpers/rollout-world.js";

const T0 = Date.parse("2026-12-07T10:00:00Z");
const SEC = 1000;
const OK: Outcome = { ok: true, durationMs: 200 };
const FAIL: Outcome = { ok: false, durationMs: 200 };

const plan = (extra: Partial<Parameters<typeof canaryPlan>[0]> = {}) =>
  canaryPlan({
    from: "v1",
    to: "v2",
    partitionBy: "get('$.session.metadata.user_id', get('$.session.key'))",
    current: "canary-50",
    hold: "20s",
    maxWait: "20s",
    gates: { minTraces: 40, errorRate: { maxIncreasePoints: 3, max: 5 } },
    stages: [
      { name: "baseline", weights: [100, 0] },
      { name: "canary-50", weights: [50, 50] },
      { name: "complete", weights: [0, 100] },
    ],
    ...extra,
  });

const world = (o: Partial<WorldOptions> = {}) =>
  new World({ plan: plan(), served: "baseline", config: "baseline", start: T0, ...o });
const run = (w: World, extra: Record<string, unknown> = {}) =>
  runRollout({ ...w.rollout(), intervalMs: 5 * SEC, ...extra });
/** The v2 failures of `share` of its inputs, every `1/share`-th. */
const failing = (share: number) => (agent: string, n: number) =>
  agent === "v2" && n % Math.round(1 / share) === 0 ? FAIL : OK;

describe("never backwards without consent", () => {
  it("a completed rollout run again: already complete, no up, the API never serves less of the canary", async () => {
    const w = world();
    expect((await run(w)).status).toBe("completed");
    const ups = w.ups.length;
    const reads = w.servedLog.length;
    w.config = "canary-50"; // a fresh checkout's config, or a stale one
    const again = await run(w);
    expect(again).toMatchObject({
      status: "already_complete",
      exit_code: 0,
      start_stage: null,
      final_stage: "complete",
    });
    expect(again.message).toBe("already complete: the alias 'chat' serves complete; nothing to do");
    expect(again.notes[0]).toContain("stack config says canary-50");
    expect(w.ups.length).toBe(ups);
    expect(w.servedLog.slice(reads).every((s) => s === "complete")).toBe(true);
    expect(w.config).toBe("complete");
  });

  it("a move back needs --allow-back; with it, it does what it says and reports who moves", async () => {
    const w = world({ served: "complete", config: "complete" });
    const refused = await run(w, { fromStage: "canary-50" });
    expect(refused).toMatchObject({ status: "refused", exit_code: 2 });
    expect(refused.message).toContain("--allow-back");
    expect(w.ups).toEqual([]);
    const moved = await run(w, { fromStage: "canary-50", allowBack: true });
    expect(moved.status).toBe("completed");
    expect(w.ups).toEqual(["canary-50", "complete"]);
    expect(moved.moved_back?.from_stage).toBe("complete");
    expect(moved.moved_back?.to_stage).toBe("canary-50");
    expect(moved.moved_back?.moves).toHaveLength(1);
    const [m] = moved.moved_back!.moves;
    expect([m!.from, m!.to]).toEqual(["v2", "v1"]);
    expect(m!.share).toBeGreaterThan(0.47);
    expect(m!.share).toBeLessThan(0.53);
  });

  it("an alias at no stage of the table is refused, and nothing changes", async () => {
    const w = world();
    w.served = { type: "routed", rules: [{ targets: { type: "single", agent_key: "v9" } }] };
    const r = await run(w);
    expect(r).toMatchObject({ status: "refused", exit_code: 2, initial_deployed: null });
    expect(r.message).toMatch(
      /^the alias 'chat' serves a policy that is no stage of the table: rule 1 sends everything to v9/,
    );
    expect(w.ups).toEqual([]);
  });

  it("a dry run says what the real run would do, and changes nothing", async () => {
    const w = world({ served: "complete", config: "baseline" });
    const dry = await run(w, { dryRun: true });
    expect(dry.status).toBe("dry_run");
    expect(dry.actions?.[0]).toBe(
      "stack config canaryStage is 'baseline'; would stop: already complete at complete, no up",
    );
    expect(w.ups).toEqual([]);
    expect(w.tags).toEqual({});
  });
});

describe("recovery goes forward to safety", () => {
  it("a revert whose up fails: config stays at the stage served; the next run finishes the revert and deploys nothing else", async () => {
    const w = world({ behaviour: failing(0.2) });
    // The baseline and canary-50 ups succeed; the revert's (the third) answers 503.
    w.failingUps.set(
      3,
      "pulumi up failed on stack 'dev': Alias subject: replacing the policy of alias 'chat': 503 Service unavailable (after 6 attempts)",
    );
    const first = await run(w);
    expect(first.status).toBe("error");
    expect(first.message).toMatch(
      /^error rate of v2 .*; the revert to baseline failed: pulumi up failed on stack 'dev': Alias subject: replacing the policy of alias 'chat': 503 .*; the alias still serves canary-50 \(50\/50\); run the same command again to finish the revert$/,
    );
    expect(first).toMatchObject({ final_stage: "canary-50", deployed_stage: "canary-50", reverted_to: null });
    expect(w.config).toBe("canary-50");
    expect(decodeRecord(w.tags[ROLLOUT_TAG])).toMatchObject({
      phase: "aborting",
      stage: "canary-50",
      target: "baseline",
    });
    expect(w.tags[VERDICT_TAG]).toMatch(/^error rate of v2/);

    const before = w.ups.length;
    const reads = w.servedLog.length;
    const second = await run(w); // as a plain re-run would
    expect(second).toMatchObject({
      status: "aborted",
      exit_code: 1,
      reverted_to: "baseline",
      deployed_stage: "baseline",
      stages: [],
    });
    expect(second.message).toMatch(
      /^canary-50 had failed \(error rate of v2 .*\); finished the revert to baseline$/,
    );
    expect(w.ups.slice(before)).toEqual(["baseline"]);
    expect(w.servedLog.slice(reads).filter((s) => s !== "canary-50" && s !== "baseline")).toEqual([]);
    expect(decodeRecord(w.tags[ROLLOUT_TAG])).toMatchObject({ phase: "ended", outcome: "aborted" });
    // And then a new run starts from baseline, as any other.
    expect((await run(w, { dryRun: true })).start_stage).toBe("baseline");
  });

  it("one rollout per stack: a live holder on another machine refuses a second run, which changes nothing", async () => {
    const w = world();
    const other = {
      run: "9-x",
      by: "ci@runner-9",
      pid: 9,
      since: T0 - 60_000,
      seen: T0 - 10_000,
      key: rolloutKey("chat", "v1", "v2"),
      phase: "running" as const,
      stage: "canary-50",
    };
    const [since, seen] = [new Date(other.since).toISOString(), new Date(other.seen).toISOString()];
    w.tags[ROLLOUT_TAG] = encodeRecord(other);
    const r = await run(w);
    expect(r).toMatchObject({ status: "locked", exit_code: 1 });
    expect(r.message).toBe(
      `another rollout is running on this stack: ci@runner-9 (pid 9) since ${since}, last seen ${seen}, running at canary-50; wait for it to end, or stop it`,
    );
    expect(w.ups).toEqual([]);
    expect(w.tags[ROLLOUT_TAG]).toBe(encodeRecord(other));
    // Unseen for longer than the stale bound, it is taken over, and the note says so.
    w.now = T0 + 10 * 60_000;
    const taken = await run(w);
    expect(taken.status).toBe("completed");
    expect(taken.notes[0]).toBe(
      `a rollout by ci@runner-9 (since ${since}) stopped at canary-50 without ending; going on from where the alias is`,
    );
  });

  it("a failed revert whose aborting record could not be written: the stack's history says what happened, and the next run finishes it", async () => {
    const w = world({ behaviour: failing(0.2) });
    w.failingUps.set(3, "pulumi up failed on stack 'dev': Alias subject: 503 Service unavailable");
    w.tagWriteFails = (name, value) => name === ROLLOUT_TAG && value.includes('"aborting"');
    const first = await run(w);
    expect(first.status).toBe("error");
    expect(decodeRecord(w.tags[ROLLOUT_TAG])).toMatchObject({ phase: "running", stage: "canary-50" });
    expect(w.history[0]).toMatchObject({
      result: "failed",
      message: expect.stringMatching(/: revert canary-50 to baseline \(100\/0\)$/),
    });
    w.tagWriteFails = () => false;
    const before = w.ups.length;
    const second = await run(w);
    expect(second).toMatchObject({ status: "aborted", reverted_to: "baseline", stages: [] });
    expect(second.notes).toContainEqual(
      expect.stringMatching(
        /^the stack's last update, a rollout's revert that failed, was reverting canary-50 to baseline/,
      ),
    );
    expect(w.ups.slice(before)).toEqual(["baseline"]);
  });

  it("a live holder on this host (its process runs) refuses a second run", async () => {
    const w = world();
    const holder = {
      run: "x-1",
      by: "tester@test-host",
      pid: process.ppid,
      since: T0 - 5000,
      seen: T0 - 1000,
      key: rolloutKey("chat", "v1", "v2"),
      phase: "running" as const,
      stage: "canary-50",
    };
    w.tags[ROLLOUT_TAG] = encodeRecord(holder);
    expect(await run(w)).toMatchObject({ status: "locked" });
    expect(w.ups).toEqual([]);
  });

  it("interrupts during an up: the first stops it cleanly, a second is only answered, a third terminates it", async () => {
    for (const [interrupts, forwarded] of [
      [1, 1],
      [2, 1],
      [3, 2],
    ] as const) {
      const w = world();
      const lines: string[] = [];
      w.onUp = (n) => {
        if (n === 2) for (let i = 0; i < interrupts; i++) w.interrupts.interrupt();
      };
      const r = await run(w, { progress: (l: string) => lines.push(l) });
      expect(r.status).toBe("interrupted");
      expect(w.interruptsForwarded).toBe(forwarded);
      if (interrupts >= 2)
        expect(lines).toContain(
          "still stopping the up cleanly; interrupt once more to terminate it now (it may leave its lock)",
        );
    }
  });

  it("a run interrupted during the last stage's hold: the next run watches that stage again, it does not call it complete", async () => {
    const w = world();
    let checks = 0;
    const first = await run(w, {
      progress: (line: string) => {
        if (/^complete: wait/.test(line) && ++checks === 1) w.interrupts.interrupt();
      },
    });
    expect(first).toMatchObject({ status: "interrupted", deployed_stage: "complete" });
    const again = await runRollout({ ...w.rollout(), interrupts: undefined, intervalMs: 5 * SEC });
    expect(again.status).toBe("completed");
    expect(again.notes.at(-1)).toMatch(/^the last stage, complete, was not judged to the end/);
    expect(again.stages.map((s) => [s.name, s.outcome])).toEqual([["complete", "passed"]]);
    // Run once more: now it is complete, nothing to do.
    expect((await runRollout({ ...w.rollout(), interrupts: undefined, intervalMs: 5 * SEC })).status).toBe(
      "already_complete",
    );
  });

  it("an interrupt during a hold ends the run at once, where the alias is, with the record ended", async () => {
    const w = world();
    let checks = 0;
    const r = await runRollout({
      ...w.rollout(),
      intervalMs: 5 * SEC,
      progress: (line: string) => {
        if (/^canary-50: wait/.test(line) && ++checks === 2) w.interrupts.interrupt();
      },
    });
    expect(r).toMatchObject({
      status: "interrupted",
      exit_code: 130,
      deployed_stage: "canary-50",
      final_stage: "canary-50",
    });
    expect(r.message).toBe("interrupted: the alias 'chat' serves canary-50 (50/50); nothing was reverted");
    expect(decodeRecord(w.tags[ROLLOUT_TAG])).toMatchObject({ phase: "ended", outcome: "interrupted" });
    expect(w.ups).toEqual(["baseline", "canary-50"]);
  });
});

describe("the canary judged on its own traffic", () => {
  const TENANT = "get('$.session.metadata.tenant') == 'eu'";
  const tenants = (i: number) => ({ user_id: `user-${i % 400}`, tenant: i % 3 === 0 ? "eu" : "us" });

  it("a match-limited canary failing for its own tenant aborts, though healthy traffic elsewhere drowns it per agent", async () => {
    const w = world({
      plan: plan({ match: TENANT, others: "v1" }),
      metadata: tenants,
      everyMs: 50,
      behaviour: (agent, n, s) => (agent === "v2" && s.metadata.tenant === "eu" && n % 5 === 0 ? FAIL : OK),
      // Healthy v2 traffic through another alias and direct sessions: 4x the canary's.
      foreign: [{ agent: "v2", everyMs: 20, outcome: () => OK }],
    });
    const r = await run(w);
    expect(r.status).toBe("aborted");
    expect(r.message).toMatch(/^error rate of v2 (1[5-9]|2\d)\.\d% vs 0\.0% on v1/);
    const check = r.stages[1]!.checks.at(-1)!;
    expect(check.left_out!.elsewhere).toBeGreaterThan(check.canary!.traces);
    expect(check.left_out!.other_rule).toBeGreaterThan(0); // the us users, sent to v1 by the catch-all
  });

  it("a healthy canary completes, though the canary agent fails elsewhere and the baseline agent fails for another cohort", async () => {
    const w = world({
      plan: plan({ match: TENANT, others: "v1" }),
      metadata: tenants,
      everyMs: 50,
      behaviour: (agent, n, s) => (agent === "v1" && s.metadata.tenant === "us" && n % 3 === 0 ? FAIL : OK),
      foreign: [{ agent: "v2", everyMs: 20, outcome: (n) => (n % 4 === 0 ? FAIL : OK) }],
    });
    const r = await run(w);
    expect(r.status).toBe("completed");
    const check = r.stages[1]!.checks.at(-1)!;
    expect(check.canary!.error_rate).toBe(0);
    expect(check.baseline!.error_rate).toBe(0);
  });

  it("API calls per check stay flat as the window grows (50 sessions/s, a 10-minute hold)", async () => {
    const w = world({ plan: plan({ hold: "10m", maxWait: "1m" }), everyMs: 20 });
    const r = await runRollout({ ...w.rollout(), intervalMs: 10 * SEC });
    expect(r.status).toBe("completed");
    const calls = r.stages[1]!.checks.map((c) => c.api_calls);
    expect(calls.every((c) => typeof c === "number")).toBe(true);
    // The last check reads the whole window (the decision); the others only what is new.
    // Each read goes back 60 s for traces listed late: the cost grows for the first minute,
    // then stays what a minute of traffic costs, however long the window.
    const steady = (calls as number[]).slice(6, -1);
    expect(steady.length).toBeGreaterThan(50);
    expect(Math.max(...steady)).toBeLessThanOrEqual(Math.min(...steady) + 2);
    // A whole-window read at the end costs the window; a check in the steady state a minute's worth.
    expect(calls.at(-1)!).toBeGreaterThan(5 * Math.max(...steady));
  });
});
