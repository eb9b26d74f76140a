import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { type LossyProxy, startLossyProxy } from "../helpers/lossy-proxy.js";
import { TestStack } from "../helpers/pulumi.js";

// Real `pulumi` runs: each command takes 5-30 s here, more on a loaded machine.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

// The quick start example, run from its own folder by the real Pulumi CLI against the
// emulator. API calls go through a counting proxy, so "no write" is measured, not assumed.
const SECRET = "quickstart-engine-secret-9c1e";
let emu: TestEmulator;
let proxy: LossyProxy;
let api: AgentAliasClient;
let stack: TestStack;

const writes = () => proxy.seen.filter((s) => !s.startsWith("GET"));

beforeAll(async () => {
  emu = await startTestEmulator({ apiKey: SECRET });
  proxy = await startLossyProxy(emu.url, () => false);
  api = new AgentAliasClient({ baseUrl: emu.url, apiKey: SECRET, env: {} });
  for (const key of ["support-v1", "support-v2"]) await api.createAgent({ key, name: key });
  stack = new TestStack(`${REPO}examples/quickstart`, "qs");
  await stack.init(
    { "agent-alias:apiUrl": proxy.url, aliasKey: "qs-support" },
    { "agent-alias:apiKey": SECRET },
  );
});
afterAll(async () => {
  await stack?.dispose();
  await proxy?.close();
  await emu?.close();
});

describe("the quick start under the real engine", () => {
  let createdAt: string;

  it("up creates the alias (direct routing)", async () => {
    const r = await stack.ok(["up", "--yes"]);
    expect(r.output).toContain("sample 'user u-1' -> support-v1 (rule #1)");
    const alias = await api.getAlias("qs-support");
    expect(alias.policy.rules).toEqual([{ targets: { type: "single", agent_key: "support-v1" } }]);
    createdAt = alias.created_at;
    expect(writes()).toEqual(["POST /v2/agent_aliases"]);
  });

  it("a second up with no change makes no write to the API", async () => {
    proxy.seen.length = 0;
    const r = await stack.ok(["up", "--yes"]);
    expect(r.output).toMatch(/2 unchanged/);
    expect(writes()).toEqual([]);
  });

  it("the state holds the API key only as a secret", () => {
    const state = stack.stateText();
    expect(state).not.toContain(SECRET);
    expect(state).toContain("ciphertext");
  });

  it("a stage change updates the policy in place (same created_at, one write)", async () => {
    await stack.ok(["config", "set", "canaryStage", "canary-20"]);
    const preview = await stack.ok(["preview"]);
    expect(preview.output).toMatch(/sample 'user u-1' -> support-v[12] \(rule #1, weighted on "u-1"\)/);
    proxy.seen.length = 0;
    await stack.ok(["up", "--yes"]);
    expect(writes()).toEqual(["PUT /v2/agent_aliases/qs-support/policy"]);
    const alias = await api.getAlias("qs-support");
    expect(alias.created_at).toBe(createdAt);
    expect(alias.policy.rules[0]!.targets).toMatchObject({ options: [{ weight: 80 }, { weight: 20 }] });
  });

  it("a drift made through the API is seen by refresh and undone by up", async () => {
    await api.patchAlias("qs-support", { name: "Edited by hand", enabled: false });
    const refresh = await stack.ok(["refresh", "--yes"]);
    expect(refresh.output).toMatch(/1 updated/);
    proxy.seen.length = 0;
    await stack.ok(["up", "--yes"]);
    expect(writes()).toEqual(["PATCH /v2/agent_aliases/qs-support"]);
    expect(await api.getAlias("qs-support")).toMatchObject({ name: "Customer Support", enabled: true });
  });

  it("a key change replaces the alias", async () => {
    await stack.ok(["config", "set", "aliasKey", "qs-support-2"]);
    const r = await stack.ok(["up", "--yes"]);
    expect(r.output).toMatch(/replaced/);
    expect(await api.findAlias("qs-support")).toBeNull();
    expect((await api.getAlias("qs-support-2")).key).toBe("qs-support-2");
  });

  it("destroy leaves nothing behind", async () => {
    await stack.ok(["destroy", "--yes"]);
    const left: string[] = [];
    for await (const a of api.allAliases()) left.push(a.key);
    expect(left.filter((k) => k.startsWith("qs-"))).toEqual([]);
  });
});
