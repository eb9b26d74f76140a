/**
 * Roles (API.md "Conventions", rev.): every call of the table, made by a key of every role,
 * is answered 403 with the API's message exactly when the table does not allow it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATIONS, type Operation, ROLES, type Role } from "../../src/wire/index.js";
import { callJson, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let e: TestEmulator;
beforeAll(async () => {
  e = await startTestEmulator({ apiKeys: ["owner-key", ...ROLES.map((r) => `${r}-key=${r}`)] });
  const owner = { "x-api-key": "owner-key" };
  await callJson(e.url, "POST", "/v2/agents", { key: "r-v1", name: "v1" }, owner);
  await callJson(
    e.url,
    "POST",
    "/v2/agent_aliases",
    {
      key: "r-a",
      name: "A",
      policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "r-v1" } }] },
    },
    owner,
  );
  await callJson(e.url, "POST", "/v2/agent_aliases/r-a/sessions", { key: "r-s" }, owner);
});
afterAll(() => e.close());

const policy = { type: "routed", rules: [{ targets: { type: "single", agent_key: "r-v1" } }] };

/** One call per operation; each is refused before it acts, so the fixtures stay in place. */
const CALLS: Record<Operation, [string, string, unknown?]> = {
  "agents.list": ["GET", "/v2/agents"],
  "agents.get": ["GET", "/v2/agents/r-v1"],
  "agents.create": ["POST", "/v2/agents", { name: "x" }],
  "agents.patch": ["PATCH", "/v2/agents/r-v1", {}],
  "agents.delete": ["DELETE", "/v2/agents/nobody"],
  "aliases.list": ["GET", "/v2/agent_aliases"],
  "aliases.get": ["GET", "/v2/agent_aliases/r-a"],
  "aliases.create": ["POST", "/v2/agent_aliases", { key: "r-new", name: "n", policy }],
  "aliases.patch": ["PATCH", "/v2/agent_aliases/r-a", {}],
  "aliases.replacePolicy": ["PUT", "/v2/agent_aliases/r-a/policy", { policy }],
  "aliases.delete": ["DELETE", "/v2/agent_aliases/nobody"],
  "sessions.create": ["POST", "/v2/agent_aliases/r-a/sessions", {}],
  "sessions.list": ["GET", "/v2/agent_aliases/r-a/sessions"],
  "sessions.get": ["GET", "/v2/agent_aliases/r-a/sessions/r-s"],
  "sessions.patch": ["PATCH", "/v2/agent_aliases/r-a/sessions/r-s", {}],
  "sessions.delete": ["DELETE", "/v2/agent_aliases/r-a/sessions/nobody"],
  "events.create": [
    "POST",
    "/v2/agent_aliases/r-a/sessions/r-s/events",
    { type: "input_message", messages: [{ type: "text", content: "hi" }] },
  ],
  "events.list": ["GET", "/v2/agent_aliases/r-a/sessions/r-s/events"],
  "traces.list": ["GET", "/v2/agent_analytics/traces"],
  "traces.get": ["GET", "/v2/agent_analytics/traces/nobody"],
};

/** Every operation of the table: the emulator serves them all. */
const served = Object.keys(CALLS) as Operation[];

describe("roles", () => {
  it("the table of API.md, as declared", () => {
    const may = (op: Operation) => OPERATIONS[op].roles;
    expect(may("aliases.replacePolicy")).toEqual(["agent_administrator", "administrator", "owner"]);
    expect(may("aliases.delete")).toEqual(may("aliases.replacePolicy"));
    expect([...may("aliases.create")].sort()).toEqual([
      "administrator",
      "agent_administrator",
      "agent_developer",
      "owner",
    ]);
    expect(may("aliases.patch")).toEqual(may("aliases.create"));
    expect([...may("aliases.get")].sort()).toEqual([
      "administrator",
      "agent_administrator",
      "agent_developer",
      "agent_viewer",
      "owner",
      "viewer",
    ]);
    expect(may("sessions.create")).toContain("agent_user");
    expect(may("sessions.create")).not.toContain("viewer");
    expect(may("agents.create")).toEqual(may("aliases.replacePolicy"));
  });

  const cases = ROLES.flatMap((role) => served.map((op) => [role, op] as [Role, Operation]));
  it.each(cases)("%s: %s answers 403 exactly when the table says so", async (role, op) => {
    const [method, path, body] = CALLS[op];
    const r = await callJson(e.url, method, path, body, { "x-api-key": `${role}-key` });
    if (OPERATIONS[op].roles.includes(role)) {
      expect(r.status, JSON.stringify(r.body)).not.toBe(403);
      expect(r.status).toBeLessThan(500);
    } else {
      expect(r.status).toBe(403);
      expect(r.body.messages).toEqual([`Permissions do not allow ${OPERATIONS[op].refusal}.`]);
      expect(typeof r.body.request_id).toBe("string");
    }
  });

  it("a refused write changes nothing", async () => {
    const before = await callJson(e.url, "GET", "/v2/agent_aliases/r-a", undefined, {
      "x-api-key": "owner-key",
    });
    const r = await callJson(
      e.url,
      "PUT",
      "/v2/agent_aliases/r-a/policy",
      { policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "nobody" } }] } },
      { "x-api-key": "agent_developer-key" },
    );
    expect(r.status).toBe(403);
    const after = await callJson(e.url, "GET", "/v2/agent_aliases/r-a", undefined, {
      "x-api-key": "owner-key",
    });
    expect(after.body).toEqual(before.body);
  });

  it("a key the emulator does not know is a 401, not a 403", async () => {
    const r = await callJson(e.url, "GET", "/v2/agent_aliases", undefined, { "x-api-key": "stranger" });
    expect(r.status).toBe(401);
  });

  it("seed files give keys and roles too", async () => {
    const s = await startTestEmulator({
      apiKey: undefined as unknown as string,
      apiKeys: [],
      seed: { api_keys: [{ key: "seeded", role: "viewer" }] },
    });
    try {
      const read = await callJson(s.url, "GET", "/v2/agent_aliases", undefined, { "x-api-key": "seeded" });
      expect(read.status).toBe(200);
      const write = await callJson(s.url, "POST", "/v2/agents", { name: "x" }, { "x-api-key": "seeded" });
      expect(write.status).toBe(403);
      expect(write.body.messages).toEqual(["Permissions do not allow creating agents."]);
    } finally {
      await s.close();
    }
  });
});
