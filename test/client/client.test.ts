import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAliasClient, type ApiError, isApiError, retryAfterMs } from "../../src/client/index.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { startLossyProxy } from "../helpers/lossy-proxy.js";

let emu: TestEmulator;
let client: AgentAliasClient;
const fast = { baseDelayMs: 5, maxDelayMs: 20, maxTotalMs: 5_000 };

const policy = {
  type: "routed" as const,
  rules: [
    {
      match: "get('$.session.metadata.tenant') == 'eu'",
      targets: { type: "single" as const, agent_key: "c-v2" },
    },
    {
      targets: {
        type: "weighted" as const,
        partition_by: "get('$.session.key')",
        options: [
          { agent_key: "c-v1", weight: 90 },
          { agent_key: "c-v2", weight: 10 },
        ],
      },
    },
  ],
};

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (isApiError(e)) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

beforeAll(async () => {
  emu = await startTestEmulator();
  client = new AgentAliasClient({ baseUrl: emu.url, apiKey: emu.apiKey, retry: fast, env: {} });
  await client.createAgent({ key: "c-v1", name: "Client v1" });
  await client.createAgent({ key: "c-v2", name: "Client v2" });
});
afterAll(() => emu.close());

describe("client against the real emulator", () => {
  it("creates, reads, lists, patches, replaces the policy of and deletes an alias", async () => {
    const created = await client.createAlias({ key: "c-alias", name: "C", policy });
    expect(created).toMatchObject({
      key: "c-alias",
      name: "C",
      description: "",
      enabled: true,
      metadata: {},
      policy,
    });
    expect(await client.getAlias("c-alias")).toEqual(created);
    const patched = await client.patchAlias("c-alias", { description: "d", metadata: { team: "cx" } });
    expect(patched).toMatchObject({
      description: "d",
      metadata: { team: "cx" },
      created_at: created.created_at,
    });
    const replaced = await client.replacePolicy("c-alias", {
      type: "routed",
      rules: [{ targets: { type: "single", agent_key: "c-v1" } }],
    });
    expect(replaced.policy.rules).toHaveLength(1);
    const keys: string[] = [];
    for await (const a of client.allAliases()) keys.push(a.key);
    expect(keys).toContain("c-alias");
    await client.deleteAlias("c-alias");
    expect(await client.findAlias("c-alias")).toBeNull();
  });

  it("routes sessions through an alias and answers events", async () => {
    await client.createAlias({ key: "c-route", name: "R", policy });
    const s = await client.createSession({ aliasKey: "c-route" }, { metadata: { tenant: "eu" } });
    expect(s).toMatchObject({ alias_key: "c-route", agent_key: "c-v2" });
    const ev = await client.createEvent({ aliasKey: "c-route" }, s.key, {
      type: "input_message",
      messages: [{ type: "text", content: "hi" }],
    });
    expect(ev.events).toHaveLength(2);
    expect((await client.getSession({ agentKey: "c-v2" }, s.key)).key).toBe(s.key);
    await client.deleteSession({ aliasKey: "c-route" }, s.key);
  });

  it("maps API errors to codes, keeping status, method, URL, messages and request_id", async () => {
    const missing = await rejection(client.getAlias("nope"));
    expect(missing).toMatchObject({
      code: "not_found",
      status: 404,
      method: "GET",
      url: `${emu.url}/v2/agent_aliases/nope`,
    });
    expect(missing.requestId).toEqual(expect.any(String));
    await client.createAlias({ key: "c-dup", name: "D", policy });
    const dup = await rejection(client.createAlias({ key: "c-dup", name: "D", policy }));
    expect(dup.code).toBe("conflict");
    expect(dup.messages).toEqual(["Alias 'c-dup' already exists"]);
    expect(dup.message).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/v2\/agent_aliases: 409 Alias 'c-dup' already exists \(request_id [^)]+\)$/,
    );
    const unknown = await rejection(
      client.createAlias({
        key: "c-unknown",
        name: "U",
        policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "ghost" } }] },
      }),
    );
    expect(unknown).toMatchObject({
      code: "bad_request",
      messages: ["Alias references unknown agent(s): [ghost]"],
    });
    const invalid = await rejection(
      client.createAlias({
        key: "c-bad",
        name: "B",
        policy: {
          type: "routed",
          rules: [
            { targets: { type: "single", agent_key: "c-v1" } },
            { targets: { type: "single", agent_key: "c-v1" } },
          ],
        },
      }),
    );
    expect(invalid.code).toBe("bad_request");
    expect(invalid.messages).toContain("rule #2 follows a catch-all rule and is unreachable");
    const noKey = new AgentAliasClient({ baseUrl: emu.url, apiKey: "wrong", env: {} });
    expect((await rejection(noKey.getAlias("c-dup"))).code).toBe("unauthorized");
  });

  it("takes its connection from the environment when not given", () => {
    const c = new AgentAliasClient({
      env: { AGENT_ALIAS_API_URL: "http://127.0.0.1:1/", VECTARA_API_KEY: "k" },
    });
    expect([c.baseUrl, c.options.credentials]).toEqual([
      "http://127.0.0.1:1",
      { kind: "api_key", apiKey: "k" },
    ]);
    expect(new AgentAliasClient({ env: {} }).baseUrl).toBe("https://api.vectara.io");
    expect(() => new AgentAliasClient({ baseUrl: "ftp://x", env: {} })).toThrow('invalid API URL "ftp://x"');
  });
});

describe("retries", () => {
  it("retries 503 and 429 with Retry-After until the call gets through", async () => {
    const retries: string[] = [];
    const c = new AgentAliasClient({
      baseUrl: emu.url,
      apiKey: emu.apiKey,
      retry: { ...fast, maxAttempts: 30 },
      env: {},
      onRetry: (i) => retries.push(i.reason),
    });
    await emu.call("PUT", "/_emulator/faults", { rate: 0.5, status: 503, retry_after: 0, seed: 7 });
    try {
      for (let i = 0; i < 20; i++) expect((await c.getAgent("c-v1")).key).toBe("c-v1");
      await emu.call("PUT", "/_emulator/faults", { rate: 0.5, status: 429, retry_after: 0, seed: 8 });
      for (let i = 0; i < 20; i++) await c.createAgent({ key: `c-retry-${i}`, name: "r" });
    } finally {
      await emu.call("PUT", "/_emulator/faults", {});
    }
    expect(retries.filter((r) => r === "503").length).toBeGreaterThan(3);
    expect(retries.filter((r) => r === "429").length).toBeGreaterThan(3);
    const names: string[] = [];
    for await (const a of c.allAgents()) names.push(a.key);
    expect(names.filter((n) => n.startsWith("c-retry-")).sort()).toHaveLength(20);
  });

  it("honours Retry-After", async () => {
    const delays: number[] = [];
    const c = new AgentAliasClient({
      baseUrl: emu.url,
      apiKey: emu.apiKey,
      retry: { ...fast, maxAttempts: 2 },
      env: {},
      onRetry: (i) => delays.push(i.delayMs),
    });
    await emu.call("PUT", "/_emulator/faults", { rate: 1, status: 503, retry_after: 1 });
    try {
      const e = await rejection(c.getAgent("c-v1"));
      expect(e).toMatchObject({ code: "server_error", status: 503, attempts: 2 });
    } finally {
      await emu.call("PUT", "/_emulator/faults", {});
    }
    expect(delays).toEqual([1000]);
    expect(retryAfterMs("2")).toBe(2000);
    expect(retryAfterMs(new Date(Date.now() + 3000).toUTCString())).toBeGreaterThan(1000);
    expect(retryAfterMs("soon")).toBeUndefined();
  });

  it("retries dropped connections of idempotent calls", async () => {
    const c = new AgentAliasClient({
      baseUrl: emu.url,
      apiKey: emu.apiKey,
      retry: { ...fast, maxAttempts: 40 },
      env: {},
    });
    await emu.call("PUT", "/_emulator/faults", { reset: 0.4, seed: 3 });
    try {
      for (let i = 0; i < 15; i++) expect((await c.getAlias("c-dup")).key).toBe("c-dup");
    } finally {
      await emu.call("PUT", "/_emulator/faults", {});
    }
    const stats = (await emu.call("GET", "/_emulator/stats")).body;
    expect(stats.faults.reset).toBeGreaterThan(0);
  });

  it("gives up after the bounded number of attempts, naming the last error", async () => {
    const c = new AgentAliasClient({
      baseUrl: emu.url,
      apiKey: emu.apiKey,
      retry: { ...fast, maxAttempts: 3 },
      env: {},
    });
    await emu.call("PUT", "/_emulator/faults", { rate: 1, status: 503, retry_after: 0 });
    try {
      const e = await rejection(c.getAgent("c-v1"));
      expect(e.attempts).toBe(3);
      expect(e.message).toMatch(/GET .*\/v2\/agents\/c-v1: 503 .* after 3 attempts$/);
    } finally {
      await emu.call("PUT", "/_emulator/faults", {});
    }
  });

  it("gives up when the total time budget is spent", async () => {
    const c = new AgentAliasClient({
      baseUrl: emu.url,
      apiKey: emu.apiKey,
      retry: { baseDelayMs: 50, maxDelayMs: 50, maxAttempts: 1000, maxTotalMs: 300 },
      env: {},
    });
    await emu.call("PUT", "/_emulator/faults", { rate: 1, status: 429, retry_after: 0 });
    try {
      const e = await rejection(c.getAgent("c-v1"));
      expect(e.code).toBe("rate_limited");
      expect(e.attempts).toBeLessThan(1000);
    } finally {
      await emu.call("PUT", "/_emulator/faults", {});
    }
  });

  it("a connection refused is a network error after the retries", async () => {
    const c = new AgentAliasClient({
      baseUrl: "http://127.0.0.1:9",
      apiKey: "k",
      retry: { ...fast, maxAttempts: 2 },
      env: {},
    });
    const e = await rejection(c.getAgent("x"));
    expect(e).toMatchObject({ code: "network", attempts: 2 });
  });

  it("times out a call that gets no answer", async () => {
    const c = new AgentAliasClient({
      baseUrl: emu.url,
      apiKey: emu.apiKey,
      timeoutMs: 100,
      retry: { ...fast, maxAttempts: 1 },
      env: {},
    });
    await emu.call("PUT", "/_emulator/faults", { latency_ms: 1000 });
    try {
      expect((await rejection(c.getAgent("c-v1"))).code).toBe("timeout");
    } finally {
      await emu.call("PUT", "/_emulator/faults", {});
    }
  });
});

describe("keyed creates after a lost answer", () => {
  it("a 409 on retry that reads back as our own write is success, and nothing is duplicated", async () => {
    const proxy = await startLossyProxy(emu.url, ({ method, index }) => method === "POST" && index === 0);
    try {
      const c = new AgentAliasClient({ baseUrl: proxy.url, apiKey: emu.apiKey, retry: fast, env: {} });
      const alias = await c.createAlias({ key: "c-lost", name: "Lost answer", policy });
      expect(alias.key).toBe("c-lost");
      expect(proxy.seen).toEqual([
        "POST /v2/agent_aliases",
        "POST /v2/agent_aliases",
        "GET /v2/agent_aliases/c-lost",
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("a 409 on retry for an alias that differs from ours stays a conflict", async () => {
    await client.createAlias({ key: "c-theirs", name: "Someone else's", policy });
    const proxy = await startLossyProxy(emu.url, ({ method, index }) => method === "POST" && index === 0);
    try {
      const c = new AgentAliasClient({ baseUrl: proxy.url, apiKey: emu.apiKey, retry: fast, env: {} });
      const e = await rejection(c.createAlias({ key: "c-theirs", name: "Mine", policy }));
      expect(e.code).toBe("conflict");
    } finally {
      await proxy.close();
    }
  });

  it("a keyless session create is not repeated after a lost answer", async () => {
    await client.createAlias({ key: "c-sess", name: "S", policy });
    const proxy = await startLossyProxy(emu.url, ({ method }) => method === "POST");
    try {
      const c = new AgentAliasClient({ baseUrl: proxy.url, apiKey: emu.apiKey, retry: fast, env: {} });
      expect((await rejection(c.createSession({ aliasKey: "c-sess" }))).code).toBe("network");
      expect(proxy.seen).toEqual(["POST /v2/agent_aliases/c-sess/sessions"]);
    } finally {
      await proxy.close();
    }
  });
});
