/**
 * The contract (API.md, rev.), field by field: every form an answer may take, fed to the
 * client and to the provider above it from a loopback server that answers as the real API
 * may; and the emulator's own answers held to the same contract.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AgentAliasClient, type ApiError, isApiError } from "../../src/client/index.js";
import { type AliasInputs, aliasProvider, diffAlias, setConnection } from "../../src/provider/index.js";
import { instantOf } from "../../src/wire/index.js";
import { ALIAS_FORMS, COMMON, POLICY, REQUIRED_ONLY } from "../fixtures/alias-forms.js";
import { type ContractServer, startContractServer } from "../helpers/contract-server.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let api: ContractServer;
let client: AgentAliasClient;
const fast = { baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 2_000, maxAttempts: 3 };

beforeAll(async () => {
  api = await startContractServer();
  client = new AgentAliasClient({ baseUrl: api.url, apiKey: "k", retry: fast, env: {} });
});
afterAll(() => api.close());
beforeEach(() => {
  api.reset();
  setConnection({ apiUrl: api.url, apiKey: "k" }, { retry: fast, env: {} });
});

/** What every form reads as, above the wire edge. */
function normalised(form: Record<string, unknown>) {
  return {
    key: "support",
    name: form.name,
    description: typeof form.description === "string" ? form.description : "",
    policy: POLICY,
    enabled: true,
    metadata: form.metadata ?? {},
    created_at: form.created_at,
    ...(typeof form.updated_at === "string" ? { updated_at: form.updated_at } : {}),
  };
}

const inputs = (over: Partial<AliasInputs> = {}) =>
  ({ key: "support", name: "Support", policy: structuredClone(POLICY), ...over }) as unknown as AliasInputs;

/** JSON of a value with undefined members dropped, for comparisons. */
const json = (v: unknown) => JSON.parse(JSON.stringify(v));

describe.each(Object.entries(ALIAS_FORMS))("an alias answered with %s", (_label, form) => {
  it("the client reads it from every call that answers an alias", async () => {
    api.answer("POST /v2/agent_aliases", { status: 201, body: form });
    api.answer("GET /v2/agent_aliases/support", { status: 200, body: form });
    api.answer("PATCH /v2/agent_aliases/support", { status: 200, body: form });
    api.answer("PUT /v2/agent_aliases/support/policy", { status: 200, body: form });
    api.answer(/^GET \/v2\/agent_aliases(\?|$)/, {
      status: 200,
      body: { aliases: [form, form], metadata: {} },
    });
    const want = normalised(form);
    expect(
      json(await client.createAlias({ key: "support", name: "Support", policy: POLICY as never })),
    ).toEqual(want);
    expect(json(await client.getAlias("support"))).toEqual(want);
    expect(json(await client.patchAlias("support", { name: "Support" }))).toEqual(want);
    expect(json(await client.replacePolicy("support", POLICY as never))).toEqual(want);
    expect(json((await client.listAliases()).aliases)).toEqual([want, want]);
    const all = [];
    for await (const a of client.allAliases()) all.push(a);
    expect(json(all)).toEqual([want, want]);
  });

  it("the provider creates, refreshes with no diff, updates, adopts and deletes", async () => {
    api.answer("POST /v2/agent_aliases", { status: 201, body: form });
    api.answer("GET /v2/agent_aliases/support", { status: 200, body: form });
    api.answer("PATCH /v2/agent_aliases/support", (r) => ({
      status: 200,
      body: { ...form, ...(r.body as object) },
    }));
    api.answer("DELETE /v2/agent_aliases/support", { status: 204 });

    const { id, outs } = await aliasProvider.create(inputs());
    expect(id).toBe("support");
    expect(outs).toMatchObject({ description: "", metadata: {}, policy: POLICY, createdAt: form.created_at });
    expect(JSON.stringify(outs)).not.toMatch(/owner|version|pinned|sticky|label|connectors/);

    const read = await aliasProvider.read("support", outs);
    expect(read.id).toBe("support");
    // An unchanged program shows no diff, however the API spelled "none".
    for (const same of [
      inputs(),
      inputs({ description: "" }),
      inputs({ metadata: {} }),
      inputs({ enabled: true }),
    ])
      expect(diffAlias(read.props as never, same as never)).toMatchObject({ changes: false });
    expect(await aliasProvider.diff("support", read.props!, inputs())).toEqual({
      changes: false,
      replaces: [],
    });

    api.seen.length = 0;
    const up = await aliasProvider.update("support", read.props!, inputs({ name: "Support 2" }));
    expect(api.seen.map((r) => `${r.method} ${r.path}`)).toEqual(["PATCH /v2/agent_aliases/support"]);
    expect(api.seen[0]!.body).toEqual({ name: "Support 2" });
    expect(up.outs.name).toBe("Support 2");
    // No answer's addition is ever written back.
    expect(JSON.stringify(api.seen[0]!.body)).not.toMatch(/owner|version|pinned/);

    await aliasProvider.delete("support", up.outs);
  });

  it("adoption reads it and converges it with the fewest calls", async () => {
    api.answer("POST /v2/agent_aliases", {
      status: 409,
      body: { messages: ["Alias 'support' already exists"] },
    });
    api.answer("GET /v2/agent_aliases/support", { status: 200, body: { ...form, name: "Made by hand" } });
    api.answer("PATCH /v2/agent_aliases/support", (r) => ({
      status: 200,
      body: { ...form, ...(r.body as object) },
    }));
    const { outs } = await aliasProvider.create(inputs({ adopt: true }));
    expect(api.seen.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v2/agent_aliases",
      "GET /v2/agent_aliases/support",
      "PATCH /v2/agent_aliases/support",
    ]);
    expect(api.seen[2]!.body).toEqual({ name: "Support" });
    expect(outs).toMatchObject({ name: "Support", adopt: true, policy: POLICY });
  });
});

describe("timestamps", () => {
  it("are kept as written and compared as instants", () => {
    const same = [
      "2026-06-02T10:35:00Z",
      "2026-06-02T10:35:00.000Z",
      "2026-06-02T10:35:00.000000Z",
      "2026-06-02T12:35:00+02:00",
      "2026-06-02t06:35:00-04:00",
    ].map(instantOf);
    expect(new Set(same).size).toBe(1);
    expect(same[0]).toBe(Date.parse("2026-06-02T10:35:00.000Z"));
    for (const bad of ["2026-06-02", "2026-06-02T10:35Z", "2026-02-30T00:00:00Z", "2026-06-02T10:35:00+2:00"])
      expect(instantOf(bad), bad).toBeUndefined();
    // Years below 100 are themselves (not 1900 + n); a leap second is the next second.
    expect(instantOf("0050-01-01T00:00:00Z")).not.toBe(instantOf("1950-01-01T00:00:00Z"));
    expect(instantOf("2026-12-31T23:59:60Z")).toBe(Date.parse("2027-01-01T00:00:00Z"));
    expect(instantOf("2024-02-29T00:00:00Z")).toBe(Date.parse("2024-02-29T00:00:00Z"));
  });

  it("a refresh that reads the same instants written another way keeps the state's spelling", async () => {
    api.answer("GET /v2/agent_aliases/support", { status: 200, body: COMMON });
    const first = (await aliasProvider.read("support")).props!;
    api.reset();
    api.answer("GET /v2/agent_aliases/support", {
      status: 200,
      body: { ...COMMON, created_at: "2026-06-02T12:35:00+02:00", updated_at: "2026-06-02T10:36:00Z" },
    });
    const again = (await aliasProvider.read("support", first)).props!;
    expect([again.createdAt, again.updatedAt]).toEqual([COMMON.created_at, COMMON.updated_at]);
  });
});

// ---- lists, sessions, agents ----------------------------------------------------------------

describe("other answers", () => {
  it("the alias list is `aliases`, paged by metadata.page_key", async () => {
    api.answer(/^GET \/v2\/agent_aliases\?/, (r) =>
      r.path.includes("page_key=p2")
        ? { status: 200, body: { aliases: [{ ...REQUIRED_ONLY, key: "b" }], metadata: {} } }
        : { status: 200, body: { aliases: [REQUIRED_ONLY], metadata: { page_key: "p2" } } },
    );
    const keys = [];
    for await (const a of client.allAliases({ enabled: true })) keys.push(a.key);
    expect(keys).toEqual(["support", "b"]);
    expect(api.seen.map((r) => r.path)).toEqual([
      "/v2/agent_aliases?enabled=true&limit=100",
      "/v2/agent_aliases?enabled=true&limit=100&page_key=p2",
    ]);
  });

  const SESSION = {
    key: "ase_1",
    name: "ase_1",
    agent_key: "v2",
    alias_key: "support",
    enabled: true,
    status: "unstarted",
    tti_minutes: 0,
    created_at: "2026-06-02T10:35:00Z",
  };
  const SESSION_FORMS: Record<string, Record<string, unknown>> = {
    "description and metadata absent": SESSION,
    "nullable fields null": { ...SESSION, description: null, metadata: null, current_step_name: null },
    "every field the reference lists": {
      ...SESSION,
      description: "d",
      metadata: { user_id: "u1" },
      status: "running",
      tti_minutes: 30,
      current_step_name: "triage",
      usage: { input_tokens: 10, output_tokens: 20 },
      secrets: { token: "****" },
    },
  };
  it.each(Object.entries(SESSION_FORMS))("a session with %s", async (_l, form) => {
    api.answer("POST /v2/agent_aliases/support/sessions", { status: 201, body: form });
    api.answer("GET /v2/agents/v2/sessions/ase_1", { status: 200, body: { ...form, alias_key: null } });
    const s = await client.createSession({ aliasKey: "support" }, {});
    expect(s).toMatchObject({
      key: "ase_1",
      agent_key: "v2",
      alias_key: "support",
      description: typeof form.description === "string" ? form.description : "",
      metadata: form.metadata ?? {},
    });
    expect(JSON.stringify(s)).not.toContain("usage");
    expect((await client.getSession({ agentKey: "v2" }, "ase_1")).alias_key).toBeNull();
  });

  it("an agent with its real fields and no description", async () => {
    api.answer("GET /v2/agents/v1", {
      status: 200,
      body: {
        key: "v1",
        name: "Support v1",
        enabled: true,
        model: { name: "gpt-x", parameters: { temperature: 0 } },
        tool_configurations: { search: { type: "corpora_search" } },
        first_step: { type: "conversational" },
        created_at: "2026-06-02T10:35:00Z",
      },
    });
    expect(json(await client.getAgent("v1"))).toEqual({
      key: "v1",
      name: "Support v1",
      description: "",
      metadata: {},
      enabled: true,
      created_at: "2026-06-02T10:35:00Z",
    });
  });
});

// ---- errors ---------------------------------------------------------------------------------

describe("error answers", () => {
  const ERRORS: [string, number, Record<string, unknown>, Partial<ApiError>][] = [
    [
      "400 with field_errors and request_id",
      400,
      {
        messages: ["partition_by is required."],
        request_id: "r-1",
        field_errors: { "policy.rules[0]": "x" },
      },
      { code: "bad_request", requestId: "r-1", fieldErrors: { "policy.rules[0]": "x" } },
    ],
    ["400 without request_id", 400, { messages: ["bad"] }, { code: "bad_request", requestId: undefined }],
    [
      "403 without request_id",
      403,
      { messages: ["Permissions do not allow modifying this alias."] },
      { code: "forbidden", requestId: undefined },
    ],
    [
      "404 with id",
      404,
      { messages: ["Alias not found"], id: "support", request_id: "r-2" },
      { code: "not_found" },
    ],
    ["409", 409, { messages: ["Alias 'support' already exists"] }, { code: "conflict" }],
  ];
  it.each(ERRORS)("%s", async (_l, status, body, want) => {
    api.answer("PUT /v2/agent_aliases/support/policy", { status, body });
    const e = await client.replacePolicy("support", POLICY as never).then(
      () => expect.unreachable(),
      (x: unknown) => x as ApiError,
    );
    expect(isApiError(e)).toBe(true);
    expect(e).toMatchObject({ status, messages: body.messages, operation: "aliases.replacePolicy", ...want });
  });

  it("the provider names the call and the roles it needs on a 403, and writes nothing more", async () => {
    api.answer("GET /v2/agent_aliases/support", { status: 200, body: COMMON });
    api.answer("PUT /v2/agent_aliases/support/policy", {
      status: 403,
      body: { messages: ["Permissions do not allow modifying this alias."] },
    });
    const changed = structuredClone(POLICY) as unknown as {
      rules: { targets: { options?: { weight: number }[] } }[];
    };
    changed.rules[1]!.targets.options![0]!.weight = 80;
    changed.rules[1]!.targets.options![1]!.weight = 20;
    const olds = (await aliasProvider.read("support")).props!;
    api.seen.length = 0;
    await expect(
      aliasProvider.update("support", olds, inputs({ name: "Renamed", policy: changed as never })),
    ).rejects.toThrow(
      "replacing the policy of alias 'support' needs agent_administrator, administrator or owner; the API key has been refused (403 Permissions do not allow modifying this alias.)",
    );
    expect(api.seen.map((r) => `${r.method} ${r.path}`)).toEqual(["PUT /v2/agent_aliases/support/policy"]);
  });
});

// ---- the emulator's answers, held to the same contract --------------------------------------

const isRfc3339 = (v: unknown) => typeof v === "string" && instantOf(v) !== undefined;
const isObj = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
const nullable = (v: unknown, ok: (x: unknown) => boolean) => v === undefined || v === null || ok(v);

/** What API.md says an alias answer holds. */
function checkAlias(a: Record<string, unknown>): void {
  expect(typeof a.key).toBe("string");
  expect(typeof a.name).toBe("string");
  expect(isObj(a.policy)).toBe(true);
  expect(typeof a.enabled).toBe("boolean");
  expect(isRfc3339(a.created_at)).toBe(true);
  expect(nullable(a.description, (x) => typeof x === "string")).toBe(true);
  expect(nullable(a.metadata, isObj)).toBe(true);
  expect(nullable(a.updated_at, isRfc3339)).toBe(true);
}

/** What API.md says a session answer holds. */
function checkSession(s: Record<string, unknown>): void {
  for (const k of ["key", "name", "agent_key"]) expect(typeof s[k], k).toBe("string");
  expect(nullable(s.alias_key, (x) => typeof x === "string")).toBe(true);
  expect(nullable(s.description, (x) => typeof x === "string")).toBe(true);
  expect(nullable(s.metadata, isObj)).toBe(true);
  expect(typeof s.enabled).toBe("boolean");
  expect(["unstarted", "running", "stopped"]).toContain(s.status);
  expect(Number.isInteger(s.tti_minutes) && (s.tti_minutes as number) >= 0).toBe(true);
  expect(isRfc3339(s.created_at)).toBe(true);
}

/** What API.md says an error answer holds. */
function checkError(b: Record<string, unknown>): void {
  expect(Array.isArray(b.messages) && (b.messages as unknown[]).every((m) => typeof m === "string")).toBe(
    true,
  );
  expect((b.messages as unknown[]).length).toBeGreaterThan(0);
  expect(nullable(b.request_id, (x) => typeof x === "string")).toBe(true);
  expect(
    nullable(
      b.field_errors,
      (x) => isObj(x) && Object.values(x as object).every((v) => typeof v === "string"),
    ),
  ).toBe(true);
  expect(nullable(b.id, (x) => typeof x === "string")).toBe(true);
}

describe("the emulator's answers", () => {
  let emu: TestEmulator;
  beforeAll(async () => {
    emu = await startTestEmulator({ apiKeys: ["test-key", "dev=agent_developer"] });
    await emu.call("POST", "/v2/agents", { key: "v1", name: "v1" });
    await emu.call("POST", "/v2/agents", { key: "v2", name: "v2" });
  });
  afterAll(() => emu.close());

  it("aliases, lists and sessions hold what the contract says", async () => {
    const created = await emu.call("POST", "/v2/agent_aliases", {
      key: "support",
      name: "Support",
      policy: POLICY,
    });
    expect(created.status).toBe(201);
    checkAlias(created.body);
    checkAlias((await emu.call("GET", "/v2/agent_aliases/support")).body);
    checkAlias((await emu.call("PATCH", "/v2/agent_aliases/support", { description: "d" })).body);
    const put = await emu.call("PUT", "/v2/agent_aliases/support/policy", { policy: POLICY });
    checkAlias(put.body);
    expect(isRfc3339(put.body.updated_at)).toBe(true);
    const list = await emu.call("GET", "/v2/agent_aliases?limit=1");
    expect(Object.keys(list.body).sort()).toEqual(["aliases", "metadata"]);
    for (const a of list.body.aliases) checkAlias(a);
    const s = await emu.call("POST", "/v2/agent_aliases/support/sessions", { metadata: { user_id: "u1" } });
    expect(s.status).toBe(201);
    checkSession(s.body);
    expect(s.body.alias_key).toBe("support");
    const direct = await emu.call("POST", "/v2/agents/v1/sessions", {});
    checkSession(direct.body);
    expect(direct.body.alias_key).toBeNull();
    const sessions = await emu.call("GET", "/v2/agent_aliases/support/sessions");
    for (const x of sessions.body.sessions) checkSession(x);
  });

  it("errors 400, 401, 403, 404 and 409 hold what the contract says", async () => {
    const bad = await emu.call("POST", "/v2/agent_aliases", {
      key: "x",
      name: "x",
      policy: { type: "routed", rules: [] },
    });
    const unauth = await emu.call("GET", "/v2/agents", undefined, { "x-api-key": "stranger" });
    const forbidden = await emu.call("DELETE", "/v2/agent_aliases/support", undefined, {
      "x-api-key": "dev",
    });
    const missing = await emu.call("GET", "/v2/agent_aliases/nobody");
    const taken = await emu.call("POST", "/v2/agents", { key: "v1", name: "v1" });
    expect([bad.status, unauth.status, forbidden.status, missing.status, taken.status]).toEqual([
      400, 401, 403, 404, 409,
    ]);
    for (const r of [bad, unauth, forbidden, missing, taken]) checkError(r.body);
    expect(missing.body.id).toBe("nobody");
    expect(isObj(bad.body.field_errors)).toBe(true);
  });

  it("the client reads every emulator answer (the common form is one of the allowed ones)", async () => {
    const c = new AgentAliasClient({ baseUrl: emu.url, apiKey: "test-key", env: {} });
    await expect(c.getAlias("support")).resolves.toMatchObject({ key: "support", description: "d" });
    await expect(c.listAliases()).resolves.toMatchObject({ aliases: [{ key: "support" }] });
    await expect(
      c.createSession({ aliasKey: "support" }, { metadata: { user_id: "u2" } }),
    ).resolves.toMatchObject({
      alias_key: "support",
    });
    await expect(c.getAgent("v1")).resolves.toMatchObject({ key: "v1", description: "" });
  });
});
