/**
 * UpgradeResourceState through real OpenTofu: state written with schema version 0 (a
 * fixture from before `samples`, `adopt` and `updated_at`) and raw JSON of the current
 * version with an attribute the schema no longer has are read in the current layout, plan
 * clean against the same alias in the API, and are rewritten at the current version; state
 * from a newer provider is refused (the provider's own refusal is tested at the RPC, in
 * wire.test.ts, as OpenTofu refuses first).
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATE_VERSION } from "../../src/provider/index.js";
import { POLICY } from "../fixtures/alias-forms.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { PROVIDER_TF, TofuWorkspace } from "../helpers/tofu.js";

const FIXTURES = join(REPO, "test/fixtures/terraform");
let emu: TestEmulator;
const workspaces: TofuWorkspace[] = [];

const LEGACY_TF = (description: string) => `${PROVIDER_TF}
resource "agentalias_alias" "legacy" {
  key         = "legacy"
  name        = "Legacy"
  description = "${description}"
  metadata    = { team = "cx" }
  policy = {
    type = "routed"
    rules = [
      { match = "get('$.session.metadata.tier') == 'gold'", targets = { type = "single", agent_key = "v2" } },
      { targets = { type = "weighted", partition_by = "get('$.session.metadata.user_id', '')", options = [
        { agent_key = "v1", weight = 90 },
        { agent_key = "v2", weight = 10 },
      ] } },
    ]
  }
}
`;

/** A workspace whose state is the fixture `state`, for the alias `description` says. */
async function fromFixture(state: string, description: string): Promise<TofuWorkspace> {
  const ws = new TofuWorkspace(
    { "main.tf": LEGACY_TF(description) },
    { TF_VAR_api_url: emu.url, VECTARA_API_KEY: emu.apiKey },
  );
  workspaces.push(ws);
  copyFileSync(join(FIXTURES, state), join(ws.dir, "terraform.tfstate"));
  await ws.init();
  await emu.call("PATCH", "/v2/agent_aliases/legacy", { description });
  return ws;
}

type Instance = { schema_version: number; attributes: Record<string, unknown> };
const instance = (ws: TofuWorkspace): Instance => JSON.parse(ws.stateText()).resources[0].instances[0];

beforeAll(async () => {
  emu = await startTestEmulator();
  for (const key of ["v1", "v2"]) await emu.call("POST", "/v2/agents", { key, name: key });
  await emu.call("POST", "/v2/agent_aliases", {
    key: "legacy",
    name: "Legacy",
    metadata: { team: "cx" },
    policy: POLICY,
  });
});
afterAll(async () => {
  for (const ws of workspaces) ws.dispose();
  await emu?.close();
});

describe("UpgradeResourceState", () => {
  it("reads schema version 0 in the current layout: the plan is clean and the state is rewritten", async () => {
    const ws = await fromFixture("state-v0.tfstate", "written by schema version 0");
    const plan = await ws.planCode();
    expect(plan.code, plan.output).toBe(0);
    await ws.ok(["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    const { schema_version, attributes } = instance(ws);
    expect(schema_version).toBe(STATE_VERSION);
    expect(attributes.samples).toEqual({ value: [], type: ["tuple", []] });
    expect(attributes.metadata).toEqual({ value: { team: "cx" }, type: ["object", { team: "string" }] });
    expect(typeof attributes.updated_at).toBe("string");
    // The alias's own creation time, not the fixture's: refresh read it from the API.
    expect(attributes.created_at).toBe((await emu.call("GET", "/v2/agent_aliases/legacy")).body.created_at);
  });

  it("reads raw JSON of the current version, dropping an attribute the schema does not have", async () => {
    const ws = await fromFixture("state-v1.tfstate", "raw JSON of schema version 1");
    const plan = await ws.planCode();
    expect(plan.code, plan.output).toBe(0);
    await ws.ok(["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    expect(instance(ws).attributes).not.toHaveProperty("state_version");
  });

  it("state written by a newer provider is refused (by OpenTofu, before it asks the provider)", async () => {
    const ws = await fromFixture("state-v9.tfstate", "newer");
    const plan = await ws.planCode();
    expect(plan.code).toBe(1);
    expect(plan.output).toContain("Error: Resource instance managed by newer provider version");
  });
});
