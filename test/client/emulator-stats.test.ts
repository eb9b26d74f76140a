/**
 * `emulatorStats()`: the emulator's usage statistics (API.md "What the emulator adds") through
 * the client, over loopback; an API that answers 404 for them (the real one) is not the
 * emulator: null, not an error; any other failure is the client's error as for any call.
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let emu: TestEmulator;
let notEmulator: Server;
let notEmulatorUrl: string;
let status = 404;
beforeAll(async () => {
  emu = await startTestEmulator({ seed: "examples/quickstart/seed.yaml" });
  notEmulator = createServer((_req, res) =>
    res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ messages: ["no"] })),
  );
  await new Promise<void>((resolve) => notEmulator.listen(0, "127.0.0.1", resolve));
  notEmulatorUrl = `http://127.0.0.1:${(notEmulator.address() as { port: number }).port}`;
});
afterAll(async () => {
  await emu.close();
  await new Promise((resolve) => notEmulator.close(resolve));
});

const client = (baseUrl: string, apiKey: string) =>
  new AgentAliasClient({ baseUrl, apiKey, env: {}, retry: { maxAttempts: 1 } });

describe("emulatorStats", () => {
  it("the emulator's counts: sessions through an alias by agent", async () => {
    const c = client(emu.url, emu.apiKey);
    await c.createAlias({
      key: "stats",
      name: "Stats",
      policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "support-v2" } }] },
    });
    for (let i = 0; i < 3; i++) await c.createSession({ aliasKey: "stats" });
    const stats = await c.emulatorStats();
    expect(stats?.aliases.stats).toMatchObject({
      sessions: 3,
      routing_errors: 0,
      agents: { "support-v2": 3 },
    });
    expect(stats?.sessions.through_aliases).toBe(3);
  });

  it("404 from an API that is not the emulator: null; another failure: the error", async () => {
    status = 404;
    expect(await client(notEmulatorUrl, "k").emulatorStats()).toBeNull();
    status = 403;
    await expect(client(notEmulatorUrl, "k").emulatorStats()).rejects.toMatchObject({ code: "forbidden" });
  });
});
