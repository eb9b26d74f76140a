import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { AgentAliasClient } from "../../src/client/index.js";
import { runTraffic, type TrafficResult } from "../../src/emulator/traffic.js";
import type { RolloutResult } from "../../src/rollout/runner.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { pulumiAvailable, TestStack } from "../helpers/pulumi.js";

// Real `pulumi up`s through the Automation API (5-30 s each), holds of a few seconds.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

const PROGRAM = join(REPO, "test/fixtures/programs/rollout-stage");
const SECRET = "rollout-engine-secret";

/** A policy file whose canary block is the stage table of the program and of the rollout. */
function policyText(minTraces: number, hold = "3s", maxWait = "10s"): string {
  return `key: support
name: Customer Support
canary:
  from: support-v1
  to: support-v2
  partition_by: "get('$.session.metadata.user_id', get('$.session.key'))"
  current: canary-50
  hold: ${hold}
  max_wait: ${maxWait}
  gates:
    min_traces: ${minTraces}
    error_rate: { max_increase_points: 3, max: 5 }
  stages:
    - { name: baseline, weights: [100, 0] }
    - { name: canary-50, weights: [50, 50] }
    - { name: complete, weights: [0, 100] }
`;
}

interface Rehearsal {
  emu: TestEmulator;
  stack: TestStack;
  policyFile: string;
  api: AgentAliasClient;
}

let open: Rehearsal | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await open?.stack.dispose();
  await open?.emu.close();
  open = undefined;
});

async function rehearsal(profiles: string[], minTraces: number, hold?: string, maxWait?: string) {
  const emu = await startTestEmulator({ apiKey: SECRET, agentProfiles: profiles, randomSeed: 16 });
  const api = new AgentAliasClient({ baseUrl: emu.url, apiKey: SECRET, env: {} });
  for (const key of ["support-v1", "support-v2"]) await api.createAgent({ key, name: key });
  const stack = new TestStack(PROGRAM, "rollout");
  open = { emu, stack, policyFile: "", api };
  const policyFile = join(stack.dir, "policy.yaml");
  writeFileSync(policyFile, policyText(minTraces, hold, maxWait));
  open.policyFile = policyFile;
  await stack.init(
    { "agent-alias:apiUrl": emu.url, policyFile, canaryStage: "baseline" },
    { "agent-alias:apiKey": SECRET },
  );
  await stack.ok(["up", "--yes"]);
  // The rollout's Automation API runs pulumi with the process environment.
  vi.stubEnv("PULUMI_BACKEND_URL", `file://${stack.backend}`);
  vi.stubEnv("PULUMI_CONFIG_PASSPHRASE", "engine-test-passphrase");
  vi.stubEnv("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION", "true");
  return open;
}

/** Runs `agent-alias rollout --json` with traffic through the alias until it ends. */
async function rollout(r: Rehearsal, rate: number, extra: string[] = []) {
  const controller = new AbortController();
  const traffic: Promise<TrafficResult> = runTraffic({
    url: r.emu.url,
    apiKey: SECRET,
    alias: "support",
    rate,
    durationMs: 10 * 60_000,
    seed: 7,
    users: 500,
    traces: false,
    signal: controller.signal,
  });
  let out = "";
  let err = "";
  const code = await runCli(
    [
      "rollout",
      "--stack",
      r.stack.stack,
      "--cwd",
      PROGRAM,
      "--config-file",
      r.stack.configFile,
      "--policy",
      r.policyFile,
      "--interval",
      "1s",
      "--json",
      ...extra,
    ],
    {
      stdout: { write: (c: string) => (out += c) },
      stderr: { write: (c: string) => (err += c) },
    },
  ).finally(() => controller.abort());
  await traffic;
  return { code, result: JSON.parse(out) as RolloutResult, err };
}

const configStage = (r: Rehearsal) =>
  /canaryStage: (\S+)/.exec(readFileSync(r.stack.configFile, "utf8"))?.[1];

describe.skipIf(!pulumiAvailable())("agent-alias rollout on the emulator, with the real Pulumi CLI", () => {
  it("takes a healthy canary through every stage; the stack config ends at the last stage", async () => {
    const r = await rehearsal(["support-v1=errors=0.01", "support-v2=errors=0.01"], 120);
    const { code, result, err } = await rollout(r, 80);
    expect(code, err).toBe(0);
    expect(result.status).toBe("completed");
    expect(result.stages.map((s) => [s.name, s.outcome])).toEqual([
      ["canary-50", "passed"],
      ["complete", "passed"],
    ]);
    for (const s of result.stages) expect(s.checks.at(-1)!.canary!.traces).toBeGreaterThanOrEqual(120);
    expect(err).toMatch(/rollout: canary-50: pass: passed after \d+s/);
    expect(configStage(r)).toBe("complete");
    const alias = await r.api.getAlias("support");
    expect(JSON.stringify(alias.policy)).toContain('"weight":100');
  });

  it("aborts a canary with 8% errors against 1% at the first stage, reverts, exits 1 with the verdict", async () => {
    const r = await rehearsal(["support-v1=errors=0.01", "support-v2=errors=0.08"], 300);
    const { code, result, err } = await rollout(r, 150);
    expect(code).toBe(1);
    expect(result.status).toBe("aborted");
    expect(result.reverted_to).toBe("baseline");
    expect(result.stages.map((s) => [s.name, s.outcome])).toEqual([["canary-50", "failed"]]);
    expect(result.message).toMatch(
      /^error rate of support-v2 \d+\.\d% vs \d+\.\d% on support-v1 over \d+ traces \(limits? (?:\+3\.0 pt|5\.0%|\+3\.0 pt, 5\.0%)\); reverted to baseline$/,
    );
    expect(err).toContain(`agent-alias rollout: ${result.message}`);
    expect(configStage(r)).toBe("baseline");
    // After the revert every session goes to the baseline.
    for (const user of ["u-1", "u-2", "u-3", "u-4", "u-5", "u-6"]) {
      const s = await r.api.createSession({ aliasKey: "support" }, { metadata: { user_id: user } });
      expect(s.agent_key).toBe("support-v1");
    }
  });

  it("too little traffic is inconclusive after hold + max wait, never a pass", async () => {
    const r = await rehearsal(["*=errors=0"], 1000, "2s", "3s");
    const { code, result } = await rollout(r, 5);
    expect(code).toBe(1);
    expect(result.status).toBe("aborted");
    expect(result.stages[0]!.outcome).toBe("inconclusive");
    expect(result.stages[0]!.checks.every((c) => c.verdict !== "pass")).toBe(true);
    expect(result.message).toMatch(
      /^inconclusive after \d+s \(hold 2s \+ max wait 3s\): \d+ traces on support-v2(?: and \d+ traces on support-v1)?, 1000 needed; reverted to baseline$/,
    );
    expect(configStage(r)).toBe("baseline");
  });
});
