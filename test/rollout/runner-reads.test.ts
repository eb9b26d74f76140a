/**
 * How the rollout loop reads traces and when it may decide, in a simulated world
 * (helpers/rollout-world.ts): a stack whose up makes the API serve its stage, an API that lists
 * a trace only once its invocation has ended (as a real traces API may), and a clock that moves
 * only when the loop sleeps. The real Pulumi CLI and
 * emulator runs are in rollout-engine, rollout-faults and rollout-yaml.
 */

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UpdateSummary } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { rolloutCommand } from "../../src/cli/rollout.js";
import type { CanaryPlan } from "../../src/policy/index.js";
import { canaryPlan } from "../../src/policy/index.js";
import { stageSinceIn } from "../../src/rollout/history.js";
import { rolloutHuman, rolloutMarkdown } from "../../src/rollout/report.js";
import { runRollout } from "../../src/rollout/runner.js";
import { PROVIDER_API_KEYS } from "../../src/rollout/stack.js";
import { type Outcome, World, type WorldOptions } from "../helpers/rollout-world.js";

const T0 = Date.parse("2026-12-01T10:00:00Z");
const SEC = 1000;

const plan = (hold = "20s", maxWait = "20s", last: { name: string; weights: [number, number] }[] = []) =>
  canaryPlan({
    from: "v1",
    to: "v2",
    partitionBy: "get('$.session.key')",
    current: "canary-50",
    hold,
    maxWait,
    gates: { minTraces: 20, errorRate: { maxIncreasePoints: 3, max: 5 } },
    stages: [{ name: "baseline", weights: [100, 0] }, { name: "canary-50", weights: [50, 50] }, ...last],
  });
/** The table with a last stage after canary-50, for runs that start at canary-50. */
const withComplete = () => plan("20s", "20s", [{ name: "complete", weights: [0, 100] }]);

function world(options: Partial<WorldOptions> & { plan?: CanaryPlan } = {}) {
  return new World({ plan: plan(), served: "baseline", config: "baseline", start: T0, ...options });
}

const run = (w: World, extra: Record<string, unknown> = {}) =>
  runRollout({ ...w.rollout(), intervalMs: 5 * SEC, ...extra });

/** 30% of the canary's inputs fail after `failMs`; the rest answer in 200 ms; the baseline never fails. */
const slowFailures =
  (failMs: number) =>
  (agent: string, n: number): Outcome =>
    agent === "v2" && n % 10 < 3 ? { ok: false, durationMs: failMs } : { ok: true, durationMs: 200 };

describe("the rollout loop's trace reads", () => {
  it("a canary whose failures are slower than the re-read is judged on a full read, and aborts", async () => {
    // 30% of the canary's invocations fail after 150 s: listed long after they started, so the
    // slices (which go back 60 s) never list them; only a full read of the window does.
    const w = world({ plan: plan("200s", "20s"), behaviour: slowFailures(150 * SEC) });
    const result = await run(w);
    expect(result.status).toBe("aborted");
    expect(result.reverted_to).toBe("baseline");
    expect(result.message).toMatch(/^error rate of v2 \d+(\.\d+)?% vs 0(\.0)?% on v1/);
    // Slices until the decision, then one full read per agent from the stage's start.
    const began = Date.parse(result.stages[1]!.window.start);
    const full = w.traceCalls.filter((c) => c.start === began);
    expect(full.length).toBeGreaterThanOrEqual(2);
    expect(w.traceCalls.some((c) => c.start > began)).toBe(true);
    expect(w.served).toBe(w.policyOf("baseline"));
  });

  it("a healthy canary passes; most reads are slices, not the whole window", async () => {
    const w = world({ plan: plan("200s") });
    const result = await run(w);
    expect(result.status).toBe("completed");
    const checks = result.stages[1]!.checks.length;
    expect(checks).toBeGreaterThan(30);
    // Two reads per check (one per agent), plus one full read of each for the pass; every other
    // read starts at most 60 s before the one before it ended.
    expect(w.traceCalls.length).toBe(2 * checks + 2);
    const began = Date.parse(result.stages[1]!.window.start);
    const slices = w.traceCalls.filter((c) => c.start > began);
    expect(slices.length).toBeGreaterThan(checks);
    for (const c of slices) expect(c.end - c.start).toBeLessThanOrEqual(65 * SEC);
  });

  it("a resumed stage that took effect long ago still waits max_wait from the resume for traces", async () => {
    // In effect since an hour ago by the stack's history: hold + max_wait (40 s) are long over,
    // and sparse traffic starts only now, so the first checks have too few traces; the verdict
    // waits 20 s from now before it would be inconclusive, and the traces come in time.
    const w = world({
      plan: withComplete(),
      served: "canary-50",
      config: "canary-50",
      since: T0 - 3600 * SEC,
      everyMs: 400,
    });
    const result = await run(w);
    expect(result.status).toBe("completed");
    expect(w.ups).toEqual(["canary-50", "complete"]); // the stage in effect is up-ed again (a no-op)
    const s = result.stages[0]!;
    expect(s.resumed).toBe(true);
    expect(s.window.start).toBe(new Date(T0 - 3600 * SEC).toISOString());
    expect(s.checks[0]!.verdict).toBe("wait");
    expect(s.outcome).toBe("passed");
    // The reports say why the window starts before the run.
    expect(rolloutMarkdown(result)).toContain("(resumed: in effect before the run)");
    expect(rolloutHuman(result)).toContain(
      `canary-50 (50/50): passed (resumed: in effect since ${new Date(T0 - 3600 * SEC).toISOString()})`,
    );
  });

  it("and with no traffic at all it is inconclusive max_wait after the resume, not on its first check", async () => {
    const w = world({
      plan: withComplete(),
      served: "canary-50",
      config: "canary-50",
      since: T0 - 3600 * SEC,
      everyMs: 10_000_000,
    });
    const result = await run(w);
    expect(result.status).toBe("aborted");
    expect(result.reverted_to).toBe("baseline");
    const checks = result.stages[0]!.checks;
    expect(checks.map((c) => c.verdict)).toEqual(["wait", "wait", "wait", "inconclusive"]);
    // Checks every 5 s from when the run took the stack: the last one 20 s (max_wait) after it.
    const resumedAt = Date.parse(checks[0]!.at) - 5 * SEC;
    expect(Date.parse(checks.at(-1)!.at) - resumedAt).toBe(20 * SEC);
  });
});

/** An update of the history, newest first in the lists below. */
const update = (
  endSec: number,
  stage: string | undefined,
  over: Partial<UpdateSummary> = {},
): UpdateSummary => ({
  kind: "update",
  startTime: new Date(T0 + (endSec - 5) * SEC),
  endTime: new Date(T0 + endSec * SEC),
  message: "",
  environment: {},
  config: stage === undefined ? {} : { "proj:canaryStage": { value: stage, secret: false } },
  result: "succeeded",
  version: endSec,
  resourceChanges: { same: 3 },
  ...over,
});
const KEYS = ["proj:canaryStage", "canaryStage"];
const since = (h: UpdateSummary[]) => {
  const s = stageSinceIn(h, "canary-50", KEYS);
  return s === undefined ? undefined : (s - T0) / SEC;
};

describe("when a stage took effect, by the stack's history", () => {
  it("the update that changed resources with the stage in config; no-op ups after it do not move it", () => {
    const set = update(100, "canary-50", { resourceChanges: { same: 2, update: 1 } });
    expect(since([update(300, "canary-50"), update(200, "canary-50"), set, update(50, "baseline")])).toBe(
      100,
    );
  });

  it("a later change made with the same stage (a fixed canary, an edited program) restarts it", () => {
    const fix = update(200, "canary-50", { resourceChanges: { same: 2, update: 1 } });
    const first = update(100, "canary-50", { resourceChanges: { update: 1, same: 2 } });
    expect(since([update(300, "canary-50"), fix, first])).toBe(200);
  });

  it("stops at another stage, a failed update, a destroy or an import; passes over refresh and rename", () => {
    expect(since([update(300, "canary-50"), update(200, "canary-20")])).toBe(300);
    expect(since([update(300, "canary-50"), update(200, "canary-50", { result: "failed" })])).toBe(300);
    expect(
      since([
        update(300, "canary-50"),
        { ...update(200, undefined), kind: "destroy" },
        update(100, "canary-50"),
      ]),
    ).toBe(300);
    expect(since([update(300, "canary-50"), { ...update(200, undefined), kind: "import" }])).toBe(300);
    const refresh = { ...update(250, undefined), kind: "refresh" as const, resourceChanges: { refresh: 3 } };
    const rename = { ...update(240, undefined), kind: "rename" as const };
    expect(since([update(300, "canary-50"), refresh, rename, update(200, "canary-50")])).toBe(200);
  });

  it("none when the latest update was made with another stage or failed, or the history is empty", () => {
    expect(since([update(300, "canary-20"), update(200, "canary-50")])).toBeUndefined();
    expect(since([update(300, "canary-50", { result: "failed" })])).toBeUndefined();
    expect(since([update(300, "canary-50", { result: "in-progress" })])).toBeUndefined();
    expect(since([])).toBeUndefined();
  });

  it("reads the stage under the project's key or the bare one", () => {
    const bare = {
      ...update(300, undefined),
      config: { canaryStage: { value: "canary-50", secret: false } },
    };
    expect(since([bare])).toBe(300);
  });

  it("an update that does not say what it changed counts as a change", () => {
    const { resourceChanges: _, ...unknown } = update(200, "canary-50");
    expect(since([update(300, "canary-50"), unknown, update(100, "canary-50")])).toBe(200);
  });
});

describe("agent-alias rollout: where the trace API comes from", () => {
  const policy = () => {
    const file = join(mkdtempSync(join(tmpdir(), "rollout-api-")), "policy.yaml");
    writeFileSync(
      file,
      "key: chat\nname: Chat\ncanary:\n  from: v1\n  to: v2\n  partition_by: \"get('$.session.key')\"\n  current: canary-5\n",
    );
    return file;
  };
  const io = () => {
    const out = { stdout: "", stderr: "" };
    return {
      out,
      io: {
        stdout: { write: (c: string) => (out.stdout += c) },
        stderr: { write: (c: string) => (out.stderr += c) },
      },
    };
  };

  it("reads the keys --api-url-config and --api-key-config name, and refuses one the stack lacks", async () => {
    const asked: unknown[] = [];
    const w = world();
    const stack = {
      ...w.stack,
      apiConfig: async (keys?: unknown) => {
        asked.push(keys);
        return { apiUrl: "http://127.0.0.1:9" };
      },
    };
    const { out, io: cli } = io();
    const argv = [
      "--stack",
      "dev",
      "--policy",
      policy(),
      "--api-url-config",
      "apiUrl",
      "--api-key-config",
      "apiKey",
    ];
    // No silent fall-back to the environment's key when the one named is missing.
    await expect(rolloutCommand(argv, cli, { stack, env: { VECTARA_API_KEY: "from-env" } })).rejects.toThrow(
      "--api-key-config apiKey: stack 'dev' has no config 'apiKey'",
    );
    // The settings not named are read from the provider's own keys.
    expect(asked).toEqual([{ ...PROVIDER_API_KEYS, apiUrl: "apiUrl", apiKey: "apiKey" }]);
    expect(w.config).toBe("baseline"); // refused before any stage was set
    expect(w.ups).toEqual([]);
    expect(out.stdout).toBe("");
  });
});
