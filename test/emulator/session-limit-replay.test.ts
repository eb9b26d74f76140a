/**
 * A restart with another `--max-sessions` gives the right sessions back: the sessions stored
 * when the emulator stopped; with a lower limit, the newest of them up to it (those evictions
 * journaled, so a later restart with a higher limit does not bring them back). An evicted
 * session never comes back; a live one is never lost to a key that an older one held.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { createEmulator, type Emulator } from "../../src/emulator/index.js";
import type { Json } from "../helpers/emulator.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function dataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "agent-alias-limit-replay-"));
  dirs.push(dir);
  return join(dir, "state.jsonl");
}

const H = { "x-api-key": "k", "content-type": "application/json" };

async function call(
  em: Emulator,
  method: string,
  url: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const r = await em.inject({
    method: method as "GET",
    url,
    headers: H,
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: r.statusCode, body: r.body === "" ? undefined : r.json() };
}

async function open(file: string, maxSessions: number, logs: string[] = []): Promise<Emulator> {
  return createEmulator({ dataFile: file, maxSessions, apiKey: "k", log: (l) => logs.push(l) });
}

async function setUp(em: Emulator): Promise<void> {
  for (const key of ["a", "b"])
    expect((await call(em, "POST", "/v2/agents", { key, name: key })).status).toBe(201);
  const policy = { type: "routed", rules: [{ targets: { type: "single", agent_key: "a" } }] };
  expect((await call(em, "POST", "/v2/agent_aliases", { key: "front", name: "front", policy })).status).toBe(
    201,
  );
}

/** Every stored session as `agent/key/name`, in creation order per agent. */
async function stored(em: Emulator): Promise<string[]> {
  const out: string[] = [];
  for (const agent of ["a", "b"]) {
    const r = await call(em, "GET", `/v2/agents/${agent}/sessions?limit=100`);
    for (const s of r.body.sessions as Json[]) out.push(`${agent}/${s.key}/${s.name}`);
  }
  return out;
}

async function stats(em: Emulator): Promise<Json> {
  return (await call(em, "GET", "/_emulator/stats")).body.sessions;
}

describe("replay under another --max-sessions", () => {
  it("a higher limit brings no evicted session back, and keeps the live one that reused its key", async () => {
    const file = dataFile();
    let em = await open(file, 2);
    await setUp(em);
    for (const key of ["s1", "s2", "s3"])
      expect((await call(em, "POST", "/v2/agent_aliases/front/sessions", { key })).status).toBe(201);
    // s1 was evicted: its key is free, and the new s1 evicts s2.
    expect(
      (await call(em, "POST", "/v2/agent_aliases/front/sessions", { key: "s1", name: "again" })).status,
    ).toBe(201);
    const before = await stored(em);
    expect(before).toEqual(["a/s3/s3", "a/s1/again"]);
    const st = await stats(em);
    await em.close();

    for (const limit of [0, 3, 10, 2]) {
      em = await open(file, limit);
      try {
        expect(await stored(em), `--max-sessions ${limit}`).toEqual(before);
        expect((await call(em, "GET", "/v2/agent_aliases/front/sessions/s2")).status).toBe(404);
        expect((await call(em, "GET", "/v2/agent_aliases/front/sessions/s1")).body.name).toBe("again");
        expect(await stats(em)).toEqual({ ...st, max_sessions: limit });
      } finally {
        await em.close();
      }
    }
  });

  it("a lower limit keeps the newest sessions, and journals the evictions", async () => {
    const file = dataFile();
    let em = await open(file, 10);
    await setUp(em);
    for (const key of ["s1", "s2", "s3", "s4"])
      expect((await call(em, "POST", "/v2/agents/b/sessions", { key })).status).toBe(201);
    await em.close();

    const logs: string[] = [];
    em = await open(file, 2, logs);
    try {
      expect(await stored(em)).toEqual(["b/s3/s3", "b/s4/s4"]);
      expect(logs.join("\n")).toMatch(/--max-sessions 2: evicted the 2 oldest stored session\(s\)/);
      expect(await stats(em)).toMatchObject({ created: 4, stored: 2, evicted: 2 });
    } finally {
      await em.close();
    }
    // Back to a higher limit: the evicted ones stay evicted.
    em = await open(file, 0);
    try {
      expect(await stored(em)).toEqual(["b/s3/s3", "b/s4/s4"]);
      expect(await stats(em)).toMatchObject({ created: 4, stored: 2, evicted: 2 });
    } finally {
      await em.close();
    }
  });

  it("gives the stored sessions back, or the newest of them, whatever the limits (model)", async () => {
    const key = fc.constantFrom("k0", "k1", "k2", "k3", "k4");
    const op = fc.oneof(
      fc.record({ kind: fc.constant("alias" as const), key }),
      fc.record({ kind: fc.constant("direct" as const), key, agent: fc.constantFrom("a", "b") }),
      fc.record({ kind: fc.constant("delete" as const), key, agent: fc.constantFrom("a", "b") }),
      fc.record({ kind: fc.constant("events" as const), key, agent: fc.constantFrom("a", "b") }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.array(op, { maxLength: 30 }),
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }),
        async (limit, ops, restarts) => {
          const file = dataFile();
          let em = await open(file, limit);
          let before: string[];
          /** Creation order of each stored `agent/key/name`. */
          const order = new Map<string, number>();
          try {
            await setUp(em);
            for (const [i, o] of ops.entries()) {
              const name = `${o.key}-${i}`;
              if (o.kind === "alias") {
                const r = await call(em, "POST", "/v2/agent_aliases/front/sessions", { key: o.key, name });
                if (r.status === 201) order.set(`a/${o.key}/${name}`, i);
              } else if (o.kind === "direct") {
                const r = await call(em, "POST", `/v2/agents/${o.agent}/sessions`, { key: o.key, name });
                if (r.status === 201) order.set(`${o.agent}/${o.key}/${name}`, i);
              } else if (o.kind === "delete") {
                await call(em, "DELETE", `/v2/agents/${o.agent}/sessions/${o.key}`);
              } else {
                await call(em, "POST", `/v2/agents/${o.agent}/sessions/${o.key}/events`, {
                  type: "input_message",
                  messages: [{ type: "text", content: "hi" }],
                });
              }
            }
            before = await stored(em);
          } finally {
            await em.close();
          }
          const byAge = (list: string[]) => [...list].sort((x, y) => order.get(x)! - order.get(y)!);
          let expected = byAge(before);
          for (const next of restarts) {
            em = await open(file, next);
            try {
              if (next > 0 && expected.length > next) expected = expected.slice(expected.length - next);
              expect(byAge(await stored(em)), `limit ${limit}, then ${restarts.join(", ")}`).toEqual(
                expected,
              );
            } finally {
              await em.close();
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
