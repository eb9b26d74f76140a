import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { UNKNOWN } from "../../src/provider/index.js";
import {
  DIFF,
  type ProviderHost,
  serializeProvider,
  startProviderHost,
} from "../helpers/dynamic-provider.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { aliasInputs, canary } from "../helpers/policies.js";

// The provider as the engine meets it: serialized like dynamic.Resource serializes it, loaded
// by Pulumi's own dynamic-provider host in a separate process, driven over gRPC.
const SECRET_KEY = "e2e-secret-api-key-7f3a";
const URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/agent-alias:Alias::support";
const POLICY_URN = "urn:pulumi:dev::proj::pulumi-nodejs:dynamic/agent-alias:AliasPolicy::support-policy";

let emu: TestEmulator;
let host: ProviderHost;
let api: AgentAliasClient;
let serialized: string;

beforeAll(async () => {
  emu = await startTestEmulator({ apiKey: SECRET_KEY });
  api = new AgentAliasClient({ baseUrl: emu.url, apiKey: SECRET_KEY, env: {} });
  for (const key of ["p-v1", "p-v2"]) await api.createAgent({ key, name: key });
  // The key is in the serializing process's environment, as it would be in a user's shell.
  const sf = serializeProvider("aliasResourceProvider", {
    VECTARA_API_KEY: SECRET_KEY,
    AGENT_ALIAS_API_URL: emu.url,
  });
  serialized = sf.text;
  expect(sf.containsSecrets).toBe(false);
  host = await startProviderHost();
  await host.configure({ "agent-alias:apiUrl": emu.url, "agent-alias:apiKey": SECRET_KEY });
});
afterAll(async () => {
  await host?.close();
  await emu?.close();
});

describe("the serialized provider", () => {
  it("is small, holds no API key, and loads the implementation at call time", () => {
    expect(serialized).not.toContain(SECRET_KEY);
    expect(serialized).not.toContain(emu.url);
    expect(serialized.length).toBeLessThan(6000);
    expect(serialized).toContain('await import("pulumi-agent-alias/provider")');
  });

  it("serializes to the same text every time (it captures no state)", () => {
    expect(serializeProvider("aliasResourceProvider").text).toBe(serialized);
  });
});

describe("Check, Diff, Create, Read, Update, Delete through Pulumi's dynamic-provider host", () => {
  const props = (over: Record<string, unknown> = {}) => ({
    ...aliasInputs({ key: "e2e-alias", ...over }),
    __provider: serialized,
  });
  let outs: Record<string, unknown>;

  it("Check accepts valid inputs and reports failures with the API's messages", async () => {
    expect((await host.check(URN, {}, props())).failures).toEqual([]);
    const bad = props({
      policy: {
        type: "routed",
        rules: [
          { targets: { type: "single", agent_key: "p-v1" } },
          { targets: { type: "single", agent_key: "p-v2" } },
        ],
      },
    });
    expect((await host.check(URN, {}, bad)).failures).toEqual([
      { property: "", reason: "policy.rules[1]: rule #2 follows a catch-all rule and is unreachable" },
    ]);
    const unknownAgent = props({ policy: canary(50, 50, ["p-v1", "nobody"]) });
    expect((await host.check(URN, {}, unknownAgent)).failures).toEqual([
      { property: "", reason: "policy: Alias references unknown agent(s): [nobody]" },
    ]);
    expect((await host.check(URN, {}, props({ name: UNKNOWN, policy: UNKNOWN }))).failures).toEqual([]);
  });

  it("Create makes the alias and returns outputs with the provider kept", async () => {
    const res = await host.create(URN, props());
    expect(res.id).toBe("e2e-alias");
    outs = res.properties;
    expect(outs).toMatchObject({ key: "e2e-alias", policy: canary(90, 10), __provider: serialized });
    expect((await api.getAlias("e2e-alias")).policy).toEqual(canary(90, 10));
  });

  it("Diff: nothing, an in-place stage change, and a replacing key change", async () => {
    expect(await host.diff(URN, "e2e-alias", outs, props())).toEqual({ changes: DIFF.none, replaces: [] });
    expect(await host.diff(URN, "e2e-alias", outs, props({ policy: canary(80, 20) }))).toEqual({
      changes: DIFF.some,
      replaces: [],
    });
    expect(await host.diff(URN, "e2e-alias", outs, props({ key: "e2e-other" }))).toEqual({
      changes: DIFF.some,
      replaces: ["key"],
    });
  });

  it("Update changes the policy in place (same created_at)", async () => {
    const res = await host.update(URN, "e2e-alias", outs, props({ policy: canary(80, 20) }));
    expect(res.properties).toMatchObject({
      policy: canary(80, 20),
      createdAt: outs.createdAt,
      __provider: serialized,
    });
    outs = res.properties;
    expect((await api.getAlias("e2e-alias")).policy).toEqual(canary(80, 20));
  });

  it("Read sees drift", async () => {
    await api.patchAlias("e2e-alias", { enabled: false });
    const res = await host.read(URN, "e2e-alias", outs);
    expect(res).toMatchObject({ id: "e2e-alias", properties: { enabled: false, __provider: serialized } });
  });

  it("Delete removes the alias, and a second Delete succeeds", async () => {
    await host.delete(URN, "e2e-alias", outs);
    expect(await api.findAlias("e2e-alias")).toBeNull();
    await host.delete(URN, "e2e-alias", outs);
    const gone = await host.read(URN, "e2e-alias", outs);
    expect(gone.id).toBe("");
  });

  it("a failure after the alias changed keeps its id in state (ErrorResourceInitFailed)", async () => {
    const created = await host.create(URN, props({ key: "e2e-half" }));
    // The policy lands first; then the PATCH is refused (a name the API does not take).
    const next = props({ key: "e2e-half", name: "n".repeat(101), policy: canary(80, 20) });
    const err = await host.update(URN, "e2e-half", created.properties, next).then(
      () => null,
      (e: Error & { metadata?: { get(k: string): unknown[] } }) => e,
    );
    expect(err?.message).toContain("updating alias 'e2e-half': 400 name: must be at most 100 characters");
    expect(err?.metadata?.get("grpc-status-details-bin").length).toBe(1);
  });

  it("AliasPolicy runs through the host too", async () => {
    const policyProvider = serializeProvider("aliasPolicyResourceProvider").text;
    await api.createAlias({ key: "e2e-owned", name: "owned", policy: canary(100, 0) });
    const p = { aliasKey: "e2e-owned", policy: canary(95, 5), __provider: policyProvider };
    expect((await host.check(POLICY_URN, {}, p)).failures).toEqual([]);
    const created = await host.create(POLICY_URN, p);
    expect(created.properties).toMatchObject({ previousPolicy: canary(100, 0) });
    await host.delete(POLICY_URN, "e2e-owned", created.properties);
    expect((await api.getAlias("e2e-owned")).policy).toEqual(canary(100, 0));
  });
});
