/** `/v2/agents`: create, get, list, patch, delete, and each documented error. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentListSchema, agentSchema, errorBodySchema } from "../../src/wire/index.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let e: TestEmulator;
beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  await e.close();
});

const single = (agent: string) => ({
  type: "routed",
  rules: [{ targets: { type: "single", agent_key: agent } }],
});

describe("POST /v2/agents", () => {
  it("creates an agent with defaults and answers 201 with the wire shape", async () => {
    const r = await e.call("POST", "/v2/agents", { key: "ag-basic", name: "Basic" });
    expect(r.status).toBe(201);
    expect(agentSchema.parse(r.body)).toEqual(r.body);
    expect(r.body).toMatchObject({
      key: "ag-basic",
      name: "Basic",
      description: "",
      metadata: {},
      enabled: true,
    });
    expect(r.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(r.body).not.toHaveProperty("updated_at");
  });

  it("generates a key from the name when none is given", async () => {
    const r = await e.call("POST", "/v2/agents", { name: "Support Bot v3!" });
    expect(r.status).toBe(201);
    expect(r.body.key).toMatch(/^agt_support_bot_v3_[0-9a-f]{4}$/);
  });

  it("409 when the key is taken", async () => {
    await e.call("POST", "/v2/agents", { key: "ag-dup", name: "One" });
    const r = await e.call("POST", "/v2/agents", { key: "ag-dup", name: "Two" });
    expect(r.status).toBe(409);
    expect(errorBodySchema.parse(r.body).messages).toEqual(["Agent 'ag-dup' already exists"]);
    expect(r.body.request_id).toMatch(/^req_[0-9a-f]+$/);
  });

  it("400 naming each bad field", async () => {
    const r = await e.call("POST", "/v2/agents", {
      key: "bad key!",
      name: "x".repeat(101),
      enabled: "yes",
      colour: 1,
    });
    expect(r.status).toBe(400);
    expect(r.body.field_errors).toEqual({
      key: "key: must be 1 to 50 characters of letters, digits, '_' or '-'",
      name: "name: must be at most 100 characters",
      enabled: "enabled: must be a boolean, got a string",
      colour: "colour: unknown field 'colour'",
    });
    expect(r.body.messages).toHaveLength(4);
  });

  it("400 when name is missing", async () => {
    const r = await e.call("POST", "/v2/agents", { key: "no-name" });
    expect(r.status).toBe(400);
    expect(r.body.field_errors).toEqual({ name: "name: is required" });
  });
});

describe("GET, PATCH, DELETE /v2/agents/{agent_key}", () => {
  it("gets an agent, 404 with the id for a missing one", async () => {
    await e.call("POST", "/v2/agents", { key: "ag-get", name: "Get me", metadata: { a: [1, { b: null }] } });
    const r = await e.call("GET", "/v2/agents/ag-get");
    expect(r.status).toBe(200);
    expect(r.body.metadata).toEqual({ a: [1, { b: null }] });
    const missing = await e.call("GET", "/v2/agents/ag-nobody");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      messages: ["Agent 'ag-nobody' not found"],
      request_id: expect.any(String),
      id: "ag-nobody",
    });
  });

  it("patch replaces only the fields it names (metadata whole) and sets updated_at", async () => {
    await e.call("POST", "/v2/agents", {
      key: "ag-patch",
      name: "Before",
      description: "d",
      metadata: { a: 1, b: 2 },
    });
    const r = await e.call("PATCH", "/v2/agents/ag-patch", { name: "After", metadata: { c: 3 } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      key: "ag-patch",
      name: "After",
      description: "d",
      metadata: { c: 3 },
      enabled: true,
    });
    expect(r.body.updated_at).toEqual(expect.any(String));
    expect((await e.call("GET", "/v2/agents/ag-patch")).body).toEqual(r.body);
  });

  it("patch: 400 for unknown fields (the key cannot change), 404 for a missing agent", async () => {
    await e.call("POST", "/v2/agents", { key: "ag-patch2", name: "P" });
    const bad = await e.call("PATCH", "/v2/agents/ag-patch2", { key: "other" });
    expect(bad.status).toBe(400);
    expect(bad.body.field_errors).toEqual({ key: "key: unknown field 'key'" });
    const missing = await e.call("PATCH", "/v2/agents/ag-nobody", { name: "x" });
    expect(missing.status).toBe(404);
    expect(missing.body.id).toBe("ag-nobody");
  });

  it("delete: 204, then 404; 409 while an alias policy names the agent", async () => {
    await e.call("POST", "/v2/agents", { key: "ag-del", name: "Del" });
    await e.call("POST", "/v2/agents", { key: "ag-used", name: "Used" });
    expect(
      (await e.call("POST", "/v2/agent_aliases", { key: "al-uses", name: "Uses", policy: single("ag-used") }))
        .status,
    ).toBe(201);
    const del = await e.call("DELETE", "/v2/agents/ag-del");
    expect(del.status).toBe(204);
    expect(del.body).toBeUndefined();
    expect((await e.call("GET", "/v2/agents/ag-del")).status).toBe(404);
    expect((await e.call("DELETE", "/v2/agents/ag-del")).status).toBe(404);
    const used = await e.call("DELETE", "/v2/agents/ag-used");
    expect(used.status).toBe(409);
    expect(used.body.messages).toEqual(["Agent 'ag-used' is used by alias(es): [al-uses]"]);
    expect((await e.call("DELETE", "/v2/agent_aliases/al-uses")).status).toBe(204);
    expect((await e.call("DELETE", "/v2/agents/ag-used")).status).toBe(204);
  });

  it("deleting an agent deletes its sessions", async () => {
    await e.call("POST", "/v2/agents", { key: "ag-sess", name: "S" });
    await e.call("POST", "/v2/agents/ag-sess/sessions", { key: "only" });
    expect((await e.call("DELETE", "/v2/agents/ag-sess")).status).toBe(204);
    await e.call("POST", "/v2/agents", { key: "ag-sess", name: "S again" });
    expect((await e.call("GET", "/v2/agents/ag-sess/sessions/only")).status).toBe(404);
  });
});

describe("GET /v2/agents", () => {
  it("lists agents in creation order with the list shape", async () => {
    const r = await e.call("GET", "/v2/agents?limit=100");
    expect(r.status).toBe(200);
    const list = agentListSchema.parse(r.body);
    expect(list.agents.length).toBeGreaterThan(3);
    const times = list.agents.map((a) => a.created_at);
    expect([...times].sort()).toEqual(times);
  });
});
