/**
 * Traces (API.md "Traces", rev.) on the real emulator over loopback: one per answered input,
 * every field of API.md (and the two the emulator adds), the list's filters against a
 * reference filter over every trace, newest-first paging, get by id and its 404, the roles
 * that may read them, and the bound on how many are kept.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { traceListSchema, traceSchema } from "../../src/wire/index.js";
import { callJson, type Json, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const T0 = Date.parse("2026-06-02T10:00:00.000Z");
const clock = { now: T0 };
const input = (content: string) => ({ type: "input_message", messages: [{ type: "text", content }] });
const single = (agent_key: string) => ({
  type: "routed",
  rules: [{ targets: { type: "single", agent_key } }],
});

let e: TestEmulator;
/** Every trace, newest first, as the list answers them. */
let all: Json[];

async function ok(method: string, path: string, body?: unknown, status = 200): Promise<Json> {
  const r = await e.call(method, path, body);
  expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(status);
  return r.body;
}

/** Follows page keys; returns the traces of each page. */
async function walk(query: string, limit?: number): Promise<Json[][]> {
  const pages: Json[][] = [];
  let pageKey: string | undefined;
  do {
    const q = new URLSearchParams(query);
    if (limit !== undefined) q.set("limit", String(limit));
    if (pageKey !== undefined) q.set("page_key", pageKey);
    const body = await ok("GET", `/v2/agent_analytics/traces?${q}`);
    expect(traceListSchema.parse(body)).toEqual(body); // the full form: nothing to normalise
    pages.push(body.traces);
    pageKey = body.metadata.page_key;
    if (pageKey !== undefined) expect(body.traces).toHaveLength(limit ?? 10);
  } while (pageKey !== undefined && pages.length < 1000);
  return pages;
}

beforeAll(async () => {
  clock.now = T0;
  e = await startTestEmulator({
    clock: () => new Date(clock.now),
    randomSeed: 42,
    apiKeys: ["test-key", "viewer-key=viewer", "agent-viewer-key=agent_viewer", "user-key=agent_user"],
    agentProfiles: [
      "ok-agent=errors=0,latency=100ms,tokens=40..60,input_tokens=10",
      "bad-agent=errors=1,error_types=stream_error,latency=normal:500ms",
      "mixed=errors=0.5,error_types=internal:1/context_limit_exceeded:1,latency=50ms..400ms",
    ],
  });
  for (const key of ["ok-agent", "bad-agent", "mixed"])
    await ok("POST", "/v2/agents", { key, name: key }, 201);
  await ok("POST", "/v2/agent_aliases", { key: "front", name: "Front", policy: single("ok-agent") }, 201);
  // 12 inputs through the alias (ok-agent), 6 direct to bad-agent, 12 direct to mixed; a second
  // apart, interleaved, and two inputs in one session of each kind.
  let n = 0;
  const send = async (base: string, session: string, text: string) => {
    clock.now = T0 + 1000 * n++;
    await ok("POST", `${base}/sessions/${session}/events`, input(text), 201);
  };
  for (let i = 0; i < 6; i++) {
    await ok("POST", "/v2/agent_aliases/front/sessions", { key: `f${i}` }, 201);
    await ok("POST", "/v2/agents/bad-agent/sessions", { key: `b${i}` }, 201);
    await ok("POST", "/v2/agents/mixed/sessions", { key: `m${i}` }, 201);
    await send("/v2/agent_aliases/front", `f${i}`, "x".repeat(10 * i + 1));
    await send("/v2/agents/bad-agent", `b${i}`, "hello");
    await send("/v2/agents/mixed", `m${i}`, "hello");
    await send("/v2/agent_aliases/front", `f${i}`, "again");
    await send("/v2/agents/mixed", `m${i}`, "again");
  }
  all = (await walk("", 100)).flat();
});
afterAll(() => e.close());

describe("a trace per answered input", () => {
  it("holds every field of API.md, and the emulator's error_type and alias_key", async () => {
    expect(all).toHaveLength(30);
    for (const t of all) {
      expect(Object.keys(t).sort()).toEqual(
        [
          "trace_id",
          "agent_key",
          "session_key",
          "started_at",
          "duration_ms",
          "status",
          "input_tokens",
          "output_tokens",
          "error_type",
          "alias_key",
        ].sort(),
      );
      expect(t.trace_id).toMatch(/^atr_[0-9a-f]{16}$/);
      expect(t.started_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(["ok", "error"]).toContain(t.status);
      expect(t.error_type === null).toBe(t.status === "ok");
      for (const f of ["duration_ms", "input_tokens", "output_tokens"]) {
        expect(Number.isInteger(t[f]), f).toBe(true);
        expect(t[f]).toBeGreaterThanOrEqual(0);
      }
      expect(traceSchema.parse(t)).toEqual(t);
    }
    expect(new Set(all.map((t) => t.trace_id)).size).toBe(30);
  });

  it("names the session, its agent and the alias it came through; starts when the input was answered", async () => {
    const events = (await ok("GET", "/v2/agent_aliases/front/sessions/f2/events")).events;
    const mine = all.filter((t) => t.session_key === "f2").reverse();
    expect(mine).toHaveLength(2);
    const inputs = events.filter((ev: Json) => ev.type === "input_message");
    expect(mine.map((t) => t.started_at)).toEqual(inputs.map((ev: Json) => ev.created_at));
    for (const t of mine) expect(t).toMatchObject({ agent_key: "ok-agent", alias_key: "front" });
    for (const t of all.filter((x) => x.session_key.startsWith("b"))) {
      expect(t).toMatchObject({ agent_key: "bad-agent", alias_key: null });
    }
  });

  it("follows the agent's profile: status, error type, latency and tokens", () => {
    for (const t of all.filter((x) => x.agent_key === "ok-agent")) {
      expect(t).toMatchObject({ status: "ok", error_type: null, duration_ms: 100 });
      expect(t.output_tokens).toBeGreaterThanOrEqual(40);
      expect(t.output_tokens).toBeLessThanOrEqual(60);
    }
    // input_tokens: the input's characters / 4, rounded up, plus the profile's 10.
    const f3 = all.filter((t) => t.session_key === "f3").reverse();
    expect(f3.map((t) => t.input_tokens)).toEqual([Math.ceil(31 / 4) + 10, Math.ceil(5 / 4) + 10]);
    for (const t of all.filter((x) => x.agent_key === "bad-agent")) {
      expect(t).toMatchObject({
        status: "error",
        error_type: "stream_error",
        duration_ms: 500,
        output_tokens: 0,
        input_tokens: 2,
      });
    }
    const mixed = all.filter((x) => x.agent_key === "mixed");
    expect(new Set(mixed.map((t) => t.error_type))).toEqual(
      new Set([null, "internal", "context_limit_exceeded"]),
    );
  });
});

describe("GET /v2/agent_analytics/traces", () => {
  it("lists newest first, 10 by default; every page key leads on, the last page has none", async () => {
    const times = all.map((t) => Date.parse(t.started_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(all[0].session_key).toBe("m5");
    const pages = await walk("");
    expect(pages.map((p) => p.length)).toEqual([10, 10, 10]);
    expect(pages.flat()).toEqual(all);
    for (const limit of [1, 7, 29, 30, 100]) expect((await walk("", limit)).flat()).toEqual(all);
  });

  /** The filters of API.md, each checked against the same filter over every trace. */
  const at = (s: number) => new Date(T0 + s * 1000).toISOString();
  const cases: [string, (t: Json) => boolean][] = [
    ["agent_key=mixed", (t) => t.agent_key === "mixed"],
    ["agent_key=nobody", () => false],
    ["session_key=m3", (t) => t.session_key === "m3"],
    ["status=ok", (t) => t.status === "ok"],
    ["status=error", (t) => t.status === "error"],
    ["error_type=stream_error", (t) => t.error_type === "stream_error"],
    ["error_type=internal", (t) => t.error_type === "internal"],
    ["error_type=actions_limit_reached", () => false],
    // started_after is inclusive, started_before exclusive
    [`started_after=${at(10)}`, (t) => Date.parse(t.started_at) >= T0 + 10_000],
    [`started_before=${at(10)}`, (t) => Date.parse(t.started_at) < T0 + 10_000],
    [
      `started_after=${at(5)}&started_before=${at(17)}`,
      (t) => Date.parse(t.started_at) >= T0 + 5000 && Date.parse(t.started_at) < T0 + 17_000,
    ],
    // any RFC 3339 form: an offset, no fraction; more digits than milliseconds
    ["started_after=2026-06-02T12:00:20%2B02:00", (t) => Date.parse(t.started_at) >= T0 + 20_000],
    ["started_after=2026-06-02T08:00:19.9999-02:00", (t) => Date.parse(t.started_at) >= T0 + 20_000],
    ["started_before=2026-06-02T10:00:03.0000001Z", (t) => Date.parse(t.started_at) <= T0 + 3000],
    ["started_after=2026-06-02T10:00:03.0000001Z", (t) => Date.parse(t.started_at) > T0 + 3000],
    ["min_duration_ms=500", (t) => t.duration_ms >= 500],
    ["max_duration_ms=100", (t) => t.duration_ms <= 100],
    ["min_duration_ms=101&max_duration_ms=499", (t) => t.duration_ms >= 101 && t.duration_ms <= 499],
    ["min_duration_ms=400&max_duration_ms=100", () => false],
    [
      `agent_key=mixed&status=error&started_after=${at(8)}`,
      (t) => t.agent_key === "mixed" && t.status === "error" && Date.parse(t.started_at) >= T0 + 8000,
    ],
  ];
  it.each(cases)("%s", async (query, keep) => {
    const want = all.filter(keep);
    for (const limit of [2, 100]) {
      const pages = await walk(query, limit);
      expect(pages.flat()).toEqual(want);
    }
  });

  it("refuses bad filters with a 400 naming each", async () => {
    const bad: [string, string][] = [
      ["status=failed", "status"],
      ["error_type=oops", "error_type"],
      ["agent_key=not%20a%20key", "agent_key"],
      ["started_after=yesterday", "started_after"],
      ["started_before=2026-13-01T00:00:00Z", "started_before"],
      ["min_duration_ms=-1", "min_duration_ms"],
      ["max_duration_ms=fast", "max_duration_ms"],
      ["limit=0", "limit"],
      ["limit=101", "limit"],
      ["trace=1", "trace"],
    ];
    for (const [query, field] of bad) {
      const r = await e.call("GET", `/v2/agent_analytics/traces?${query}`);
      expect(r.status, query).toBe(400);
      expect(Object.keys(r.body.field_errors), query).toEqual([field]);
    }
    const sessions = await ok("GET", "/v2/agents/mixed/sessions?limit=1");
    const foreign = await e.call("GET", `/v2/agent_analytics/traces?page_key=${sessions.metadata.page_key}`);
    expect(foreign.status).toBe(400);
    expect(foreign.body.messages).toEqual(["page_key: is not a page key of this list"]);
  });
});

describe("GET /v2/agent_analytics/traces/{trace_id}", () => {
  it("answers each trace as the list does", async () => {
    for (const t of all) expect(await ok("GET", `/v2/agent_analytics/traces/${t.trace_id}`)).toEqual(t);
  });

  it("404 for an id it does not know", async () => {
    const r = await e.call("GET", "/v2/agent_analytics/traces/atr_0000000000000000");
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({
      messages: ["Trace 'atr_0000000000000000' not found"],
      id: "atr_0000000000000000",
    });
    expect(typeof r.body.request_id).toBe("string");
  });
});

describe("who may read traces", () => {
  it("viewer and agent_viewer list and get them; agent_user may not", async () => {
    const id = all[0].trace_id;
    for (const key of ["viewer-key", "agent-viewer-key"]) {
      const list = await callJson(e.url, "GET", "/v2/agent_analytics/traces?limit=3", undefined, {
        "x-api-key": key,
      });
      expect(list.status, key).toBe(200);
      expect(list.body.traces).toEqual(all.slice(0, 3));
      const one = await callJson(e.url, "GET", `/v2/agent_analytics/traces/${id}`, undefined, {
        "x-api-key": key,
      });
      expect(one.body).toEqual(all[0]);
    }
    const refused = await callJson(e.url, "GET", "/v2/agent_analytics/traces", undefined, {
      "x-api-key": "user-key",
    });
    expect(refused.status).toBe(403);
    expect(refused.body.messages).toEqual(["Permissions do not allow listing traces."]);
    const none = await callJson(e.url, "GET", "/v2/agent_analytics/traces", undefined, {});
    expect(none.status).toBe(401);
  });
});

describe("a clock set back", () => {
  it("the list still finds every trace of a window (newest first is then the order recorded)", async () => {
    const c = { now: T0 + 10_000 };
    const b = await startTestEmulator({ clock: () => new Date(c.now) });
    try {
      await b.call("POST", "/v2/agents", { key: "a", name: "a" });
      await b.call("POST", "/v2/agents/a/sessions", { key: "s" });
      for (const at of [10, 5, 12, 3]) {
        c.now = T0 + at * 1000;
        expect((await b.call("POST", "/v2/agents/a/sessions/s/events", input(`${at}`))).status).toBe(201);
      }
      const after = new Date(T0 + 4000).toISOString();
      const r = await b.call("GET", `/v2/agent_analytics/traces?started_after=${after}`);
      expect(r.body.traces.map((t: Json) => Date.parse(t.started_at) - T0)).toEqual([12_000, 5000, 10_000]);
    } finally {
      await b.close();
    }
  });
});

describe("the bound on traces kept", () => {
  it("keeps the newest maxTraces; an evicted trace reads as not found", async () => {
    const b = await startTestEmulator({ maxTraces: 5, randomSeed: 1 });
    try {
      await b.call("POST", "/v2/agents", { key: "a", name: "a" });
      await b.call("POST", "/v2/agents/a/sessions", { key: "s" });
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) {
        expect((await b.call("POST", "/v2/agents/a/sessions/s/events", input(`${i}`))).status).toBe(201);
        const newest = (await b.call("GET", "/v2/agent_analytics/traces?limit=1")).body.traces[0];
        ids.push(newest.trace_id);
      }
      const kept = (await b.call("GET", "/v2/agent_analytics/traces?limit=100")).body.traces;
      expect(kept.map((t: Json) => t.trace_id)).toEqual(ids.slice(3).reverse());
      expect((await b.call("GET", `/v2/agent_analytics/traces/${ids[2]}`)).status).toBe(404);
      expect((await b.call("GET", `/v2/agent_analytics/traces/${ids[3]}`)).status).toBe(200);
      // The session keeps all its events: only traces are bounded here.
      expect((await b.call("GET", "/v2/agents/a/sessions/s/events?limit=100")).body.events).toHaveLength(16);
    } finally {
      await b.close();
    }
  });
});
