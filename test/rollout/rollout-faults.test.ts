import { afterEach, describe, expect, it, vi } from "vitest";
import type { RolloutResult } from "../../src/rollout/report-types.js";
import { pulumiAvailable } from "../helpers/pulumi.js";
import {
  configStage,
  disposeRehearsal,
  type RehearsalOptions,
  rehearsal,
  rollout,
  spawnRollout,
  traceFaultStats,
  traffic,
} from "../helpers/rollout.js";

// Real `pulumi up`s through the Automation API (5-30 s each), holds of a few seconds.
vi.setConfig({ testTimeout: 900_000, hookTimeout: 600_000 });

afterEach(disposeRehearsal);

/** What a rollout decided, without the figures (which depend on timing): comparable across runs. */
const verdicts = (r: RolloutResult) => ({
  status: r.status,
  reverted_to: r.reverted_to,
  stages: r.stages.map((s) => [s.name, s.outcome]),
  gate: /^(error rate|p95 duration|inconclusive)/.exec(r.message)?.[1] ?? null,
});

const HEALTHY: RehearsalOptions = {
  profiles: ["support-v1=errors=0.01", "support-v2=errors=0.01"],
  minTraces: 120,
};
const BAD: RehearsalOptions = {
  profiles: ["support-v1=errors=0.01", "support-v2=errors=0.08"],
  minTraces: 300,
};

describe.skipIf(!pulumiAvailable())("agent-alias rollout under faults, with the real Pulumi CLI", () => {
  it("a slow canary (p95 2x the baseline) aborts on the latency gate with the p95 figures", async () => {
    // Narrow latency spreads, so a sample's p95 sits within a few percent of the profile's: with
    // a wide spread (100ms..300ms), 150 traces' p95 ratio strays past 2x ± 20% about one run in 10.
    const r = await rehearsal({
      profiles: ["support-v1=errors=0,latency=285ms..300ms", "support-v2=errors=0,latency=570ms..600ms"],
      minTraces: 150,
      extraGates: "p95_duration: { max_ratio: 1.2 }",
    });
    const { code, result, err } = await rollout(r, 100);
    expect(code, err).toBe(1);
    expect(result.status).toBe("aborted");
    expect(result.reverted_to).toBe("baseline");
    expect(result.stages.map((s) => [s.name, s.outcome])).toEqual([
      ["baseline", "deployed"],
      ["canary-50", "failed"],
    ]);
    const m =
      /^p95 duration of support-v2 (\d+) ms vs (\d+) ms on support-v1 over (\d+) traces \(limit 1\.2x\); reverted to baseline$/.exec(
        result.message,
      );
    expect(m, result.message).not.toBeNull();
    const [canary, baseline, n] = [Number(m![1]), Number(m![2]), Number(m![3])];
    expect(canary / baseline).toBeGreaterThan(1.8);
    expect(canary / baseline).toBeLessThan(2.2);
    expect(n).toBeGreaterThanOrEqual(150);
    expect(err).toContain(`agent-alias rollout: ${result.message}`);
    expect(configStage(r)).toBe("baseline");
  });

  it.each([
    { name: "a healthy canary still completes", options: HEALTHY, rate: 80 },
    { name: "a canary with 8% errors still aborts", options: BAD, rate: 150 },
  ])("trace reads failing 30 percent of the time change no verdict: $name", async ({ options, rate }) => {
    const clean = verdicts((await rollout(await rehearsal(options), rate)).result);
    await disposeRehearsal();
    const r = await rehearsal({ ...options, traceFaults: 0.3 });
    const { result, err } = await rollout(r, rate);
    expect(verdicts(result), err).toEqual(clean);
    expect(clean.status).toBe(options === HEALTHY ? "completed" : "aborted");
    // The emulator's faults happened (about 30% of the trace reads), and none of them was a verdict.
    const { reads, failed } = await traceFaultStats(r);
    expect(reads).toBeGreaterThan(10);
    expect(failed / reads).toBeGreaterThan(0.15);
    expect(failed / reads).toBeLessThan(0.45);
    for (const s of result.stages)
      for (const c of s.checks) if (c.read_error !== undefined) expect(c.verdict).toBeNull();
  });

  it("a rollout killed (SIGKILL) during a hold resumes from the stack config with --resume, keeps the hold's start, and completes", async () => {
    const r = await rehearsal({ ...HEALTHY, hold: "8s" });
    const load = traffic(r, 80);
    const child = spawnRollout(r);
    let killedAt: number;
    try {
      await child.waitFor(/rollout: canary-50: wait: holding/);
      killedAt = Date.now();
      child.child.kill("SIGKILL");
      expect(await child.exited).toBe("SIGKILL");
    } finally {
      await load.stop();
    }
    expect(child.stdout()).toBe(""); // killed before any report
    expect(configStage(r)).toBe("canary-50");

    const resumedAt = Date.now();
    const { code, result, err } = await rollout(r, 80, ["--resume"]);
    expect(code, err).toBe(0);
    expect(result.status).toBe("completed");
    expect(result.initial_stage).toBe("canary-50");
    expect(result.start_stage).toBe("canary-50");
    // canary-50 took effect in the killed run (its up ended before the first "holding" line):
    // the resumed stage is judged from then, by the stack's history, not from the resume.
    const resumed = result.stages[0]!;
    expect(resumed.resumed).toBe(true);
    expect(Date.parse(resumed.window.start)).toBeLessThan(killedAt!);
    expect(resumed.checks[0]!.elapsed_ms).toBeGreaterThanOrEqual(
      resumedAt - Date.parse(resumed.window.start),
    );
    expect(err).toMatch(/canary-50: in effect since \S+ \(the stack's history\); the hold counts from then/);
    expect(result.stages[1]!.resumed).toBe(false);
    expect(result.stages.map((s) => [s.name, s.outcome])).toEqual([
      ["canary-50", "passed"],
      ["complete", "passed"],
    ]);
    expect(configStage(r)).toBe("complete");
  });
});
