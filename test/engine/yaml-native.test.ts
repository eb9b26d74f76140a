/**
 * The native provider under the real engine, from Pulumi YAML: examples/yaml run
 * by the real `pulumi` CLI and the Pulumi YAML language host (built by the setup script)
 * against the emulator, with an explicit provider carrying the API URL and a secret API key.
 * preview, up, a stage change whose preview shows exactly the changed weights, refresh,
 * `pulumi import` of an alias made by hand (and the code it prints), destroy; the key never
 * appears in plain text in `pulumi stack export`.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { type LossyProxy, startLossyProxy } from "../helpers/lossy-proxy.js";
import { TestStack } from "../helpers/pulumi.js";

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

/** The seed's key (examples/yaml/seed.yaml), role agent_administrator. */
const KEY = "yaml-demo";
const writes = (p: LossyProxy) => p.seen.filter((s) => !s.startsWith("GET"));

describe("examples/yaml under the real engine (native plugin)", () => {
  let emu: TestEmulator;
  let proxy: LossyProxy;
  let client: AgentAliasClient;
  let stack: TestStack;

  beforeAll(async () => {
    emu = await startTestEmulator({ seed: `${REPO}examples/yaml/seed.yaml` });
    proxy = await startLossyProxy(emu.url, () => false);
    client = new AgentAliasClient({ baseUrl: emu.url, apiKey: KEY, env: {} });
    stack = new TestStack(`${REPO}examples/yaml`, "yaml");
    await stack.init({ apiUrl: proxy.url }, { apiKey: KEY });
  });
  afterAll(async () => {
    await stack?.dispose();
    await proxy?.close();
    await emu?.close();
  });

  it("preview and up create the alias and take over the support policy", async () => {
    const preview = await stack.ok(["preview"]);
    expect(preview.output).toMatch(/\+ +agent-alias:index:Alias +chat +create/);
    expect(writes(proxy)).toEqual([]);
    await stack.ok(["up", "--yes"]);
    const chat = await client.getAlias("chat");
    const weighted = chat.policy.rules[0]!.targets;
    expect(weighted.type === "weighted" && weighted.options.map((o) => o.weight)).toEqual([95, 5]);
    expect(chat.metadata).toEqual({ team: "cx" });
    const support = await client.getAlias("support");
    expect(support.policy.rules).toHaveLength(2);
    expect(writes(proxy).sort()).toEqual(["POST /v2/agent_aliases", "PUT /v2/agent_aliases/support/policy"]);
  });

  it("the API key is secret in the state and never in plain text", async () => {
    const exported = await stack.ok(["stack", "export"]);
    expect(exported.stdout).not.toContain(KEY);
    expect(exported.stdout).toContain("ciphertext");
    expect(stack.stateText()).not.toContain(KEY);
  });

  it("a stage change previews as exactly the two weight lines, then up applies only the policy", async () => {
    await stack.ok(["config", "set", "canaryStage", "canary-20"]);
    const preview = await stack.ok(["preview", "--diff"]);
    const chat = preview.stdout.slice(
      preview.stdout.indexOf("agent-alias:index:Alias: (update)"),
      preview.stdout.indexOf("--outputs:--"),
    );
    const changed = chat.split("\n").filter((l) => /^\s*[~+-] /.test(l) && !/[[{]\s*$/.test(l));
    expect(changed.map((l) => l.trim())).toEqual(["~ weight: 95 => 80", "~ weight: 5 => 20"]);
    expect(preview.stdout).not.toMatch(/AliasPolicy: \(update\)/);
    proxy.seen.length = 0;
    await stack.ok(["up", "--yes"]);
    expect(writes(proxy)).toEqual(["PUT /v2/agent_aliases/chat/policy"]);
  });

  it("refresh sees no drift; a change made by hand shows, and up reverts it with one PATCH", async () => {
    const clean = await stack.ok(["refresh", "--yes"]);
    expect(clean.stdout).toMatch(/Refreshing[\s\S]*4 unchanged/);
    // Made by hand: the description the program also declares, spelled the same; metadata changed.
    await client.patchAlias("chat", { metadata: { team: "cx", by: "hand" } });
    const drift = await stack.ok(["refresh", "--yes"]);
    expect(drift.output).toMatch(/~ +agent-alias:index:Alias +chat/);
    proxy.seen.length = 0;
    await stack.ok(["up", "--yes"]);
    expect(writes(proxy)).toEqual(["PATCH /v2/agent_aliases/chat"]);
    expect((await client.getAlias("chat")).metadata).toEqual({ team: "cx" });
  });

  it("pulumi import adopts an alias made by hand and prints the code for it", async () => {
    await client.createAlias({
      key: "byhand",
      name: "Made by hand",
      description: "",
      policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "chat-v1" } }] },
    });
    const state = JSON.parse((await stack.ok(["stack", "export"])).stdout) as {
      deployment: { resources: { urn: string; type: string }[] };
    };
    const provider = state.deployment.resources.find((r) => r.type === "pulumi:providers:agent-alias")!;
    proxy.seen.length = 0;
    const imported = await stack.ok([
      "import",
      "agent-alias:index:Alias",
      "byhand",
      "byhand",
      "--provider",
      `emulator=${provider.urn}`,
      "--yes",
    ]);
    expect(writes(proxy)).toEqual([]);
    // The code to paste into the program: the alias's inputs, the API's defaults left out.
    expect(imported.stdout).toMatch(/Please copy the following code/);
    expect(imported.stdout).toMatch(/type: agent-alias:(index:)?Alias/);
    expect(imported.stdout).toMatch(/provider: \$\{emulator\}/);
    expect(imported.stdout).toMatch(/key: byhand/);
    expect(imported.stdout).toMatch(/name: Made by hand/);
    expect(imported.stdout).toMatch(/agentKey: chat-v1/);
    expect(imported.stdout).not.toMatch(/description:|enabled:|createdAt/);
    const after = JSON.parse((await stack.ok(["stack", "export"])).stdout) as typeof state;
    expect(after.deployment.resources.some((r) => r.urn.endsWith("::byhand"))).toBe(true);
    // Imported resources are protected; the state is the user's to change before a destroy.
    await stack.ok([
      "state",
      "unprotect",
      after.deployment.resources.find((r) => r.urn.endsWith("::byhand"))!.urn,
      "--yes",
    ]);
  });

  it("destroy deletes what the stack made and puts back the support policy it replaced", async () => {
    await stack.ok(["destroy", "--yes"]);
    await expect(client.getAlias("chat")).rejects.toMatchObject({ code: "not_found" });
    await expect(client.getAlias("byhand")).rejects.toMatchObject({ code: "not_found" });
    const support = await client.getAlias("support");
    expect(support.policy.rules).toEqual([{ targets: { type: "single", agent_key: "support-v1" } }]);
  });
});
