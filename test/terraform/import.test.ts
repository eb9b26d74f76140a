/**
 * Adopting aliases made by hand: an `import {}` block takes one over with zero writes and the
 * next plan is clean; `tofu import` does the same from the command line; with
 * `-generate-config-out` OpenTofu writes HCL from the imported state that plans clean.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POLICY } from "../fixtures/alias-forms.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { type LossyProxy, startLossyProxy } from "../helpers/lossy-proxy.js";
import { PROVIDER_TF, TofuWorkspace } from "../helpers/tofu.js";

let emu: TestEmulator;
let proxy: LossyProxy;
const workspaces: TofuWorkspace[] = [];
const writes = () => proxy.seen.filter((s) => !s.startsWith("GET"));

const HAND_MADE = {
  name: "Made by hand",
  description: "routes by tier",
  metadata: { owner: "cx", cost_center: 42 },
  // The contract fixtures' policy, at another split.
  policy: {
    ...POLICY,
    rules: [
      POLICY.rules[0],
      {
        targets: {
          ...POLICY.rules[1].targets,
          options: [
            { agent_key: "v1", weight: 70 },
            { agent_key: "v2", weight: 30 },
          ],
        },
      },
    ],
  },
};

/** The same alias as HCL, as a user would write it to adopt it. */
const ADOPTED_TF = (key: string) => `
resource "agentalias_alias" "adopted" {
  key         = "${key}"
  name        = "Made by hand"
  description = "routes by tier"
  metadata    = { owner = "cx", cost_center = 42 }
  policy = {
    type = "routed"
    rules = [
      { match = "get('$.session.metadata.tier') == 'gold'", targets = { type = "single", agent_key = "v2" } },
      { targets = { type = "weighted", partition_by = "get('$.session.metadata.user_id', '')", options = [
        { agent_key = "v1", weight = 70 },
        { agent_key = "v2", weight = 30 },
      ] } },
    ]
  }
}
`;

async function workspace(files: Record<string, string>): Promise<TofuWorkspace> {
  const ws = new TofuWorkspace(
    { "main.tf": PROVIDER_TF, ...files },
    { TF_VAR_api_url: proxy.url, VECTARA_API_KEY: emu.apiKey },
  );
  workspaces.push(ws);
  await ws.init();
  return ws;
}

beforeAll(async () => {
  emu = await startTestEmulator();
  for (const key of ["v1", "v2"]) await emu.call("POST", "/v2/agents", { key, name: key });
  for (const key of ["hand-1", "hand-2", "hand-3"])
    expect((await emu.call("POST", "/v2/agent_aliases", { key, ...HAND_MADE })).status).toBe(201);
  proxy = await startLossyProxy(emu.url, () => false);
});
afterAll(async () => {
  for (const ws of workspaces) ws.dispose();
  await proxy?.close();
  await emu?.close();
});

describe("adopting an alias made by hand", () => {
  it("an import {} block adopts it with zero writes, and the next plan is clean", async () => {
    const ws = await workspace({
      "adopt.tf": `${ADOPTED_TF("hand-1")}\nimport {\n  to = agentalias_alias.adopted\n  id = "hand-1"\n}\n`,
    });
    const plan = await ws.planCode();
    expect(plan.output).toContain("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.");
    proxy.seen.length = 0;
    await ws.apply();
    expect(writes()).toEqual([]);
    const again = await ws.planCode();
    expect(again.code, again.output).toBe(0);
  });

  it("`tofu import` adopts it with zero writes, and the next plan is clean", async () => {
    const ws = await workspace({ "adopt.tf": ADOPTED_TF("hand-2") });
    proxy.seen.length = 0;
    const r = await ws.ok(["import", "-input=false", "agentalias_alias.adopted", "hand-2"]);
    expect(r.output).toContain("Import successful!");
    const plan = await ws.planCode();
    expect(plan.code, plan.output).toBe(0);
    expect(writes()).toEqual([]);
  });

  it("-generate-config-out writes HCL that plans clean and imports with zero writes", async () => {
    const ws = await workspace({
      "import.tf": 'import {\n  to = agentalias_alias.generated\n  id = "hand-3"\n}\n',
    });
    const gen = await ws.run(["plan", "-input=false", "-generate-config-out=generated.tf"]);
    expect(gen.output).toContain("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.");
    const hcl = ws.read("generated.tf");
    expect(hcl).toContain('resource "agentalias_alias" "generated"');
    expect(hcl).toMatch(/weight\s+= 70/);
    expect(hcl).toMatch(/cost_center\s+= 42/);
    const plan = await ws.planCode();
    expect(plan.output).toContain("Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.");
    proxy.seen.length = 0;
    await ws.apply();
    expect(writes()).toEqual([]);
    const clean = await ws.planCode();
    expect(clean.code, clean.output).toBe(0);
  });

  it("importing a key that does not exist says so", async () => {
    const ws = await workspace({
      "import.tf": `${ADOPTED_TF("nowhere")}\nimport {\n  to = agentalias_alias.adopted\n  id = "nowhere"\n}\n`,
    });
    const plan = await ws.planCode();
    expect(plan.code).toBe(1);
    expect(plan.output).toMatch(/Cannot import non-existent remote object/);
  });
});
