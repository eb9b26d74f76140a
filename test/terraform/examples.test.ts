/**
 * examples/terraform, run as their README says: each folder copied as it is, the provider
 * configured from the environment (AGENT_ALIAS_API_URL, VECTARA_API_KEY), against an
 * emulator seeded with the Pulumi example's agents; applied, planned clean, moved on by a
 * variable where the example says so, and destroyed.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { TofuWorkspace } from "../helpers/tofu.js";

const EXAMPLES = join(REPO, "examples/terraform");
const opened: { emu: TestEmulator; ws: TofuWorkspace }[] = [];
afterAll(async () => {
  for (const { emu, ws } of opened) {
    ws.dispose();
    await emu.close();
  }
});

/** The example folder's files in a workspace, against an emulator with the seed's agents. */
async function example(name: string, seed: string): Promise<{ emu: TestEmulator; ws: TofuWorkspace }> {
  const emu = await startTestEmulator({ seed: join(REPO, "examples", seed, "seed.yaml") });
  const files = Object.fromEntries(
    readdirSync(join(EXAMPLES, name))
      .filter((f) => f.endsWith(".tf"))
      .map((f) => [f, readFileSync(join(EXAMPLES, name, f), "utf8")]),
  );
  const ws = new TofuWorkspace(files, { AGENT_ALIAS_API_URL: emu.url, VECTARA_API_KEY: emu.apiKey });
  opened.push({ emu, ws });
  await ws.init();
  return { emu, ws };
}

const weights = async (emu: TestEmulator, key: string, rule = 0) =>
  (await emu.call("GET", `/v2/agent_aliases/${key}`)).body.policy.rules[rule].targets.options.map(
    (o: { weight: number }) => o.weight,
  );

describe("examples/terraform", () => {
  it("quickstart: everyone on support-v1 (baseline), then a canary stage by a variable", async () => {
    const { emu, ws } = await example("quickstart", "quickstart");
    const plan = await ws.planCode();
    expect(plan.output).toContain(`sample 'user u-1' -> support-v1 (rule #1, weighted on "u-1")`);
    await ws.apply();
    expect(await weights(emu, "support")).toEqual([100, 0]);
    expect((await ws.planCode()).code).toBe(0);
    await ws.apply(["-var", "stage=canary-20"]);
    expect(await weights(emu, "support")).toEqual([80, 20]);
    expect((await ws.planCode(["-var", "stage=canary-20"])).code).toBe(0);
    await ws.ok(["destroy", "-auto-approve", "-input=false", "-var", "stage=canary-20"]);
    expect((await emu.call("GET", "/v2/agent_aliases/support")).status).toBe(404);
  });

  it("canary-stages: the stage table moved on by -var stage=…", async () => {
    const { emu, ws } = await example("canary-stages", "canary-stages");
    const applied = await ws.apply(["-var", "stage=canary-5"]);
    expect(applied.output).toMatch(/weights = tolist\(\[\s*95,\s*5,\s*\]\)/);
    const plan = await ws.planCode(["-var", "stage=canary-50"]);
    expect(plan.output).toMatch(/~ weight\s+= 95 -> 50/);
    await ws.apply(["-var", "stage=canary-50"]);
    expect(await weights(emu, "chat")).toEqual([50, 50]);
    expect((await ws.planCode(["-var", "stage=canary-50"])).code).toBe(0);
    await ws.ok(["destroy", "-auto-approve", "-input=false", "-var", "stage=canary-50"]);
  });

  it("tenant-routing: per-tenant rules, an EU canary, and the data source listing who routes to support-us", async () => {
    const { emu, ws } = await example("tenant-routing", "tenant-routing");
    const applied = await ws.apply();
    for (const line of [
      "sample 'gold EU user' -> support-v1 (rule #1)",
      "sample 'US user' -> support-us (rule #2)",
      "sample 'APAC user' -> support-v1 (rule #4)",
    ])
      expect(applied.output).toContain(line);
    const out = JSON.parse((await ws.ok(["output", "-json"])).stdout);
    expect(out.aliases_routing_to_support_us.value).toEqual(["tenants"]);
    expect(await weights(emu, "tenants", 2)).toEqual([95, 5]);
    expect((await ws.planCode()).code).toBe(0);
    await ws.ok(["destroy", "-auto-approve", "-input=false"]);
  });
});
