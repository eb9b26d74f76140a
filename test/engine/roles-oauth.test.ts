/**
 * Roles and OAuth under the real engine (API.md rev.): the quick start run by the real
 * `pulumi` CLI against an emulator that knows a CI key with `agent_developer` (it may create
 * an alias, not change its policy), and then against an OAuth client whose tokens expire
 * during the run. Calls go through a counting proxy, so "nothing half-written" is measured.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { type LossyProxy, startLossyProxy } from "../helpers/lossy-proxy.js";
import { TestStack } from "../helpers/pulumi.js";

vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

const OWNER = "roles-owner-key-51a0";
const CI = "roles-ci-key-7d2e";
const writes = (p: LossyProxy) => p.seen.filter((s) => !s.startsWith("GET"));

describe("an agent_developer key under the real engine", () => {
  let emu: TestEmulator;
  let proxy: LossyProxy;
  let owner: AgentAliasClient;
  let stack: TestStack;

  beforeAll(async () => {
    emu = await startTestEmulator({ apiKeys: [OWNER, `${CI}=agent_developer`] });
    proxy = await startLossyProxy(emu.url, () => false);
    owner = new AgentAliasClient({ baseUrl: emu.url, apiKey: OWNER, env: {} });
    for (const key of ["support-v1", "support-v2"]) await owner.createAgent({ key, name: key });
    stack = new TestStack(`${REPO}examples/quickstart`, "roles");
    await stack.init(
      { "agent-alias:apiUrl": proxy.url, aliasKey: "roles-support" },
      { "agent-alias:apiKey": CI },
    );
  });
  afterAll(async () => {
    // Clean up with a key that may delete.
    await stack?.run(["config", "set", "--secret", "agent-alias:apiKey", OWNER]);
    await stack?.dispose();
    await proxy?.close();
    await emu?.close();
  });

  it("up creates the alias; refresh and a second up write nothing", async () => {
    await stack.ok(["up", "--yes"]);
    expect(writes(proxy)).toEqual(["POST /v2/agent_aliases"]);
    await stack.ok(["refresh", "--yes"]);
    proxy.seen.length = 0;
    const again = await stack.ok(["up", "--yes"]);
    expect(again.output).toMatch(/2 unchanged/);
    expect(writes(proxy)).toEqual([]);
  });

  it("a policy change fails with the roles it needs, exit non-zero, nothing written", async () => {
    const before = await owner.getAlias("roles-support");
    await stack.ok(["config", "set", "canaryStage", "canary-20"]);
    proxy.seen.length = 0;
    const r = await stack.run(["up", "--yes"]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(
      "replacing the policy of alias 'roles-support' needs agent_administrator, administrator or owner; the API key has been refused (403 Permissions do not allow modifying this alias.)",
    );
    expect(writes(proxy)).toEqual(["PUT /v2/agent_aliases/roles-support/policy"]);
    expect(await owner.getAlias("roles-support")).toEqual(before);
    expect(stack.stateText()).not.toContain(CI);
  });
});

describe("an OAuth client whose tokens expire during the run", () => {
  let emu: TestEmulator;
  let proxy: LossyProxy;
  let owner: AgentAliasClient;
  let stack: TestStack;
  const SECRET = "oauth-client-secret-0b3f";

  beforeAll(async () => {
    // Tokens live 2 s; the emulator's clock runs 1 s ahead of the client's, and every call
    // takes 400 ms: a run outlives several tokens, some of which the API refuses before the
    // client expects (the 401 path), the rest renewed ahead of their expiry.
    emu = await startTestEmulator({
      apiKeys: [OWNER],
      oauthClients: [`ci-app=${SECRET}=agent_administrator`],
      tokenTtlSeconds: 2,
      clock: () => new Date(Date.now() + 1000),
      faults: { latency_ms: 400 },
    });
    proxy = await startLossyProxy(emu.url, () => false);
    owner = new AgentAliasClient({ baseUrl: emu.url, apiKey: OWNER, env: {} });
    for (const key of ["support-v1", "support-v2"]) await owner.createAgent({ key, name: key });
    stack = new TestStack(`${REPO}examples/quickstart`, "oauth");
    await stack.init(
      {
        "agent-alias:apiUrl": proxy.url,
        "agent-alias:clientId": "ci-app",
        "agent-alias:authUrl": `${proxy.url}/oauth2/token`,
        aliasKey: "oauth-support",
      },
      { "agent-alias:clientSecret": SECRET },
    );
  });
  afterAll(async () => {
    await stack?.dispose();
    await proxy?.close();
    await emu?.close();
  });

  it("up, a stage change and destroy complete; the secret and tokens never reach the state", async () => {
    await stack.ok(["up", "--yes"]);
    await stack.ok(["config", "set", "canaryStage", "canary-20"]);
    await stack.ok(["up", "--yes"]);
    expect((await owner.getAlias("oauth-support")).policy.rules[0]!.targets).toMatchObject({
      options: [{ weight: 80 }, { weight: 20 }],
    });
    const tokens = proxy.seen.filter((s) => s === "POST /oauth2/token").length;
    expect(tokens).toBeGreaterThan(2);
    const state = stack.stateText();
    expect(state).not.toContain(SECRET);
    expect(state).not.toContain("eat_");
    await stack.ok(["destroy", "--yes"]);
    expect(await owner.findAlias("oauth-support")).toBeNull();
  });
});
