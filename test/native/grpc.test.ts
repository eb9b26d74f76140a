import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { packageSchema } from "../../src/native/schema.js";
import { canaryPolicy } from "../../src/policy/index.js";
import { REPO } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import {
  ALIAS,
  ALIAS_POLICY,
  DIFF,
  isSecret,
  type Plugin,
  type Props,
  pb,
  secret,
  startPlugin,
  UNKNOWN,
} from "../helpers/plugin.js";
import { aliasInputs, canary } from "../helpers/policies.js";
import { schemaNames } from "../helpers/yaml-program.js";

/** `canary(...)` in the engine's names. */
const pol = (...args: Parameters<typeof canary>) => schemaNames(canary(...args)) as ReturnType<typeof canary>;

// The native plugin as the engine meets it: the launcher spawned with an engine address, the
// port read from its first stdout line, every call over gRPC, against a real emulator that
// takes one API key, given to the plugin only through Configure (no environment fallback).
const SECRET_KEY = "native-secret-api-key-5c1e";
const VERSION = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;

let emu: TestEmulator;
let api: AgentAliasClient;
let plugin: Plugin;
const others: Plugin[] = [];

beforeAll(async () => {
  emu = await startTestEmulator({ apiKey: SECRET_KEY });
  api = new AgentAliasClient({ baseUrl: emu.url, apiKey: SECRET_KEY, env: {} });
  for (const key of ["p-v1", "p-v2"]) await api.createAgent({ key, name: key });
  plugin = await startPlugin();
  await plugin.configure({ apiUrl: emu.url, apiKey: secret(SECRET_KEY), version: VERSION });
});
afterAll(async () => {
  for (const p of [plugin, ...others]) await p?.close();
  await emu?.close();
});

/** A value with every secret's content replaced, to look for what is left in plain text. */
function plainParts(v: unknown): unknown {
  if (isSecret(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(plainParts);
  if (typeof v === "object" && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, plainParts(e)]));
  return v;
}

const grpcCode = (e: unknown) => (e as { code?: number }).code;

describe("the plugin process", () => {
  it("prints its port first and answers GetPluginInfo with the package's version", async () => {
    expect(plugin.port).toBeGreaterThan(0);
    expect(await plugin.getPluginInfo()).toBe(VERSION);
  });

  it("answers the engine's Handshake: secrets accepted, no resource references or output values", async () => {
    const req = new pb.ProviderHandshakeRequest();
    req.setEngineAddress("127.0.0.1:1");
    req.setConfigureWithUrn(true);
    const res = await plugin.call("handshake", req);
    expect(res.getAcceptSecrets()).toBe(true);
    expect(res.getAcceptResources()).toBe(false);
    expect(res.getAcceptOutputs()).toBe(false);
    expect(res.getAcceptsByteString()).toBe(false);
  });

  it("serves the package schema", async () => {
    expect(JSON.parse(await plugin.getSchema())).toEqual(packageSchema(VERSION));
  });

  it("refuses an unknown resource type with the types it has", async () => {
    const err = await plugin.check("agent-alias:index:Nope", {}).catch((e: Error) => e);
    expect(grpcCode(err)).toBe(3); // INVALID_ARGUMENT
    expect((err as Error).message).toContain(
      "unknown resource type 'agent-alias:index:Nope': the agent-alias provider has agent-alias:index:Alias, agent-alias:index:AliasPolicy",
    );
  });
});

describe("provider configuration", () => {
  it("CheckConfig returns the inputs, the secret settings marked secret even when given plain", async () => {
    const given = { apiUrl: emu.url, apiKey: SECRET_KEY, clientSecret: secret("s3"), version: VERSION };
    const { inputs, failures } = await plugin.checkConfig(given);
    expect(failures).toEqual([]);
    expect(inputs).toEqual({
      apiUrl: emu.url,
      apiKey: secret(SECRET_KEY),
      clientSecret: secret("s3"),
      version: VERSION,
    });
    expect(JSON.stringify(plainParts(inputs))).not.toContain(SECRET_KEY);
  });

  it("CheckConfig fails bad settings by property name, never showing a secret's value", async () => {
    const { failures } = await plugin.checkConfig({
      apiUrl: "ftp://nowhere",
      apiKey: 12345,
      authUrl: "not a url",
      apiurl: "https://x.example",
      colour: "blue",
    });
    expect(failures).toEqual([
      {
        property: "apiUrl",
        reason: 'apiUrl must be an http(s) URL such as https://api.example.com, got "ftp://nowhere"',
      },
      { property: "apiKey", reason: "apiKey must be a string" },
      {
        property: "authUrl",
        reason: 'authUrl must be an http(s) URL such as https://api.example.com, got "not a url"',
      },
      {
        property: "apiurl",
        reason: "unknown configuration key 'apiurl' of the agent-alias provider (did you mean 'apiUrl'?)",
      },
      {
        property: "colour",
        reason:
          "unknown configuration key 'colour' of the agent-alias provider; it takes apiUrl, apiKey, clientId, clientSecret, authUrl",
      },
    ]);
  });

  it("CheckConfig lets unknown values through (preview)", async () => {
    const { inputs, failures } = await plugin.checkConfig({ apiUrl: UNKNOWN, apiKey: UNKNOWN });
    expect(failures).toEqual([]);
    expect(inputs).toEqual({ apiUrl: UNKNOWN, apiKey: secret(UNKNOWN) });
  });

  it("DiffConfig: a changed URL or key is an update, never a replacement", async () => {
    const olds = { apiUrl: emu.url, apiKey: secret(SECRET_KEY), version: VERSION };
    expect(await plugin.diffConfig(olds, olds)).toMatchObject({ changes: DIFF.none, detailed: {} });
    expect(await plugin.diffConfig(olds, { ...olds, apiKey: SECRET_KEY })).toMatchObject({
      changes: DIFF.none,
    });
    expect(await plugin.diffConfig(olds, { ...olds, apiUrl: "http://127.0.0.1:9" })).toMatchObject({
      changes: DIFF.some,
      replaces: [],
      diffs: ["apiUrl"],
      hasDetailedDiff: true,
      detailed: { apiUrl: "UPDATE" },
    });
    const d = await plugin.diffConfig(olds, { apiUrl: emu.url, authUrl: UNKNOWN, version: VERSION });
    expect(d.detailed).toEqual({ apiKey: "DELETE", authUrl: "UPDATE" });
    // An empty string is no setting (the environment's applies), as absent is.
    expect(await plugin.diffConfig({ apiUrl: emu.url }, { apiUrl: emu.url, clientId: "" })).toMatchObject({
      changes: DIFF.none,
    });
  });

  it("Configure answers what the plugin accepts", async () => {
    const res = await plugin.configure({ apiUrl: emu.url, apiKey: secret(SECRET_KEY) });
    expect(res.getAcceptsecrets()).toBe(true);
    expect(res.getSupportspreview()).toBe(true);
    expect(res.getAcceptresources()).toBe(false);
    expect(res.getAcceptoutputs()).toBe(false);
  });

  it("Configure's settings reach the API: a wrong key gets the API's 401, legacy variables work too", async () => {
    const p = await startPlugin();
    others.push(p);
    await p.configure({ apiUrl: emu.url, apiKey: secret("wrong-key") });
    const err = await p.create(ALIAS, aliasInputs({ key: "cfg-wrong" })).catch((e: Error) => e);
    expect((err as Error).message).toContain("creating alias 'cfg-wrong': 401 Invalid API key");
    expect(grpcCode(err)).toBe(16); // UNAUTHENTICATED: refused, nothing written
    expect((err as Error).message).not.toContain("wrong-key");
    // Only the deprecated variables map, as older engines send it.
    await p.configure(undefined, {
      "agent-alias:config:apiUrl": emu.url,
      "agent-alias:config:apiKey": SECRET_KEY,
    });
    const created = await p.create(ALIAS, aliasInputs({ key: "cfg-vars" }));
    expect(created.id).toBe("cfg-vars");
    expect((await api.getAlias("cfg-vars")).name).toBe("Provider alias");
  });

  it("Configure refuses a setting the client cannot use, naming it", async () => {
    const p = await startPlugin();
    others.push(p);
    const err = await p.configure({ apiUrl: "nonsense" }).catch((e: Error) => e);
    expect(grpcCode(err)).toBe(3);
    expect((err as Error).message).toContain(
      'agent-alias provider configuration: apiUrl must be an http(s) URL such as https://api.example.com, got "nonsense"',
    );
    // Sent as a secret, the value is never shown.
    const hidden = await p.configure({ apiUrl: secret("nonsense-S3CRET") }).catch((e: Error) => e);
    expect(grpcCode(hidden)).toBe(3);
    expect((hidden as Error).message).toContain("apiUrl must be an http(s) URL");
    expect((hidden as Error).message).not.toContain("S3CRET");
  });
});

describe("Alias over gRPC", () => {
  const inputs = (over: Props = {}) => schemaNames(aliasInputs({ key: "g-alias", ...over }));
  let outs: Props;

  it("Check passes valid inputs through and fails a broken rule at its property path", async () => {
    expect(await plugin.check(ALIAS, inputs())).toEqual({ inputs: inputs(), failures: [] });
    const broken = pol(90, 10);
    broken.rules[0]!.match = "get('$.session.metadata.tenant') ==";
    expect((await plugin.check(ALIAS, inputs({ policy: broken }))).failures).toEqual([
      {
        property: "",
        reason: "policy.rules[0].match: rule #1: match: unexpected end of expression at column 36",
      },
    ]);
    expect((await plugin.check(ALIAS, inputs({ policy: pol(50, 50, ["p-v1", "nobody"]) }))).failures).toEqual(
      [{ property: "", reason: "policy: Alias references unknown agent(s): [nobody]" }],
    );
  });

  it("Check tolerates unknowns and keeps secret inputs secret", async () => {
    const unknowns = inputs({ name: UNKNOWN, policy: UNKNOWN });
    expect(await plugin.check(ALIAS, unknowns)).toEqual({ inputs: unknowns, failures: [] });
    const withSecret = inputs({ metadata: { team: "support", token: secret("t0k") } });
    expect((await plugin.check(ALIAS, withSecret)).inputs).toEqual(withSecret);
  });

  it("Create during preview writes nothing and leaves the API's fields unknown", async () => {
    const res = await plugin.create(ALIAS, inputs(), true);
    expect(res.id).toBe("");
    expect(res.properties).toEqual({
      ...inputs(),
      description: "",
      enabled: true,
      metadata: {},
      samples: [],
      createdAt: UNKNOWN,
      updatedAt: UNKNOWN,
      stateVersion: 1,
    });
    expect(await api.findAlias("g-alias")).toBeNull();
  });

  it("Create makes the alias", async () => {
    const res = await plugin.create(ALIAS, inputs());
    expect(res.id).toBe("g-alias");
    outs = res.properties;
    expect(outs).toMatchObject({ key: "g-alias", description: "", enabled: true, policy: pol(90, 10) });
    expect(typeof outs.createdAt).toBe("string");
    expect((await api.getAlias("g-alias")).policy).toEqual(canary(90, 10));
  });

  it("Diff: no change, and a normalised difference (description absent vs '') is none", async () => {
    const none = await plugin.diff(ALIAS, "g-alias", outs, inputs());
    expect(none).toMatchObject({
      changes: DIFF.none,
      replaces: [],
      diffs: [],
      hasDetailedDiff: true,
      detailed: {},
    });
    expect((await plugin.diff(ALIAS, "g-alias", outs, inputs({ description: "" }))).changes).toBe(DIFF.none);
    const { description: _, ...noDescription } = outs;
    expect((await plugin.diff(ALIAS, "g-alias", noDescription, inputs({ description: "" }))).changes).toBe(
      DIFF.none,
    );
  });

  it("Diff: a stage change is exactly the weights that change", async () => {
    const d = await plugin.diff(ALIAS, "g-alias", outs, inputs({ policy: pol(80, 20) }));
    // deleteBeforeReplace: were it replaced (`replaceOnChanges`), the same key must be free first.
    expect(d).toMatchObject({
      changes: DIFF.some,
      replaces: [],
      diffs: ["policy"],
      deleteBeforeReplace: true,
    });
    expect(d.detailed).toEqual({
      "policy.rules[1].targets.options[0].weight": "UPDATE",
      "policy.rules[1].targets.options[1].weight": "UPDATE",
    });
    expect(Object.values(d.inputDiff)).toEqual([true, true]);
    const one = pol(90, 10);
    one.rules[1]!.targets.options![1]!.weight = 15;
    expect((await plugin.diff(ALIAS, "g-alias", outs, inputs({ policy: one }))).detailed).toEqual({
      "policy.rules[1].targets.options[1].weight": "UPDATE",
    });
    // Paths name the policy's properties as the schema does.
    const moved = pol(90, 10) as unknown as { rules: { targets: Record<string, unknown> }[] };
    moved.rules[0]!.targets.agentKey = "p-v1";
    expect((await plugin.diff(ALIAS, "g-alias", outs, inputs({ policy: moved }))).detailed).toEqual({
      "policy.rules[0].targets.agentKey": "UPDATE",
    });
  });

  it("Diff: a key change replaces (create first: the new key is free), an unknown is a change", async () => {
    const d = await plugin.diff(ALIAS, "g-alias", outs, inputs({ key: "g-other" }));
    expect(d).toMatchObject({
      changes: DIFF.some,
      replaces: ["key"],
      diffs: ["key"],
      deleteBeforeReplace: false,
    });
    expect(d.detailed).toEqual({ key: "UPDATE_REPLACE" });
    // Replacing under the same key (`pulumi up --replace`) needs the key free first.
    expect((await plugin.diff(ALIAS, "g-alias", outs, inputs())).deleteBeforeReplace).toBe(true);
    const u = await plugin.diff(ALIAS, "g-alias", outs, inputs({ name: UNKNOWN }));
    expect(u).toMatchObject({ changes: DIFF.some, detailed: { name: "UPDATE" } });
  });

  it("Update during preview writes nothing: the creation time stays, updatedAt becomes unknown", async () => {
    const res = await plugin.update(ALIAS, "g-alias", outs, inputs({ policy: pol(80, 20) }), true);
    expect(res.properties).toMatchObject({
      policy: pol(80, 20),
      createdAt: outs.createdAt,
      updatedAt: UNKNOWN,
    });
    expect((await api.getAlias("g-alias")).policy).toEqual(canary(90, 10));
    // Nothing the API holds changes: updatedAt is known.
    const same = await plugin.update(ALIAS, "g-alias", outs, inputs({ samples: [] }), true);
    expect(same.properties.updatedAt).toBe(outs.updatedAt);
  });

  it("Update changes the alias in place", async () => {
    const res = await plugin.update(ALIAS, "g-alias", outs, inputs({ policy: pol(80, 20) }));
    expect(res.properties).toMatchObject({ policy: pol(80, 20), createdAt: outs.createdAt });
    outs = res.properties;
    expect((await api.getAlias("g-alias")).policy).toEqual(canary(80, 20));
  });

  it("Read (refresh) sees drift and returns the inputs as the API has them (the engine diffs against them)", async () => {
    await api.patchAlias("g-alias", { enabled: false });
    const res = await plugin.read(ALIAS, "g-alias", outs, inputs({ policy: pol(80, 20) }));
    expect(res.id).toBe("g-alias");
    expect(res.properties).toMatchObject({
      enabled: false,
      policy: pol(80, 20),
      createdAt: outs.createdAt,
    });
    // The hand-made value, not the program's: `preview --diff` then shows enabled: false => true.
    expect(res.inputs).toMatchObject({ key: "g-alias", enabled: false, policy: pol(80, 20) });
    expect(res.inputs).not.toHaveProperty("createdAt");
    outs = res.properties!;
  });

  it("Read (import) of an alias made by hand returns its outputs and the inputs that manage it", async () => {
    await api.createAlias({
      key: "g-by-hand",
      name: "By hand",
      description: "made in the console",
      metadata: { team: "support" },
      policy: canary(70, 30),
    });
    const res = await plugin.read(ALIAS, "g-by-hand");
    expect(res.id).toBe("g-by-hand");
    expect(res.inputs).toEqual({
      key: "g-by-hand",
      name: "By hand",
      description: "made in the console",
      metadata: { team: "support" },
      policy: pol(70, 30),
    });
    expect(res.properties).toMatchObject({ ...res.inputs, enabled: true, samples: [] });
    // What the engine does next with an import: Check the inputs, Diff them against the outputs.
    expect((await plugin.check(ALIAS, res.inputs!)).failures).toEqual([]);
    expect((await plugin.diff(ALIAS, "g-by-hand", res.properties!, res.inputs!)).changes).toBe(DIFF.none);
  });

  it("Read of an alias that is gone answers no id and no properties", async () => {
    expect(await plugin.read(ALIAS, "g-never", { ...outs, key: "g-never" })).toEqual({
      id: "",
      properties: undefined,
      inputs: undefined,
    });
    expect((await plugin.read(ALIAS, "g-never")).properties).toBeUndefined();
  });

  it("secret inputs come back secret in the outputs, at the same place", async () => {
    const res = await plugin.create(
      ALIAS,
      inputs({ key: "g-secret", metadata: { team: "support", token: secret("t0k") } }),
    );
    expect(res.properties.metadata).toEqual({ team: "support", token: secret("t0k") });
    const whole = await plugin.update(
      ALIAS,
      "g-secret",
      res.properties,
      inputs({ key: "g-secret", description: secret("hidden") }),
    );
    expect(whole.properties.description).toEqual(secret("hidden"));
    expect(whole.properties.metadata).toEqual({});
  });

  it("a create refused by the API carries the core's message", async () => {
    const err = await plugin.create(ALIAS, inputs({ name: "Another" })).catch((e: Error) => e);
    expect((err as Error).message).toContain("Alias 'g-alias' already exists.");
  });

  it("a failure after the alias changed keeps its id in state (ErrorResourceInitFailed)", async () => {
    const created = await plugin.create(ALIAS, inputs({ key: "g-half" }));
    // The policy lands first; then the PATCH is refused (a name the API does not take).
    const next = inputs({ key: "g-half", name: "n".repeat(101), policy: pol(80, 20) });
    const err = (await plugin
      .update(ALIAS, "g-half", created.properties, next)
      .catch((e: Error) => e)) as Error & {
      metadata: { get(k: string): Buffer[] };
    };
    expect(err.message).toContain("updating alias 'g-half': 400 name: must be at most 100 characters");
    const [bin] = err.metadata.get("grpc-status-details-bin");
    const statusPb = await import("@pulumi/pulumi/proto/status_pb.js");
    const st = (statusPb.default ?? statusPb).Status.deserializeBinary(new Uint8Array(bin!));
    const any = st.getDetailsList()[0]!;
    expect(any.getTypeUrl()).toBe("type.googleapis.com/pulumirpc.ErrorResourceInitFailed");
    const detail = pb.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
    expect(detail.getId()).toBe("g-half");
    expect(detail.getProperties().toJavaScript()).toMatchObject({ key: "g-half", policy: pol(80, 20) });
  });

  it("Delete removes the alias; a second Delete succeeds", async () => {
    await plugin.delete(ALIAS, "g-alias", outs);
    expect(await api.findAlias("g-alias")).toBeNull();
    await plugin.delete(ALIAS, "g-alias", outs);
  });
});

describe("AliasPolicy over gRPC", () => {
  it("Check, Create (preview and real), Diff, Update, Read (refresh and import), Delete", async () => {
    await api.createAlias({ key: "g-owned", name: "Owned", policy: canary(100, 0) });
    const p = { aliasKey: "g-owned", policy: pol(95, 5) };
    expect(await plugin.check(ALIAS_POLICY, p)).toEqual({ inputs: p, failures: [] });
    const bad = pol(95, 5);
    bad.rules[0]!.match = "get(";
    expect(
      (await plugin.check(ALIAS_POLICY, { ...p, policy: bad })).failures.map((f) => f.reason.split(": ")[0]),
    ).toEqual(["policy.rules[0].match"]);

    const preview = await plugin.create(ALIAS_POLICY, p, true);
    expect(preview).toEqual({
      id: "",
      properties: { ...p, samples: [], previousPolicy: UNKNOWN, updatedAt: UNKNOWN, stateVersion: 1 },
    });
    expect((await api.getAlias("g-owned")).policy).toEqual(canary(100, 0));

    const created = await plugin.create(ALIAS_POLICY, p);
    expect(created.id).toBe("g-owned");
    expect(created.properties).toMatchObject({ ...p, previousPolicy: pol(100, 0) });

    const d = await plugin.diff(ALIAS_POLICY, "g-owned", created.properties, {
      ...p,
      policy: pol(80, 20),
    });
    expect(d.detailed).toEqual({
      "policy.rules[1].targets.options[0].weight": "UPDATE",
      "policy.rules[1].targets.options[1].weight": "UPDATE",
    });
    const moved = await plugin.diff(ALIAS_POLICY, "g-owned", created.properties, {
      ...p,
      aliasKey: "g-else",
    });
    expect(moved).toMatchObject({ replaces: ["aliasKey"], detailed: { aliasKey: "UPDATE_REPLACE" } });

    const updated = await plugin.update(ALIAS_POLICY, "g-owned", created.properties, {
      ...p,
      policy: pol(80, 20),
    });
    expect(updated.properties).toMatchObject({ policy: pol(80, 20), previousPolicy: pol(100, 0) });

    const refreshed = await plugin.read(ALIAS_POLICY, "g-owned", updated.properties);
    expect(refreshed).toMatchObject({ id: "g-owned", properties: { previousPolicy: pol(100, 0) } });
    expect(refreshed.inputs).toEqual({ aliasKey: "g-owned", policy: pol(80, 20) });
    const imported = await plugin.read(ALIAS_POLICY, "g-owned");
    expect(imported.inputs).toEqual({ aliasKey: "g-owned", policy: pol(80, 20) });

    await plugin.delete(ALIAS_POLICY, "g-owned", updated.properties);
    expect((await api.getAlias("g-owned")).policy).toEqual(canary(100, 0));
  });
});

describe("functions over gRPC", () => {
  const CANARY = "agent-alias:index:canaryPolicy";
  const spec = {
    from: "p-v1",
    to: "p-v2",
    partitionBy: "get('$.session.metadata.user_id', '')",
    current: "canary-20",
  };

  it("canaryPolicy gives the TypeScript canaryPolicy's policy", async () => {
    expect(await plugin.invoke(CANARY, spec)).toEqual({
      outputs: { policy: schemaNames(canaryPolicy(spec)) },
      failures: [],
    });
    const stages = [
      { name: "pilot", weights: [99, 1] },
      { name: "half", weights: [50, 50] },
    ];
    const custom = { ...spec, current: "pilot", stages, match: "get('$.session.metadata.tenant') == 'eu'" };
    expect((await plugin.invoke(CANARY, custom)).outputs).toEqual({
      policy: schemaNames(canaryPolicy({ ...custom, stages: stages as never })),
    });
  });

  it("canaryPolicy fails by property name; a secret argument makes the policy secret", async () => {
    expect((await plugin.invoke(CANARY, { ...spec, current: "canary-99" })).failures).toEqual([
      {
        property: "current",
        reason:
          "current: unknown stage 'canary-99'; the stages are baseline, canary-5, canary-20, canary-50, complete",
      },
    ]);
    const { from: _, ...noFrom } = spec;
    expect(await plugin.invoke(CANARY, { ...noFrom, stages: [{ name: "x", weights: [1] }] })).toEqual({
      outputs: {},
      failures: [
        { property: "from", reason: "from is required" },
        { property: "stages[0].weights", reason: "stages[0].weights must be [from weight, to weight]" },
      ],
    });
    const res = await plugin.invoke(CANARY, { ...spec, current: secret("canary-50") });
    expect(res.outputs).toEqual({
      policy: secret(schemaNames(canaryPolicy({ ...spec, current: "canary-50" }))),
    });
  });

  it("an unknown function is refused with the functions there are", async () => {
    const err = await plugin.invoke("agent-alias:index:nope", {}).catch((e: Error) => e);
    expect(grpcCode(err)).toBe(3);
    expect((err as Error).message).toContain(
      "unknown function 'agent-alias:index:nope': the agent-alias provider has agent-alias:index:canaryPolicy",
    );
  });
});

describe("secrets never reach the plugin's output in plain text", () => {
  it("stderr holds no API key", () => {
    for (const p of [plugin, ...others]) {
      expect(p.stderr()).not.toContain(SECRET_KEY);
      expect(p.stderr()).not.toContain("wrong-key");
    }
  });
});
