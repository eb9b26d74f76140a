/**
 * Roles and OAuth through the Terraform door (API.md rev.), the same client and messages as
 * the other doors: a CI key with `agent_developer` creates an alias but a stage change fails
 * with the roles it needs and writes nothing; an OAuth client whose tokens expire during the
 * apply completes it. Calls go through a counting proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { type LossyProxy, startLossyProxy } from "../helpers/lossy-proxy.js";
import { PROVIDER_TF, TofuWorkspace } from "../helpers/tofu.js";

const OWNER = "tf-owner-key-2c41";
const CI = "tf-ci-key-93ab";
const writes = (p: LossyProxy) => p.seen.filter((s) => !s.startsWith("GET") && s !== "POST /oauth2/token");

/** `count` aliases on a canary between v1 and v2, at the stage `var.stage`. */
const CANARY_TF = (prefix: string, count: number) => `${PROVIDER_TF}
variable "stage" {
  type    = string
  default = "canary-5"
}

variable "name" {
  type    = string
  default = "Support"
}

resource "agentalias_alias" "canary" {
  count = ${count}
  key   = "${prefix}-\${count.index}"
  name  = var.name
  policy = provider::agentalias::canary_policy({
    from = "v1", to = "v2", current = var.stage
    partition_by = "get('$.session.metadata.user_id', '')"
  })
}
`;

async function agents(emu: TestEmulator): Promise<AgentAliasClient> {
  const owner = new AgentAliasClient({ baseUrl: emu.url, apiKey: OWNER, env: {} });
  for (const key of ["v1", "v2"]) await owner.createAgent({ key, name: key });
  return owner;
}

describe("an agent_developer key", () => {
  let emu: TestEmulator;
  let proxy: LossyProxy;
  let owner: AgentAliasClient;
  let ws: TofuWorkspace;

  beforeAll(async () => {
    emu = await startTestEmulator({ apiKeys: [OWNER, `${CI}=agent_developer`] });
    proxy = await startLossyProxy(emu.url, () => false);
    owner = await agents(emu);
    ws = new TofuWorkspace(
      { "main.tf": CANARY_TF("roles", 1) },
      { TF_VAR_api_url: proxy.url, VECTARA_API_KEY: CI },
    );
    await ws.init();
  });
  afterAll(async () => {
    ws?.dispose();
    await proxy?.close();
    await emu?.close();
  });

  it("creates the alias; refresh and the next plan write nothing", async () => {
    await ws.apply();
    expect(writes(proxy)).toEqual(["POST /v2/agent_aliases"]);
    await ws.ok(["refresh", "-input=false"]);
    const plan = await ws.planCode();
    expect(plan.code, plan.output).toBe(0);
    expect(writes(proxy)).toEqual(["POST /v2/agent_aliases"]);
  });

  it("a stage change (with a name change) fails with the roles it needs; nothing is half-written", async () => {
    const before = await owner.getAlias("roles-0");
    const state = ws.stateText();
    proxy.seen.length = 0;
    const r = await ws.run([
      "apply",
      "-input=false",
      "-auto-approve",
      "-var",
      "stage=canary-20",
      "-var",
      "name=New",
    ]);
    expect(r.code).toBe(1);
    expect(r.output).toContain(
      "replacing the policy of alias 'roles-0' needs agent_administrator, administrator or owner; the API key has been refused (403 Permissions do not allow modifying this alias.)",
    );
    // The policy goes first and was refused, so the PATCH (which this key may make) never went.
    expect(writes(proxy)).toEqual(["PUT /v2/agent_aliases/roles-0/policy"]);
    expect(await owner.getAlias("roles-0")).toEqual(before);
    expect(JSON.parse(ws.stateText()).resources).toEqual(JSON.parse(state).resources);
    expect(ws.stateText()).not.toContain(CI);
  });
});

describe("an OAuth client whose tokens expire during the apply", () => {
  let emu: TestEmulator;
  let proxy: LossyProxy;
  let owner: AgentAliasClient;
  let ws: TofuWorkspace;
  const SECRET = "tf-oauth-secret-5e7c";

  beforeAll(async () => {
    // Tokens live 2 s; the emulator's clock runs 1 s ahead of the client's, and every call
    // takes 400 ms: one apply outlives several tokens, some refused before the client
    // expects (the 401 path), the rest renewed ahead of their expiry.
    emu = await startTestEmulator({
      apiKeys: [OWNER],
      oauthClients: [`tf-app=${SECRET}=agent_administrator`],
      tokenTtlSeconds: 2,
      clock: () => new Date(Date.now() + 1000),
      faults: { latency_ms: 400 },
    });
    proxy = await startLossyProxy(emu.url, () => false);
    owner = await agents(emu);
    ws = new TofuWorkspace(
      { "main.tf": CANARY_TF("oauth", 4) },
      {
        TF_VAR_api_url: proxy.url,
        VECTARA_CLIENT_ID: "tf-app",
        VECTARA_CLIENT_SECRET: SECRET,
        VECTARA_AUTH_URL: `${proxy.url}/oauth2/token`,
      },
    );
    await ws.init();
  });
  afterAll(async () => {
    ws?.dispose();
    await proxy?.close();
    await emu?.close();
  });

  it("apply, a stage change and destroy complete; the secret and tokens never reach the state", async () => {
    await ws.apply(["-parallelism=1"]);
    await ws.apply(["-parallelism=1", "-var", "stage=canary-20"]);
    for (let i = 0; i < 4; i++)
      expect((await owner.getAlias(`oauth-${i}`)).policy.rules[0]!.targets).toMatchObject({
        options: [{ weight: 80 }, { weight: 20 }],
      });
    const tokens = proxy.seen.filter((s) => s === "POST /oauth2/token").length;
    expect(tokens).toBeGreaterThan(2);
    const state = ws.stateText();
    expect(state).not.toContain(SECRET);
    expect(state).not.toContain("eat_");
    await ws.ok(["destroy", "-input=false", "-auto-approve", "-parallelism=1"]);
    expect(await owner.findAlias("oauth-0")).toBeNull();
  });
});
