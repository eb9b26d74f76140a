/**
 * Sensitive values never shown: the API key (a sensitive provider setting, here from a
 * sensitive variable) appears in no plan or apply output, in no log at TF_LOG=trace (the
 * host's and the provider's, which the host writes there too), and not in the state file;
 * a refused key gets the API's 401 without the key in the message.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { TofuWorkspace } from "../helpers/tofu.js";

const KEY = "tf-secret-key-8c1d5e";
let emu: TestEmulator;
let ws: TofuWorkspace;

const MAIN_TF = `terraform {
  required_providers {
    agentalias = { source = "agent-alias/agentalias" }
  }
}

variable "api_url" { type = string }
variable "api_key" {
  type      = string
  sensitive = true
}

provider "agentalias" {
  api_url = var.api_url
  api_key = var.api_key
}

resource "agentalias_alias" "quiet" {
  key    = "quiet"
  name   = "Quiet"
  policy = { type = "routed", rules = [{ targets = { type = "single", agent_key = "v1" } }] }
  samples = [{ name = "anyone", context = {}, expect = "v1" }]
}
`;

beforeAll(async () => {
  emu = await startTestEmulator({ apiKey: KEY });
  await emu.call("POST", "/v2/agents", { key: "v1", name: "v1" });
  ws = new TofuWorkspace({ "main.tf": MAIN_TF }, { TF_VAR_api_url: emu.url, TF_VAR_api_key: KEY });
  await ws.init();
});
afterAll(async () => {
  ws?.dispose();
  await emu?.close();
});

describe("the API key", () => {
  it("is in no plan or apply output, no TF_LOG=trace log, and not in the state", async () => {
    const trace = (name: string) => ({ TF_LOG: "trace", TF_LOG_PATH: join(ws.dir, name) });
    const plan = await ws.run(["plan", "-input=false"], trace("plan.log"));
    expect(plan.code, plan.output).toBe(0);
    const apply = await ws.ok(["apply", "-input=false", "-auto-approve"], trace("apply.log"));
    const logText =
      readFileSync(join(ws.dir, "plan.log"), "utf8") + readFileSync(join(ws.dir, "apply.log"), "utf8");
    // The logs are the real ones: the provider started, configured, planned and applied.
    for (const rpc of ["ConfigureProvider", "PlanResourceChange", "ApplyResourceChange"])
      expect(logText).toContain(`GRPCProvider.v6: ${rpc}`);
    expect(logText).toMatch(/plugin started: path=\S*terraform-provider-agentalias/);
    for (const text of [plan.output, apply.output, logText, ws.stateText()]) expect(text).not.toContain(KEY);
    expect(JSON.parse(ws.stateText()).resources[0].instances[0].attributes.key).toBe("quiet");
  });

  it("a refused key gets the API's 401, and the message does not hold the key", async () => {
    const wrong = "tf-wrong-key-44f0a1";
    const r = await ws.run(["plan", "-input=false", "-refresh=true"], { TF_VAR_api_key: wrong });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(/401/);
    expect(r.output).not.toContain(wrong);
  });
});
