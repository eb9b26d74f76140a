/** `?limit` and `?page_key`: walking a list visits every item exactly once, in creation order. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Json, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let e: TestEmulator;
beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  await e.close();
});

/** Follows `metadata.page_key` to the end; returns the keys of every page. */
async function walk(
  path: string,
  field: string,
  limit?: number,
  onPage?: (n: number) => Promise<void>,
): Promise<string[][]> {
  const pages: string[][] = [];
  let pageKey: string | undefined;
  do {
    const params = new URLSearchParams();
    if (limit !== undefined) params.set("limit", String(limit));
    if (pageKey !== undefined) params.set("page_key", pageKey);
    const sep = path.includes("?") ? "&" : "?";
    const r = await e.call("GET", `${path}${params.size > 0 ? sep + params : ""}`);
    expect(r.status).toBe(200);
    pages.push(r.body[field].map((x: Json) => x.key ?? x.id));
    pageKey = r.body.metadata.page_key;
    if (pageKey !== undefined) expect(r.body[field]).toHaveLength(limit ?? 10);
    await onPage?.(pages.length);
  } while (pageKey !== undefined && pages.length < 1000);
  return pages;
}

const single = (agent: string) => ({
  type: "routed",
  rules: [{ targets: { type: "single", agent_key: agent } }],
});

describe("pagination", () => {
  it("agents: default limit 10, every item once, in order; the last page has no page_key", async () => {
    const keys = Array.from({ length: 57 }, (_, i) => `agent-${String(i).padStart(2, "0")}`);
    for (const key of keys) expect((await e.call("POST", "/v2/agents", { key, name: key })).status).toBe(201);
    const pages = await walk("/v2/agents", "agents");
    expect(pages.map((p) => p.length)).toEqual([10, 10, 10, 10, 10, 7]);
    expect(pages.flat()).toEqual(keys);
    for (const limit of [1, 7, 56, 57, 100])
      expect((await walk("/v2/agents", "agents", limit)).flat()).toEqual(keys);
  });

  it("an exact multiple of the limit ends without an empty page", async () => {
    const pages = await walk("/v2/agents", "agents", 19);
    expect(pages.map((p) => p.length)).toEqual([19, 19, 19]);
  });

  it("writes between pages: deleted items vanish, new ones appear at the end, nothing is seen twice", async () => {
    const seen = await walk("/v2/agents", "agents", 10, async (n) => {
      if (n === 2) {
        await e.call("DELETE", "/v2/agents/agent-03"); // already seen
        await e.call("DELETE", "/v2/agents/agent-40"); // not yet seen
        await e.call("POST", "/v2/agents", { key: "agent-late", name: "late" });
      }
    });
    const flat = seen.flat();
    expect(new Set(flat).size).toBe(flat.length);
    expect(flat).toContain("agent-03");
    expect(flat).not.toContain("agent-40");
    expect(flat.at(-1)).toBe("agent-late");
  });

  it("aliases with a filter: every matching alias once across pages", async () => {
    const expected: string[] = [];
    for (let i = 0; i < 33; i++) {
      const enabled = i % 3 !== 0;
      await e.call("POST", "/v2/agent_aliases", {
        key: `alias-${i}`,
        name: `Alias ${i}`,
        enabled,
        policy: single("agent-00"),
      });
      if (enabled) expected.push(`alias-${i}`);
    }
    expect((await walk("/v2/agent_aliases?enabled=true", "aliases", 4)).flat()).toEqual(expected);
    expect((await walk("/v2/agent_aliases?aliased_agent_key=agent-00", "aliases", 100)).flat()).toHaveLength(
      33,
    );
  });

  it("sessions through an alias and through an agent, and events", async () => {
    const keys: string[] = [];
    for (let i = 0; i < 23; i++) {
      const r = await e.call("POST", "/v2/agent_aliases/alias-1/sessions", { name: `s ${i}` });
      keys.push(r.body.key);
    }
    expect((await walk("/v2/agent_aliases/alias-1/sessions", "sessions", 5)).flat()).toEqual(keys);
    expect((await walk("/v2/agents/agent-00/sessions", "sessions", 6)).flat()).toEqual(keys);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await e.call("POST", `/v2/agents/agent-00/sessions/${keys[0]}/events`, {
        type: "input_message",
        messages: [{ type: "text", content: `m${i}` }],
      });
      ids.push(...r.body.events.map((ev: Json) => ev.id));
    }
    expect((await walk(`/v2/agents/agent-00/sessions/${keys[0]}/events`, "events", 5)).flat()).toEqual(ids);
  });

  it("400 naming the parameter for a bad limit or page_key", async () => {
    for (const limit of ["0", "101", "-1", "1.5", "ten", ""]) {
      const r = await e.call("GET", `/v2/agents?limit=${limit}`);
      expect(r.status).toBe(400);
      expect(Object.keys(r.body.field_errors)).toEqual(["limit"]);
    }
    const twice = await e.call("GET", "/v2/agents?limit=5&limit=6");
    expect(twice.status).toBe(400);
    expect(Object.keys(twice.body.field_errors)).toEqual(["limit"]);
    const garbage = await e.call("GET", "/v2/agents?page_key=not-a-key");
    expect(garbage.body.field_errors).toEqual({ page_key: "page_key: is not a page key of this list" });
    const agentsKey = (await e.call("GET", "/v2/agents?limit=1")).body.metadata.page_key;
    const foreign = await e.call("GET", `/v2/agent_aliases?page_key=${agentsKey}`);
    expect(foreign.status).toBe(400);
    expect(foreign.body.field_errors).toEqual({ page_key: "page_key: is not a page key of this list" });
    const unknown = await e.call("GET", "/v2/agents?offset=10");
    expect(unknown.body.field_errors).toEqual({ offset: "offset: unknown field 'offset'" });
  });
});
