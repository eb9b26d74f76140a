/**
 * Every journal record type (JOURNAL_OPS) is written by the emulator and replayed from its
 * data file: a restart on the file answers the same state, and each type matters to that
 * state (replaying the file without it gives another state, or fails). A record type added to
 * JOURNAL_OPS and not written below fails the first test.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readJournal } from "../../src/emulator/journal/index.js";
import { JOURNAL_OPS, type JournalRecord } from "../../src/emulator/state/records.js";
import { Store } from "../../src/emulator/state/store.js";
import { type Json, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function dataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-journal-ops-"));
  dirs.push(dir);
  return join(dir, "state.jsonl");
}

const single = (agent_key: string) => ({
  type: "routed",
  rules: [{ targets: { type: "single", agent_key } }],
});
const input = (content: string) => ({ type: "input_message", messages: [{ type: "text", content }] });

/** Writes each record type at least once, leaving a visible trace of each in the final state. */
async function populate(em: TestEmulator): Promise<void> {
  const ok = async (method: string, path: string, body: unknown, status: number) => {
    const r = await em.call(method, path, body);
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(status);
  };
  // agent.put (create and patch), agent.delete
  for (const key of ["v1", "v2", "gone"]) await ok("POST", "/v2/agents", { key, name: `Agent ${key}` }, 201);
  await ok("PATCH", "/v2/agents/v2", { description: "the canary", metadata: { tier: 2 } }, 200);
  await ok("DELETE", "/v2/agents/gone", undefined, 204);
  // alias.put (create, patch, policy), alias.delete
  await ok("POST", "/v2/agent_aliases", { key: "support", name: "Support", policy: single("v1") }, 201);
  await ok("POST", "/v2/agent_aliases", { key: "temp", name: "Temp", policy: single("v1") }, 201);
  await ok("PATCH", "/v2/agent_aliases/support", { description: "front door" }, 200);
  await ok("PUT", "/v2/agent_aliases/support/policy", { policy: single("v2") }, 200);
  await ok("DELETE", "/v2/agent_aliases/temp", undefined, 204);
  // session.create (through the alias and through an agent), session.patch, session.delete
  await ok("POST", "/v2/agent_aliases/support/sessions", { key: "s1", metadata: { user_id: "u1" } }, 201);
  await ok("POST", "/v2/agents/v1/sessions", { key: "s2", name: "direct" }, 201);
  await ok("POST", "/v2/agents/v1/sessions", { key: "s3" }, 201);
  await ok("PATCH", "/v2/agent_aliases/support/sessions/s1", { name: "renamed", tti_minutes: 60 }, 200);
  await ok("DELETE", "/v2/agents/v1/sessions/s3", undefined, 204);
  // events.add and trace.add (each answered input yields its trace)
  await ok("POST", "/v2/agent_aliases/support/sessions/s1/events", input("hi"), 201);
  await ok("POST", "/v2/agents/v1/sessions/s2/events", input("hello"), 201);
}

/** Everything the API answers about the state, read through it. */
async function answers(em: TestEmulator): Promise<Json> {
  const get = async (path: string) => {
    const r = await em.call("GET", path);
    expect(r.status, `GET ${path}`).toBe(200);
    return r.body;
  };
  const agents: Json[] = (await get("/v2/agents?limit=100")).agents;
  const aliases: Json[] = (await get("/v2/agent_aliases?limit=100")).aliases;
  const sessions: Record<string, Json> = {};
  for (const base of [
    ...agents.map((a) => `/v2/agents/${a.key}`),
    ...aliases.map((a) => `/v2/agent_aliases/${a.key}`),
  ]) {
    const list: Json[] = (await get(`${base}/sessions?limit=100`)).sessions;
    for (const s of list)
      sessions[`${base}/sessions/${s.key}`] = {
        session: s,
        events: (await get(`${base}/sessions/${s.key}/events?limit=100`)).events,
      };
  }
  const traces = (await get("/v2/agent_analytics/traces?limit=100")).traces;
  expect(traces).toHaveLength(2);
  return { agents, aliases, sessions, traces, stats: await get("/_emulator/stats") };
}

/** The state of a Store, read through its API (no HTTP). */
function storeState(store: Store): Json {
  const page = { limit: 100, after: 0 };
  const agents = store.listAgents(page).items;
  return {
    agents,
    aliases: store.listAliases(page, {}).items,
    sessions: agents.flatMap((a) =>
      store.listSessions({ agent: a.key }, page).items.map((s) => ({
        session: s,
        events: store.listEvents({ agent: a.key, session: s.key }, page).items,
      })),
    ),
    traces: store.listTraces({}, page).items,
  };
}

function replayed(records: readonly JournalRecord[]): Json {
  const store = new Store();
  for (const r of records) store.replay(r);
  return storeState(store);
}

describe("journal record types", () => {
  it("every type of JOURNAL_OPS is written, and a restart replays the same state", async () => {
    const file = dataFile();
    let em = await startTestEmulator({ dataFile: file });
    let before: Json;
    try {
      await populate(em);
      before = await answers(em);
    } finally {
      await em.close();
    }
    const ops = new Set(readJournal(file).records.map((r) => r.op));
    // Fails when a record type is added to JOURNAL_OPS and populate() does not write it.
    expect([...ops].sort()).toEqual([...JOURNAL_OPS].sort());

    em = await startTestEmulator({ dataFile: file });
    try {
      expect(await answers(em)).toEqual(before);
    } finally {
      await em.close();
    }
  });

  it("each type is replayed: without its records the state differs", async () => {
    const file = dataFile();
    const em = await startTestEmulator({ dataFile: file });
    try {
      await populate(em);
    } finally {
      await em.close();
    }
    const records = readJournal(file).records;
    const all = replayed(records);
    for (const op of JOURNAL_OPS) {
      const without = records.filter((r) => r.op !== op);
      expect(without.length, `${op} is in the file`).toBeLessThan(records.length);
      let state: Json;
      try {
        state = replayed(without);
      } catch {
        continue; // the other records need it (e.g. sessions name their agent)
      }
      expect(state, `replaying without ${op}`).not.toEqual(all);
    }
  });
});
