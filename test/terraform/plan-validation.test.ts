/**
 * Plan-time validation through the bundled resolver: a broken rule, an unknown function and
 * a sample reaching the wrong agent fail `tofu plan` with the API's message at the attribute
 * (`policy.rules[1]`), before anything is written; a value unknown until apply is accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { type LossyProxy, startLossyProxy } from "../helpers/lossy-proxy.js";
import { PROVIDER_TF, TofuWorkspace } from "../helpers/tofu.js";

let emu: TestEmulator;
let proxy: LossyProxy;
let ws: TofuWorkspace;
const writes = () => proxy.seen.filter((s) => !s.startsWith("GET"));

const alias = (body: string) => `${PROVIDER_TF}
resource "terraform_data" "tier" {
  input = "gold"
}

resource "agentalias_alias" "checked" {
  key  = "checked"
  name = "Checked"
${body}
}
`;

const CATCH_ALL_FIRST = `  policy = {
    type = "routed"
    rules = [
      { targets = { type = "single", agent_key = "v1" } },
      { match = "get('$.session.metadata.tier') == 'gold'", targets = { type = "single", agent_key = "v2" } },
    ]
  }`;

beforeAll(async () => {
  emu = await startTestEmulator();
  for (const key of ["v1", "v2"]) await emu.call("POST", "/v2/agents", { key, name: key });
  proxy = await startLossyProxy(emu.url, () => false);
  ws = new TofuWorkspace(
    { "main.tf": alias(CATCH_ALL_FIRST) },
    { TF_VAR_api_url: proxy.url, VECTARA_API_KEY: emu.apiKey },
  );
  await ws.init();
});
afterAll(async () => {
  ws?.dispose();
  await proxy?.close();
  await emu?.close();
});

/** Plans the alias with `body`; returns the failed plan's output. */
async function failedPlan(body: string): Promise<string> {
  ws.write({ "main.tf": alias(body) });
  const r = await ws.planCode();
  expect(r.code, r.output).toBe(1);
  expect(writes()).toEqual([]);
  return r.output;
}

describe("tofu plan runs the resolver", () => {
  it("a rule after a catch-all fails the plan at policy.rules[1], with the API's message", async () => {
    const out = await failedPlan(CATCH_ALL_FIRST);
    expect(out).toContain("Error: Invalid policy.rules[1]");
    expect(out).toContain("rule #2 follows a catch-all rule and is unreachable");
    expect(out).toContain('in resource "agentalias_alias" "checked"');
  });

  it("an unknown function fails the plan at the rule's match, with the column", async () => {
    const out = await failedPlan(`  policy = {
    type  = "routed"
    rules = [
      { match = "nosuch(1)", targets = { type = "single", agent_key = "v1" } },
      { targets = { type = "single", agent_key = "v2" } },
    ]
  }`);
    expect(out).toContain("Error: Invalid policy.rules[0].match");
    expect(out).toContain("rule #1: match: unknown function 'nosuch' at column 1");
  });

  it("a sample reaching the wrong agent fails the plan, naming the sample and both agents", async () => {
    const out = await failedPlan(`  policy = {
    type  = "routed"
    rules = [{ targets = { type = "single", agent_key = "v1" } }]
  }
  samples = [{ name = "gold user", context = { session = { metadata = { tier = "gold" } } }, expect = "v2" }]`);
    expect(out).toContain("Error: Invalid samples[0].expect");
    expect(out).toContain("sample 'gold user' expected v2, got v1 (rule #1)");
  });

  it("a policy naming an agent the API does not have fails the plan with the API's message", async () => {
    const out = await failedPlan(`  policy = {
    type  = "routed"
    rules = [{ targets = { type = "single", agent_key = "v9" } }]
  }`);
    expect(out).toContain("Alias references unknown agent(s): [v9]");
  });

  it("a value unknown until apply is accepted at plan time, and checked once known", async () => {
    const body = `  description = terraform_data.tier.output
  policy = {
    type = "routed"
    rules = [
      { match = "get('$.session.metadata.tier') == '\${terraform_data.tier.output}'", targets = { type = "single", agent_key = "v2" } },
      { targets = { type = "single", agent_key = "v1" } },
    ]
  }
  samples = [{ name = "gold user", context = { session = { metadata = { tier = "gold" } } }, expect = "v2" }]`;
    ws.write({ "main.tf": alias(body) });
    const plan = await ws.planCode();
    expect(plan.code, plan.output).toBe(2);
    expect(plan.output).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
    expect(plan.output).toMatch(/description = \(known after apply\)/);
    await ws.apply();
    const made = (await emu.call("GET", "/v2/agent_aliases/checked")).body;
    expect(made.policy.rules[0].match).toBe("get('$.session.metadata.tier') == 'gold'");
    expect(made.description).toBe("gold");
    const clean = await ws.planCode();
    expect(clean.code, clean.output).toBe(0);
  });

  it("tofu validate checks the policy without credentials or the API", async () => {
    ws.write({ "main.tf": alias(CATCH_ALL_FIRST) });
    const r = await ws.run(["validate"], { VECTARA_API_KEY: undefined, TF_VAR_api_url: undefined });
    expect(r.code).toBe(1);
    expect(r.output).toContain("rule #2 follows a catch-all rule and is unreachable");
  });

  it("a provider setting not known until apply is refused at plan, not replaced by the environment's", async () => {
    const valid = `  policy = {
    type  = "routed"
    rules = [{ targets = { type = "single", agent_key = "v1" } }]
  }`;
    const tf = alias(valid).replace(
      'provider "agentalias" {\n  api_url = var.api_url\n}',
      'provider "agentalias" {\n  api_url = terraform_data.tier.output\n}',
    );
    expect(tf).toContain("api_url = terraform_data.tier.output");
    const other = new TofuWorkspace(
      { "main.tf": tf },
      { AGENT_ALIAS_API_URL: proxy.url, TF_VAR_api_url: proxy.url, VECTARA_API_KEY: emu.apiKey },
    );
    try {
      await other.init();
      proxy.seen.length = 0;
      const r = await other.planCode();
      expect(r.code).toBe(1);
      expect(r.output).toContain("Error: Invalid api_url");
      expect(r.output.replace(/\s+/g, " ")).toContain(
        "api_url is not known until apply; the agentalias provider needs its settings when it plans",
      );
      expect(proxy.seen).toEqual([]);
    } finally {
      other.dispose();
    }
  });
});
