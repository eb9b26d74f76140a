/** Sessions through an alias and through an agent, events, statistics, and each documented error. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";
import {
  emulatorStatsSchema,
  eventListSchema,
  eventsCreatedSchema,
  sessionListSchema,
  sessionSchema,
} from "../../src/wire/index.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const NOW = new Date("2026-06-02T10:35:00.000Z");
let e: TestEmulator;
beforeAll(async () => {
  e = await startTestEmulator({ clock: () => NOW });
  for (const key of ["support-v1", "support-v2", "support-eu"])
    await e.call("POST", "/v2/agents", { key, name: key });
});
afterAll(async () => {
  await e.close();
});

const single = (agent: string) => ({
  type: "routed",
  rules: [{ targets: { type: "single", agent_key: agent } }],
});
const hi = { type: "input_message", messages: [{ type: "text", content: "hi" }] };

describe("POST /v2/agent_aliases/{alias_key}/sessions", () => {
  it("resolves the agent, writes agent_key and alias_key, and answers 201", async () => {
    await e.call("POST", "/v2/agent_aliases", {
      key: "direct",
      name: "Direct",
      policy: single("support-v1"),
    });
    const r = await e.call("POST", "/v2/agent_aliases/direct/sessions", {
      key: "conv-1",
      name: "Conversation",
      description: "first",
      metadata: { user_id: "u1" },
    });
    expect(r.status).toBe(201);
    expect(sessionSchema.parse(r.body)).toEqual(r.body);
    expect(r.body).toEqual({
      key: "conv-1",
      name: "Conversation",
      description: "first",
      agent_key: "support-v1",
      alias_key: "direct",
      metadata: { user_id: "u1" },
      enabled: true,
      status: "unstarted",
      tti_minutes: 0,
      secrets: {},
      created_at: "2026-06-02T10:35:00.000Z",
    });
  });

  it("generates `ase_` + slugged name + `_` + 4 hex before routing, so routing sees the key", async () => {
    const policy = {
      type: "routed",
      rules: [
        { match: "get('$.session.key') == null", targets: { type: "single", agent_key: "support-eu" } },
        {
          targets: {
            type: "weighted",
            partition_by: "get('$.session.key')",
            options: [{ agent_key: "support-v2", weight: 1 }],
          },
        },
      ],
    };
    await e.call("POST", "/v2/agent_aliases", { key: "keyed", name: "Keyed", policy });
    const r = await e.call("POST", "/v2/agent_aliases/keyed/sessions", { name: "Support conversation" });
    expect(r.status).toBe(201);
    expect(r.body.key).toMatch(/^ase_support_conversation_[0-9a-f]{4}$/);
    expect(r.body.agent_key).toBe("support-v2");
    const noName = await e.call("POST", "/v2/agent_aliases/keyed/sessions");
    expect(noName.status).toBe(201);
    expect(noName.body.key).toMatch(/^ase_session_[0-9a-f]{4}$/);
    expect(noName.body.name).toBe(noName.body.key);
  });

  it("routes with the routing context of ROUTING.md §2 (alias as agent, session, currentDate)", async () => {
    const policy = {
      type: "routed",
      rules: [
        {
          match:
            "get('$.agent.key') == 'ctx' && get('$.agent.metadata.team') == 'cx' && get('$.agent.name') == 'Context'" +
            " && get('$.session.metadata.tier') == 'gold' && get('$.session.description') == 'vip'" +
            " && now() == iso_datetime_parse('2026-06-02T10:35:00Z')",
          targets: { type: "single", agent_key: "support-eu" },
        },
        { targets: { type: "single", agent_key: "support-v1" } },
      ],
    };
    await e.call("POST", "/v2/agent_aliases", {
      key: "ctx",
      name: "Context",
      metadata: { team: "cx" },
      policy,
    });
    const gold = await e.call("POST", "/v2/agent_aliases/ctx/sessions", {
      description: "vip",
      metadata: { tier: "gold" },
    });
    expect(gold.body.agent_key).toBe("support-eu");
    const plain = await e.call("POST", "/v2/agent_aliases/ctx/sessions", { metadata: { tier: "gold" } });
    expect(plain.body.agent_key).toBe("support-v1");
  });

  it("a weighted target picks what the shared resolver picks", async () => {
    const doc = {
      key: "canary",
      name: "Canary",
      policy: {
        type: "routed",
        rules: [
          {
            targets: {
              type: "weighted",
              partition_by: "get('$.session.metadata.user_id', '')",
              options: [
                { agent_key: "support-v1", weight: 90 },
                { agent_key: "support-v2", weight: 10 },
              ],
            },
          },
        ],
      },
    };
    await e.call("POST", "/v2/agent_aliases", doc);
    const resolver = compilePolicy(doc);
    for (let i = 0; i < 50; i++) {
      const r = await e.call("POST", "/v2/agent_aliases/canary/sessions", {
        metadata: { user_id: `user-${i}` },
      });
      expect(r.body.agent_key).toBe(
        resolver.resolve({ session: { metadata: { user_id: `user-${i}` } } }).agent_key,
      );
    }
  });

  it("404 `Alias not found or not currently active` for an unknown or disabled alias", async () => {
    const unknown = await e.call("POST", "/v2/agent_aliases/nobody/sessions", {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      messages: ["Alias not found or not currently active"],
      request_id: expect.any(String),
      id: "nobody",
    });
    await e.call("POST", "/v2/agent_aliases", {
      key: "off",
      name: "Off",
      enabled: false,
      policy: single("support-v1"),
    });
    const off = await e.call("POST", "/v2/agent_aliases/off/sessions", {});
    expect(off.status).toBe(404);
    expect(off.body.messages).toEqual(["Alias not found or not currently active"]);
    await e.call("PATCH", "/v2/agent_aliases/off", { enabled: true });
    expect((await e.call("POST", "/v2/agent_aliases/off/sessions", {})).status).toBe(201);
  });

  it("400 with the exact routing messages (ROUTING.md §5), naming the rule's field", async () => {
    const noMatch = {
      type: "routed",
      rules: [
        {
          match: "get('$.session.metadata.tenant') == 'eu'",
          targets: { type: "single", agent_key: "support-eu" },
        },
      ],
    };
    await e.call("POST", "/v2/agent_aliases", { key: "nomatch", name: "No match", policy: noMatch });
    const r1 = await e.call("POST", "/v2/agent_aliases/nomatch/sessions", { metadata: { tenant: "us" } });
    expect(r1.status).toBe(400);
    expect(r1.body.messages).toEqual(["no rule matched and no catch-all rule was provided"]);
    expect(r1.body.field_errors).toEqual({
      "policy.rules": "no rule matched and no catch-all rule was provided",
    });

    const nullPartition = {
      type: "routed",
      rules: [
        {
          targets: {
            type: "weighted",
            partition_by: "get('$.session.metadata.user_id')",
            options: [{ agent_key: "support-v1", weight: 1 }],
          },
        },
      ],
    };
    await e.call("POST", "/v2/agent_aliases", { key: "nullpart", name: "Null", policy: nullPartition });
    const r2 = await e.call("POST", "/v2/agent_aliases/nullpart/sessions", {});
    expect(r2.status).toBe(400);
    expect(r2.body.messages).toEqual(["partition_by evaluated to null"]);
    expect(r2.body.field_errors).toEqual({
      "policy.rules[0].targets.partition_by": "partition_by evaluated to null",
    });

    const typeError = {
      type: "routed",
      rules: [
        { match: "get('$.session.metadata.n') > 1", targets: { type: "single", agent_key: "support-v1" } },
        { targets: { type: "single", agent_key: "support-v2" } },
      ],
    };
    await e.call("POST", "/v2/agent_aliases", { key: "typeerr", name: "Type error", policy: typeError });
    const r3 = await e.call("POST", "/v2/agent_aliases/typeerr/sessions", { metadata: { n: "two" } });
    expect(r3.status).toBe(400);
    expect(r3.body.messages).toEqual(["rule #1: match: cannot compare string with number"]);
    expect(r3.body.field_errors).toEqual({
      "policy.rules[0].match": "rule #1: match: cannot compare string with number",
    });

    const stats = emulatorStatsSchema.parse((await e.call("GET", "/_emulator/stats")).body);
    expect(stats.aliases.nomatch!.routing_errors).toBe(1);
    expect(stats.aliases.nomatch!.sessions).toBe(0);
  });

  it("409 for a duplicate session key under the same agent; the same key under another agent is fine", async () => {
    await e.call("POST", "/v2/agent_aliases", { key: "dup-a", name: "A", policy: single("support-v1") });
    await e.call("POST", "/v2/agent_aliases", { key: "dup-b", name: "B", policy: single("support-v2") });
    expect((await e.call("POST", "/v2/agent_aliases/dup-a/sessions", { key: "same" })).status).toBe(201);
    const again = await e.call("POST", "/v2/agent_aliases/dup-a/sessions", { key: "same" });
    expect(again.status).toBe(409);
    expect(again.body.messages).toEqual(["Session 'same' already exists"]);
    expect((await e.call("POST", "/v2/agents/support-v1/sessions", { key: "same" })).status).toBe(409);
    expect((await e.call("POST", "/v2/agent_aliases/dup-b/sessions", { key: "same" })).status).toBe(201);
  });

  it("400 naming the field for a bad body", async () => {
    await e.call("POST", "/v2/agent_aliases", {
      key: "bodies",
      name: "Bodies",
      policy: single("support-v1"),
    });
    const r = await e.call("POST", "/v2/agent_aliases/bodies/sessions", {
      key: "a/b",
      metadata: [],
      agent_key: "x",
    });
    expect(r.status).toBe(400);
    expect(r.body.field_errors).toEqual({
      key: "key: must be 1 to 50 characters of letters, digits, '_' or '-'",
      metadata: "metadata: must be an object, got an array",
      agent_key: "agent_key: unknown field 'agent_key'",
    });
  });
});

describe("sessions through the agent, and reading either way", () => {
  it("POST /v2/agents/{agent_key}/sessions: alias_key null; 404 for an unknown agent", async () => {
    const r = await e.call("POST", "/v2/agents/support-v2/sessions", { key: "direct-1" });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ key: "direct-1", agent_key: "support-v2", alias_key: null });
    const missing = await e.call("POST", "/v2/agents/nobody/sessions", {});
    expect(missing.status).toBe(404);
    expect(missing.body.id).toBe("nobody");
  });

  it("GET returns the same session through the alias and through its agent", async () => {
    await e.call("POST", "/v2/agent_aliases", { key: "both", name: "Both", policy: single("support-eu") });
    const created = await e.call("POST", "/v2/agent_aliases/both/sessions", { key: "both-1" });
    const viaAlias = await e.call("GET", "/v2/agent_aliases/both/sessions/both-1");
    const viaAgent = await e.call("GET", "/v2/agents/support-eu/sessions/both-1");
    expect(viaAlias.body).toEqual(created.body);
    expect(viaAgent.body).toEqual(created.body);
    const list = sessionListSchema.parse((await e.call("GET", "/v2/agent_aliases/both/sessions")).body);
    expect(list.sessions.map((s) => s.key)).toEqual(["both-1"]);
    expect(list.metadata.page_key).toBeUndefined();
  });

  it("404 `Alias or session not found` / `Agent or session not found`", async () => {
    const a = await e.call("GET", "/v2/agent_aliases/both/sessions/nope");
    expect(a.status).toBe(404);
    expect(a.body).toEqual({
      messages: ["Alias or session not found"],
      request_id: expect.any(String),
      id: "nope",
    });
    const b = await e.call("GET", "/v2/agent_aliases/nobody/sessions");
    expect(b.status).toBe(404);
    expect(b.body.messages).toEqual(["Alias or session not found"]);
    const c = await e.call("GET", "/v2/agents/support-v1/sessions/both-1");
    expect(c.status).toBe(404);
    expect(c.body.messages).toEqual(["Agent or session not found"]);
    expect((await e.call("GET", "/v2/agents/nobody/sessions")).status).toBe(404);
  });

  it("DELETE on either path: 204, then gone from both; 404 after", async () => {
    await e.call("POST", "/v2/agent_aliases/both/sessions", { key: "del-1" });
    await e.call("POST", "/v2/agent_aliases/both/sessions", { key: "del-2" });
    expect((await e.call("DELETE", "/v2/agent_aliases/both/sessions/del-1")).status).toBe(204);
    expect((await e.call("GET", "/v2/agents/support-eu/sessions/del-1")).status).toBe(404);
    expect((await e.call("DELETE", "/v2/agents/support-eu/sessions/del-2")).status).toBe(204);
    expect((await e.call("GET", "/v2/agent_aliases/both/sessions/del-2")).status).toBe(404);
    expect((await e.call("DELETE", "/v2/agents/support-eu/sessions/del-2")).status).toBe(404);
    expect((await e.call("DELETE", "/v2/agent_aliases/both/sessions/del-2")).status).toBe(404);
  });

  it("a session's agent is fixed at creation: a later policy replacement does not move it", async () => {
    await e.call("POST", "/v2/agent_aliases", { key: "fixed", name: "Fixed", policy: single("support-v1") });
    const before = await e.call("POST", "/v2/agent_aliases/fixed/sessions", { key: "early" });
    await e.call("PUT", "/v2/agent_aliases/fixed/policy", { policy: single("support-v2") });
    const after = await e.call("POST", "/v2/agent_aliases/fixed/sessions", { key: "late" });
    expect(before.body.agent_key).toBe("support-v1");
    expect(after.body.agent_key).toBe("support-v2");
    expect((await e.call("GET", "/v2/agent_aliases/fixed/sessions/early")).body.agent_key).toBe("support-v1");
    const events = await e.call("POST", "/v2/agent_aliases/fixed/sessions/early/events", hi);
    expect(events.body.events[1].content).toBe("[support-v1] echo: hi");
  });
});

describe("events", () => {
  it("POST answers 201 with the input event and the agent's deterministic answer; GET lists them", async () => {
    await e.call("POST", "/v2/agent_aliases", { key: "talk", name: "Talk", policy: single("support-v2") });
    await e.call("POST", "/v2/agent_aliases/talk/sessions", { key: "t1" });
    const r = await e.call("POST", "/v2/agent_aliases/talk/sessions/t1/events", {
      type: "input_message",
      messages: [
        { type: "text", content: "hi" },
        { type: "text", content: "there" },
      ],
    });
    expect(r.status).toBe(201);
    const body = eventsCreatedSchema.parse(r.body);
    expect(body.session_key).toBe("t1");
    expect(body.events.map((ev) => ev.type)).toEqual(["input_message", "agent_output"]);
    for (const ev of body.events) {
      expect(ev.id).toMatch(/^aev_[0-9a-f]+$/);
      expect(ev).toMatchObject({
        session_key: "t1",
        agent_key: "support-v2",
        created_at: "2026-06-02T10:35:00.000Z",
      });
    }
    expect(body.events[1]).toMatchObject({ type: "agent_output", content: "[support-v2] echo: hi\nthere" });

    const viaAgent = await e.call("POST", "/v2/agents/support-v2/sessions/t1/events", hi);
    expect(viaAgent.status).toBe(201);
    const list = eventListSchema.parse(
      (await e.call("GET", "/v2/agents/support-v2/sessions/t1/events")).body,
    );
    expect(list.events).toHaveLength(4);
    expect(list.events.slice(0, 2)).toEqual(body.events);
    const same = (await e.call("GET", "/v2/agent_aliases/talk/sessions/t1/events")).body;
    expect(same.events).toEqual(list.events);
  });

  it("400 for a bad event body, 404 for a missing session", async () => {
    const bad = await e.call("POST", "/v2/agent_aliases/talk/sessions/t1/events", {
      type: "output",
      messages: [{ type: "image", content: 1 }],
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.field_errors).sort()).toEqual([
      "messages[0].content",
      "messages[0].type",
      "type",
    ]);
    const empty = await e.call("POST", "/v2/agent_aliases/talk/sessions/t1/events", {
      type: "input_message",
      messages: [],
    });
    expect(empty.body.field_errors).toEqual({ messages: "messages: at least one message is required" });
    const missing = await e.call("POST", "/v2/agent_aliases/talk/sessions/nope/events", hi);
    expect(missing.status).toBe(404);
    expect(missing.body.messages).toEqual(["Alias or session not found"]);
    expect((await e.call("GET", "/v2/agents/support-v1/sessions/t1/events")).status).toBe(404);
  });
});

describe("GET /_emulator/stats", () => {
  it("counts sessions per alias, per resolved agent and per rule, and they add up", async () => {
    const policy = {
      type: "routed",
      rules: [
        {
          match: "get('$.session.metadata.tenant') == 'eu'",
          targets: { type: "single", agent_key: "support-eu" },
        },
        {
          targets: {
            type: "weighted",
            partition_by: "get('$.session.metadata.user_id', '')",
            options: [
              { agent_key: "support-v1", weight: 50 },
              { agent_key: "support-v2", weight: 50 },
            ],
          },
        },
      ],
    };
    await e.call("POST", "/v2/agent_aliases", { key: "stats", name: "Stats", policy });
    const agents: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const r = await e.call("POST", "/v2/agent_aliases/stats/sessions", {
        metadata: { user_id: `u${i}`, tenant: i < 10 ? "eu" : "us" },
      });
      agents[r.body.agent_key] = (agents[r.body.agent_key] ?? 0) + 1;
    }
    await e.call(
      "DELETE",
      "/v2/agent_aliases/stats/sessions/" +
        (await e.call("GET", "/v2/agent_aliases/stats/sessions")).body.sessions[0].key,
    );
    const stats = emulatorStatsSchema.parse((await e.call("GET", "/_emulator/stats")).body);
    const s = stats.aliases.stats!;
    expect(s.sessions).toBe(40);
    expect(s.agents).toEqual(agents);
    expect(s.rules["1"]).toEqual({ sessions: 10, agents: { "support-eu": 10 } });
    expect(s.rules["2"]!.sessions).toBe(30);
    expect(Object.values(s.rules["2"]!.agents).reduce((a, b) => a + b, 0)).toBe(30);
    expect(stats.sessions.created).toBe(stats.sessions.through_aliases + stats.sessions.direct);
    expect(Object.values(stats.aliases).reduce((n, a) => n + a.sessions, 0)).toBeLessThanOrEqual(
      stats.sessions.through_aliases,
    );
  });
});
