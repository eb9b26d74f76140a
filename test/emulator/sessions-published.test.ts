/**
 * Sessions as published (API.md "Sessions", **rev.**): `status`, `tti_minutes` and its expiry
 * on the emulator's clock, masked `secrets`, `PATCH` on both session paths, the session list's
 * `filter`, the tolerant answer schema, and a data file that replays every record type.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { EmulatorOptions } from "../../src/emulator/index.js";
import { readJournal } from "../../src/emulator/journal/index.js";
import { JOURNAL_OPS } from "../../src/emulator/state/records.js";
import { sessionListSchema, sessionSchema } from "../../src/wire/index.js";
import { type Json, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const T0 = Date.parse("2026-06-02T10:00:00.000Z");
const MIN = 60_000;
const hi = { type: "input_message", messages: [{ type: "text", content: "hi" }] };
const single = (agent: string) => ({
  type: "routed",
  rules: [{ targets: { type: "single", agent_key: agent } }],
});

const dirs: string[] = [];
function dataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-published-"));
  dirs.push(dir);
  return join(dir, "state.jsonl");
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** An emulator whose clock reads `clock.now` (ms): tests move time by setting it. */
const clock = { now: T0 };
let e: TestEmulator;

async function start(options: EmulatorOptions = {}): Promise<TestEmulator> {
  const em = await startTestEmulator({ clock: () => new Date(clock.now), ...options });
  return em;
}

/** Agents `a1`, `a2` and the alias `al` (everything to `a1`). */
async function populate(em: TestEmulator): Promise<void> {
  for (const key of ["a1", "a2"])
    expect((await em.call("POST", "/v2/agents", { key, name: key })).status).toBe(201);
  const r = await em.call("POST", "/v2/agent_aliases", { key: "al", name: "Alias", policy: single("a1") });
  expect(r.status).toBe(201);
}

const viaAlias = (k: string) => `/v2/agent_aliases/al/sessions/${k}`;
const viaAgent = (k: string) => `/v2/agents/a1/sessions/${k}`;

/** Every read and write of a session, on both paths: all 404 when it has expired. */
async function statuses(em: TestEmulator, key: string): Promise<number[]> {
  const out: number[] = [];
  for (const p of [viaAlias(key), viaAgent(key)]) {
    out.push((await em.call("GET", p)).status);
    out.push((await em.call("GET", `${p}/events`)).status);
  }
  return out;
}

const listKeys = async (em: TestEmulator, base: string, query = ""): Promise<string[]> => {
  const r = await em.call("GET", `${base}/sessions${query}`);
  expect(r.status).toBe(200);
  return r.body.sessions.map((s: Json) => s.key);
};

describe("sessions as published", () => {
  beforeEach(async () => {
    clock.now = T0;
    e = await start();
    await populate(e);
  });
  afterEach(async () => {
    await e.close();
  });

  describe("status", () => {
    it("is `unstarted` until the first input event, then `running`, on every path and in lists", async () => {
      const created = await e.call("POST", "/v2/agent_aliases/al/sessions", { key: "s1" });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        key: "s1",
        name: "s1",
        description: "",
        agent_key: "a1",
        alias_key: "al",
        metadata: {},
        enabled: true,
        status: "unstarted",
        tti_minutes: 0,
        secrets: {},
        created_at: "2026-06-02T10:00:00.000Z",
      });
      expect((await e.call("GET", viaAgent("s1"))).body.status).toBe("unstarted");
      // A PATCH is not an input.
      expect((await e.call("PATCH", viaAlias("s1"), { name: "renamed" })).body.status).toBe("unstarted");
      expect((await e.call("POST", `${viaAgent("s1")}/events`, hi)).status).toBe(201);
      for (const p of [viaAlias("s1"), viaAgent("s1")])
        expect((await e.call("GET", p)).body.status).toBe("running");
      const list = await e.call("GET", "/v2/agent_aliases/al/sessions");
      expect(list.body.sessions[0].status).toBe("running");
      expect((await e.call("POST", `${viaAlias("s1")}/events`, hi)).status).toBe(201);
      expect((await e.call("GET", viaAlias("s1"))).body.status).toBe("running");
    });

    it("is read-only: a create or PATCH naming it is a 400 naming the field", async () => {
      const c = await e.call("POST", "/v2/agents/a1/sessions", { status: "running" });
      expect(c.status).toBe(400);
      expect(c.body.messages).toEqual(["status: unknown field 'status'"]);
      await e.call("POST", "/v2/agents/a1/sessions", { key: "ro" });
      const p = await e.call("PATCH", viaAgent("ro"), { status: "running" });
      expect(p.status).toBe(400);
      expect(p.body.field_errors).toEqual({ status: "status: unknown field 'status'" });
    });
  });

  describe("tti_minutes", () => {
    it("defaults to 0 (never expires) and is kept as given", async () => {
      const never = await e.call("POST", "/v2/agents/a1/sessions", { key: "never" });
      expect(never.body.tti_minutes).toBe(0);
      const ten = await e.call("POST", "/v2/agent_aliases/al/sessions", { key: "ten", tti_minutes: 10 });
      expect(ten.status).toBe(201);
      expect(ten.body.tti_minutes).toBe(10);
      clock.now = T0 + 365 * 24 * 60 * MIN;
      expect((await e.call("GET", viaAgent("never"))).status).toBe(200);
    });

    it("expires a session once its last activity is more than tti_minutes ago: 404 on every path", async () => {
      await e.call("POST", "/v2/agent_aliases/al/sessions", { key: "short", tti_minutes: 10 });
      await e.call("POST", "/v2/agent_aliases/al/sessions", { key: "keep" });
      clock.now = T0 + 10 * MIN; // exactly at the boundary: not yet
      expect(await statuses(e, "short")).toEqual([200, 200, 200, 200]);
      expect(await listKeys(e, "/v2/agent_aliases/al")).toEqual(["short", "keep"]);
      clock.now = T0 + 10 * MIN + 1;
      expect(await statuses(e, "short")).toEqual([404, 404, 404, 404]);
      const gone = await e.call("GET", viaAlias("short"));
      expect(gone.body.messages).toEqual(["Alias or session not found"]);
      expect((await e.call("GET", viaAgent("short"))).body.messages).toEqual(["Agent or session not found"]);
      expect((await e.call("POST", `${viaAlias("short")}/events`, hi)).status).toBe(404);
      expect((await e.call("PATCH", viaAgent("short"), { name: "x" })).status).toBe(404);
      expect((await e.call("DELETE", viaAlias("short"))).status).toBe(404);
      expect(await listKeys(e, "/v2/agent_aliases/al")).toEqual(["keep"]);
      expect(await listKeys(e, "/v2/agents/a1")).toEqual(["keep"]);
    });

    it("counts an input event and a PATCH as activity", async () => {
      await e.call("POST", "/v2/agents/a1/sessions", { key: "busy", tti_minutes: 5 });
      clock.now = T0 + 4 * MIN;
      expect((await e.call("POST", `${viaAgent("busy")}/events`, hi)).status).toBe(201);
      clock.now = T0 + 9 * MIN; // 9 minutes after creation, 5 after the input
      expect((await e.call("GET", viaAgent("busy"))).status).toBe(200);
      expect((await e.call("PATCH", viaAgent("busy"), { description: "still here" })).status).toBe(200);
      clock.now = T0 + 14 * MIN;
      expect((await e.call("GET", viaAgent("busy"))).status).toBe(200);
      clock.now = T0 + 14 * MIN + 1;
      expect((await e.call("GET", viaAgent("busy"))).status).toBe(404);
    });

    it("reads (GET, lists) are not activity", async () => {
      await e.call("POST", "/v2/agents/a1/sessions", { key: "idle", tti_minutes: 1 });
      clock.now = T0 + MIN;
      expect((await e.call("GET", viaAgent("idle"))).status).toBe(200);
      expect(await listKeys(e, "/v2/agents/a1")).toEqual(["idle"]);
      clock.now = T0 + MIN + 1;
      expect((await e.call("GET", viaAgent("idle"))).status).toBe(404);
    });

    it("a PATCH of tti_minutes moves the deadline (0: never)", async () => {
      await e.call("POST", "/v2/agents/a1/sessions", { key: "p", tti_minutes: 1 });
      clock.now = T0 + 30_000;
      const r = await e.call("PATCH", viaAgent("p"), { tti_minutes: 0 });
      expect(r.status).toBe(200);
      expect(r.body.tti_minutes).toBe(0);
      clock.now = T0 + 100 * MIN;
      expect((await e.call("GET", viaAgent("p"))).status).toBe(200);
      expect((await e.call("PATCH", viaAgent("p"), { tti_minutes: 2 })).body.tti_minutes).toBe(2);
      clock.now = T0 + 102 * MIN + 1;
      expect((await e.call("GET", viaAgent("p"))).status).toBe(404);
    });

    it("frees the key of an expired session, on both paths", async () => {
      await e.call("POST", "/v2/agent_aliases/al/sessions", { key: "reuse", tti_minutes: 1, name: "first" });
      await e.call("POST", `${viaAlias("reuse")}/events`, hi);
      expect((await e.call("POST", "/v2/agents/a1/sessions", { key: "reuse" })).status).toBe(409);
      expect((await e.call("POST", "/v2/agent_aliases/al/sessions", { key: "reuse" })).status).toBe(409);
      clock.now = T0 + 2 * MIN;
      const again = await e.call("POST", "/v2/agent_aliases/al/sessions", { key: "reuse", name: "second" });
      expect(again.status).toBe(201);
      expect(again.body).toMatchObject({ key: "reuse", name: "second", status: "unstarted", tti_minutes: 0 });
      const events = await e.call("GET", `${viaAgent("reuse")}/events`);
      expect(events.body.events).toEqual([]);
      expect(await listKeys(e, "/v2/agents/a1")).toEqual(["reuse"]);
      // Through the agent path too.
      await e.call("POST", "/v2/agents/a2/sessions", { key: "direct", tti_minutes: 1 });
      clock.now = T0 + 4 * MIN;
      expect((await e.call("POST", "/v2/agents/a2/sessions", { key: "direct" })).status).toBe(201);
      expect((await e.call("GET", "/v2/agents/a2/sessions/direct")).body.created_at).toBe(
        "2026-06-02T10:04:00.000Z",
      );
    });

    it("400 naming tti_minutes for a negative, fractional or non-number value", async () => {
      for (const [tti, detail] of [
        [-1, "must be 0 or more (0: never expires)"],
        [1.5, "must be a whole number of minutes (0: never expires)"],
        ["5", "must be a number, got a string"],
      ] as const) {
        for (const [method, path] of [
          ["POST", "/v2/agent_aliases/al/sessions"],
          ["POST", "/v2/agents/a1/sessions"],
        ] as const) {
          const r = await e.call(method, path, { tti_minutes: tti });
          expect(r.status).toBe(400);
          expect(r.body.messages).toEqual([`tti_minutes: ${detail}`]);
          expect(Object.keys(r.body.field_errors)).toEqual(["tti_minutes"]);
        }
      }
      await e.call("POST", "/v2/agents/a1/sessions", { key: "t" });
      const p = await e.call("PATCH", viaAgent("t"), { tti_minutes: -3 });
      expect(p.status).toBe(400);
      expect(p.body.field_errors).toEqual({
        tti_minutes: "tti_minutes: must be 0 or more (0: never expires)",
      });
    });
  });

  describe("secrets", () => {
    it("are answered masked on create, PATCH, GET and list, merged by name, and removed by null", async () => {
      const c = await e.call("POST", "/v2/agent_aliases/al/sessions", {
        key: "sec",
        secrets: { API_TOKEN: "s3cr3t-value", "db-password": "hunter2" },
      });
      expect(c.status).toBe(201);
      expect(c.body.secrets).toEqual({ API_TOKEN: "****", "db-password": "****" });
      const p = await e.call("PATCH", viaAgent("sec"), {
        secrets: { "db-password": null, NEW_ONE: "another-value", API_TOKEN: "rotated" },
      });
      expect(p.status).toBe(200);
      expect(p.body.secrets).toEqual({ API_TOKEN: "****", NEW_ONE: "****" });
      for (const path of [viaAlias("sec"), viaAgent("sec")])
        expect((await e.call("GET", path)).body.secrets).toEqual({ API_TOKEN: "****", NEW_ONE: "****" });
      const list = await e.call("GET", "/v2/agents/a1/sessions");
      expect(list.body.sessions[0].secrets).toEqual({ API_TOKEN: "****", NEW_ONE: "****" });
      // A PATCH without `secrets` keeps them; removing an unknown name is no error.
      expect((await e.call("PATCH", viaAlias("sec"), { name: "n" })).body.secrets).toEqual({
        API_TOKEN: "****",
        NEW_ONE: "****",
      });
      const all = await e.call("PATCH", viaAlias("sec"), {
        secrets: { API_TOKEN: null, NEW_ONE: null, nope: null },
      });
      expect(all.body.secrets).toEqual({});
      // Without secrets the emulator answers `{}`.
      expect((await e.call("POST", "/v2/agents/a1/sessions", {})).body.secrets).toEqual({});
    });

    it("400 naming the secret for a bad name or value", async () => {
      const cases: [unknown, string, string][] = [
        [
          { "bad name": "v" },
          "secrets.bad name",
          "is not a valid secret name (letters, digits, '_' and '-')",
        ],
        [{ ok: "" }, "secrets.ok", "must be 1 to 4096 characters"],
        [{ ok: "x".repeat(4097) }, "secrets.ok", "must be 1 to 4096 characters"],
        [{ ok: 3 }, "secrets.ok", "must be a string, got a number"],
        [["v"], "secrets", "must be an object, got an array"],
      ];
      for (const [secrets, path, detail] of cases) {
        const r = await e.call("POST", "/v2/agents/a1/sessions", { secrets });
        expect(r.status).toBe(400);
        expect(r.body.messages).toEqual([`${path}: ${detail}`]);
        expect(r.body.field_errors).toEqual({ [path]: `${path}: ${detail}` });
      }
      expect(
        (await e.call("POST", "/v2/agents/a1/sessions", { secrets: { ok: "x".repeat(4096) } })).status,
      ).toBe(201);
      // null removes in a PATCH; in a create it is not a value.
      const nul = await e.call("POST", "/v2/agents/a1/sessions", { secrets: { gone: null } });
      expect(nul.status).toBe(400);
      expect(Object.keys(nul.body.field_errors)).toEqual(["secrets.gone"]);
      await e.call("POST", "/v2/agents/a1/sessions", { key: "ps" });
      const bad = await e.call("PATCH", viaAlias("ps"), { secrets: { "bad name": "v" } });
      expect(bad.status).toBe(400);
      expect(bad.body.messages).toEqual([
        "secrets.bad name: is not a valid secret name (letters, digits, '_' and '-')",
      ]);
    });
  });

  describe("PATCH on either session path", () => {
    it("replaces the fields it names (metadata whole) and answers 200 with the session", async () => {
      await e.call("POST", "/v2/agent_aliases/al/sessions", {
        key: "pt",
        name: "Before",
        description: "old",
        metadata: { a: 1, b: 2 },
      });
      const r1 = await e.call("PATCH", viaAlias("pt"), { name: "After", metadata: { c: 3 } });
      expect(r1.status).toBe(200);
      expect(sessionSchema.parse(r1.body)).toEqual(r1.body);
      expect(r1.body).toEqual({
        key: "pt",
        name: "After",
        description: "old",
        agent_key: "a1",
        alias_key: "al",
        metadata: { c: 3 },
        enabled: true,
        status: "unstarted",
        tti_minutes: 0,
        secrets: {},
        created_at: "2026-06-02T10:00:00.000Z",
      });
      const r2 = await e.call("PATCH", viaAgent("pt"), { description: "", enabled: false, tti_minutes: 30 });
      expect(r2.status).toBe(200);
      expect(r2.body).toMatchObject({ name: "After", description: "", enabled: false, tti_minutes: 30 });
      expect((await e.call("GET", viaAlias("pt"))).body).toEqual(r2.body);
      expect((await e.call("GET", viaAgent("pt"))).body).toEqual(r2.body);
      // An empty body changes nothing.
      expect((await e.call("PATCH", viaAgent("pt"), {})).body).toEqual(r2.body);
    });

    it("works on a session made through its agent (alias_key null) via the agent path", async () => {
      await e.call("POST", "/v2/agents/a2/sessions", { key: "ag" });
      const r = await e.call("PATCH", "/v2/agents/a2/sessions/ag", { name: "Agent made" });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ key: "ag", name: "Agent made", alias_key: null, agent_key: "a2" });
      // Not reachable through an alias it was not made through.
      expect((await e.call("PATCH", viaAlias("ag"), { name: "x" })).status).toBe(404);
    });

    it("404 as the GETs do; 400 naming bad fields", async () => {
      for (const [path, message] of [
        ["/v2/agent_aliases/al/sessions/missing", "Alias or session not found"],
        ["/v2/agent_aliases/nope/sessions/missing", "Alias or session not found"],
        ["/v2/agents/a1/sessions/missing", "Agent or session not found"],
        ["/v2/agents/nope/sessions/missing", "Agent or session not found"],
      ]) {
        const r = await e.call("PATCH", path!, { name: "x" });
        expect(r.status).toBe(404);
        expect(r.body.messages).toEqual([message]);
      }
      await e.call("POST", "/v2/agent_aliases/al/sessions", { key: "pb" });
      const bad = await e.call("PATCH", viaAlias("pb"), {
        name: "",
        enabled: "yes",
        metadata: [],
        key: "other",
        agent_key: "a2",
      });
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.body.field_errors).sort()).toEqual([
        "agent_key",
        "enabled",
        "key",
        "metadata",
        "name",
      ]);
      expect(bad.body.field_errors.key).toBe("key: unknown field 'key'");
      expect(bad.body.field_errors.enabled).toBe("enabled: must be a boolean, got a string");
      const notObject = await e.call("PATCH", viaAlias("pb"), [1]);
      expect(notObject.status).toBe(400);
      expect(notObject.body.messages).toEqual(["body: must be a JSON object"]);
      // Nothing changed.
      expect((await e.call("GET", viaAlias("pb"))).body.name).toBe("pb");
    });
  });

  describe("create bodies", () => {
    it("accept enabled, tti_minutes and secrets on both paths; unknown fields stay a 400 naming them", async () => {
      for (const path of ["/v2/agent_aliases/al/sessions", "/v2/agents/a1/sessions"]) {
        const r = await e.call("POST", path, { enabled: false, tti_minutes: 3, secrets: { K: "v" } });
        expect(r.status).toBe(201);
        expect(r.body).toMatchObject({
          enabled: false,
          tti_minutes: 3,
          secrets: { K: "****" },
          status: "unstarted",
        });
        const u = await e.call("POST", path, { tti_minutes: 3, ttl: 5 });
        expect(u.status).toBe(400);
        expect(u.body.messages).toEqual(["ttl: unknown field 'ttl'"]);
      }
    });
  });

  describe("session list filter", () => {
    it("matches name or description, with limit and page_key, on both paths", async () => {
      const sessions = [
        { key: "f1", name: "Support chat", description: "" },
        { key: "f2", name: "Billing", description: "support for invoices" },
        { key: "f3", name: "Sales", description: "" },
        { key: "f4", name: "Support mail", description: "" },
      ];
      for (const s of sessions) await e.call("POST", "/v2/agent_aliases/al/sessions", s);
      for (const base of ["/v2/agent_aliases/al", "/v2/agents/a1"]) {
        expect(await listKeys(e, base, "?filter=Support")).toEqual(["f1", "f4"]);
        expect(await listKeys(e, base, "?filter=%5BSs%5Dupport")).toEqual(["f1", "f2", "f4"]);
        expect(await listKeys(e, base, "?filter=%5ESales%24")).toEqual(["f3"]);
        expect(await listKeys(e, base, "?filter=nothing")).toEqual([]);
        const p1 = await e.call("GET", `${base}/sessions?filter=%5BSs%5Dupport&limit=2`);
        expect(sessionListSchema.parse(p1.body).sessions.map((s) => s.key)).toEqual(["f1", "f2"]);
        const next = p1.body.metadata.page_key;
        expect(typeof next).toBe("string");
        const p2 = await e.call("GET", `${base}/sessions?filter=%5BSs%5Dupport&limit=2&page_key=${next}`);
        expect(p2.body.sessions.map((s: Json) => s.key)).toEqual(["f4"]);
        expect(p2.body.metadata).toEqual({});
      }
    });

    it("400 naming filter for a bad regular expression, and unknown query fields", async () => {
      const bad = await e.call("GET", "/v2/agents/a1/sessions?filter=(");
      expect(bad.status).toBe(400);
      expect(Object.keys(bad.body.field_errors)).toEqual(["filter"]);
      expect(bad.body.messages[0]).toMatch(/^filter: is not a valid regular expression/);
      const slow = await e.call("GET", "/v2/agent_aliases/al/sessions?filter=(a)%5C1");
      expect(slow.status).toBe(400);
      expect(Object.keys(slow.body.field_errors)).toEqual(["filter"]);
      const unknown = await e.call("GET", "/v2/agents/a1/sessions?enabled=true");
      expect(unknown.status).toBe(400);
      expect(unknown.body.messages).toEqual(["enabled: unknown field 'enabled'"]);
    });
  });
});

describe("sessionSchema: every allowed answer form", () => {
  const base = {
    key: "s",
    name: "S",
    agent_key: "a1",
    enabled: true,
    created_at: "2024-01-15T10:30:00Z",
  };
  it("reads null or absent description, metadata, alias_key and current_step_name", () => {
    for (const v of [null, undefined]) {
      const form: Record<string, unknown> = { ...base };
      if (v === null)
        Object.assign(form, { description: null, metadata: null, alias_key: null, current_step_name: null });
      const s = sessionSchema.parse(form);
      expect(s).toEqual({ ...base, description: "", metadata: {}, alias_key: null });
      expect("current_step_name" in s ? s.current_step_name : undefined).toBeUndefined();
    }
  });
  it("keeps status and tti_minutes when given, any status string, and drops unknown fields", () => {
    const s = sessionSchema.parse({
      ...base,
      description: "d",
      alias_key: "al",
      metadata: { x: 1 },
      status: "stopped",
      tti_minutes: 15,
      current_step_name: "greeting",
      secrets: { K: "****" },
      some_new_field: { deep: true },
    });
    expect(s).toEqual({
      ...base,
      description: "d",
      alias_key: "al",
      metadata: { x: 1 },
      status: "stopped",
      tti_minutes: 15,
      current_step_name: "greeting",
      secrets: { K: "****" },
    });
    expect(sessionSchema.parse({ ...base, status: "paused_by_new_feature" }).status).toBe(
      "paused_by_new_feature",
    );
    expect(sessionSchema.parse({ ...base, secrets: null }).secrets).toBeUndefined();
  });
});

describe("--data: expiry and PATCH survive a restart", () => {
  it("writes every record type, replays them, and answers the same", async () => {
    const file = dataFile();
    clock.now = T0;
    let em = await start({ dataFile: file });
    await populate(em);
    await em.call("POST", "/v2/agents", { key: "tmp", name: "tmp" }); // agent.put
    await em.call("PATCH", "/v2/agents/a2", { description: "patched" }); // agent.put
    await em.call("POST", "/v2/agent_aliases", { key: "tmp-alias", name: "T", policy: single("a2") });
    await em.call("DELETE", "/v2/agent_aliases/tmp-alias"); // alias.delete
    await em.call("DELETE", "/v2/agents/tmp"); // agent.delete
    const secret = "a-value-that-must-never-reach-the-disk";
    await em.call("POST", "/v2/agent_aliases/al/sessions", {
      key: "s1",
      tti_minutes: 10,
      secrets: { TOKEN: secret },
      metadata: { m: 1 },
    });
    await em.call("POST", "/v2/agents/a2/sessions", { key: "s2", tti_minutes: 1 });
    await em.call("POST", "/v2/agents/a1/sessions", { key: "s3" });
    await em.call("POST", "/v2/agent_aliases/al/sessions", { key: "s4", tti_minutes: 2 });
    clock.now = T0 + 5 * MIN;
    expect((await em.call("POST", `${viaAlias("s1")}/events`, hi)).status).toBe(201); // events.add
    expect(
      (await em.call("PATCH", viaAgent("s3"), { name: "three", tti_minutes: 3, secrets: { X: secret } }))
        .status,
    ).toBe(200); // session.patch
    expect((await em.call("DELETE", viaAgent("s1"))).status).toBe(204); // session.delete
    // s4 (tti 2, created at T0) has expired: its key is free again.
    expect(
      (await em.call("POST", "/v2/agent_aliases/al/sessions", { key: "s4", name: "again" })).status,
    ).toBe(201);
    await em.call("POST", "/v2/agent_aliases/al/sessions", { key: "s5", tti_minutes: 60 });

    const probe = async (t: number): Promise<Json[]> => {
      clock.now = t;
      const out: Json[] = [];
      for (const path of [
        viaAlias("s1"),
        "/v2/agents/a2/sessions/s2",
        viaAgent("s3"),
        viaAgent("s4"),
        `${viaAgent("s4")}/events`,
        viaAlias("s5"),
        "/v2/agents/a1/sessions",
        "/v2/agent_aliases/al/sessions",
        "/v2/agents/a2/sessions",
        "/v2/agents/a2",
        "/v2/agents/tmp",
      ]) {
        const r = await em.call("GET", path);
        out.push({ path, status: r.status, body: r.status === 200 ? r.body : r.body.messages });
      }
      return out;
    };
    const times = [T0 + 5 * MIN, T0 + 8 * MIN, T0 + 8 * MIN + 1, T0 + 70 * MIN];
    const before: Json[][] = [];
    for (const t of times) before.push(await probe(t));
    // What the answers say, at 5 min: s1 deleted, s2 expired, s3 patched, s4 reborn, s5 there.
    expect(before[0]!.map((a: Json) => a.status)).toEqual([
      404, 404, 200, 200, 200, 200, 200, 200, 200, 200, 404,
    ]);
    expect(before[0]![2].body).toMatchObject({ name: "three", tti_minutes: 3, secrets: { X: "****" } });
    expect(before[0]![3].body).toMatchObject({ name: "again", status: "unstarted" });
    expect(before[0]![4].body.events).toEqual([]);
    // s3 expires 3 minutes after its PATCH (at 5 min); s5 after 60 minutes.
    expect(before[2]![2].status).toBe(404);
    expect(before[1]![2].status).toBe(200);
    expect(before[3]![5].status).toBe(404);
    await em.close();

    const text = readFileSync(file, "utf8");
    expect(text).not.toContain(secret);
    const ops = new Set(readJournal(file).records.map((r) => r.op));
    expect([...ops].sort()).toEqual([...JOURNAL_OPS].sort());

    // Replayed at any clock reading, the answers are the same.
    clock.now = T0 + 1000 * MIN;
    em = await start({ dataFile: file });
    try {
      const after: Json[][] = [];
      for (const t of times) after.push(await probe(t));
      expect(after).toEqual(before);
    } finally {
      await em.close();
    }
  });

  it("an expired session is dropped before eviction, the same way on replay", async () => {
    const file = dataFile();
    clock.now = T0;
    let em = await start({ dataFile: file, maxSessions: 2 });
    await populate(em);
    await em.call("POST", "/v2/agents/a1/sessions", { key: "old" }); // never expires
    await em.call("POST", "/v2/agents/a1/sessions", { key: "brief", tti_minutes: 1 });
    clock.now = T0 + 2 * MIN;
    await em.call("POST", "/v2/agents/a1/sessions", { key: "new" });
    // `brief` had expired, so nothing was evicted: `old` is still there.
    expect(await listKeys(em, "/v2/agents/a1")).toEqual(["old", "new"]);
    expect((await em.call("GET", "/_emulator/stats")).body.sessions).toMatchObject({ stored: 2, evicted: 0 });
    await em.close();
    em = await start({ dataFile: file, maxSessions: 2 });
    try {
      expect(await listKeys(em, "/v2/agents/a1")).toEqual(["old", "new"]);
      expect((await em.call("GET", "/_emulator/stats")).body.sessions).toMatchObject({
        stored: 2,
        evicted: 0,
      });
    } finally {
      await em.close();
    }
  });
});
