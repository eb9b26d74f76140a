/**
 * `agent-alias rollout` on a Pulumi YAML program through the native provider (any program
 * whose alias reads its stage from a config key rolls out): examples/yaml, whose
 * `chat` alias takes its policy from the `canaryPolicy` function at the stage in `canaryStage`,
 * with the default stage table. The rollout's policy file names the same agents and no
 * stages, so both use the default table (baseline, canary-5, canary-20, canary-50, complete).
 * Real CLI, YAML language host, plugin and emulator; holds of seconds.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runCli } from "../../src/cli/main.js";
import { AgentAliasClient } from "../../src/client/index.js";
import type { RolloutResult } from "../../src/rollout/report-types.js";
import { runTraffic } from "../../src/traffic/index.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { pulumiAvailable, TestStack } from "../helpers/pulumi.js";
import { configStage, pulumiEnv } from "../helpers/rollout.js";

vi.setConfig({ testTimeout: 900_000, hookTimeout: 600_000 });

const PROJECT = join(REPO, "examples/yaml");
/** The seed's key (examples/yaml/seed.yaml), role agent_administrator. */
const KEY = "yaml-demo";

const POLICY = `key: chat
name: Chat assistant
canary:
  from: chat-v1
  to: chat-v2
  partition_by: "get('$.session.metadata.user_id', get('$.session.key'))"
  current: canary-5
  hold: 2s
  max_wait: 20s
  gates:
    min_traces: 60
    error_rate: { max_increase_points: 3, max: 5 }
`;

let emu: TestEmulator | undefined;
let stack: TestStack | undefined;
afterEach(async () => {
  vi.unstubAllEnvs();
  await stack?.dispose();
  await emu?.close();
  stack = undefined;
  emu = undefined;
});

/** The YAML stack deployed at `baseline` against an emulator whose chat-v2 fails `errors` of its inputs. */
async function yamlRehearsal(errors: number) {
  emu = await startTestEmulator({
    seed: join(PROJECT, "seed.yaml"),
    agentProfiles: ["chat-v1=errors=0", `chat-v2=errors=${errors}`],
    randomSeed: 16,
  });
  const api = new AgentAliasClient({ baseUrl: emu.url, apiKey: KEY, env: {} });
  stack = new TestStack(PROJECT, "yaml-rollout");
  await stack.init({ apiUrl: emu.url, canaryStage: "baseline" }, { apiKey: KEY });
  await stack.ok(["up", "--yes"]);
  const policyFile = join(stack.dir, "chat-rollout.yaml");
  writeFileSync(policyFile, POLICY);
  const r = { emu, api, stack, policyFile };
  for (const [k, v] of Object.entries(pulumiEnv(r))) vi.stubEnv(k, v);
  // Nothing in the environment: the rollout must read the API from the program's own keys.
  vi.stubEnv("AGENT_ALIAS_API_URL", undefined);
  vi.stubEnv("VECTARA_API_KEY", undefined);
  return r;
}

async function rolloutYaml(r: Awaited<ReturnType<typeof yamlRehearsal>>) {
  const controller = new AbortController();
  const load = runTraffic({
    url: r.emu.url,
    apiKey: KEY,
    alias: "chat",
    rate: 200,
    durationMs: 10 * 60_000,
    seed: 7,
    users: 2000,
    traces: false,
    signal: controller.signal,
  });
  let out = "";
  let err = "";
  // The program's explicit provider reads its own config keys (apiUrl, and the secret apiKey),
  // not the agent-alias: ones the rollout reads by default.
  const args = [
    "rollout",
    "--stack",
    r.stack.stack,
    "--cwd",
    PROJECT,
    "--config-file",
    r.stack.configFile,
    "--api-url-config",
    "apiUrl",
    "--api-key-config",
    "apiKey",
  ];
  const code = await runCli([...args, "--policy", r.policyFile, "--interval", "1s", "--json"], {
    stdout: { write: (c: string) => (out += c) },
    stderr: { write: (c: string) => (err += c) },
  }).finally(() => controller.abort());
  await load;
  return { code, result: JSON.parse(out) as RolloutResult, err };
}

const weightsOf = async (api: AgentAliasClient) => {
  const t = (await api.getAlias("chat")).policy.rules[0]!.targets;
  return t.type === "weighted" ? t.options.map((o) => [o.agent_key, o.weight]) : t;
};

describe.skipIf(!pulumiAvailable())("agent-alias rollout of a Pulumi YAML program (native provider)", () => {
  it("takes a healthy canary from where the alias is (baseline) through the default stages to complete", async () => {
    const r = await yamlRehearsal(0);
    expect(await weightsOf(r.api)).toEqual([
      ["chat-v1", 100],
      ["chat-v2", 0],
    ]);
    const { code, result, err } = await rolloutYaml(r);
    expect(code, err).toBe(0);
    expect(result.status).toBe("completed");
    // It starts where the alias is: baseline (sent nothing to chat-v2, not judged).
    expect(result.stages.map((s) => [s.name, s.outcome])).toEqual([
      ["baseline", "deployed"],
      ["canary-5", "passed"],
      ["canary-20", "passed"],
      ["canary-50", "passed"],
      ["complete", "passed"],
    ]);
    expect(configStage(r)).toBe("complete");
    expect(await weightsOf(r.api)).toEqual([
      ["chat-v1", 0],
      ["chat-v2", 100],
    ]);
  });

  it("a failing canary at canary-5 reverts to the default table's baseline: 100/0 at the API", async () => {
    const r = await yamlRehearsal(0.3);
    const { code, result, err } = await rolloutYaml(r);
    expect(code, err).toBe(1);
    expect(result.status).toBe("aborted");
    expect(result.stages.map((s) => [s.name, s.outcome])).toEqual([
      ["baseline", "deployed"],
      ["canary-5", "failed"],
    ]);
    expect(result.reverted_to).toBe("baseline");
    expect(result.message).toMatch(
      /^error rate of chat-v2 \d+(\.\d+)?% vs 0(\.0)?% on chat-v1 over \d+ traces \(limits \+3\.0 pt, 5\.0%\); reverted to baseline$/,
    );
    expect(configStage(r)).toBe("baseline");
    expect(await weightsOf(r.api)).toEqual([
      ["chat-v1", 100],
      ["chat-v2", 0],
    ]);
  });
});
