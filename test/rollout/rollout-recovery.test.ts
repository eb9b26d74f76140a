/**
 * Interrupted rollouts, with the real Pulumi CLI and the emulator: an interrupt leaves no lock
 * and says how to resume; a stale lock names its holder; a revert that fails or is killed is
 * finished by the next run, never by deploying the failed canary again; one rollout per stack.
 */
import { execFile } from "node:child_process";
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeRecord, ROLLOUT_TAG } from "../../src/rollout/record.js";
import { PULUMI, pulumiAvailable } from "../helpers/pulumi.js";
import {
  configStage,
  disposeRehearsal,
  faultCalls,
  lockFiles,
  pollServed,
  pulumiEnv,
  type Rehearsal,
  rehearsal,
  rollout,
  servedWeights,
  setFaults,
  spawnRollout,
  traffic,
  until,
} from "../helpers/rollout.js";

vi.setConfig({ testTimeout: 900_000, hookTimeout: 600_000 });
afterEach(disposeRehearsal);

const HEALTHY = { profiles: ["*=errors=0"], minTraces: 60, hold: "2s", maxWait: "20s" };
const FAILING = {
  profiles: ["support-v1=errors=0", "support-v2=errors=0.2"],
  minTraces: 100,
  hold: "2s",
  maxWait: "20s",
};
const PUT = "aliases.replacePolicy";
const CANARY = "support-v1:50,support-v2:50";
const BASELINE = "support-v1:100,support-v2:0";

/** The stack's rollout record, as its tag holds it. */
async function record(r: Rehearsal) {
  const tags = await r.stack.run(["stack", "tag", "ls", "--json"]);
  return decodeRecord((JSON.parse(tags.stdout || "{}") as Record<string, string>)[ROLLOUT_TAG]);
}

/** Kills a process and the process group of each of its children (a detached `pulumi up`) with SIGKILL. */
function killTree(pid: number): Promise<void> {
  return new Promise((resolve) =>
    execFile("pgrep", ["-P", String(pid)], (_e, out) => {
      for (const child of out.split("\n").filter(Boolean).map(Number)) {
        for (const target of [-child, child])
          try {
            process.kill(target, "SIGKILL");
          } catch {
            // gone already
          }
      }
      process.kill(pid, "SIGKILL");
      resolve();
    }),
  );
}

/** Sessions through the alias now: the agents they are routed to. */
async function routedNow(r: Rehearsal, n: number): Promise<Set<string>> {
  const agents = new Set<string>();
  for (let i = 0; i < n; i++)
    agents.add(
      (await r.api.createSession({ aliasKey: "support" }, { metadata: { user_id: `probe-${i}` } })).agent_key,
    );
  return agents;
}

describe.skipIf(!pulumiAvailable())("interrupted rollouts (real CLI, emulator)", () => {
  it("SIGINT during a stage's up: the up is cancelled cleanly, no lock remains, the message names the resume command, which completes", async () => {
    const r = await rehearsal(HEALTHY);
    await setFaults(r, { latency_ms: 4000, operations: [PUT] });
    const load = traffic(r, 60);
    const child = spawnRollout(r);
    try {
      await child.waitFor(/rollout: canary-50: up with canaryStage=canary-50/);
      const calls = await faultCalls(r);
      await until(async () => (await faultCalls(r)) > calls); // its policy PUT is in flight
      child.child.kill("SIGINT");
      expect(await child.exited).toBe(130);
    } finally {
      await load.stop();
    }
    const err = child.stderr();
    expect(err).toContain("agent-alias rollout: SIGINT: stopping cleanly");
    expect(err).toMatch(
      /agent-alias rollout: interrupted: the alias 'support' serves (baseline \(100\/0\)|canary-50 \(50\/50\)); nothing was reverted/,
    );
    const resume = /to go on from where the alias is: agent-alias (rollout .*)$/m.exec(err)?.[1];
    expect(resume).toBeDefined();
    expect(lockFiles(r)).toEqual([]);
    // Config names the stage the API serves.
    expect(configStage(r)).toBe((await servedWeights(r)) === CANARY ? "canary-50" : "baseline");
    expect(await record(r)).toMatchObject({ phase: "ended", outcome: "interrupted" });

    await setFaults(r, {});
    const resumed = await rollout(r, 100, ["--resume"]);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.result.status).toBe("completed");
  });

  it("a lock left by a killed pulumi up: the rollout says who holds it since when and how to clear it, and changes nothing", async () => {
    const r = await rehearsal(HEALTHY);
    await setFaults(r, { latency_ms: 5000, operations: [PUT] });
    const { spawn } = await import("node:child_process");
    await r.stack.ok(["config", "set", "canaryStage", "canary-50"]);
    const up = spawn(
      PULUMI,
      [
        "up",
        "--yes",
        "--skip-preview",
        "--stack",
        r.stack.stack,
        "--non-interactive",
        "--config-file",
        r.stack.configFile,
      ],
      {
        cwd: r.stack.programDir,
        env: { ...process.env, ...pulumiEnv(r) },
        detached: true,
        stdio: "ignore",
      },
    );
    const calls = await faultCalls(r);
    await until(async () => (await faultCalls(r)) > calls);
    process.kill(-up.pid!, "SIGKILL");
    await setFaults(r, {});
    // The PUT it had sent lands once its latency is over: the alias serves canary-50, config says
    // canary-50 (set by hand before the up), and the killed update's lock remains.
    await until(async () => (await servedWeights(r)) === CANARY, 30_000);
    expect(lockFiles(r)).toHaveLength(1);
    const before = await servedWeights(r);

    const locked = await rollout(r, 0);
    expect(locked.code).toBe(1);
    expect(locked.result.status).toBe("error");
    expect(locked.err).toMatch(
      /pulumi up failed on stack 'rollout': the stack 'rollout' is locked by an update of \S+@\S+ \(pid \d+\) since \d{4}-\d\d-\d\dT\S+; if no update is running any more \(a process killed mid-update leaves its lock\), clear it with `pulumi cancel --stack rollout --yes` and run again/,
    );
    expect(await servedWeights(r)).toBe(before);
    expect(configStage(r)).toBe("canary-50");

    await r.stack.ok(["cancel", "--yes"]);
    expect(lockFiles(r)).toEqual([]);
    const after = await rollout(r, 100);
    expect(after.code, after.err).toBe(0);
  });

  it("the revert's policy PUT fails: report and config stay at the canary the API serves; a re-run finishes the revert and sends no one to the canary again", async () => {
    const r = await rehearsal(FAILING);
    let armed: Promise<void> | undefined;
    const first = await rollout(r, 120, [], {
      onProgress: (line) => {
        // Once canary-50 is deployed and being judged, every policy PUT answers 503.
        if (armed === undefined && /^rollout: canary-50: wait/.test(line))
          armed = setFaults(r, { rate: 1, status: 503, operations: [PUT] });
      },
    });
    await armed;
    expect(first.code).toBe(1);
    expect(first.result.status).toBe("error");
    expect(first.result.message).toMatch(
      /^error rate of support-v2 .*; the revert to baseline failed: pulumi up failed on stack 'rollout': Alias subject: replacing the policy of alias 'support': 503 .*; the alias still serves canary-50 \(50\/50\); run the same command again to finish the revert$/,
    );
    expect(first.result).toMatchObject({
      final_stage: "canary-50",
      deployed_stage: "canary-50",
      reverted_to: null,
    });
    expect(configStage(r)).toBe("canary-50");
    expect(await servedWeights(r)).toBe(CANARY);
    expect(await record(r)).toMatchObject({ phase: "aborting", stage: "canary-50", target: "baseline" });

    await setFaults(r, {});
    const poll = pollServed(r);
    const second = await rollout(r, 60);
    const seen = await poll.stop();
    expect(second.code).toBe(1);
    expect(second.result).toMatchObject({ status: "aborted", reverted_to: "baseline", stages: [] });
    expect(second.result.message).toMatch(
      /^canary-50 had failed \(error rate of support-v2 .*\); finished the revert to baseline$/,
    );
    // The API went from the canary to the baseline and nowhere else; new sessions all go to support-v1.
    expect([...new Set(seen)]).toEqual([CANARY, BASELINE]);
    expect(await routedNow(r, 40)).toEqual(new Set(["support-v1"]));
    expect(configStage(r)).toBe("baseline");
  });

  it("killed (-9) during the revert, lock cleared with pulumi cancel: config never claims baseline while the API serves the canary; --resume finishes the revert", async () => {
    const r = await rehearsal(FAILING);
    const load = traffic(r, 120);
    const child = spawnRollout(r);
    try {
      await child.waitFor(/rollout: canary-50: wait/);
      await setFaults(r, { latency_ms: 6000, operations: [PUT] });
      await child.waitFor(/rollout: baseline: up with canaryStage=baseline/);
      const calls = await faultCalls(r);
      await until(async () => (await faultCalls(r)) > calls); // the revert's PUT is in flight
      await killTree(child.child.pid!);
      expect(await child.exited).toBe("SIGKILL");
    } finally {
      await load.stop();
    }
    expect(configStage(r)).toBe("canary-50");
    expect(await record(r)).toMatchObject({ phase: "aborting", stage: "canary-50", target: "baseline" });
    await setFaults(r, {});
    expect(lockFiles(r)).toHaveLength(1);
    await r.stack.ok(["cancel", "--yes"]);

    const poll = pollServed(r);
    const resumed = await rollout(r, 60, ["--resume"]);
    const seen = await poll.stop();
    expect(resumed.code).toBe(1);
    expect(resumed.result).toMatchObject({ status: "aborted", reverted_to: "baseline", stages: [] });
    expect(resumed.err).toMatch(
      /was reverting canary-50 to baseline when it stopped; the alias (still serves canary-50 \(50\/50\)|already serves baseline): finishing the revert/,
    );
    expect(seen.filter((s) => s !== CANARY && s !== BASELINE)).toEqual([]);
    expect(seen.at(-1)).toBe(BASELINE);
    expect(await routedNow(r, 40)).toEqual(new Set(["support-v1"]));
  });

  it("a second rollout on a stack with a running one refuses, naming the holder, and changes nothing", async () => {
    const r = await rehearsal({ ...HEALTHY, hold: "6s" });
    const load = traffic(r, 80);
    const child = spawnRollout(r);
    try {
      await child.waitFor(/rollout: canary-50: wait: holding/);
      const before = [await servedWeights(r), configStage(r)];
      const second = await rollout(r, 0);
      expect(second.code).toBe(1);
      expect(second.result.status).toBe("locked");
      expect(second.err).toMatch(
        /agent-alias rollout: another rollout is running on this stack: \S+@\S+ \(pid \d+\) since \S+, last seen \S+, running at (canary-50|complete); wait for it to end, or stop it/,
      );
      expect([await servedWeights(r), configStage(r)]).toEqual(before);
      expect(await child.exited).toBe(0);
    } finally {
      await load.stop();
    }
    expect(JSON.parse(child.stdout())).toMatchObject({ status: "completed" });
  });
});
