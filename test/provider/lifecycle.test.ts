import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AgentAliasClient } from "../../src/client/index.js";
import {
  type AliasInputs,
  type AliasOutputs,
  aliasPolicyProvider,
  aliasProvider,
  PartialFailureError,
  setConnection,
} from "../../src/provider/index.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";
import { type LossyProxy, startLossyProxy } from "../helpers/lossy-proxy.js";
import { aliasInputs, canary } from "../helpers/policies.js";

let emu: TestEmulator;
let proxy: LossyProxy;
let api: AgentAliasClient;
const fast = { baseDelayMs: 5, maxDelayMs: 20, maxTotalMs: 10_000, maxAttempts: 30 };

beforeAll(async () => {
  emu = await startTestEmulator();
  // A counting proxy (it drops nothing) shows exactly which calls the provider makes.
  proxy = await startLossyProxy(emu.url, () => false);
  api = new AgentAliasClient({ baseUrl: emu.url, apiKey: emu.apiKey, env: {} });
  for (const key of ["p-v1", "p-v2", "p-v3"]) await api.createAgent({ key, name: key });
});
afterAll(async () => {
  await proxy.close();
  await emu.close();
});
beforeEach(() => {
  setConnection({ apiUrl: proxy.url, apiKey: emu.apiKey }, { retry: fast, env: {} });
  proxy.seen.length = 0;
});

const inputs = (over: Record<string, unknown> = {}) => aliasInputs(over) as unknown as AliasInputs;

describe("Alias lifecycle against the emulator", () => {
  it("create writes once and returns every field diff compares", async () => {
    const { id, outs } = await aliasProvider.create(inputs({ key: "lc-create", samples: [{ context: {} }] }));
    expect(id).toBe("lc-create");
    expect(outs).toMatchObject({
      key: "lc-create",
      name: "Provider alias",
      description: "",
      enabled: true,
      metadata: {},
      policy: canary(90, 10),
      samples: [{ context: {} }],
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      stateVersion: 1,
    });
    expect(proxy.seen).toEqual(["POST /v2/agent_aliases"]);
    await expect(
      aliasProvider.diff(id, outs, inputs({ key: "lc-create", samples: [{ context: {} }] })),
    ).resolves.toEqual({ changes: false, replaces: [] });
  });

  it("a 409 explains how to adopt; adopt: true takes the alias over and converges it", async () => {
    await api.createAlias({ key: "lc-taken", name: "Made elsewhere", policy: canary(50, 50) });
    await expect(aliasProvider.create(inputs({ key: "lc-taken" }))).rejects.toThrow(
      "Alias 'lc-taken' already exists. To manage it from this stack, set `adopt: true` on the resource (`pulumi import` does not work for dynamic providers; with the native agent-alias provider, `pulumi import agent-alias:index:Alias <name> lc-taken` does)",
    );
    proxy.seen.length = 0;
    const { outs } = await aliasProvider.create(inputs({ key: "lc-taken", adopt: true }));
    expect(outs).toMatchObject({ name: "Provider alias", policy: canary(90, 10), adopt: true });
    expect(proxy.seen).toEqual([
      "POST /v2/agent_aliases",
      "GET /v2/agent_aliases/lc-taken",
      "PUT /v2/agent_aliases/lc-taken/policy",
      "PATCH /v2/agent_aliases/lc-taken",
    ]);
    expect((await api.getAlias("lc-taken")).policy).toEqual(canary(90, 10));
  });

  it("a 409 for an alias identical to ours is our own create whose answer was lost: taken, no write", async () => {
    await api.createAlias({ key: "lc-lost", name: "Provider alias", policy: canary(90, 10) });
    proxy.seen.length = 0;
    const { id, outs } = await aliasProvider.create(inputs({ key: "lc-lost" }));
    expect(id).toBe("lc-lost");
    expect(outs).toMatchObject({ key: "lc-lost", policy: canary(90, 10) });
    expect(proxy.seen).toEqual(["POST /v2/agent_aliases", "GET /v2/agent_aliases/lc-lost"]);
    // One field different (a description it never sent is not compared; a name is): not ours.
    await expect(aliasProvider.create(inputs({ key: "lc-lost", name: "Other name" }))).rejects.toThrow(
      "Alias 'lc-lost' already exists.",
    );
  });

  it("update PATCHes only changed fields and PUTs the policy only when it changed", async () => {
    const { outs } = await aliasProvider.create(inputs({ key: "lc-update" }));
    proxy.seen.length = 0;
    const stage2 = await aliasProvider.update(
      "lc-update",
      outs,
      inputs({ key: "lc-update", policy: canary(80, 20) }),
    );
    expect(proxy.seen).toEqual(["PUT /v2/agent_aliases/lc-update/policy"]);
    expect(stage2.outs!.createdAt).toBe(outs.createdAt);
    proxy.seen.length = 0;
    const renamed = await aliasProvider.update(
      "lc-update",
      stage2.outs!,
      inputs({ key: "lc-update", policy: canary(80, 20), description: "d" }),
    );
    expect(proxy.seen).toEqual(["PATCH /v2/agent_aliases/lc-update"]);
    expect(renamed.outs).toMatchObject({ description: "d", policy: canary(80, 20) });
    proxy.seen.length = 0;
    await aliasProvider.update(
      "lc-update",
      renamed.outs!,
      inputs({ key: "lc-update", policy: canary(80, 20), description: "d", samples: [{ context: {} }] }),
    );
    expect(proxy.seen).toEqual([]);
  });

  it("read sees out-of-band changes and deletions", async () => {
    const { outs } = await aliasProvider.create(
      inputs({ key: "lc-drift", samples: [{ name: "s", context: {} }] }),
    );
    await api.patchAlias("lc-drift", { name: "Changed by hand" });
    await api.replacePolicy("lc-drift", canary(10, 90));
    const read = await aliasProvider.read("lc-drift", outs);
    expect(read.id).toBe("lc-drift");
    expect(read.props).toMatchObject({
      name: "Changed by hand",
      policy: canary(10, 90),
      samples: [{ name: "s", context: {} }],
    });
    const d = await aliasProvider.diff(
      "lc-drift",
      read.props!,
      inputs({ key: "lc-drift", samples: [{ name: "s", context: {} }] }),
    );
    expect(d).toEqual({ changes: true, replaces: [] });
    await api.deleteAlias("lc-drift");
    expect(await aliasProvider.read("lc-drift", outs)).toEqual({});
  });

  it("delete removes the alias; a 404 is success", async () => {
    const { outs } = await aliasProvider.create(inputs({ key: "lc-delete" }));
    await aliasProvider.delete("lc-delete", outs);
    expect(await api.findAlias("lc-delete")).toBeNull();
    await expect(aliasProvider.delete("lc-delete", outs)).resolves.toBeUndefined();
  });

  it("check reports unknown agents with the API's message when credentials are available (path in the reason, for the engine)", async () => {
    const r = await aliasProvider.check(
      {} as AliasOutputs,
      inputs({ policy: canary(1, 1, ["p-v1", "ghost-agent"]) }),
    );
    expect(r.failures).toEqual([
      { property: "", reason: "policy: Alias references unknown agent(s): [ghost-agent]" },
    ]);
  });

  it("check asks about each existing agent once per process, and about missing ones every time", async () => {
    await aliasProvider.check({} as AliasOutputs, inputs({ policy: canary(1, 1, ["p-v1", "p-v3"]) }));
    proxy.seen.length = 0;
    for (let i = 0; i < 5; i++)
      await aliasProvider.check({} as AliasOutputs, inputs({ policy: canary(1, 1, ["p-v1", "p-v3"]) }));
    expect(proxy.seen).toEqual([]);
    await aliasProvider.check({} as AliasOutputs, inputs({ policy: canary(1, 1, ["p-v1", "ghost-2"]) }));
    await aliasProvider.check({} as AliasOutputs, inputs({ policy: canary(1, 1, ["p-v1", "ghost-2"]) }));
    expect(proxy.seen).toEqual(["GET /v2/agents/ghost-2", "GET /v2/agents/ghost-2"]);
  });

  it("a refused policy is written first, so a failed update leaves the alias as it was", async () => {
    const { outs } = await aliasProvider.create(inputs({ key: "lc-first" }));
    const next = inputs({ key: "lc-first", name: "New name", policy: canary(1, 1, ["p-v1", "ghost"]) });
    proxy.seen.length = 0;
    const e = await aliasProvider.update("lc-first", outs, next).then(
      () => expect.unreachable(),
      (err: unknown) => err as Error,
    );
    expect(e).not.toBeInstanceOf(PartialFailureError);
    expect(e.message).toBe(
      "replacing the policy of alias 'lc-first': 400 Alias references unknown agent(s): [ghost]\n  policy.rules[0].targets.agent_key: unknown agent 'ghost'",
    );
    expect(proxy.seen).toEqual(["PUT /v2/agent_aliases/lc-first/policy"]);
    expect(await api.getAlias("lc-first")).toMatchObject({ name: "Provider alias", policy: canary(90, 10) });
  });

  it("a failure after the alias changed keeps the id and the properties as they now are", async () => {
    const { outs } = await aliasProvider.create({
      ...inputs({ key: "lc-half" }),
      __provider: "serialized",
    } as AliasInputs);
    // The policy lands, then the PATCH is refused (a name the API does not take).
    const next = inputs({ key: "lc-half", name: "n".repeat(101), policy: canary(80, 20) });
    try {
      await aliasProvider.update("lc-half", outs, { ...next, __provider: "serialized" } as AliasInputs);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PartialFailureError);
      const p = e as PartialFailureError;
      expect(p.id).toBe("lc-half");
      expect(p.message).toBe(
        "updating alias 'lc-half': 400 name: must be at most 100 characters\n  name: must be at most 100 characters",
      );
      expect(p.properties).toMatchObject({
        key: "lc-half",
        name: "Provider alias",
        policy: canary(80, 20),
        __provider: "serialized",
      });
    }
    expect((await api.getAlias("lc-half")).policy).toEqual(canary(80, 20));
  });

  it("state written by an earlier version is read, diffed and deleted", async () => {
    await api.createAlias({ key: "lc-old", name: "Provider alias", policy: canary(90, 10) });
    const v0 = {
      key: "lc-old",
      name: "Provider alias",
      policy: canary(90, 10),
      created_at: "2025-01-01T00:00:00.000Z",
    } as unknown as AliasOutputs;
    expect(await aliasProvider.diff("lc-old", v0, inputs({ key: "lc-old" }))).toEqual({
      changes: false,
      replaces: [],
    });
    const read = await aliasProvider.read("lc-old", v0);
    expect(read.props).toMatchObject({ key: "lc-old", stateVersion: 1, samples: [] });
    proxy.seen.length = 0;
    await aliasProvider.update("lc-old", v0, inputs({ key: "lc-old", enabled: false }));
    expect(proxy.seen).toEqual(["PATCH /v2/agent_aliases/lc-old"]);
    await aliasProvider.delete("lc-old", v0);
    expect(await api.findAlias("lc-old")).toBeNull();
  });

  it("converges through 503s, 429s and dropped connections", async () => {
    await emu.call("PUT", "/_emulator/faults", {
      rate: 0.3,
      status: 503,
      retry_after: 0,
      reset: 0.05,
      seed: 11,
    });
    try {
      const { outs } = await aliasProvider.create(inputs({ key: "lc-faulty" }));
      const up = await aliasProvider.update(
        "lc-faulty",
        outs,
        inputs({ key: "lc-faulty", policy: canary(50, 50), name: "x" }),
      );
      expect(up.outs).toMatchObject({ name: "x", policy: canary(50, 50) });
      await aliasProvider.delete("lc-faulty", up.outs!);
    } finally {
      await emu.call("PUT", "/_emulator/faults", {});
    }
    expect(await api.findAlias("lc-faulty")).toBeNull();
    const stats = (await emu.call("GET", "/_emulator/stats")).body;
    expect(stats.faults.status).toBeGreaterThan(0);
  });

  it("when the API stays down, the error names the last failure", async () => {
    setConnection({ apiUrl: emu.url, apiKey: emu.apiKey }, { retry: { ...fast, maxAttempts: 3 }, env: {} });
    await emu.call("PUT", "/_emulator/faults", { rate: 1, status: 503, retry_after: 0 });
    try {
      await expect(aliasProvider.create(inputs({ key: "lc-down" }))).rejects.toThrow(
        "creating alias 'lc-down': 503 Service unavailable (injected fault) (after 3 attempts)",
      );
    } finally {
      await emu.call("PUT", "/_emulator/faults", {});
    }
  });
});

describe("AliasPolicy lifecycle against the emulator", () => {
  it("takes over the policy of an existing alias and restores it on delete", async () => {
    await api.createAlias({ key: "lc-owned", name: "Owned elsewhere", policy: canary(100, 0) });
    const { id, outs } = await aliasPolicyProvider.create({ aliasKey: "lc-owned", policy: canary(95, 5) });
    expect(id).toBe("lc-owned");
    expect(outs).toMatchObject({ policy: canary(95, 5), previousPolicy: canary(100, 0) });
    expect((await api.getAlias("lc-owned")).policy).toEqual(canary(95, 5));
    const up = await aliasPolicyProvider.update(id, outs, { aliasKey: "lc-owned", policy: canary(80, 20) });
    expect(up.outs).toMatchObject({ policy: canary(80, 20), previousPolicy: canary(100, 0) });
    await aliasPolicyProvider.delete(id, up.outs!);
    expect((await api.getAlias("lc-owned")).policy).toEqual(canary(100, 0));
  });

  it("fails clearly when the alias does not exist", async () => {
    await expect(aliasPolicyProvider.create({ aliasKey: "lc-none", policy: canary(1, 1) })).rejects.toThrow(
      "Alias 'lc-none' not found: AliasPolicy manages the policy of an alias that already exists",
    );
  });

  it("read reports drift and deletion of the alias", async () => {
    await api.createAlias({ key: "lc-pdrift", name: "x", policy: canary(100, 0) });
    const { outs } = await aliasPolicyProvider.create({ aliasKey: "lc-pdrift", policy: canary(95, 5) });
    await api.replacePolicy("lc-pdrift", canary(50, 50));
    expect((await aliasPolicyProvider.read("lc-pdrift", outs)).props?.policy).toEqual(canary(50, 50));
    await api.deleteAlias("lc-pdrift");
    expect(await aliasPolicyProvider.read("lc-pdrift", outs)).toEqual({});
    await expect(aliasPolicyProvider.delete("lc-pdrift", outs)).resolves.toBeUndefined();
  });
});
