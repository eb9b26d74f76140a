/** `/v2/agent_aliases`: create, get, list with filters, patch, replace policy, delete, and every documented error. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aliasListSchema, aliasSchema } from "../../src/wire/index.js";
import { type Json, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let e: TestEmulator;
beforeAll(async () => {
  e = await startTestEmulator();
  for (const key of ["v1", "v2", "eu"]) await e.call("POST", "/v2/agents", { key, name: key });
});
afterAll(async () => {
  await e.close();
});

const single = (agent: string) => ({
  type: "routed",
  rules: [{ targets: { type: "single", agent_key: agent } }],
});
const weighted = (options: [string, number][]) => ({
  type: "routed",
  rules: [
    {
      targets: {
        type: "weighted",
        partition_by: "get('$.session.key')",
        options: options.map(([agent_key, weight]) => ({ agent_key, weight })),
      },
    },
  ],
});

describe("POST /v2/agent_aliases", () => {
  it("creates an alias: defaults enabled=true, metadata={}, description=''", async () => {
    const r = await e.call("POST", "/v2/agent_aliases", {
      key: "create-1",
      name: "Create",
      policy: single("v1"),
    });
    expect(r.status).toBe(201);
    expect(aliasSchema.parse(r.body)).toEqual(r.body);
    expect(r.body).toMatchObject({
      key: "create-1",
      name: "Create",
      description: "",
      enabled: true,
      metadata: {},
    });
    expect(r.body.policy).toEqual(single("v1"));
    expect((await e.call("GET", "/v2/agent_aliases/create-1")).body).toEqual(r.body);
  });

  it("409 `Alias 'KEY' already exists`", async () => {
    await e.call("POST", "/v2/agent_aliases", { key: "dup", name: "Dup", policy: single("v1") });
    const r = await e.call("POST", "/v2/agent_aliases", { key: "dup", name: "Dup", policy: single("v2") });
    expect(r.status).toBe(409);
    expect(r.body.messages).toEqual(["Alias 'dup' already exists"]);
  });

  it("alias keys and agent keys are separate namespaces", async () => {
    const r = await e.call("POST", "/v2/agent_aliases", {
      key: "v1",
      name: "Same key as an agent",
      policy: single("v1"),
    });
    expect(r.status).toBe(201);
  });

  it("400 `Alias references unknown agent(s): [a, b]` in order of first use, with the fields", async () => {
    const policy = {
      type: "routed",
      rules: [
        { match: "true", targets: { type: "single", agent_key: "ghost-b" } },
        {
          targets: {
            type: "weighted",
            partition_by: "get('$.session.key')",
            options: [
              { agent_key: "v1", weight: 1 },
              { agent_key: "ghost-a", weight: 1 },
            ],
          },
        },
      ],
    };
    const r = await e.call("POST", "/v2/agent_aliases", { key: "ghosts", name: "Ghosts", policy });
    expect(r.status).toBe(400);
    expect(r.body.messages).toEqual(["Alias references unknown agent(s): [ghost-b, ghost-a]"]);
    expect(r.body.field_errors).toEqual({
      "policy.rules[0].targets.agent_key": "policy.rules[0].targets.agent_key: unknown agent 'ghost-b'",
      "policy.rules[1].targets.options[1].agent_key":
        "policy.rules[1].targets.options[1].agent_key: unknown agent 'ghost-a'",
    });
    expect((await e.call("GET", "/v2/agent_aliases/ghosts")).status).toBe(404);
  });

  it("400 with the exact ROUTING.md §4 messages, field_errors keyed by path", async () => {
    const policy = {
      type: "routed",
      rules: [
        { targets: { type: "weighted", options: [{ agent_key: "v1", weight: 1 }] } },
        { match: "lower('x') == 'x'", targets: { type: "single", agent_key: "v2" } },
      ],
    };
    const r = await e.call("POST", "/v2/agent_aliases", { key: "invalid", name: "Invalid", policy });
    expect(r.status).toBe(400);
    expect(r.body.messages).toContain("partition_by is required.");
    expect(r.body.messages).toContain("rule #2 follows a catch-all rule and is unreachable");
    expect(r.body.field_errors["policy.rules[0].targets.partition_by"]).toBe("partition_by is required.");
    expect(r.body.field_errors["policy.rules[1].match"]).toMatch(/^rule #2: match: unknown function 'lower'/);
  });

  it("400 for a missing key, name and policy, and for unknown fields", async () => {
    const r = await e.call("POST", "/v2/agent_aliases", { nmae: "typo" });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.field_errors).sort()).toEqual(["key", "name", "nmae", "policy"]);
    // The emulator checks a policy document with the one check the CLI and the preview run.
    expect(r.body.field_errors.nmae).toBe("nmae: unknown field 'nmae'; did you mean 'name'?");
    expect(r.body.field_errors.key).toBe("key: is required");
  });

  it("400 for a policy field typo (`partiton_by`)", async () => {
    const policy = weighted([["v1", 1]]);
    const t = policy.rules[0]!.targets as Json;
    t.partiton_by = t.partition_by;
    delete t.partition_by;
    const r = await e.call("POST", "/v2/agent_aliases", { key: "typo", name: "Typo", policy });
    expect(r.status).toBe(400);
    expect(r.body.field_errors["policy.rules[0].targets.partiton_by"]).toMatch(/unknown field 'partiton_by'/);
  });
});

describe("PATCH /v2/agent_aliases/{alias_key}", () => {
  it("replaces the fields it names; policy and key are not patchable", async () => {
    await e.call("POST", "/v2/agent_aliases", {
      key: "patch-me",
      name: "P",
      metadata: { a: 1 },
      policy: single("v1"),
    });
    const r = await e.call("PATCH", "/v2/agent_aliases/patch-me", {
      description: "new",
      metadata: { b: 2 },
      enabled: false,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: "P", description: "new", metadata: { b: 2 }, enabled: false });
    expect(r.body.updated_at).toEqual(expect.any(String));
    const bad = await e.call("PATCH", "/v2/agent_aliases/patch-me", { policy: single("v2"), key: "k" });
    expect(bad.status).toBe(400);
    expect(bad.body.field_errors).toEqual({
      policy: "policy: unknown field 'policy'",
      key: "key: unknown field 'key'",
    });
    expect((await e.call("PATCH", "/v2/agent_aliases/nobody", { name: "x" })).status).toBe(404);
  });
});

describe("PUT /v2/agent_aliases/{alias_key}/policy", () => {
  it("replaces the policy whole; 400 for an invalid one; 404 for a missing alias", async () => {
    await e.call("POST", "/v2/agent_aliases", { key: "replace-me", name: "R", policy: single("v1") });
    const r = await e.call("PUT", "/v2/agent_aliases/replace-me/policy", {
      policy: weighted([
        ["v1", 90],
        ["v2", 10],
      ]),
    });
    expect(r.status).toBe(200);
    expect(r.body.policy).toEqual(
      weighted([
        ["v1", 90],
        ["v2", 10],
      ]),
    );
    expect(r.body.updated_at).toEqual(expect.any(String));

    const unknown = await e.call("PUT", "/v2/agent_aliases/replace-me/policy", { policy: single("nobody") });
    expect(unknown.status).toBe(400);
    expect(unknown.body.messages).toEqual(["Alias references unknown agent(s): [nobody]"]);

    const zero = await e.call("PUT", "/v2/agent_aliases/replace-me/policy", {
      policy: weighted([
        ["v1", 0],
        ["v2", 0],
      ]),
    });
    expect(zero.status).toBe(400);
    expect(zero.body.field_errors["policy.rules[0].targets.options"]).toMatch(/all weights are 0/);

    const extra = await e.call("PUT", "/v2/agent_aliases/replace-me/policy", {
      policy: single("v1"),
      name: "x",
    });
    expect(extra.status).toBe(400);
    expect(extra.body.field_errors).toEqual({ name: "name: unknown field 'name'" });

    const none = await e.call("PUT", "/v2/agent_aliases/replace-me/policy", {});
    expect(none.status).toBe(400);
    expect(none.body.field_errors).toEqual({ policy: "policy: is required" });

    expect((await e.call("GET", "/v2/agent_aliases/replace-me")).body.policy).toEqual(
      weighted([
        ["v1", 90],
        ["v2", 10],
      ]),
    );
    const missing = await e.call("PUT", "/v2/agent_aliases/nobody/policy", { policy: single("v1") });
    expect(missing.status).toBe(404);
    expect(missing.body.id).toBe("nobody");
  });
});

describe("DELETE /v2/agent_aliases/{alias_key}", () => {
  it("204, then 404; its sessions stay reachable through their agent", async () => {
    await e.call("POST", "/v2/agent_aliases", { key: "del-me", name: "D", policy: single("v2") });
    const s = await e.call("POST", "/v2/agent_aliases/del-me/sessions", { key: "kept" });
    expect(s.status).toBe(201);
    expect((await e.call("DELETE", "/v2/agent_aliases/del-me")).status).toBe(204);
    const gone = await e.call("GET", "/v2/agent_aliases/del-me");
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({
      messages: ["Alias 'del-me' not found"],
      request_id: expect.any(String),
      id: "del-me",
    });
    expect((await e.call("DELETE", "/v2/agent_aliases/del-me")).status).toBe(404);
    const kept = await e.call("GET", "/v2/agents/v2/sessions/kept");
    expect(kept.status).toBe(200);
    expect(kept.body.alias_key).toBe("del-me");
  });
});

describe("GET /v2/agent_aliases filters", () => {
  beforeAll(async () => {
    await e.call("POST", "/v2/agent_aliases", {
      key: "f-support",
      name: "Customer Support",
      description: "the public handle",
      policy: single("v1"),
    });
    await e.call("POST", "/v2/agent_aliases", {
      key: "f-billing",
      name: "Billing",
      description: "support for invoices",
      enabled: false,
      policy: weighted([
        ["v2", 1],
        ["eu", 1],
      ]),
    });
    await e.call("POST", "/v2/agent_aliases", { key: "f-eu", name: "EU desk", policy: single("eu") });
  });

  const keys = async (query: string): Promise<string[]> => {
    const r = await e.call("GET", `/v2/agent_aliases?limit=100&${query}`);
    expect(r.status).toBe(200);
    return aliasListSchema
      .parse(r.body)
      .aliases.map((a) => a.key)
      .filter((k) => k.startsWith("f-"));
  };

  it("enabled", async () => {
    expect(await keys("enabled=false")).toEqual(["f-billing"]);
    expect(await keys("enabled=true")).toEqual(["f-support", "f-eu"]);
  });

  it("aliased_agent_key: aliases whose policy names the agent", async () => {
    expect(await keys("aliased_agent_key=eu")).toEqual(["f-billing", "f-eu"]);
    expect(await keys("aliased_agent_key=v1")).toEqual(["f-support"]);
  });

  it("filter: a regular expression over name and description (case-sensitive)", async () => {
    expect(await keys(`filter=${encodeURIComponent("[Ss]upport")}`)).toEqual(["f-support", "f-billing"]);
    expect(await keys(`filter=${encodeURIComponent("^EU")}`)).toEqual(["f-eu"]);
    expect(await keys(`filter=${encodeURIComponent("invoices$")}&enabled=false`)).toEqual(["f-billing"]);
  });

  it("400 naming the parameter for bad filters", async () => {
    const bad = await e.call("GET", `/v2/agent_aliases?filter=${encodeURIComponent("(unclosed")}`);
    expect(bad.status).toBe(400);
    expect(bad.body.field_errors.filter).toMatch(/^filter: is not a valid regular expression/);
    const backref = await e.call("GET", `/v2/agent_aliases?filter=${encodeURIComponent("(a+)+\\1b")}`);
    expect(backref.status).toBe(400);
    expect(backref.body.field_errors.filter).toMatch(/^filter: cannot run in linear time/);
    const enabled = await e.call("GET", "/v2/agent_aliases?enabled=yes");
    expect(enabled.body.field_errors).toEqual({ enabled: "enabled: must be 'true' or 'false'" });
    const agent = await e.call("GET", "/v2/agent_aliases?aliased_agent_key=a%20b");
    expect(agent.status).toBe(400);
    expect(Object.keys(agent.body.field_errors)).toEqual(["aliased_agent_key"]);
    const long = await e.call("GET", `/v2/agent_aliases?filter=${"a".repeat(300)}`);
    expect(long.body.field_errors).toEqual({ filter: "filter: must be at most 256 characters" });
  });

  it("a catastrophic pattern answers at once instead of stalling the server", async () => {
    await e.call("POST", "/v2/agent_aliases", {
      key: "f-redos",
      name: "a".repeat(100),
      policy: single("v1"),
    });
    const r = await e.call("GET", `/v2/agent_aliases?limit=100&filter=${encodeURIComponent("^(a+)+$b")}`);
    expect(r.status).toBe(200);
    expect((await e.call("GET", "/_emulator/health")).status).toBe(200);
  });
});
