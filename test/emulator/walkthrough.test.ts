/**
 * The guides' walk-through as one scenario against a seeded emulator: a direct alias, a
 * 90/10 canary, tenant routing in front of the canary, and verification of every session
 * and of the statistics. The split is judged by the emulator's own stats, within tolerance.
 */
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorStatsSchema } from "../../src/wire/index.js";
import { type Json, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const SEED = fileURLToPath(new URL("../fixtures/seed/walkthrough.yaml", import.meta.url));
const USERS = 2000;
const TOLERANCE = 0.02;

let e: TestEmulator;
beforeAll(async () => {
  e = await startTestEmulator({ seed: SEED });
});
afterAll(async () => {
  await e.close();
});

const canary = (v1: number, v2: number) => ({
  type: "weighted",
  partition_by: "get('$.session.metadata.user_id')",
  options: [
    { agent_key: "support-v1", weight: v1 },
    { agent_key: "support-v2", weight: v2 },
  ],
});

const say = async (session: Json, text: string): Promise<string> => {
  const r = await e.call("POST", `/v2/agent_aliases/support/sessions/${session.key}/events`, {
    type: "input_message",
    messages: [{ type: "text", content: text }],
  });
  expect(r.status).toBe(201);
  // The first input starts the session (API.md: `unstarted`, then `running`).
  session.status = "running";
  return r.body.events[1].content;
};

describe("walk-through: direct alias -> canary 90/10 -> tenant routing -> verify", () => {
  const created: Json[] = [];
  const canaryAgentOf = new Map<string, string>();

  it("0. the seed created the agents and the direct alias", async () => {
    const alias = await e.call("GET", "/v2/agent_aliases/support");
    expect(alias.status).toBe(200);
    expect(alias.body).toMatchObject({ name: "Customer Support", enabled: true, metadata: { team: "cx" } });
    expect(alias.body.policy.rules).toEqual([{ targets: { type: "single", agent_key: "support-v1" } }]);
    const agents = (await e.call("GET", "/v2/agents")).body.agents.map((a: Json) => a.key);
    expect(agents).toEqual(["support-v1", "support-v2", "support-eu"]);
  });

  it("1. direct alias: every session goes to support-v1, which answers", async () => {
    const r = await e.call("POST", "/v2/agent_aliases/support/sessions", {
      name: "Support conversation",
      metadata: { user_id: "user-direct" },
    });
    expect(r.status).toBe(201);
    expect(r.body.key).toMatch(/^ase_support_conversation_[0-9a-f]{4}$/);
    expect(r.body.agent_key).toBe("support-v1");
    expect(await say(r.body, "hi")).toBe("[support-v1] echo: hi");
    created.push(r.body);
  });

  it("2. canary 90/10: about 10% of users reach support-v2, each user always the same agent", async () => {
    const put = await e.call("PUT", "/v2/agent_aliases/support/policy", {
      policy: { type: "routed", rules: [{ targets: canary(90, 10) }] },
    });
    expect(put.status).toBe(200);
    const before = emulatorStatsSchema.parse((await e.call("GET", "/_emulator/stats")).body).aliases.support!;
    for (let i = 0; i < USERS; i++) {
      const r = await e.call("POST", "/v2/agent_aliases/support/sessions", {
        metadata: { user_id: `user-${i}` },
      });
      expect(r.status).toBe(201);
      canaryAgentOf.set(`user-${i}`, r.body.agent_key);
      created.push(r.body);
    }
    const after = emulatorStatsSchema.parse((await e.call("GET", "/_emulator/stats")).body).aliases.support!;
    const v2 = (after.agents["support-v2"] ?? 0) - (before.agents["support-v2"] ?? 0);
    const v1 = (after.agents["support-v1"] ?? 0) - (before.agents["support-v1"] ?? 0);
    expect(v1 + v2).toBe(USERS);
    expect(Math.abs(v2 / USERS - 0.1)).toBeLessThanOrEqual(TOLERANCE);
    expect([...canaryAgentOf.values()].filter((a) => a === "support-v2")).toHaveLength(v2);

    // Sticky: a returning user gets the same agent.
    for (const user of ["user-1", "user-42", "user-1999"]) {
      const again = await e.call("POST", "/v2/agent_aliases/support/sessions", {
        metadata: { user_id: user },
      });
      expect(again.body.agent_key).toBe(canaryAgentOf.get(user));
      created.push(again.body);
    }
    // The canary answers as itself.
    const onV2 = created.find((s) => s.agent_key === "support-v2");
    expect(await say(onV2, "hello")).toBe("[support-v2] echo: hello");
  });

  it("3. tenant routing: EU tenants go to support-eu, everyone else stays on their canary agent", async () => {
    const put = await e.call("PUT", "/v2/agent_aliases/support/policy", {
      policy: {
        type: "routed",
        rules: [
          {
            match: "get('$.session.metadata.tenant') == 'eu'",
            targets: { type: "single", agent_key: "support-eu" },
          },
          { targets: canary(90, 10) },
        ],
      },
    });
    expect(put.status).toBe(200);
    for (let i = 0; i < 200; i++) {
      const eu = await e.call("POST", "/v2/agent_aliases/support/sessions", {
        metadata: { user_id: `user-${i}`, tenant: "eu" },
      });
      expect(eu.body.agent_key).toBe("support-eu");
      const us = await e.call("POST", "/v2/agent_aliases/support/sessions", {
        metadata: { user_id: `user-${i}`, tenant: "us" },
      });
      expect(us.body.agent_key).toBe(canaryAgentOf.get(`user-${i}`));
      created.push(eu.body, us.body);
    }
    expect(await say(created.at(-2), "bonjour")).toBe("[support-eu] echo: bonjour");
  });

  it("4. verify: every session kept the agent it was given, and the statistics add up", async () => {
    const listed = new Map<string, Json>();
    let pageKey: string | undefined;
    do {
      const r = await e.call(
        "GET",
        `/v2/agent_aliases/support/sessions?limit=100${pageKey ? `&page_key=${pageKey}` : ""}`,
      );
      for (const s of r.body.sessions) {
        expect(listed.has(s.key)).toBe(false);
        listed.set(s.key, s);
      }
      pageKey = r.body.metadata.page_key;
    } while (pageKey !== undefined);
    expect(listed.size).toBe(created.length);
    for (const s of created) {
      expect(listed.get(s.key)).toEqual(s);
      expect((await e.call("GET", `/v2/agents/${s.agent_key}/sessions/${s.key}`)).body).toEqual(s);
    }

    const stats = emulatorStatsSchema.parse((await e.call("GET", "/_emulator/stats")).body).aliases.support!;
    expect(stats.sessions).toBe(created.length);
    const byAgent: Record<string, number> = {};
    for (const s of created) byAgent[s.agent_key] = (byAgent[s.agent_key] ?? 0) + 1;
    expect(stats.agents).toEqual(byAgent);
    // Rule 1 was the direct target, then the canary, then the EU rule; rule 2 is the canary behind it.
    expect(stats.rules["1"]!.sessions).toBe(1 + USERS + 3 + 200);
    expect(stats.rules["2"]!.sessions).toBe(200);
    expect(stats.rules["2"]!.agents["support-eu"]).toBeUndefined();
    expect(stats.routing_errors).toBe(0);
  });
});
