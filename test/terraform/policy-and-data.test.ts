/**
 * `agentalias_alias_policy` takes over the policy of an alias made elsewhere and puts the
 * previous one back on destroy; the data sources read one alias and list them with the API's
 * filters; `provider::agentalias::canary_policy` gives the core's policy and the core's errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canaryPolicy } from "../../src/policy/index.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { PROVIDER_TF, TofuWorkspace } from "../helpers/tofu.js";

let emu: TestEmulator;
const workspaces: TofuWorkspace[] = [];

const ELSEWHERE = {
  type: "routed",
  rules: [{ targets: { type: "single", agent_key: "v1" } }],
};

async function workspace(tf: string): Promise<TofuWorkspace> {
  const ws = new TofuWorkspace(
    { "main.tf": `${PROVIDER_TF}\n${tf}` },
    { TF_VAR_api_url: emu.url, VECTARA_API_KEY: emu.apiKey },
  );
  workspaces.push(ws);
  await ws.init();
  return ws;
}

beforeAll(async () => {
  emu = await startTestEmulator();
  for (const key of ["v1", "v2", "v3"]) await emu.call("POST", "/v2/agents", { key, name: key });
  await emu.call("POST", "/v2/agent_aliases", { key: "shared", name: "Shared", policy: ELSEWHERE });
  await emu.call("POST", "/v2/agent_aliases", {
    key: "other",
    name: "Other",
    enabled: false,
    metadata: { team: "ops" },
    policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "v3" } }] },
  });
});
afterAll(async () => {
  for (const ws of workspaces) ws.dispose();
  await emu?.close();
});

describe("agentalias_alias_policy", () => {
  it("takes over the policy, keeps the previous one in state, and destroy restores it", async () => {
    const ws = await workspace(`
resource "agentalias_alias_policy" "shared" {
  alias_key = "shared"
  policy = {
    type  = "routed"
    rules = [{ targets = { type = "single", agent_key = "v2" } }]
  }
  samples = [{ name = "anyone", context = {}, expect = "v2" }]
}

output "previous" { value = agentalias_alias_policy.shared.previous_policy.rules[0].targets.agent_key }
`);
    const applied = await ws.apply();
    expect(applied.output).toContain('previous = "v1"');
    expect((await emu.call("GET", "/v2/agent_aliases/shared")).body.policy.rules[0].targets.agent_key).toBe(
      "v2",
    );
    const clean = await ws.planCode();
    expect(clean.code, clean.output).toBe(0);
    await ws.ok(["destroy", "-input=false", "-auto-approve"]);
    expect((await emu.call("GET", "/v2/agent_aliases/shared")).body.policy).toEqual(ELSEWHERE);
  });

  it("refuses an alias that does not exist, saying to create it first", async () => {
    const ws = await workspace(`
resource "agentalias_alias_policy" "missing" {
  alias_key = "missing"
  policy    = { type = "routed", rules = [{ targets = { type = "single", agent_key = "v2" } }] }
}
`);
    const r = await ws.run(["apply", "-input=false", "-auto-approve"]);
    expect(r.code).toBe(1);
    expect(r.output).toContain(
      "Alias 'missing' not found: AliasPolicy manages the policy of an alias that already exists",
    );
  });
});

describe("data sources", () => {
  it("agentalias_alias reads one alias; agentalias_aliases lists with the API's filters", async () => {
    const ws = await workspace(`
data "agentalias_alias" "other" {
  key = "other"
}

data "agentalias_aliases" "all" {}

data "agentalias_aliases" "disabled" {
  enabled = false
}

data "agentalias_aliases" "naming_v3" {
  aliased_agent_key = "v3"
}

data "agentalias_aliases" "by_name" {
  filter = "^Sha"
}

output "other" {
  value = {
    name     = data.agentalias_alias.other.name
    enabled  = data.agentalias_alias.other.enabled
    team     = data.agentalias_alias.other.metadata.team
    agent    = data.agentalias_alias.other.policy.rules[0].targets.agent_key
    match    = data.agentalias_alias.other.policy.rules[0].match
  }
}
output "all" { value = sort(data.agentalias_aliases.all.aliases[*].key) }
output "disabled" { value = data.agentalias_aliases.disabled.aliases[*].key }
output "naming_v3" { value = data.agentalias_aliases.naming_v3.aliases[*].key }
output "by_name" { value = data.agentalias_aliases.by_name.aliases[*].key }
`);
    await ws.apply();
    const out = JSON.parse((await ws.ok(["output", "-json"])).stdout) as Record<string, { value: unknown }>;
    expect(out.other?.value).toEqual({
      name: "Other",
      enabled: false,
      team: "ops",
      agent: "v3",
      match: null,
    });
    expect(out.all?.value).toEqual(["other", "shared"]);
    expect(out.disabled?.value).toEqual(["other"]);
    expect(out.naming_v3?.value).toEqual(["other"]);
    expect(out.by_name?.value).toEqual(["shared"]);
  });

  it("reading an alias that does not exist fails with its key", async () => {
    const ws = await workspace('data "agentalias_alias" "x" {\n  key = "nowhere"\n}\n');
    const r = await ws.planCode();
    expect(r.code).toBe(1);
    expect(r.output).toContain("Alias 'nowhere' not found");
  });
});

describe("provider::agentalias::canary_policy", () => {
  const spec = {
    from: "v1",
    to: "v2",
    partitionBy: "get('$.session.metadata.user_id', '')",
    current: "half",
    stages: [
      { name: "start", weights: [90, 10] as const },
      { name: "half", weights: [50, 50] as const },
    ],
    match: "get('$.session.metadata.tenant') == 'eu'",
    others: "v3",
    before: [
      { match: "get('$.session.metadata.vip')", targets: { type: "single" as const, agent_key: "v3" } },
    ],
  };
  const call = (current: string) => `provider::agentalias::canary_policy({
    from = "v1", to = "v2", current = "${current}"
    partition_by = "get('$.session.metadata.user_id', '')"
    stages = [{ name = "start", weights = [90, 10] }, { name = "half", weights = [50, 50] }]
    match  = "get('$.session.metadata.tenant') == 'eu'"
    others = "v3"
    before = [{ match = "get('$.session.metadata.vip')", targets = { type = "single", agent_key = "v3" } }]
  })`;

  it("gives the same policy as canaryPolicy in TypeScript", async () => {
    const ws = await workspace(`output "policy" { value = ${call("half")} }\n`);
    await ws.apply();
    const value: unknown = JSON.parse((await ws.ok(["output", "-json", "policy"])).stdout);
    const expected = JSON.parse(JSON.stringify(canaryPolicy(spec)));
    expect(stripNulls(value)).toEqual(expected);
  });

  it("an unknown stage fails with the core's message", async () => {
    const ws = await workspace(`output "policy" { value = ${call("nope")} }\n`);
    const r = await ws.planCode();
    expect(r.code).toBe(1);
    expect(r.output.replace(/\s+/g, " ")).toContain(
      "canary.current: unknown stage 'nope'; the stages are start, half",
    );
  });
});

/** A Terraform object value without its null attributes (absent in the core's documents). */
function stripNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripNulls);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== null)
        .map(([k, x]) => [k, stripNulls(x)]),
    );
  return v;
}
