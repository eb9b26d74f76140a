/**
 * How the rollout loop reads traces and when it may decide, with its seams: a stack that only
 * records (no Pulumi), an API that lists a trace only once its invocation has ended (as a real
 * traces API may), and a clock that moves only when the loop sleeps. The real Pulumi CLI and
 * emulator runs are in rollout-engine, rollout-faults and rollout-yaml.
 */

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { UpdateSummary } from "@pulumi/pulumi/automation/index.js";
import { describe, expect, it } from "vitest";
import { rolloutCommand } from "../../src/cli/rollout.js";
import { canaryPlan } from "../../src/policy/index.js";
import type { ApiTrace } from "../../src/rollout/index.js";
import { rolloutHuman, rolloutMarkdown } from "../../src/rollout/report.js";
import { type RolloutOptions, runRollout, type TraceReader } from "../../src/rollout/runner.js";
import { type RolloutStack, stageSinceIn } from "../../src/rollout/stack.js";

const T0 = Date.parse("2026-12-01T10:00:00Z");
const SEC = 1000;

const plan = (hold = "20s", maxWait = "20s") =>
  canaryPlan({
    from: "v1",
    to: "v2",
    partitionBy: "get('$.session.key')",
    current: "canary-50",
    hold,
    maxWait,
    gates: { minTraces: 20, errorRate: { maxIncreasePoints: 3, max: 5 } },
    stages: [
      { name: "baseline", weights: [100, 0] },
      { name: "canary-50", weights: [50, 50] },
    ],
  });

/** A stack that records its stages; `since` is what its history says about the stage in config. */
function fakeStack(initial: string | undefined, since?: number): RolloutStack & { stages: string[] } {
  let stage = initial;
  const stages: string[] = [];
  return {
    stages,
    getStage: async () => stage,
    setStage: async (s) => {
      stage = s;
      stages.push(s);
    },
    up: async () => ({ changes: since === undefined ? 1 : 0 }),
    stageSince: async () => since,
    apiConfig: async () => ({}),
  };
}

interface SimTrace {
  agent: string;
  startedAt: number;
  durationMs: number;
  ok: boolean;
}

/** The API: a trace is listed once it has ended (started_at + duration <= now). */
function api(all: SimTrace[], now: () => number): TraceReader & { calls: { start: number; end: number }[] } {
  const calls: { start: number; end: number }[] = [];
  const reader = async ({ agentKey, start, end }: { agentKey: string; start: number; end: number }) => {
    calls.push({ start, end });
    return all
      .filter((t) => t.agent === agentKey && t.startedAt >= start && t.startedAt < end)
      .filter((t) => t.startedAt + t.durationMs <= now())
      .map(
        (t, i): ApiTrace => ({
          trace_id: `${t.agent}-${t.startedAt}-${i}`,
          agent_key: t.agent,
          started_at: new Date(t.startedAt).toISOString(),
          duration_ms: t.durationMs,
          status: t.ok ? "ok" : "error",
        }),
      );
  };
  return Object.assign(reader, { calls });
}

/** One trace per agent every 100 ms from `from` for `spanMs`; `fail(i)` picks the canary's errors and slowness. */
function traffic(from: number, spanMs: number, canary: (i: number) => { ok: boolean; durationMs: number }) {
  const out: SimTrace[] = [];
  for (let i = 0, t = from; t < from + spanMs; i++, t += 100) {
    out.push({ agent: "v1", startedAt: t, durationMs: 200, ok: true });
    out.push({ agent: "v2", startedAt: t, ...canary(i) });
  }
  return out;
}

function run(
  options: Partial<RolloutOptions> & Pick<RolloutOptions, "stack" | "traces">,
  clock: { now: number },
) {
  return runRollout({
    plan: plan(),
    intervalMs: 5 * SEC,
    clock: () => clock.now,
    sleep: async (ms) => {
      clock.now += ms;
    },
    ...options,
  });
}

describe("the rollout loop's trace reads", () => {
  it("a canary whose failures are slower than the re-read is judged on a full read, and aborts", async () => {
    // 30% of the canary's invocations fail after 150 s: listed long after they started, so the
    // slices (which go back 60 s) never list them; only a full read of the window does.
    const clock = { now: T0 };
    const all = traffic(T0, 600 * SEC, (i) =>
      i % 10 < 3 ? { ok: false, durationMs: 150 * SEC } : { ok: true, durationMs: 200 },
    );
    const reader = api(all, () => clock.now);
    const stack = fakeStack("baseline");
    const result = await run({ stack, traces: reader, plan: plan("200s", "20s") }, clock);
    expect(result.status).toBe("aborted");
    expect(result.reverted_to).toBe("baseline");
    expect(result.message).toMatch(/^error rate of v2 \d+(\.\d+)?% vs 0(\.0)?% on v1/);
    // Slices until the decision, then one full read per agent from the stage's start.
    const full = reader.calls.filter((c) => c.start === T0);
    expect(full.length).toBeGreaterThanOrEqual(2);
    expect(reader.calls.some((c) => c.start > T0)).toBe(true);
  });

  it("a healthy canary passes; most reads are slices, not the whole window", async () => {
    const clock = { now: T0 };
    const all = traffic(T0, 600 * SEC, () => ({ ok: true, durationMs: 300 }));
    const reader = api(all, () => clock.now);
    const result = await run({ stack: fakeStack("baseline"), traces: reader, plan: plan("200s") }, clock);
    expect(result.status).toBe("completed");
    const checks = result.stages[0]!.checks.length;
    expect(checks).toBeGreaterThan(30);
    // Two reads per check (one per agent), plus one full read of each for the pass; every other
    // read starts at most 60 s before the one before it ended.
    expect(reader.calls.length).toBe(2 * checks + 2);
    const slices = reader.calls.filter((c) => c.start > T0);
    expect(slices.length).toBeGreaterThan(checks);
    for (const c of slices) expect(c.end - c.start).toBeLessThanOrEqual(65 * SEC);
  });

  it("a resumed stage that took effect long ago still waits max_wait from the resume for traces", async () => {
    // In effect since an hour ago by the stack's history, with no traffic yet: hold + max_wait
    // (40 s) are long over, but the verdict waits 20 s from now before it is inconclusive.
    const clock = { now: T0 };
    const all = traffic(T0 + 12 * SEC, 600 * SEC, () => ({ ok: true, durationMs: 300 }));
    const stack = fakeStack("canary-50", T0 - 3600 * SEC);
    const result = await run({ stack, traces: api(all, () => clock.now), resume: true }, clock);
    expect(result.status).toBe("completed");
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
    const clock = { now: T0 };
    const stack = fakeStack("canary-50", T0 - 3600 * SEC);
    const result = await run({ stack, traces: api([], () => clock.now), resume: true }, clock);
    expect(result.status).toBe("aborted");
    const checks = result.stages[0]!.checks;
    expect(checks.map((c) => c.verdict)).toEqual(["wait", "wait", "wait", "inconclusive"]);
    expect(Date.parse(checks.at(-1)!.at) - T0).toBe(20 * SEC);
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
    const stack = {
      ...fakeStack("baseline"),
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
    expect(asked).toEqual([{ apiUrl: "apiUrl", apiKey: "apiKey" }]);
    expect(stack.stages).toEqual([]); // refused before any stage was set
    expect(out.stdout).toBe("");
  });
});
