/**
 * 1,000 concurrent session creations interleaved with policy replacements: every creation is
 * answered, each session is resolved by exactly one of the policies (the agent it got is what
 * that policy gives for its context), its agent never changes afterwards, and the statistics
 * add up.
 */
import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../src/policy/index.js";
import { emulatorStatsSchema } from "../../src/wire/index.js";
import { type Json, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

const SESSIONS = 1000;
let e: TestEmulator;
const agents = new Agent({ keepAlive: true, maxSockets: 64 });
const control = new Agent({ keepAlive: true, maxSockets: 1 });

beforeAll(async () => {
  e = await startTestEmulator();
});
afterAll(async () => {
  agents.destroy();
  control.destroy();
  await e.close();
});

/** One JSON request over node:http through `agent` (bounded sockets, all requests in flight). */
function send(
  agent: Agent,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, e.url);
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      url,
      {
        method,
        agent,
        headers: {
          "x-api-key": e.apiKey,
          ...(data === undefined ? {} : { "content-type": "application/json" }),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: text === "" ? undefined : JSON.parse(text) }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

// Three policies over disjoint agents, so an agent names the policy that chose it.
const policies = [
  { type: "routed", rules: [{ targets: { type: "single", agent_key: "p1-only" } }] },
  {
    type: "routed",
    rules: [
      { match: "get('$.session.metadata.n') % 2 == 0", targets: { type: "single", agent_key: "p2-even" } },
      {
        targets: {
          type: "weighted",
          partition_by: "get('$.session.key')",
          options: [
            { agent_key: "p2-a", weight: 70 },
            { agent_key: "p2-b", weight: 30 },
          ],
        },
      },
    ],
  },
  {
    type: "routed",
    rules: [
      {
        targets: {
          type: "weighted",
          partition_by: "get('$.session.metadata.user')",
          options: [
            { agent_key: "p3-a", weight: 50 },
            { agent_key: "p3-b", weight: 50 },
          ],
        },
      },
    ],
  },
];
const resolvers = policies.map((policy) => compilePolicy({ key: "busy", name: "Busy", policy }));

describe("policy replacement under concurrent session creation", () => {
  it("resolves each of 1,000 concurrent sessions by exactly one policy, and the stats add up", async () => {
    for (const key of ["p1-only", "p2-even", "p2-a", "p2-b", "p3-a", "p3-b"]) {
      expect((await e.call("POST", "/v2/agents", { key, name: key })).status).toBe(201);
    }
    expect(
      (await e.call("POST", "/v2/agent_aliases", { key: "busy", name: "Busy", policy: policies[0] })).status,
    ).toBe(201);

    let done = false;
    let replacements = 0;
    const replacer = (async () => {
      for (let i = 1; !done; i++) {
        const r = await send(control, "PUT", "/v2/agent_aliases/busy/policy", { policy: policies[i % 3] });
        expect(r.status).toBe(200);
        replacements++;
      }
    })();
    const created = await Promise.all(
      Array.from({ length: SESSIONS }, (_, n) =>
        send(agents, "POST", "/v2/agent_aliases/busy/sessions", {
          key: `s-${n}`,
          name: `Session ${n}`,
          metadata: { n, user: `user-${n % 97}` },
        }),
      ),
    ).finally(() => {
      done = true;
    });
    await replacer;
    expect(replacements).toBeGreaterThan(0);

    const perAgent = new Map<string, number>();
    const policiesSeen = new Set<number>();
    for (const [n, r] of created.entries()) {
      expect(r.status).toBe(201);
      const s = r.body;
      expect(s.key).toBe(`s-${n}`);
      const context = {
        agent: { key: "busy", name: "Busy", description: "", metadata: {} },
        session: { key: s.key, name: s.name, description: "", metadata: s.metadata },
      };
      const candidates = resolvers.map((p) => p.resolve(context).agent_key);
      const which = candidates.indexOf(s.agent_key);
      expect(
        which,
        `session ${s.key} got ${s.agent_key}; the policies give ${candidates.join(", ")}`,
      ).not.toBe(-1);
      policiesSeen.add(which);
      perAgent.set(s.agent_key, (perAgent.get(s.agent_key) ?? 0) + 1);
    }
    // Replacements ran throughout, so more than one policy resolved sessions.
    expect(policiesSeen.size).toBeGreaterThan(1);

    // A session's agent is fixed at creation.
    const listed = new Map<string, string>();
    let pageKey: string | undefined;
    do {
      const r = await e.call(
        "GET",
        `/v2/agent_aliases/busy/sessions?limit=100${pageKey ? `&page_key=${pageKey}` : ""}`,
      );
      for (const s of r.body.sessions) listed.set(s.key, s.agent_key);
      pageKey = r.body.metadata.page_key;
    } while (pageKey !== undefined);
    expect(listed.size).toBe(SESSIONS);
    for (const r of created) expect(listed.get(r.body.key)).toBe(r.body.agent_key);

    const stats = emulatorStatsSchema.parse((await e.call("GET", "/_emulator/stats")).body).aliases.busy!;
    expect(stats.sessions).toBe(SESSIONS);
    expect(stats.routing_errors).toBe(0);
    expect(stats.agents).toEqual(Object.fromEntries(perAgent));
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    expect(sum(stats.agents)).toBe(SESSIONS);
    expect(Object.values(stats.rules).reduce((a, r) => a + r.sessions, 0)).toBe(SESSIONS);
    for (const r of Object.values(stats.rules)) expect(sum(r.agents)).toBe(r.sessions);
  });
});
