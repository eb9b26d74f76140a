/**
 * The provider under real OpenTofu against the real emulator, as a user runs it: init from a
 * filesystem mirror, plan (the samples' routes in the output), apply (one POST per alias),
 * then clean plans; a stage change and a name change with the fewest calls; drift made by
 * hand; destroy. Every API call goes through a counting proxy, so "no write" is measured.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { type LossyProxy, startLossyProxy } from "../helpers/lossy-proxy.js";
import { PROVIDER_TF, TF_CLI, TofuWorkspace } from "../helpers/tofu.js";

let emu: TestEmulator;
let proxy: LossyProxy;
let ws: TofuWorkspace;
const writes = () => proxy.seen.filter((s) => !s.startsWith("GET"));

const MAIN_TF = `${PROVIDER_TF}
variable "stage" {
  type    = string
  default = "canary-5"
}

variable "name" {
  type    = string
  default = "Support"
}

resource "agentalias_alias" "support" {
  key  = "tf-support"
  name = var.name
  policy = provider::agentalias::canary_policy({
    from         = "support-v1"
    to           = "support-v2"
    partition_by = "get('$.session.metadata.user_id', '')"
    current      = var.stage
  })
  samples = [
    { name = "user u-1", context = { session = { metadata = { user_id = "u-1" } } } },
  ]
}

resource "agentalias_alias" "pinned" {
  key         = "tf-pinned"
  name        = "Pinned"
  description = "always v1"
  metadata    = { team = "cx", tier = 2 }
  policy = {
    type  = "routed"
    rules = [{ targets = { type = "single", agent_key = "support-v1" } }]
  }
  samples = [
    { name = "anyone", context = { session = { metadata = {} } }, expect = "support-v1" },
  ]
}
`;

beforeAll(async () => {
  emu = await startTestEmulator();
  for (const key of ["support-v1", "support-v2"]) await emu.call("POST", "/v2/agents", { key, name: key });
  proxy = await startLossyProxy(emu.url, () => false);
  ws = new TofuWorkspace({ "main.tf": MAIN_TF }, { TF_VAR_api_url: proxy.url, VECTARA_API_KEY: emu.apiKey });
  await ws.init();
});
afterAll(async () => {
  ws?.dispose();
  await proxy?.close();
  await emu?.close();
});

/** The plan's attribute change lines (`~ name = "a" -> "b"`), without the values known only after apply. */
/** The plan's in-place changes, `~ name = "a" -> "b"` (the padding before `=` is the CLI's layout). */
const changeLines = (output: string) =>
  output
    .split("\n")
    .map((l) => l.trim().replace(/^(~ \S+)\s+= /, "$1 = "))
    .filter((l) => /^~ \S+ = .* -> /.test(l) && !l.includes("(known after apply)"));

describe(`${TF_CLI.command} against the emulator`, () => {
  it("plan shows each sample's route and writes nothing", async () => {
    const r = await ws.planCode();
    expect(r.code).toBe(2);
    expect(r.output).toContain("Plan: 2 to add, 0 to change, 0 to destroy.");
    expect(r.output).toContain(`sample 'user u-1' -> support-v1 (rule #1, weighted on "u-1")`);
    expect(r.output).toContain("sample 'anyone' -> support-v1 (rule #1)");
    expect(writes()).toEqual([]);
  });

  it("apply creates each alias with exactly one POST, and the next plan is clean", async () => {
    await ws.apply();
    expect(writes().sort()).toEqual(["POST /v2/agent_aliases", "POST /v2/agent_aliases"]);
    const alias = (await emu.call("GET", "/v2/agent_aliases/tf-support")).body;
    expect(alias.policy.rules[0].targets.options).toEqual([
      { agent_key: "support-v1", weight: 95 },
      { agent_key: "support-v2", weight: 5 },
    ]);
    const pinned = (await emu.call("GET", "/v2/agent_aliases/tf-pinned")).body;
    expect(pinned.metadata).toEqual({ team: "cx", tier: 2 });
    proxy.seen.length = 0;
    const plan = await ws.planCode();
    expect(plan.code, plan.output).toBe(0);
    expect(writes()).toEqual([]);
  });

  it("refresh changes nothing, and the plan after it is clean", async () => {
    const state = ws.stateText();
    await ws.ok(["refresh", "-input=false"]);
    expect(JSON.parse(ws.stateText()).resources).toEqual(JSON.parse(state).resources);
    const plan = await ws.planCode();
    expect(plan.code, plan.output).toBe(0);
  });

  it("a stage change plans exactly the weight lines and applies one PUT of the policy", async () => {
    const plan = await ws.planCode(["-var", "stage=canary-20"]);
    expect(plan.code).toBe(2);
    expect(plan.output).toContain("Plan: 0 to add, 1 to change, 0 to destroy.");
    expect(changeLines(plan.output), plan.output).toEqual(["~ weight = 95 -> 80", "~ weight = 5 -> 20"]);
    proxy.seen.length = 0;
    await ws.apply(["-var", "stage=canary-20"]);
    expect(writes()).toEqual(["PUT /v2/agent_aliases/tf-support/policy"]);
    const clean = await ws.planCode(["-var", "stage=canary-20"]);
    expect(clean.code, clean.output).toBe(0);
  });

  it("a name change plans the name and applies one PATCH", async () => {
    const args = ["-var", "stage=canary-20", "-var", "name=Support desk"];
    const plan = await ws.planCode(args);
    expect(changeLines(plan.output)).toEqual(['~ name = "Support" -> "Support desk"']);
    proxy.seen.length = 0;
    await ws.apply(args);
    expect(writes()).toEqual(["PATCH /v2/agent_aliases/tf-support"]);
    expect((await emu.call("GET", "/v2/agent_aliases/tf-support")).body.name).toBe("Support desk");
  });

  it("drift made by hand shows in plan at the attribute, and apply puts it back", async () => {
    const args = ["-var", "stage=canary-20", "-var", "name=Support desk"];
    await emu.call("PATCH", "/v2/agent_aliases/tf-pinned", { description: "changed by hand" });
    const plan = await ws.planCode(args);
    expect(plan.code).toBe(2);
    expect(changeLines(plan.output)).toEqual(['~ description = "changed by hand" -> "always v1"']);
    proxy.seen.length = 0;
    await ws.apply(args);
    expect(writes()).toEqual(["PATCH /v2/agent_aliases/tf-pinned"]);
    expect((await emu.call("GET", "/v2/agent_aliases/tf-pinned")).body.description).toBe("always v1");
  });

  it("an alias deleted by hand is dropped by refresh and planned anew", async () => {
    const args = ["-var", "stage=canary-20", "-var", "name=Support desk"];
    await emu.call("DELETE", "/v2/agent_aliases/tf-pinned");
    const plan = await ws.planCode(args);
    expect(plan.output).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
    await ws.apply(args);
    expect((await emu.call("GET", "/v2/agent_aliases/tf-pinned")).status).toBe(200);
  });

  it("a key change replaces the alias; destroy deletes every alias", async () => {
    const args = ["-var", "stage=canary-20", "-var", "name=Support desk"];
    ws.write({ "main.tf": MAIN_TF.replace('key         = "tf-pinned"', 'key         = "tf-pinned-2"') });
    const plan = await ws.planCode(args);
    expect(plan.output).toContain("# agentalias_alias.pinned must be replaced");
    expect(plan.output).toMatch(/~ key\s+= "tf-pinned" -> "tf-pinned-2" # forces replacement/);
    await ws.apply(args);
    expect((await emu.call("GET", "/v2/agent_aliases/tf-pinned")).status).toBe(404);
    proxy.seen.length = 0;
    await ws.ok(["destroy", "-auto-approve", "-input=false", ...args]);
    expect(writes().sort()).toEqual([
      "DELETE /v2/agent_aliases/tf-pinned-2",
      "DELETE /v2/agent_aliases/tf-support",
    ]);
  });
});
