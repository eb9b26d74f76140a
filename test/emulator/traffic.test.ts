/**
 * The traffic generator (`runTraffic`, `agent-alias emulator traffic`) against the real
 * emulator: bounded by count and by time at the rate asked, one input (one trace) per
 * session, the split per agent as the emulator counted it, metadata from the three forms of
 * a contexts file or from a pool of user ids whose partition keys repeat, a fatal failure
 * that stops the run, and the command's line, `--json` and exit codes.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readContexts,
  runEmulatorCommand,
  runTraffic,
  type TrafficResult,
} from "../../src/emulator/index.js";
import { tempFiles } from "../helpers/cli.js";
import { type Json, startTestEmulator, type TestEmulator } from "../helpers/emulator.js";

let e: TestEmulator;
beforeAll(async () => {
  e = await startTestEmulator({
    randomSeed: 3,
    apiKeys: ["test-key", "viewer-key=viewer"],
    agentProfiles: [
      "support-v1=errors=0.02,latency=100ms..200ms",
      "support-v2=errors=0.5,latency=400ms..800ms",
    ],
    seed: {
      agents: [
        { key: "support-v1", name: "v1" },
        { key: "support-v2", name: "v2" },
      ],
      aliases: [
        {
          key: "support",
          name: "Support",
          policy: {
            type: "routed",
            rules: [
              {
                match: "get('$.session.metadata.tier', '') == 'gold'",
                targets: { type: "single", agent_key: "support-v2" },
              },
              {
                targets: {
                  type: "weighted",
                  partition_by: "get('$.session.metadata.user_id', '')",
                  options: [
                    { agent_key: "support-v1", weight: 80 },
                    { agent_key: "support-v2", weight: 20 },
                  ],
                },
              },
            ],
          },
        },
      ],
    },
  });
});
afterAll(() => e.close());

const base = () => ({ url: e.url, apiKey: e.apiKey, alias: "support" });

async function stats(): Promise<Json> {
  return (await e.call("GET", "/_emulator/stats")).body.aliases.support;
}

/** The sessions of a run (by key prefix), as the emulator stores them. */
async function sessionsOf(prefix: string): Promise<Json[]> {
  const out: Json[] = [];
  let pageKey: string | undefined;
  do {
    const r = await e.call(
      "GET",
      `/v2/agent_aliases/support/sessions?limit=100${pageKey ? `&page_key=${pageKey}` : ""}`,
    );
    out.push(...r.body.sessions.filter((s: Json) => s.key.startsWith(prefix)));
    pageKey = r.body.metadata.page_key;
  } while (pageKey);
  return out;
}

describe("runTraffic", () => {
  it("stops at the count: one session and one input each, split by agent as the emulator counted", async () => {
    const before = await stats();
    const r = await runTraffic({ ...base(), rate: 5000, count: 400, seed: 1, keyPrefix: "count_" });
    expect(r).toMatchObject({ alias: "support", sessions: 400, inputs: 400, stopped: "count" });
    expect(r.failures).toEqual({ sessions: 0, inputs: 0, by_code: {} });
    const after = await stats();
    for (const [agent, counts] of Object.entries(r.agents)) {
      expect(counts.sessions).toBe(after.agents[agent] - (before.agents[agent] ?? 0));
      expect(counts.inputs).toBe(counts.sessions);
      // Every input's trace was read back, and the errors follow the profiles.
      expect(counts.traces).toBe(counts.sessions);
    }
    expect(r.traces).toEqual({
      read: 400,
      errors: (r.agents["support-v1"]!.errors ?? 0) + (r.agents["support-v2"]!.errors ?? 0),
    });
    const v1 = r.agents["support-v1"]!;
    const v2 = r.agents["support-v2"]!;
    expect(v1.sessions / 400).toBeGreaterThan(0.7);
    expect(v1.sessions / 400).toBeLessThan(0.9);
    expect(v2.errors! / v2.traces!).toBeGreaterThan(0.3);
    expect(v1.errors! / v1.traces!).toBeLessThan(0.08);
    expect(v1.p95_ms).toBeLessThanOrEqual(260);
    expect(v2.p95_ms).toBeGreaterThan(600);
    expect((await sessionsOf("count_")).length).toBe(400);
  });

  it("holds the rate, and stops starting sessions when the time is up", async () => {
    const paced = await runTraffic({ ...base(), rate: 100, count: 30, traces: false });
    expect(paced.sessions).toBe(30);
    // Session i starts at i / rate: the 30th at 290 ms.
    expect(paced.elapsed_ms).toBeGreaterThanOrEqual(285);

    const timed = await runTraffic({ ...base(), rate: 40, durationMs: 500, traces: false });
    expect(timed.stopped).toBe("duration");
    // 0, 25, 50 … 475 ms: 20 sessions start within 500 ms.
    expect(timed.sessions).toBeGreaterThanOrEqual(18);
    expect(timed.sessions).toBeLessThanOrEqual(21);
    expect(timed.elapsed_ms).toBeGreaterThanOrEqual(475);
    // The rate reported is the one achieved between the first start and the last: a start is
    // never early, so never above the rate asked for (how far below is the machine's load).
    expect(timed.rate_per_s).toBeGreaterThan(0);
    expect(timed.rate_per_s).toBeLessThanOrEqual(40.1);
  });

  it("both bounds: whichever comes first", async () => {
    const r = await runTraffic({ ...base(), rate: 50, count: 1000, durationMs: 200, traces: false });
    expect(r.stopped).toBe("duration");
    expect(r.sessions).toBeLessThanOrEqual(11);
    const c = await runTraffic({ ...base(), rate: 1000, count: 5, durationMs: 60_000, traces: false });
    expect(c).toMatchObject({ stopped: "count", sessions: 5 });
  });

  it("at most `concurrency` sessions in flight", async () => {
    // Every call takes 40 ms more: a session (two calls) at least 80 ms.
    const slow = await startTestEmulator({
      faults: { latency_ms: 40 },
      seed: { agents: [{ key: "a", name: "a" }] },
    });
    try {
      await slow.call("POST", "/v2/agent_aliases", {
        key: "s",
        name: "s",
        policy: { type: "routed", rules: [{ targets: { type: "single", agent_key: "a" } }] },
      });
      const run = (concurrency: number) =>
        runTraffic({
          url: slow.url,
          apiKey: slow.apiKey,
          alias: "s",
          rate: 100_000,
          count: 10,
          concurrency,
          traces: false,
        });
      const two = await run(2);
      expect(two.sessions).toBe(10);
      expect(two.elapsed_ms).toBeGreaterThanOrEqual(5 * 80 - 10);
      const ten = await run(10);
      expect(ten.sessions).toBe(10);
      expect(ten.elapsed_ms).toBeLessThan(5 * 80 - 10);
    } finally {
      await slow.close();
    }
  });

  it("user ids from a pool, drawn by seed: partition keys repeat and each user keeps its agent", async () => {
    const a = await runTraffic({
      ...base(),
      rate: 10_000,
      count: 300,
      users: 12,
      seed: 9,
      keyPrefix: "poolA_",
      traces: false,
    });
    const b = await runTraffic({
      ...base(),
      rate: 10_000,
      count: 300,
      users: 12,
      seed: 9,
      keyPrefix: "poolB_",
      traces: false,
    });
    expect(a.agents).toEqual(b.agents);
    const sa = await sessionsOf("poolA_");
    const sb = await sessionsOf("poolB_");
    const users = new Map<string, string>();
    for (const s of sa) {
      expect(s.metadata.user_id).toMatch(/^user-([1-9]|1[0-2])$/);
      const agent = users.get(s.metadata.user_id);
      if (agent !== undefined) expect(s.agent_key).toBe(agent);
      users.set(s.metadata.user_id, s.agent_key);
    }
    expect(users.size).toBe(12);
    // The same seed: session i gets the same user in both runs.
    const byIndex = (list: Json[], prefix: string) =>
      Object.fromEntries(list.map((s) => [s.key.slice(prefix.length), s.metadata.user_id]));
    expect(byIndex(sb, "poolB_")).toEqual(byIndex(sa, "poolA_"));
  });

  it("metadata from a file of samples, contexts or metadata objects, in turn", async () => {
    const dir = tempFiles({
      "samples.yaml":
        "samples:\n  - name: gold\n    context: { session: { metadata: { tier: gold, user_id: g1 }, name: Gold } }\n  - context: { session: { metadata: { user_id: s1 } } }\n",
      "contexts.json": JSON.stringify([{ session: { metadata: { tier: "gold" } } }, { session: {} }]),
      "metadata.json": JSON.stringify([{ user_id: "m1", tier: "gold" }, { user_id: "m2" }, { plan: "free" }]),
      "empty.json": "[]",
      "bad.json": '[{"session": {"metadata": 3}}]',
    });
    expect(readContexts(join(dir, "samples.yaml"))).toEqual([
      { metadata: { tier: "gold", user_id: "g1" }, name: "Gold" },
      { metadata: { user_id: "s1" } },
    ]);
    expect(readContexts(join(dir, "contexts.json"))).toEqual([
      { metadata: { tier: "gold" } },
      { metadata: {} },
    ]);
    expect(readContexts(join(dir, "metadata.json"))).toEqual([
      { metadata: { user_id: "m1", tier: "gold" } },
      { metadata: { user_id: "m2" } },
      { metadata: { plan: "free" } },
    ]);
    expect(() => readContexts(join(dir, "empty.json"))).toThrow(/must be a non-empty list/);
    expect(() => readContexts(join(dir, "bad.json"))).toThrow(
      /bad\.json: \[0\]\.session\.metadata: must be an object/,
    );
    expect(() => readContexts(join(dir, "missing.json"))).toThrow(/missing\.json: cannot read/);

    const r = await runTraffic({
      ...base(),
      rate: 10_000,
      count: 6,
      contexts: readContexts(join(dir, "metadata.json")),
      keyPrefix: "meta_",
      traces: false,
    });
    expect(r.sessions).toBe(6);
    const sessions = (await sessionsOf("meta_")).sort(
      (x, y) => Number(x.key.slice(5)) - Number(y.key.slice(5)),
    );
    expect(sessions.map((s) => s.metadata)).toEqual([
      { user_id: "m1", tier: "gold" },
      { user_id: "m2" },
      { plan: "free" },
      { user_id: "m1", tier: "gold" },
      { user_id: "m2" },
      { plan: "free" },
    ]);
    // Gold goes to support-v2 by its rule.
    expect(sessions[0].agent_key).toBe("support-v2");
    // With a pool as well, a context without a user_id gets one.
    const pooled = await runTraffic({
      ...base(),
      rate: 10_000,
      count: 3,
      users: 4,
      contexts: readContexts(join(dir, "metadata.json")),
      keyPrefix: "metapool_",
      traces: false,
    });
    expect(pooled.sessions).toBe(3);
    const third = (await sessionsOf("metapool_")).find((s) => s.key === "metapool_2");
    expect(third.metadata).toMatchObject({ plan: "free", user_id: expect.stringMatching(/^user-[1-4]$/) });
  });

  it("stops at a failure no retry mends, and says which", async () => {
    const gone = await runTraffic({ ...base(), alias: "nobody", rate: 1000, count: 500, traces: false });
    expect(gone.stopped).toBe("fatal");
    expect(gone.fatal).toBe("404 Alias not found or not currently active");
    expect(gone.sessions).toBe(0);
    expect(gone.failures.by_code.not_found).toBeLessThan(500);
    const viewer = await runTraffic({
      ...base(),
      apiKey: "viewer-key",
      rate: 1000,
      count: 50,
      traces: false,
    });
    expect(viewer).toMatchObject({
      stopped: "fatal",
      fatal: "403 Permissions do not allow creating sessions.",
    });
  });

  it("a signal stops it; sessions in flight finish", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const r = await runTraffic({
      ...base(),
      rate: 100,
      durationMs: 10_000,
      signal: controller.signal,
      traces: false,
    });
    expect(r.stopped).toBe("aborted");
    expect(r.sessions).toBeGreaterThan(5);
    expect(r.sessions).toBeLessThan(30);
    expect(r.inputs).toBe(r.sessions);
  });

  it("refuses bad options", async () => {
    await expect(runTraffic({ ...base(), rate: 0, count: 1 })).rejects.toThrow(
      "rate must be a number above 0; got 0",
    );
    await expect(runTraffic({ ...base(), rate: 1, count: 1.5 })).rejects.toThrow(
      "count must be a whole number",
    );
    await expect(runTraffic({ ...base(), rate: 1, keyPrefix: "no spaces" })).rejects.toThrow("keyPrefix");
  });
});

describe("agent-alias emulator traffic", () => {
  async function command(argv: string[], env: Record<string, string | undefined> = {}) {
    let out = "";
    let err = "";
    const code = await runEmulatorCommand(["traffic", ...argv], {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env,
    });
    return { code, out, err };
  }

  it("prints one line: sessions, the split with each agent's errors and p95, failed calls", async () => {
    const r = await command([
      "--url",
      e.url,
      "--api-key",
      e.apiKey,
      "--alias",
      "support",
      "--rate",
      "2000/s",
      "--count",
      "200",
    ]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out.split("\n")).toHaveLength(2);
    expect(r.out).toMatch(
      /^traffic via support: 200 sessions, 200 inputs in \d+ ms \([\d.]+\/s\); support-v1 \d+ \(\d+ errors of \d+ traces, [\d.]+%, p95 \d+ ms\), support-v2 \d+ \(\d+ errors of \d+ traces, [\d.]+%, p95 \d+ ms\); 0 failed calls\n$/,
    );
  });

  it("--json prints the result; the environment gives the URL and key", async () => {
    const r = await command(
      ["--alias", "support", "--rate", "6000/m", "--duration", "300ms", "--json", "--users", "3"],
      {
        AGENT_ALIAS_API_URL: e.url,
        AGENT_ALIAS_API_KEY: e.apiKey,
      },
    );
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out) as TrafficResult;
    expect(result).toMatchObject({ alias: "support", stopped: "duration" });
    expect(result.sessions).toBeGreaterThanOrEqual(25);
    expect(result.sessions).toBeLessThanOrEqual(31);
    expect(result.traces).toEqual({ read: result.sessions, errors: expect.any(Number) });
  });

  it("exit 1 when it cannot create sessions, 2 for bad options", async () => {
    const denied = await command([
      "--url",
      e.url,
      "--api-key",
      "viewer-key",
      "--alias",
      "support",
      "--rate",
      "10",
      "--count",
      "3",
    ]);
    expect(denied.code).toBe(1);
    expect(denied.out).toMatch(
      /^traffic via support: 0 sessions.*stopped: 403 Permissions do not allow creating sessions\.\n$/,
    );
    expect(denied.err).toBe(
      "agent-alias emulator traffic: stopped: 403 Permissions do not allow creating sessions.\n",
    );
    for (const [argv, message] of [
      [["--rate", "10"], "--alias is required"],
      [["--alias", "a"], "--rate is required (e.g. --rate 50/s)"],
      [["--alias", "a", "--rate", "fast"], "--rate: expected 50, 50/s or 3000/m; got 'fast'"],
      [
        ["--alias", "a", "--rate", "5", "--duration", "soon"],
        "--duration: expected 500ms, 60s, 2m; got 'soon'",
      ],
      [["--alias", "a", "--rate", "5", "--count", "0"], "--count must be a whole number >= 1; got '0'"],
      [
        ["--alias", "a", "--rate", "5", "--metadata-from", "/nonexistent/x.yaml"],
        "--metadata-from /nonexistent/x.yaml: cannot read",
      ],
      [["--alias", "a", "--rate", "5", "--colour"], "Unknown option '--colour'"],
    ] as [string[], string][]) {
      const r = await command(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err).toContain(`agent-alias emulator traffic: ${message}`);
      expect(r.out).toBe("");
    }
    const help = await command(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: agent-alias emulator traffic --alias KEY --rate R/);
  });
});
