/**
 * `maxSessions` (`--max-sessions`): the emulator keeps at most N sessions; each session past
 * that evicts the oldest stored one, which then reads as not found on both paths, while the
 * stats go on counting every session. Replaying a data file with the same limit gives the same
 * sessions back, events of evicted sessions included without complaint.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_MAX_SESSIONS } from "../../src/emulator/index.js";
import { Store } from "../../src/emulator/state/store.js";
import { emulatorStatsSchema } from "../../src/wire/index.js";
import { cli } from "../helpers/cli.js";
import { startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const open: TestEmulator[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function emulator(maxSessions?: number, dataFile?: string): Promise<TestEmulator> {
  const e = await startTestEmulator({
    ...(maxSessions === undefined ? {} : { maxSessions }),
    ...(dataFile === undefined ? {} : { dataFile }),
  });
  open.push(e);
  return e;
}

async function seed(e: TestEmulator): Promise<void> {
  for (const key of ["a", "b"])
    expect((await e.call("POST", "/v2/agents", { key, name: key })).status).toBe(201);
  const alias = {
    key: "front",
    name: "front",
    policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "a" } }] },
  };
  expect((await e.call("POST", "/v2/agent_aliases", alias)).status).toBe(201);
}

async function stats(e: TestEmulator) {
  const res = await e.call("GET", "/_emulator/stats");
  expect(res.status).toBe(200);
  return emulatorStatsSchema.parse(res.body);
}

const create = async (e: TestEmulator, key: string) =>
  (await e.call("POST", "/v2/agent_aliases/front/sessions", { key })).status;
const readBoth = async (e: TestEmulator, key: string) => [
  (await e.call("GET", `/v2/agent_aliases/front/sessions/${key}`)).status,
  (await e.call("GET", `/v2/agents/a/sessions/${key}`)).status,
];

describe("emulator session limit", () => {
  it("evicts the oldest sessions past the limit; they read as not found; stats count all", async () => {
    const e = await emulator(3);
    await seed(e);
    for (const k of ["s1", "s2", "s3", "s4", "s5"]) expect(await create(e, k)).toBe(201);
    expect(await readBoth(e, "s1")).toEqual([404, 404]);
    expect(await readBoth(e, "s2")).toEqual([404, 404]);
    for (const k of ["s3", "s4", "s5"]) expect(await readBoth(e, k)).toEqual([200, 200]);
    const listed = await e.call("GET", "/v2/agent_aliases/front/sessions");
    expect(listed.body.sessions.map((s: { key: string }) => s.key)).toEqual(["s3", "s4", "s5"]);
    const st = await stats(e);
    expect(st.sessions).toEqual({
      created: 5,
      through_aliases: 5,
      direct: 0,
      stored: 3,
      evicted: 2,
      max_sessions: 3,
    });
    expect(st.aliases.front!.sessions).toBe(5);
    expect(st.aliases.front!.agents).toEqual({ a: 5 });
  });

  it("frees an evicted key for a new session, and a deleted session makes room without eviction", async () => {
    const e = await emulator(2);
    await seed(e);
    for (const k of ["s1", "s2", "s3"]) expect(await create(e, k)).toBe(201);
    expect(await create(e, "s1")).toBe(201); // s1 was evicted, its key is free; s2 goes now
    expect(await readBoth(e, "s2")).toEqual([404, 404]);
    expect((await e.call("DELETE", "/v2/agent_aliases/front/sessions/s3")).status).toBe(204);
    expect(await create(e, "s6")).toBe(201);
    expect(await readBoth(e, "s1")).toEqual([200, 200]);
    expect((await stats(e)).sessions).toMatchObject({ created: 5, stored: 2, evicted: 2 });
    // Direct sessions count against the same limit.
    expect((await e.call("POST", "/v2/agents/b/sessions", { key: "d1" })).status).toBe(201);
    expect(await readBoth(e, "s1")).toEqual([404, 404]);
    expect((await stats(e)).sessions).toMatchObject({ created: 6, direct: 1, stored: 2, evicted: 3 });
  });

  it("0 keeps every session; the default is DEFAULT_MAX_SESSIONS", async () => {
    const unlimited = await emulator(0);
    await seed(unlimited);
    for (let i = 0; i < 20; i++) expect(await create(unlimited, `s${i}`)).toBe(201);
    expect((await stats(unlimited)).sessions).toMatchObject({ stored: 20, evicted: 0, max_sessions: 0 });
    const byDefault = await emulator();
    expect((await stats(byDefault)).sessions.max_sessions).toBe(DEFAULT_MAX_SESSIONS);
    expect(DEFAULT_MAX_SESSIONS).toBe(10_000);
  });

  it("replays a data file to the same sessions, events of evicted sessions included", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agent-alias-limit-"));
    dirs.push(dir);
    const file = join(dir, "state.jsonl");
    const first = await emulator(2, file);
    await seed(first);
    for (const k of ["s1", "s2"]) expect(await create(first, k)).toBe(201);
    const events = { type: "input_message", messages: [{ type: "text", content: "hello" }] };
    expect((await first.call("POST", "/v2/agent_aliases/front/sessions/s1/events", events)).status).toBe(201);
    for (const k of ["s3", "s4"]) expect(await create(first, k)).toBe(201);
    const before = await stats(first);
    await first.close();
    open.splice(open.indexOf(first), 1);

    const again = await emulator(2, file);
    expect(await readBoth(again, "s1")).toEqual([404, 404]);
    expect(await readBoth(again, "s4")).toEqual([200, 200]);
    expect((await stats(again)).sessions).toEqual(before.sessions);
  });

  it("the command line takes --max-sessions and refuses a bad value", async () => {
    const help = await cli(["emulator", "--help"]);
    expect(help.stdout).toContain("--max-sessions N");
    const bad = await cli(["emulator", "--max-sessions", "lots"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--max-sessions must be an integer from 0 to 100000000; got 'lots'");
  });
});

describe("session limit bookkeeping (the store itself)", () => {
  /** A store with agents a and b and an alias `front` routing to a. */
  function store(limit: number): Store {
    const s = new Store(undefined, limit);
    s.createAgent({ key: "a", name: "a" });
    s.createAgent({ key: "b", name: "b" });
    s.createAlias({
      key: "front",
      name: "front",
      policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "a" } }] },
    });
    return s;
  }
  const keysOf = (s: Store) => {
    const keys: string[] = [];
    let after = 0;
    for (;;) {
      const page = s.listSessions({ alias: "front" }, { limit: 100, after });
      keys.push(...page.items.map((x) => x.key));
      if (page.next === undefined) return keys;
      after = page.next;
    }
  };

  it("keeps exactly the newest sessions under any mix of creates and deletes (against a model)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { minLength: 1, maxLength: 3000 }),
        (limit, ops) => {
          const s = store(limit);
          const model: string[] = [];
          let evicted = 0;
          ops.forEach(([create, pick], i) => {
            if (create || model.length === 0) {
              s.createAliasSession("front", { key: `s${i}` });
              model.push(`s${i}`);
              if (model.length > limit) {
                model.shift();
                evicted++;
              }
            } else {
              const [key] = model.splice(pick % model.length, 1);
              s.deleteSession({ alias: "front", session: key! });
            }
          });
          expect(keysOf(s)).toEqual(model);
          expect(s.stats({ calls: 0, status: 0, reset: 0, latency: 0 }).sessions).toMatchObject({
            stored: model.length,
            evicted,
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("holds no more than a bounded queue when sessions are created and deleted forever", () => {
    const s = store(10);
    for (let i = 0; i < 20_000; i++) {
      s.createAliasSession("front", { key: `s${i}` });
      s.deleteSession({ alias: "front", session: `s${i}` });
    }
    // The eviction queue of the store's tables (state/tables.ts).
    const queue = (s as unknown as { t: { queue: unknown[] } }).t.queue;
    expect(queue.length).toBeLessThanOrEqual(1025 + 10);
    expect(s.stats({ calls: 0, status: 0, reset: 0, latency: 0 }).sessions).toMatchObject({
      stored: 0,
      evicted: 0,
    });
  });
});
