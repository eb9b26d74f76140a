/**
 * The client's trace calls: `listTraces`, `allTraces` and `getTrace` against the real emulator
 * (filters, paging, a 404 as `not_found`), and against a server that answers in every form
 * API.md (rev.) allows: only the three fields that are always there, `null` for the others,
 * timestamps of any precision and offset, fields added, a status or error type not known
 * today. Everything above the wire edge sees one form.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AgentAliasClient, type ApiError, isApiError } from "../../src/client/index.js";
import { type ContractServer, startContractServer } from "../helpers/contract-server.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const fast = { baseDelayMs: 1, maxDelayMs: 2, maxTotalMs: 2_000, maxAttempts: 3 };

async function rejection(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (isApiError(e)) return e;
    throw e;
  }
  throw new Error("expected the call to fail");
}

describe("against the emulator", () => {
  const T0 = Date.parse("2026-06-02T10:00:00.000Z");
  let now = T0;
  let e: TestEmulator;
  let client: AgentAliasClient;

  beforeAll(async () => {
    e = await startTestEmulator({
      clock: () => new Date(now),
      randomSeed: 4,
      agentProfiles: ["t-v1=errors=0,latency=100ms", "t-v2=errors=1,error_types=internal,latency=300ms"],
    });
    client = new AgentAliasClient({ baseUrl: e.url, apiKey: e.apiKey, retry: fast, env: {} });
    for (const key of ["t-v1", "t-v2"]) await client.createAgent({ key, name: key });
    for (let i = 0; i < 25; i++) {
      now = T0 + i * 1000;
      const agentKey = i % 5 === 0 ? "t-v2" : "t-v1";
      await client.createSession({ agentKey }, { key: `s${i}` });
      await client.createEvent({ agentKey }, `s${i}`, {
        type: "input_message",
        messages: [{ type: "text", content: "hi" }],
      });
    }
  });
  afterAll(() => e.close());

  it("lists a page, newest first, with the next page's key", async () => {
    const page = await client.listTraces({ limit: 4 });
    expect(page.traces.map((t) => t.session_key)).toEqual(["s24", "s23", "s22", "s21"]);
    expect(page.metadata.page_key).toEqual(expect.any(String));
    const next = await client.listTraces({ limit: 4, page_key: page.metadata.page_key! });
    expect(next.traces.map((t) => t.session_key)).toEqual(["s20", "s19", "s18", "s17"]);
  });

  it("walks every page with allTraces, and passes each filter", async () => {
    const all = [];
    for await (const t of client.allTraces()) all.push(t);
    expect(all).toHaveLength(25);
    const errors = [];
    for await (const t of client.allTraces({ agent_key: "t-v2", status: "error", error_type: "internal" }))
      errors.push(t.session_key);
    expect(errors).toEqual(["s20", "s15", "s10", "s5", "s0"]);
    // Instants as a Date or a string in any offset: after is inclusive, before exclusive.
    const window = await client.listTraces({
      started_after: new Date(T0 + 10_000),
      started_before: "2026-06-02T12:00:13+02:00",
      limit: 100,
    });
    expect(window.traces.map((t) => t.session_key)).toEqual(["s12", "s11", "s10"]);
    const slow = await client.listTraces({ min_duration_ms: 200, max_duration_ms: 300, limit: 100 });
    expect(slow.traces).toHaveLength(5);
    expect((await client.listTraces({ session_key: "s7" })).traces.map((t) => t.agent_key)).toEqual(["t-v1"]);
  });

  it("gets one trace; an unknown id is not_found", async () => {
    const [first] = (await client.listTraces({ limit: 1 })).traces;
    expect(await client.getTrace(first!.trace_id)).toEqual(first);
    const err = await rejection(client.getTrace("atr_nope"));
    expect(err.code).toBe("not_found");
    expect(err.status).toBe(404);
    expect(err.operation).toBe("traces.get");
    expect(err.messages).toEqual(["Trace 'atr_nope' not found"]);
  });

  it("a refused filter is a bad_request naming the field", async () => {
    const err = await rejection(client.listTraces({ min_duration_ms: -5 }));
    expect(err.code).toBe("bad_request");
    expect(Object.keys(err.fieldErrors ?? {})).toEqual(["min_duration_ms"]);
  });
});

describe("every form the API may answer", () => {
  let api: ContractServer;
  let client: AgentAliasClient;
  beforeAll(async () => {
    api = await startContractServer();
    client = new AgentAliasClient({ baseUrl: api.url, apiKey: "k", retry: fast, env: {} });
  });
  afterAll(() => api.close());

  const FULL = {
    trace_id: "tr_1",
    agent_key: "support-v2",
    session_key: "ase_x_1c2e",
    started_at: "2026-06-02T10:35:00.123Z",
    duration_ms: 412.5,
    status: "error",
    input_tokens: 12,
    output_tokens: 0,
  };
  const NONE = { agent_key: null, session_key: null, alias_key: null, duration_ms: null, error_type: null };
  const NULL_COUNTS = { input_tokens: null, output_tokens: null };

  it.each([
    ["the fields of API.md", FULL, { ...FULL, alias_key: null, error_type: null }],
    [
      "the emulator's two as well",
      { ...FULL, alias_key: "support", error_type: "llm_generation_error" },
      { ...FULL, alias_key: "support", error_type: "llm_generation_error" },
    ],
    [
      "only what is always there",
      { trace_id: "tr_2", started_at: "2026-06-02T10:35:00Z", status: "ok" },
      { trace_id: "tr_2", started_at: "2026-06-02T10:35:00Z", status: "ok", ...NONE, ...NULL_COUNTS },
    ],
    [
      "null for everything else",
      { trace_id: "tr_3", started_at: "2026-06-02T10:35:00Z", status: "ok", ...NONE, ...NULL_COUNTS },
      { trace_id: "tr_3", started_at: "2026-06-02T10:35:00Z", status: "ok", ...NONE, ...NULL_COUNTS },
    ],
    [
      "a timestamp with an offset and nanoseconds, a status and error type from a later API, added fields",
      {
        ...FULL,
        started_at: "2026-06-02T12:35:00.123456789+02:00",
        status: "cancelled",
        error_type: "quota_exceeded",
        model: "m-7",
        steps: [{ name: "retrieve" }],
      },
      {
        ...FULL,
        started_at: "2026-06-02T12:35:00.123456789+02:00",
        status: "cancelled",
        error_type: "quota_exceeded",
        alias_key: null,
      },
    ],
  ])("%s", async (_label, answered, seen) => {
    api.reset();
    api.answer(/^GET \/v2\/agent_analytics\/traces\?/, {
      status: 200,
      body: { traces: [answered], metadata: {}, total: 1 },
    });
    api.answer(/^GET \/v2\/agent_analytics\/traces\/tr_/, { status: 200, body: answered });
    expect(await client.getTrace(answered.trace_id)).toEqual(seen);
    expect(await client.listTraces({ agent_key: "support-v2" })).toEqual({ traces: [seen], metadata: {} });
  });

  it("sends the query as the API takes it", async () => {
    api.reset();
    api.answer(/^GET \/v2\/agent_analytics\/traces/, { status: 200, body: { traces: [], metadata: {} } });
    await client.listTraces({
      agent_key: "support-v2",
      status: "error",
      started_after: new Date("2026-06-02T10:00:00.000Z"),
      started_before: "2026-06-02T12:30:00+02:00",
      min_duration_ms: 0,
      limit: 100,
      page_key: "abc=",
    });
    const url = new URL(api.seen[0]!.path, "http://x");
    expect(url.pathname).toBe("/v2/agent_analytics/traces");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      agent_key: "support-v2",
      status: "error",
      started_after: "2026-06-02T10:00:00.000Z",
      started_before: "2026-06-02T12:30:00+02:00",
      min_duration_ms: "0",
      limit: "100",
      page_key: "abc=",
    });
    api.answer(/^GET \/v2\/agent_analytics\/traces\//, { status: 200, body: FULL });
    await client.getTrace("tr/1 2");
    expect(api.seen[1]!.path).toBe("/v2/agent_analytics/traces/tr%2F1%202");
  });

  it("refuses an answer without what is always there", async () => {
    api.reset();
    api.answer(/^GET \/v2\/agent_analytics\/traces\//, {
      status: 200,
      body: { trace_id: "tr_4", status: "ok" },
    });
    const err = await rejection(client.getTrace("tr_4"));
    expect(err.code).toBe("invalid_response");
    api.answer(/^GET \/v2\/agent_analytics\/traces\//, {
      status: 200,
      body: { trace_id: "tr_4", status: "ok", started_at: "yesterday" },
    });
    expect((await rejection(client.getTrace("tr_4"))).code).toBe("invalid_response");
  });
});
