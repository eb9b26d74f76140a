import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { TestStack } from "../helpers/pulumi.js";

// Real `pulumi` runs: each command takes 5-30 s here, more on a loaded machine.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

// Each example, run from its own folder by the real Pulumi CLI against an emulator started
// with the example's seed file: up, a stage change where the example has one, destroy.
let emu: TestEmulator;
let api: AgentAliasClient;

async function seeded(example: string): Promise<void> {
  const { loadSeed } = await import("../../src/emulator/index.js");
  const seed = loadSeed(`${REPO}examples/${example}/seed.yaml`);
  for (const agent of seed.agents ?? []) await api.createAgent(agent as never).catch(() => undefined);
  for (const alias of seed.aliases ?? []) await api.createAlias(alias as never);
}

beforeAll(async () => {
  emu = await startTestEmulator();
  api = new AgentAliasClient({ baseUrl: emu.url, apiKey: emu.apiKey, env: {} });
});
afterAll(() => emu?.close());

async function stackFor(example: string, config: Record<string, string> = {}): Promise<TestStack> {
  const stack = new TestStack(`${REPO}examples/${example}`, "ex");
  await stack.init({ "agent-alias:apiUrl": emu.url, ...config }, { "agent-alias:apiKey": emu.apiKey });
  return stack;
}

describe("examples under the real engine", () => {
  it("canary-stages: up, move a stage, destroy", async () => {
    await seeded("canary-stages");
    const stack = await stackFor("canary-stages", { stage: "canary-5" });
    try {
      await stack.ok(["up", "--yes"]);
      expect((await api.getAlias("chat")).policy.rules[0]!.targets).toMatchObject({
        options: [{ weight: 95 }, { weight: 5 }],
      });
      await stack.ok(["config", "set", "stage", "canary-50"]);
      await stack.ok(["up", "--yes"]);
      expect((await api.getAlias("chat")).policy.rules[0]!.targets).toMatchObject({
        options: [{ weight: 50 }, { weight: 50 }],
      });
      const bad = await stack.ok(["config", "set", "stage", "canary-99"]).then(() => stack.run(["preview"]));
      expect(bad.code).not.toBe(0);
      expect(bad.output).toContain(
        "canary.current: unknown stage 'canary-99'; the stages are canary-5, canary-20, canary-50, complete",
      );
      await stack.ok(["config", "set", "stage", "complete"]);
      await stack.ok(["destroy", "--yes"]);
      expect(await api.findAlias("chat")).toBeNull();
    } finally {
      await stack.dispose();
    }
  });

  it("tenant-routing: every pinned sample holds at preview and up", async () => {
    await seeded("tenant-routing");
    const stack = await stackFor("tenant-routing", { euStage: "canary-20" });
    try {
      const r = await stack.ok(["up", "--yes"]);
      expect(r.output).toContain("sample 'US user' -> support-us (rule #2)");
      expect(r.output).toContain("sample 'gold EU user' -> support-v1 (rule #1)");
      const s = await api.createSession({ aliasKey: "tenants" }, { metadata: { tenant: "us" } });
      expect(s.agent_key).toBe("support-us");
    } finally {
      await stack.dispose();
    }
    expect(await api.findAlias("tenants")).toBeNull();
  });

  it("alias-policy: takes over an alias made elsewhere and restores its policy on destroy", async () => {
    await seeded("alias-policy");
    const before = (await api.getAlias("helpdesk")).policy;
    const stack = await stackFor("alias-policy");
    try {
      await stack.ok(["up", "--yes"]);
      expect((await api.getAlias("helpdesk")).policy.rules[0]!.targets).toMatchObject({ type: "weighted" });
      await stack.ok(["destroy", "--yes"]);
      expect((await api.getAlias("helpdesk")).policy).toEqual(before);
    } finally {
      await stack.dispose();
    }
  });
});
