/**
 * Watching and steering a rollout from another process, as another machine would: the real
 * CLI (`node bin/agent-alias.js`), the real Pulumi CLI and the emulator, short holds. Status
 * from a second process shows the stage and the figures of the running rollout; pause holds it
 * past its hold and resume lets it go on; promote moves on at the next check; abort reverts and
 * exits 1 with the reason; the events file has every step in order; steering a stack with no
 * running rollout says so and exits 1, but promote and abort given the policy file deploy the
 * next stage and the revert target directly.
 */
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RolloutResult } from "../../src/rollout/report-types.js";
import { REPO } from "../helpers/cli.js";
import { pulumiAvailable } from "../helpers/pulumi.js";
import {
  configStage,
  disposeRehearsal,
  PROGRAM,
  pulumiEnv,
  type Rehearsal,
  rehearsal,
  spawnRollout,
  stackFlags,
  traffic,
  until,
} from "../helpers/rollout.js";

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

afterEach(disposeRehearsal);

/** `agent-alias rollout VERB --stack … --cwd PROGRAM ARGS` in its own process. */
function steer(r: Rehearsal, verb: string, args: string[] = []) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [
        join(REPO, "bin/agent-alias.js"),
        "rollout",
        verb,
        "--stack",
        r.stack.stack,
        "--cwd",
        PROGRAM,
        ...args,
      ],
      { env: { ...process.env, ...pulumiEnv(r), NO_COLOR: "1" } },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

const eventsOf = (file: string) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map(
      (l) =>
        JSON.parse(l) as { event: string; stage?: string; by?: string; reason?: string; status?: string },
    );

describe.skipIf(!pulumiAvailable())("agent-alias rollout status and steering, from another process", () => {
  it("status shows the running stage and its figures; pause holds past the hold; resume goes on; events in order", async () => {
    // A hold long enough to read the status and pause before canary-50 passes.
    const r = await rehearsal({
      profiles: ["support-v1=errors=0", "support-v2=errors=0"],
      minTraces: 10,
      hold: "20s",
      maxWait: "2m",
    });
    const events = join(r.stack.dir, "events.jsonl");
    const load = traffic(r, 40);
    const upLog = join(r.stack.dir, "ups.log");
    const run = spawnRollout(r, ["--events", events, "--up-log", upLog]);
    try {
      await run.waitFor(/canary-50: wait:/);
      const status = await steer(r, "status", ["--json"]);
      expect(status.code, status.stderr).toBe(0);
      const view = JSON.parse(status.stdout);
      expect(view.running).toBe(true);
      expect(view.record.stage).toBe("canary-50");
      expect(view.status.stage).toBe("canary-50");
      expect(view.status.weights).toEqual([50, 50]);
      expect(view.status.agents.map((a: { agent: string }) => a.agent)).toEqual(["support-v1", "support-v2"]);
      expect(view.status.gates.map((g: { gate: string }) => g.gate)).toEqual(["min_traces", "error_rate"]);
      // The dashboard reads the same tags: its page's data shows the running stage.
      const board = spawn(
        process.execPath,
        [join(REPO, "bin/agent-alias.js"), "rollout", "dashboard", ...stackFlags(r)],
        { env: { ...process.env, ...pulumiEnv(r) }, stdio: ["ignore", "pipe", "pipe"] },
      );
      let boardErr = "";
      board.stderr!.setEncoding("utf8").on("data", (d: string) => (boardErr += d));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          board.stdout!.setEncoding("utf8").once("data", (d: string) => resolve(d.trim()));
          board.once("exit", (code) => reject(new Error(`dashboard exited ${code}`)));
        });
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
        const data = (await (await fetch(`${url}api/status`)).json()) as {
          lines: string[];
          emulator: string[] | null;
        };
        expect(data.lines.join("\n")).toMatch(/stage canary-50 \(50\/50\)/);
        // The stack's API is the emulator: its statistics too, read with the stack's provider config.
        expect(data.emulator?.join("\n") ?? `no statistics: ${boardErr}`).toMatch(
          /^alias support: \d+ sessions \(support-v1 \d+, support-v2 \d+\)/m,
        );
        expect(await (await fetch(url)).text()).toContain("<title>agent-alias rollout</title>");
      } finally {
        board.kill("SIGTERM");
      }
      const human = await steer(r, "status");
      expect(human.stdout).toMatch(/rollout running at canary-50/);
      expect(human.stdout).toMatch(/stage canary-50 \(50\/50\) since /);
      expect(human.stdout).toMatch(/gate error_rate \S+ <= \S+: (pass|wait)/);

      const paused = await steer(r, "pause", [
        "--reason",
        "checking a dashboard",
        "--wait",
        "--timeout",
        "60s",
      ]);
      expect(paused.code, paused.stderr + paused.stdout).toBe(0);
      expect(paused.stdout).toMatch(/sent pause by .*: "checking a dashboard" to the rollout .*: acted on/);
      // Past the 20 s hold, with every gate passing: still at canary-50.
      await run.waitFor(/canary-50: pass: .*\(held: pause by/);
      await new Promise((resolve) => setTimeout(resolve, 4000));
      expect(configStage(r)).toBe("canary-50");
      const whilePaused = JSON.parse((await steer(r, "status", ["--json"])).stdout);
      expect(whilePaused.status.paused).toBe(true);

      const resumed = await steer(r, "resume", ["--wait", "--timeout", "60s"]);
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(await run.exited).toBe(0);
    } finally {
      await load.stop();
    }
    const result = JSON.parse(run.stdout()) as RolloutResult;
    expect(result.status).toBe("completed");
    // Each up's output is kept, and the report names the file.
    expect(result.up_log).toBe(upLog);
    expect(readFileSync(upLog, "utf8").match(/^Updating \(rollout\)/gm)?.length).toBeGreaterThanOrEqual(2);
    expect(result.steered?.map((c) => [c.verb, c.stage, c.reason])).toEqual([
      ["pause", "canary-50", "checking a dashboard"],
      ["resume", "canary-50", null],
    ]);
    const kinds = eventsOf(events).map((e) => `${e.event}${e.stage ? `:${e.stage}` : ""}`);
    const at = (k: string) => kinds.indexOf(k);
    expect(kinds[0]).toBe("stage_set:baseline");
    expect(at("up_done:canary-50")).toBeGreaterThan(at("stage_set:canary-50"));
    expect(at("check:canary-50")).toBeGreaterThan(at("up_done:canary-50"));
    expect(at("pause:canary-50")).toBeGreaterThan(at("check:canary-50"));
    expect(at("resume:canary-50")).toBeGreaterThan(at("pause:canary-50"));
    expect(at("verdict:canary-50")).toBeGreaterThan(at("resume:canary-50"));
    expect(at("stage_set:complete")).toBeGreaterThan(at("verdict:canary-50"));
    expect(kinds.at(-1)).toBe("end");
    expect(eventsOf(events).at(-1)!.status).toBe("completed");
  });

  it("promote moves on before the hold is over; abort reverts and exits 1 with the reason; --serve shows the run on a page", async () => {
    const r = await rehearsal({
      profiles: ["support-v1=errors=0", "support-v2=errors=0"],
      minTraces: 10,
      hold: "10m",
      maxWait: "10m",
    });
    const load = traffic(r, 40);
    const run = spawnRollout(r, ["--serve"]);
    let url = "";
    try {
      await run.waitFor(/canary-50: wait:/);
      // The run's own dashboard, from what the run wrote to the stack's tags.
      url = /rollout: dashboard: (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(run.stderr())![1]!;
      const page = async () =>
        (await (await fetch(`${url}api/status`)).json()) as {
          view: { holder: string; status?: { stage: string } };
          lines: string[];
          points: unknown[];
          emulator: string[] | null;
        };
      await until(async () => (await page()).points.length > 0, 60_000);
      const served = await page();
      expect(served.view.holder).toBe("live");
      expect(served.lines.join("\n")).toMatch(/rollout running at canary-50/);
      expect(served.lines.join("\n")).toMatch(/stage canary-50 \(50\/50\)/);
      expect(served.emulator?.join("\n")).toMatch(/^alias support: \d+ sessions/m);
      expect(await (await fetch(url)).text()).toContain("<title>agent-alias rollout</title>");
      const promoted = await steer(r, "promote", [
        "--reason",
        "metrics are fine",
        "--wait",
        "--timeout",
        "60s",
      ]);
      expect(promoted.code, promoted.stderr).toBe(0);
      await until(() => configStage(r) === "complete", 120_000);
      await run.waitFor(/complete: wait:/);
      const aborted = await steer(r, "abort", ["--reason", "support tickets spiking"]);
      expect(aborted.code, aborted.stderr).toBe(0);
      expect(await run.exited).toBe(1);
    } finally {
      await load.stop();
    }
    // The page ends with the run.
    await expect(fetch(url)).rejects.toThrow();
    const result = JSON.parse(run.stdout()) as RolloutResult;
    expect(result.status).toBe("aborted");
    expect(result.message).toMatch(/abort by \S+: "support tickets spiking"/);
    expect(result.reverted_to).toBe("canary-50");
    expect(configStage(r)).toBe("canary-50");
    expect(result.stages.map((s) => [s.name, s.outcome])).toEqual([
      ["baseline", "deployed"],
      ["canary-50", "passed"],
      ["complete", "aborted_by"],
    ]);
    expect(run.stderr()).toMatch(/agent-alias rollout: .*support tickets spiking/);
    // Ended: the status says how, and steering says no rollout runs.
    const status = await steer(r, "status");
    expect(status.stdout).toMatch(/the last rollout ended: aborted at complete/);
    const late = await steer(r, "pause");
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/no rollout is running on stack \S+: the last one ended: aborted/);
    // With no rollout running, promote and abort given the policy file act directly.
    const file = ["--policy", r.policyFile, "--config-file", r.stack.configFile, "--json"];
    const promoted = await steer(r, "promote", file);
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stderr).toMatch(/no rollout is running .*: acting directly/);
    expect(JSON.parse(promoted.stdout).message).toMatch(
      /^deployed complete \(0\/100\); no rollout was running/,
    );
    expect(configStage(r)).toBe("complete");
    const reverted = await steer(r, "abort", file);
    expect(reverted.code, reverted.stderr).toBe(0);
    expect(JSON.parse(reverted.stdout).message).toMatch(/^deployed baseline \(100\/0\)/);
    expect(configStage(r)).toBe("baseline");
  });
});
