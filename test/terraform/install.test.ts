/**
 * Installing the provider as docs/terraform.md says, from a user's side: `agent-alias plugin
 * install --terraform` into the default mirror (~/.terraform.d/plugins, with HOME a fresh
 * folder), which `tofu init` searches with no CLI config at all, offline; and the
 * `dev_overrides` way, which needs no init.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { terraformPlatform } from "../../src/cli/plugin.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { TofuWorkspace } from "../helpers/tofu.js";

const home = mkdtempSync(join(tmpdir(), "agent-alias-tf-home-"));
const version = (await import("../../package.json", { with: { type: "json" } })).default.version as string;
let emu: TestEmulator;
const workspaces: TofuWorkspace[] = [];

const MAIN_TF = `terraform {
  required_providers {
    agentalias = { source = "agent-alias/agentalias", version = ">= 0.1.0" }
  }
}

provider "agentalias" {}

resource "agentalias_alias" "hello" {
  key    = "hello"
  name   = "Hello"
  policy = { type = "routed", rules = [{ targets = { type = "single", agent_key = "v1" } }] }
}
`;

/** `agent-alias ARGS` as a user runs it (the built bin), with HOME = the test's folder. */
const agentAlias = (args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      [join(REPO, "bin/agent-alias.js"), ...args],
      { env: { ...process.env, HOME: home } },
      (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
    ),
  );

beforeAll(async () => {
  emu = await startTestEmulator();
  await emu.call("POST", "/v2/agents", { key: "v1", name: "v1" });
});
afterAll(async () => {
  for (const ws of workspaces) ws.dispose();
  await emu?.close();
  rmSync(home, { recursive: true, force: true });
});

const userEnv = () => ({ HOME: home, AGENT_ALIAS_API_URL: emu.url, VECTARA_API_KEY: emu.apiKey });

describe("installing the provider", () => {
  it("plugin install --terraform writes the default mirror for both registries' host names", async () => {
    const r = await agentAlias(["plugin", "install", "--terraform"]);
    expect(r.code, r.stderr).toBe(0);
    for (const host of ["registry.opentofu.org", "registry.terraform.io"]) {
      const bin = join(
        home,
        ".terraform.d/plugins",
        host,
        "agent-alias/agentalias",
        version,
        terraformPlatform(),
      );
      expect(r.stdout).toContain(bin);
      expect(statSync(join(bin, `terraform-provider-agentalias_v${version}`)).mode & 0o111).not.toBe(0);
    }
    expect((await agentAlias(["plugin", "install", "--terraform"])).stdout).toMatch(/^already installed: /);
  });

  it("tofu init finds it there with no CLI config, and apply works", async () => {
    const ws = new TofuWorkspace({ "main.tf": MAIN_TF }, { ...userEnv(), TF_CLI_CONFIG_FILE: undefined });
    workspaces.push(ws);
    const init = await ws.init();
    expect(init.output).toMatch(
      /Installing agent-alias\/agentalias v0\.1\.0\.\.\.|Installed agent-alias\/agentalias v/,
    );
    expect(existsSync(join(ws.dir, ".terraform.lock.hcl"))).toBe(true);
    await ws.apply();
    expect((await emu.call("GET", "/v2/agent_aliases/hello")).status).toBe(200);
    await ws.ok(["destroy", "-auto-approve", "-input=false"]);
  });

  it("dev_overrides pointing at the package's bin/ needs no init", async () => {
    const config = join(home, "dev.tfrc");
    writeFileSync(
      config,
      `provider_installation {\n  dev_overrides {\n    "agent-alias/agentalias" = "${join(REPO, "bin")}"\n  }\n  direct {}\n}\n`,
    );
    const ws = new TofuWorkspace({ "main.tf": MAIN_TF }, { ...userEnv(), TF_CLI_CONFIG_FILE: config });
    workspaces.push(ws);
    const plan = await ws.planCode();
    expect(plan.code, plan.output).toBe(2);
    expect(plan.output).toContain("Provider development overrides are in effect");
    expect(plan.output).toContain("Plan: 1 to add, 0 to change, 0 to destroy.");
  });
});
