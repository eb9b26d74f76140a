/** The app object answers without a socket (fastify `inject`), with the same behaviour. */
import { describe, expect, it } from "vitest";
import { createEmulator } from "../../src/emulator/index.js";
import { sessionSchema } from "../../src/wire/index.js";

describe("createEmulator().inject", () => {
  it("serves the API in memory", async () => {
    const emu = await createEmulator({
      apiKey: "k",
      seed: {
        agents: [{ key: "v1", name: "V1" }],
        aliases: [
          {
            key: "support",
            name: "Support",
            policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "v1" } }] },
          },
        ],
      },
    });
    try {
      const r = await emu.inject({
        method: "POST",
        url: "/v2/agent_aliases/support/sessions",
        headers: { "x-api-key": "k" },
        payload: { key: "in-memory" },
      });
      expect(r.statusCode).toBe(201);
      expect(sessionSchema.parse(r.json())).toMatchObject({
        key: "in-memory",
        agent_key: "v1",
        alias_key: "support",
      });
      const denied = await emu.inject({ method: "GET", url: "/v2/agents" });
      expect(denied.statusCode).toBe(401);
    } finally {
      await emu.close();
    }
  });
});
